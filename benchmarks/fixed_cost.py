"""The fixed cost of a fit: the first of a network in a process, and later ones.

A grid search fits clones of one network again and again. This times, in one
process, fits of an ``LSTMRegressor(units=16)`` on 400 windows of 20 steps
(the search benchmark's size): the first fit, then later fits of clones with
other seeds, each of 1 epoch (almost all fixed cost) and of 20 epochs, and
one ``predict`` of the windows after each. The fixed cost of a later fit is
at most its 1-epoch time, which includes one epoch of 13 updates.

    python benchmarks/fixed_cost.py --backend tensorflow
    python benchmarks/fixed_cost.py --backend jax
"""

import statistics
import sys
import time

from run import backend_parser, select_backend


def main(argv=None):
    parser = backend_parser(__doc__)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    select_backend(args.backend, sys.argv[1:])

    import numpy as np
    from sklearn.base import clone

    from sklstm import LSTMRegressor

    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 20, 1)).astype(np.float32)
    y = X[:, -1, 0] + 0.1 * rng.normal(size=400)
    template = LSTMRegressor(units=16, batch_size=32)

    def fit(epochs, seed):
        start = time.perf_counter()
        estimator = clone(template).set_params(epochs=epochs, random_state=seed)
        estimator.fit(X, y).predict(X)
        return time.perf_counter() - start

    first = fit(1, 0)
    later = {
        epochs: [fit(epochs, seed) for seed in range(1, args.repeats + 1)]
        for epochs in (1, 20)
    }
    print(f"backend {args.backend}, {args.repeats} later fits each")
    print("| fit + predict | seconds |\n| --- | --- |")
    print(f"| first, 1 epoch | {first:.2f} |")
    for epochs, times in later.items():
        print(
            f"| later, {epochs} epoch{'s' * (epochs > 1)}, median (min-max) | "
            f"{statistics.median(times):.3f} ({min(times):.3f}-{max(times):.3f}) |"
        )


if __name__ == "__main__":
    sys.exit(main())
