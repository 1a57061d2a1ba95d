"""Fuzzing: random, mostly bad, input to every public entry point.

Each case calls ``fit``, ``predict``, ``predict_proba``, ``score``,
``transform`` or ``make_windows`` with random shapes, dtypes, layouts, NaN and
infinite values, empty and ragged arrays, object and string arrays, things
that are no array at all (None, scalars, strings, dicts, sets, generators),
huge or zero window sizes and bad hyperparameters. A case passes when the call either
raises one of the documented exceptions with a message, or returns output of
the promised shape, dtype and range. ``tests/test_fuzz.py`` runs a few hundred
cases; run ``python tests/fuzz.py --cases 10000`` for the full count.
"""

import argparse
import collections
import math
import os
import signal
import sys
import time
import traceback

import numpy as np
import pandas as pd
from sklearn.exceptions import NotFittedError

#: What a caller may see: bad input and bad hyperparameters raise ValueError
#: (NotFittedError and scikit-learn's InvalidParameterError are ValueErrors)
#: or TypeError; a diverging fit raises FloatingPointError.
DOCUMENTED = (ValueError, TypeError, NotFittedError, FloatingPointError)
#: Seconds one case may take before it counts as a hang.
CASE_TIMEOUT = 120

_DTYPES = ["float64", "float32", "int64", "int32", "bool", "object", "str"]
_SIZES = [0, 1, 2, 3, 5]
_WINDOW_SIZES = [0, -3, 1, 2, 4, 7, 2**40, 2**62, 2.5, "3", None, True, np.int64(3)]


def not_an_array(rng):
    """Something that is no array at all, as a hurried caller might pass."""
    if rng.random() < 0.3:
        return None
    kinds = [
        lambda: float(rng.normal()),
        lambda: int(rng.integers(10)),
        lambda: "abc",
        lambda: b"abc",
        lambda: {"a": [1.0, 2.0]},
        lambda: {1.0, 2.0},
        lambda: (float(v) for v in rng.normal(size=3)),
        lambda: np.float32(1.5),
        lambda: np.array(2.0),
        lambda: object(),
    ]
    return kinds[rng.integers(len(kinds))]()


class Hang(Exception):
    """A case ran longer than ``CASE_TIMEOUT`` seconds."""


def random_array(rng, sizes=_SIZES):
    """A random array-like: any dimension, dtype, layout and bad values.

    A third of the arrays are clean float sequences of shape
    ``(n_samples, n_timesteps, 2)``, which the fitted estimators accept; one
    in seven is no array at all (``not_an_array``).
    """
    if rng.random() < 0.15:
        return not_an_array(rng)
    if rng.random() < 1 / 3:
        shape = (int(rng.integers(1, 6)), int(rng.integers(1, 5)), 2)
        return rng.normal(size=shape).astype(str(rng.choice(["float32", "float64"])))
    ndim = int(rng.choice([0, 1, 2, 3, 4], p=[0.05, 0.2, 0.3, 0.4, 0.05]))
    shape = tuple(int(rng.choice(sizes)) for _ in range(ndim))
    values = rng.normal(size=shape)
    if values.size and rng.random() < 0.3:
        bad = rng.choice([np.nan, np.inf, -np.inf, 1e300, 1e30])
        values.flat[rng.integers(values.size)] = bad
    dtype = str(rng.choice(_DTYPES, p=[0.4, 0.15, 0.1, 0.05, 0.05, 0.15, 0.1]))
    if dtype == "object":
        array = values.astype(object)
        if array.size and rng.random() < 0.5:
            array.flat[0] = rng.choice(["a", None, "1.5", b"x", 1 + 2j])
    elif dtype == "str":
        array = values.astype(str)
    else:
        with np.errstate(invalid="ignore", over="ignore"):
            array = values.astype(dtype)
    layout = rng.choice(["C", "F", "strided", "list", "frame", "ragged"])
    if layout == "F":
        array = np.asfortranarray(array)
    elif layout == "strided" and array.ndim:
        array = np.repeat(array, 2, axis=0)[::2]
    elif layout == "list":
        return array.tolist()
    elif layout == "frame" and array.ndim == 2:
        return pd.DataFrame(array, columns=[f"c{i}" for i in range(array.shape[1])])
    elif layout == "ragged" and array.ndim >= 2:
        lengths = rng.integers(0, array.shape[1] + 1, size=len(array))
        return [array[i, :length] for i, length in enumerate(lengths)]
    return array


def random_target(rng, n):
    """A random ``y``: right or wrong length, numeric or labels, bad values."""
    n = n if rng.random() < 0.8 else int(rng.choice(_SIZES))
    kind = rng.choice(["float", "int", "str", "2d", "nan", "object", "odd"])
    if kind == "odd":
        return not_an_array(rng)
    if kind == "2d":
        return rng.normal(size=(n, int(rng.choice([0, 1, 2]))))
    if kind == "int":
        return rng.integers(0, int(rng.choice([1, 2, 3])), size=n)
    if kind == "str":
        return np.array(["up", "down", "flat"])[rng.integers(0, 3, size=n)]
    if kind == "object":
        return np.array([rng.choice(["a", 1, None]) for _ in range(n)], dtype=object)
    y = rng.normal(size=n)
    if kind == "nan" and n:
        y[rng.integers(n)] = rng.choice([np.nan, np.inf, 1e30])
    return y


def random_params(rng):
    """Hyperparameters: small and valid, with one made bad half of the time."""
    params = {"units": 2, "epochs": 1, "batch_size": 4, "random_state": 0}
    if rng.random() < 0.5:
        name, value = list(_BAD_PARAMS)[rng.integers(len(_BAD_PARAMS))]
        params[name] = value
    return params


_BAD_PARAMS = [
    ("units", 0),
    ("units", -1),
    ("units", 2.5),
    ("units", "8"),
    ("units", ()),
    ("units", (2, 0)),
    ("epochs", 0),
    ("epochs", None),
    ("batch_size", 0),
    ("batch_size", 1.5),
    ("learning_rate", 0.0),
    ("learning_rate", -1.0),
    ("learning_rate", float("nan")),
    ("learning_rate", 1e6),
    ("dropout", 1.0),
    ("dropout", -0.1),
    ("validation_split", 1.0),
    ("validation_split", 0.99),
    ("optimizer", "no-such-optimizer"),
    ("optimizer", 3),
    ("loss", "no-such-loss"),
    ("metrics", ["no-such-metric"]),
    ("activation", "no-such-activation"),
    ("dense_units", (0,)),
    ("dense_units", 3),
    ("early_stopping", -1),
    ("callbacks", ["not a callback"]),
    ("random_state", "seed"),
    ("verbose", "loud"),
    ("bidirectional", "yes"),
]


class Fuzzer:
    """Run random cases and check each outcome.

    Parameters
    ----------
    seed : int
        Seed of the case generator: the same seed gives the same cases.
    """

    def __init__(self, seed):
        from sklstm import LSTMClassifier, LSTMRegressor

        self.rng = np.random.default_rng(seed)
        rng = np.random.default_rng(0)
        X = rng.normal(size=(12, 3, 2)).astype(np.float32)
        self.fitted = {
            "regressor": LSTMRegressor(units=2, epochs=1, random_state=0).fit(
                X, X[:, -1, 0]
            ),
            "classifier": LSTMClassifier(units=2, epochs=1, random_state=0).fit(
                X, np.array(["a", "b", "c"])[np.arange(12) % 3]
            ),
        }
        self.kinds = {
            "transform": self.case_transform,
            "make_windows": self.case_make_windows,
            "fit": self.case_fit,
            "predict": self.case_predict,
        }

    def run_case(self):
        """Run one random case: return ``(kind, outcome)``.

        ``outcome`` is ``"ok"`` or the name of a documented exception.

        Raises
        ------
        AssertionError
            If the call returned wrong output, raised an undocumented exception
            or an exception without a message, or hung.
        """
        kind = str(self.rng.choice(list(self.kinds), p=[0.3, 0.2, 0.2, 0.3]))
        case = self.kinds[kind]()
        try:
            with _time_limit(CASE_TIMEOUT):
                case()
        except DOCUMENTED as error:
            if not str(error).strip():
                name = type(error).__name__
                raise AssertionError(f"{kind}: {name} with no message") from error
            return kind, type(error).__name__
        except Hang:
            raise AssertionError(f"{kind}: no result after {CASE_TIMEOUT} s") from None
        except Exception as error:
            raise AssertionError(
                f"{kind}: undocumented {type(error).__name__}: {error}\n"
                + traceback.format_exc()
            ) from error
        return kind, "ok"

    def case_transform(self):
        from sklstm import SlidingWindowTransformer

        rng = self.rng
        window = SlidingWindowTransformer(
            window_size=_WINDOW_SIZES[rng.integers(len(_WINDOW_SIZES))],
            padding=str(rng.choice(["edge", "zero", "middle"])),
        )
        A, B = random_array(rng), random_array(rng)
        if rng.random() < 0.4:  # a clean series, continued by clean rows
            n_features = int(rng.integers(1, 4))
            A = rng.normal(size=(int(rng.integers(1, 30)), n_features))
            B = rng.normal(size=(int(rng.integers(0, 10)), n_features))

        def call():
            Xt = window.fit(A).transform(B)
            n_rows = len(B)
            assert Xt.shape == (n_rows, window.window_size, window.n_features_in_)
            assert Xt.dtype == np.float32 and np.isfinite(Xt).all()

        return call

    def case_make_windows(self):
        from sklstm import make_windows

        rng = self.rng
        series = random_array(rng)
        window_size = _WINDOW_SIZES[rng.integers(len(_WINDOW_SIZES))]
        horizon = [1, 2, 0, -1, 10**6, 1.5][rng.integers(6)]
        target = [None, 0, 1, 5, -1, "c0", [0, 1], [], "missing"][rng.integers(9)]
        if rng.random() < 0.3:  # a good call, with a random series length
            shape = (int(rng.integers(1, 30)), int(rng.integers(2, 4)))
            series = rng.normal(size=shape)
            window_size, horizon = int(rng.integers(1, 6)), int(rng.integers(1, 3))
            target = [None, 0, [0, 1]][rng.integers(3)]

        def call():
            X, y = make_windows(series, window_size, horizon=horizon, target=target)
            assert X.ndim == 3 and X.shape[1] == window_size
            assert len(y) == len(X) and np.isfinite(X).all() and np.isfinite(y).all()

        return call

    def case_fit(self):
        from sklstm import LSTMClassifier, LSTMRegressor

        rng = self.rng
        cls = [LSTMRegressor, LSTMClassifier][rng.integers(2)]
        estimator = cls(**random_params(rng))
        X = random_array(rng, sizes=[0, 1, 2, 3])
        y = random_target(rng, _length(X))
        if rng.random() < 0.3:  # good data, so that fits run too
            X = rng.normal(size=(int(rng.integers(4, 9)), 3, 2))
            y = rng.integers(0, 2, size=len(X))

        def call():
            estimator.fit(X, y)
            _check_predictions(estimator, X)

        return call

    def case_predict(self):
        rng = self.rng
        estimator = self.fitted[str(rng.choice(list(self.fitted)))]
        X = random_array(rng)
        method = str(rng.choice(["predict", "predict_proba", "score"]))

        def call():
            if method == "score":
                score = estimator.score(X, random_target(rng, _length(X)))
                # R² of one sample is undefined: NaN, with scikit-learn's warning.
                assert isinstance(score, float)
                assert not math.isnan(score) or _length(X) < 2
            elif method == "predict_proba" and not hasattr(estimator, "classes_"):
                assert not hasattr(estimator, "predict_proba")
            else:
                _check_predictions(estimator, X)

        return call


def _length(X):
    try:
        return len(X)
    except TypeError:
        return 0


def _check_predictions(estimator, X):
    """Predictions have one row per sequence, finite values, known labels."""
    y_pred = estimator.predict(X)
    assert len(y_pred) == _length(X)
    if hasattr(estimator, "classes_"):
        assert np.isin(y_pred, estimator.classes_).all()
        proba = estimator.predict_proba(X)
        assert proba.shape == (len(y_pred), len(estimator.classes_))
        assert np.isfinite(proba).all()
        np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-4)
    else:
        assert np.isfinite(y_pred).all()


class _time_limit:
    """Raise ``Hang`` in the main thread after ``seconds`` (POSIX only)."""

    def __init__(self, seconds):
        self.seconds = seconds

    def __enter__(self):
        def alarm(signum, frame):
            raise Hang

        self.previous = signal.signal(signal.SIGALRM, alarm)
        signal.alarm(self.seconds)

    def __exit__(self, *exc):
        signal.alarm(0)
        signal.signal(signal.SIGALRM, self.previous)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    fuzzer = Fuzzer(args.seed)
    counts, failures = collections.Counter(), []
    start = time.perf_counter()
    for i in range(args.cases):
        try:
            counts[fuzzer.run_case()] += 1
        except AssertionError as error:
            failures.append(f"case {i}: {error}")
            counts["FAILED", str(error).split(":")[0]] += 1
    seconds = time.perf_counter() - start
    print(f"{args.cases} cases in {seconds:.0f} s (seed {args.seed})")
    for (kind, outcome), n in sorted(counts.items()):
        print(f"  {kind:<13} {outcome:<20} {n:>6}")
    for failure in failures[:20]:
        print(failure, file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
