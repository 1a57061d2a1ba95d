"""Where an LSTM's training time goes: Keras's layer, a candidate, native PyTorch.

Run from the repository root, one process per Keras backend::

    python benchmarks/profile_lstm.py --backend jax
    python benchmarks/profile_lstm.py --backend tensorflow --workloads W3 --scale 0.2

For W2 and W3 of ``run.py`` (same data, network, batch size and epochs, no
validation split), three implementations train the network sklstm builds:
``keras.layers.LSTM`` ("keras"), ``projected_lstm.ProjectedLSTM``
("projected", the input projection of all time steps in one matrix product
before the loop) and the native ``nn.LSTM`` loop of ``torch_reference.py``
("torch"). Before timing, the script checks that the candidate's outputs
equal Keras's layer's on the same weights and stops if they do not. Per
implementation the table shows the fit end to end (build, compile, every
epoch), an epoch after the first, and the time of one training step and of
one forward pass on a batch, after compilation; the last two, divided by the
number of time steps, are the cost of a step of the time loop.
``--unroll both`` adds a column for each Keras layer with ``unroll=True``
(every time step written out in the graph, on a fixed number of steps).
"""

import os
import sys
import time
from dataclasses import replace

import numpy as np
from run import backend_parser, limit_threads

WORKLOADS = ("W2", "W3")


def parse_args(argv=None):
    """Parse the command line."""
    parser = backend_parser(__doc__, backends=("tensorflow", "jax"))
    parser.add_argument(
        "--workloads",
        default="W2,W3",
        type=lambda text: [w for w in WORKLOADS if w in text.upper().split(",")],
        help="comma-separated subset of W2,W3 (default: both)",
    )
    parser.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="multiplies the number of training rows (default: 1.0)",
    )
    parser.add_argument(
        "--repeats",
        type=int,
        default=1,
        help="fits per implementation, in rotating order; medians reported",
    )
    parser.add_argument(
        "--jit-compile",
        choices=("auto", "true"),
        default="auto",
        help="model.compile's jit_compile for the Keras columns: Keras's "
        "default (no XLA for TensorFlow on a CPU) or XLA everywhere",
    )
    parser.add_argument(
        "--unroll",
        choices=("false", "true", "both"),
        default="false",
        help="the Keras layers' unroll: a loop over time steps (Keras's "
        "default), every step written out in the graph, or a column of each",
    )
    parser.add_argument(
        "--threads", type=int, help="cap every framework's thread pools (run.py)"
    )
    return parser.parse_args(argv)


def main(argv=None):
    """Profile each workload and print one table per workload."""
    args = parse_args(argv)
    os.environ["KERAS_BACKEND"] = args.backend
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    limit_threads(args.threads)
    # Import keras only now that the backend and threads are set.
    import keras
    import workloads
    from projected_lstm import ProjectedLSTM

    check_matches_keras(ProjectedLSTM)
    jit_compile = args.jit_compile == "true" or "auto"

    fits = {}
    for unroll in {"false": (False,), "true": (True,), "both": (False, True)}[
        args.unroll
    ]:
        suffix = "+unroll" if unroll else ""
        for name, layer in (("keras", keras.layers.LSTM), ("projected", ProjectedLSTM)):
            fits[name + suffix] = fit_keras_layer(layer, jit_compile, unroll)
    fits["torch"] = fit_torch
    implementations = tuple(fits)
    load = os.getloadavg()[0]
    print(
        f"backend {args.backend} | jit_compile {jit_compile} | "
        f"unroll {args.unroll} | load {load:.2f}"
    )
    for name in args.workloads:
        X, y, training = _workload(name, args.scale, workloads)
        results = {impl: [] for impl in implementations}
        for impl in implementations:
            # Untimed: the process's one-time costs for these shapes.
            rows = slice(0, 2 * training.batch_size)
            fits[impl](X[rows], y[rows], replace(training, epochs=2))
        for repeat in range(args.repeats):
            shift = repeat % len(implementations)
            for impl in implementations[shift:] + implementations[:shift]:
                results[impl].append(fits[impl](X, y, training))
        medians = {
            impl: {key: float(np.median([r[key] for r in runs])) for key in runs[0]}
            for impl, runs in results.items()
        }
        print(_table(name, X, training, medians))
    print(f"load {os.getloadavg()[0]:.2f} at the end")
    return 0


def check_matches_keras(layer_class):
    """Raise AssertionError unless ``layer_class`` computes ``keras.layers.LSTM``.

    Both layers get the same weights; their outputs are compared for several
    settings, with a padding mask, and in training with dropout (same seed,
    same masks).
    """
    import keras

    rng = np.random.default_rng(0)
    X = rng.standard_normal((5, 6, 3)).astype("float32")
    # Rows padded with zeros at the end: 6, 4, 1, 3 and 5 real steps.
    mask = np.arange(6) < np.array([6, 4, 1, 3, 5])[:, None]
    cases = [
        ({}, {}),
        ({"return_sequences": True, "return_state": True}, {}),
        ({"go_backwards": True, "return_sequences": True}, {}),
        ({"use_bias": False, "activation": "relu"}, {}),
        ({"return_sequences": True}, {"mask": mask}),
        ({"dropout": 0.3, "recurrent_dropout": 0.4, "seed": 0}, {"training": True}),
    ]
    for params, call in cases:
        reference, candidate = keras.layers.LSTM(3, **params), layer_class(3, **params)
        reference.build(X.shape)
        candidate.build(X.shape)
        candidate.set_weights(reference.get_weights())
        for expected, actual in zip(
            keras.tree.flatten(reference(X, **call)),
            keras.tree.flatten(candidate(X, **call)),
            strict=True,
        ):
            np.testing.assert_allclose(
                keras.ops.convert_to_numpy(actual),
                keras.ops.convert_to_numpy(expected),
                rtol=1e-5,
                atol=1e-6,
                err_msg=f"{layer_class.__name__}({params}) called with {call}",
            )


def _workload(name, scale, workloads):
    """Training rows and settings of ``run.py``'s W2 or W3."""
    if name == "W2":
        X, y = workloads.sine_windows(workloads.scaled(5001, scale, 80))
        # The rows W2 trains on: 90 % of its 80 % training split.
        n = int(0.9 * int(0.8 * len(X)))
        return X[:n], y[:n], workloads.Training(units=(10,), epochs=20, batch_size=128)
    rng = np.random.default_rng(workloads.SEED)
    X = rng.standard_normal((workloads.scaled(50_000, scale, 64), 64, 8), "float32")
    y = X[:, -1, 0] + X[:, :, 1].mean(axis=1)
    return X, y, workloads.Training(units=(64, 32), epochs=2, batch_size=256)


def _table(name, X, training, results):
    """One workload's figures, and each implementation's speed against torch."""
    n_samples, n_timesteps, n_features = X.shape
    n_batches = -(-n_samples // training.batch_size)
    lines = [
        f"\n{name}: {n_samples} x {n_timesteps} x {n_features}, "
        f"LSTM{training.units}, batch {training.batch_size}, "
        f"{training.epochs} epochs, {n_batches} batches an epoch",
        f"{'':18}{'fit (s)':>9}{'fixed (s)':>11}{'samples/s':>11}"
        f"{'epoch (ms)':>12}{'us/t-step':>11}{'fwd (ms)':>10}"
        f"{'fit/torch':>11}{'epoch/torch':>13}",
    ]
    torch = results["torch"]
    for impl, r in results.items():
        lines.append(
            f"{impl:18}{r['fit_s']:9.2f}"
            f"{r['fit_s'] - training.epochs * r['epoch_s']:11.2f}"
            f"{n_samples * training.epochs / r['fit_s']:11,.0f}"
            f"{r['epoch_s'] * 1e3:12.1f}"
            f"{r['epoch_s'] / n_batches / n_timesteps * 1e6:11.1f}"
            f"{r['forward_s'] * 1e3:10.2f}"
            f"{r['fit_s'] / torch['fit_s']:11.2f}"
            f"{r['epoch_s'] / torch['epoch_s']:13.2f}"
        )
    return "\n".join(lines)


def fit_keras_layer(layer_class, jit_compile, unroll=False):
    """A fit of the network of ``run.py``'s Keras column built on ``layer_class``.

    With ``unroll``, the layers unroll their time loop, which needs the
    number of time steps in the network's input shape.
    """

    def fit(X, y, training):
        import keras
        import workloads

        workloads._fresh_start()
        timer = workloads.EpochTimer()
        start = time.perf_counter()
        keras.utils.set_random_seed(workloads.SEED)
        layers = [keras.Input((X.shape[1] if unroll else None, X.shape[2]))]
        for i, units in enumerate(training.units):
            last = i == len(training.units) - 1
            layers.append(layer_class(units, return_sequences=not last, unroll=unroll))
        model = keras.Sequential([*layers, keras.layers.Dense(1)])
        model.compile(optimizer="adam", loss="mse", jit_compile=jit_compile)
        model.fit(
            X,
            y,
            epochs=training.epochs,
            batch_size=training.batch_size,
            callbacks=[timer],
            verbose=0,
        )
        fit_s = time.perf_counter() - start
        xb = X[: training.batch_size]
        return _record(
            fit_s,
            timer.times,
            forward=lambda: model.predict_on_batch(xb),
        )

    return fit


def fit_torch(X, y, training):
    """A fit of ``torch_reference.py``'s loop, then its forward pass."""
    import torch
    import workloads

    model, record = workloads.fit_torch(X, y, training)
    xb = torch.from_numpy(X[: training.batch_size])

    def forward():
        with torch.inference_mode():
            model(xb)

    return _record(record["fit_s"], record["epoch_times_s"], forward=forward)


def _record(fit_s, epoch_times, **calls):
    """Fit figures, and the median seconds of each call after two warm-ups."""
    record = {"fit_s": fit_s, "epoch_s": float(np.median(epoch_times[1:]))}
    for name, call in calls.items():
        call(), call()
        times = []
        for _ in range(20):
            start = time.perf_counter()
            call()
            times.append(time.perf_counter() - start)
        record[f"{name}_s"] = float(np.median(times))
    return record


if __name__ == "__main__":
    sys.exit(main())
