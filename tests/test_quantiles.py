"""Quantile networks: pinball loss, ordered quantiles, calibrated intervals."""

import io
import json
import zipfile

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.compose import TransformedTargetRegressor
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import Ridge
from sklearn.metrics import make_scorer, mean_pinball_loss
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, MinMaxScaler, StandardScaler

import sklstm
from sklstm import LSTMRegressor, ModelFileError, SlidingWindowTransformer, _regressor
from sklstm._quantiles import PinballLoss
from sklstm._trend import ReferenceSkip, ZeroGate


def tiny(**params):
    """A 4-unit quantile network trained for 2 epochs, with ``params`` changed."""
    defaults = dict(units=4, epochs=2, batch_size=64, random_state=0)
    return LSTMRegressor(**{**defaults, "quantiles": (0.1, 0.9), **params})


@pytest.fixture(scope="module")
def data():
    """50 windows of 4 steps of a noisy sine, their next value and a second target."""
    rng = np.random.default_rng(0)
    series = np.sin(np.arange(54) / 3) + 0.1 * rng.standard_normal(54)
    X = np.stack([series[i : i + 4] for i in range(50)])[:, :, np.newaxis]
    y = series[4:]
    return X, y, np.column_stack([y, 2 * y])


@pytest.fixture(scope="module")
def single(data):
    X, y, _ = data
    return tiny().fit(X, y)


@pytest.fixture(scope="module")
def multi(data):
    X, _, Y = data
    return tiny(normalize="last").fit(X, Y)


def test_quantile_shapes_and_the_median_always_learned(data, single, multi):
    X, _, _ = data
    assert single.quantiles_ == multi.quantiles_ == (0.1, 0.5, 0.9)
    assert single.predict_quantiles(X).shape == (50, 3)
    assert single.predict_interval(X).shape == (50, 2)
    assert multi.predict_quantiles(X).shape == (50, 2, 3)
    assert multi.predict_interval(X, coverage=0.8).shape == (50, 2, 2)
    assert multi.predict(X).shape == (50, 2)


def test_predict_is_the_median(data, single, multi):
    X, _, _ = data
    assert_array_equal(single.predict(X), single.predict_quantiles(X)[:, 1])
    assert_array_equal(multi.predict(X), multi.predict_quantiles(X)[..., 1])


@pytest.mark.parametrize("seed", range(3))
def test_quantiles_never_cross_whatever_the_weights(data, multi, seed):
    # Ordered by construction: huge random weights in the last Dense layer
    # and a negative gate (which flips the sign of the free outputs) leave
    # the quantiles in order, to the last bit of the compiled pass, with the
    # skip of window normalisation added. The gate must act before the head.
    X, _, _ = data
    rng = np.random.default_rng(seed)
    network = multi.model_
    dense = next(layer for layer in network.layers if layer.name.startswith("dense"))
    gate = next(layer for layer in network.layers if isinstance(layer, ZeroGate))
    saved = network.get_weights()
    try:
        dense.set_weights(
            [rng.normal(scale=100, size=w.shape) for w in dense.get_weights()]
        )
        gate.gate.assign(-3.0)
        quantiles = multi.predict_quantiles(X * 10)
        interval = multi.predict_interval(X * 10, coverage=0.8)
    finally:
        network.set_weights(saved)
    assert np.all(np.diff(quantiles, axis=-1) >= 0)
    assert np.all(interval[..., 0] <= quantiles[..., 1])
    assert np.all(quantiles[..., 1] <= interval[..., 1])


def test_reference_skip_moves_every_quantile_of_a_target_alike(data, multi):
    # One least-squares fit per target (the second target is twice the
    # first), added to each of its three quantiles.
    X, _, Y = data
    skip = next(
        layer for layer in multi.model_.layers if isinstance(layer, ReferenceSkip)
    )
    kernel, bias = skip.kernel.numpy(), skip.bias.numpy()
    assert kernel.shape == (1, 2) and bias.shape == (2,)
    assert_allclose(kernel[:, 1], 2 * kernel[:, 0], rtol=1e-5)
    reference = X[:40, -1]
    coef = np.linalg.lstsq(np.c_[reference, np.ones(40)], Y[:40], rcond=None)[0]
    assert_allclose(np.r_[kernel, bias[None]], coef, rtol=1e-4, atol=1e-5)


def test_network_trains_on_the_rows_before_the_calibration_tail(data, single):
    X, y, _ = data
    alone = tiny(calibration_fraction=0).fit(X[:40], y[:40])
    assert_allclose(alone.predict_quantiles(X), single.predict_quantiles(X))
    assert_array_equal(single.calibration_targets_[:, 0], y[40:])
    assert_array_equal(
        single.calibration_quantiles_[:, 0], single.predict_quantiles(X[40:])
    )
    assert alone.calibration_quantiles_ is None and alone.calibration_targets_ is None


def test_validation_split_holds_out_the_end_of_the_rows_before_calibration(data):
    # 50 rows: the last 10 calibrate, and validation_split=0.25 of the 40
    # before them (rows 30 to 39) give val_loss, the pinball loss there.
    X, y, _ = data
    model = tiny(validation_split=0.25, epochs=1).fit(X, y)
    loss = PinballLoss(model.quantiles_)
    expected = float(loss(y[30:40, None], model.predict_quantiles(X[30:40])))
    assert_allclose(model.history_["val_loss"], [expected], rtol=1e-4)
    assert_array_equal(model.calibration_targets_[:, 0], y[40:])


def test_interval_covers_the_calibration_rows_at_the_conformal_rank(data, single):
    # The correction is the ceil(11 * 0.8) = 9th smallest of 10 scores: at
    # least 9 of the 10 calibration targets fall inside their intervals.
    X, y, _ = data
    interval = single.predict_interval(X[40:], coverage=0.8)
    inside = (interval[:, 0] <= y[40:]) & (y[40:] <= interval[:, 1])
    assert inside.sum() >= 9
    narrow = single.predict_interval(X[40:], coverage=0.5)
    assert np.all(narrow[:, 1] - narrow[:, 0] <= interval[:, 1] - interval[:, 0])


def _negated(regressor, y, inverse_func=np.negative):
    """A TransformedTargetRegressor fitted around `regressor` as if its target
    were ``-y``, mapped back by `inverse_func`."""
    negated = TransformedTargetRegressor(
        regressor=regressor, func=np.negative, inverse_func=inverse_func
    )
    negated.regressor_ = regressor
    negated.transformer_ = FunctionTransformer(
        np.negative, inverse_func, check_inverse=False
    ).fit(y[:, None])
    return negated


def test_raw_intervals_interpolate_learned_levels_and_refuse_beyond(data):
    X, y, _ = data
    model = tiny(quantiles=[0.1, 0.8], calibration_fraction=0).fit(X, y)
    q = model.predict_quantiles(X)
    # Coverage 0.6 needs the levels 0.2 (a quarter of the way from 0.1 to
    # 0.5) and 0.8 (learned).
    assert_allclose(
        model.predict_interval(X, coverage=0.6),
        np.c_[q[:, 0] * 0.75 + q[:, 1] * 0.25, q[:, 2]],
    )
    with pytest.raises(
        ValueError, match="coverage=0.7 needs the quantiles 0.15 and 0.85"
    ):
        model.predict_interval(X, coverage=0.7)
    # A decreasing target transform would turn these levels into 0.2, 0.5
    # and 0.9, which the network did not learn.
    flipped = _negated(model, y)
    with pytest.raises(ValueError, match="not symmetric about 0.5"):
        sklstm.predict_quantiles(flipped, X)
    assert_allclose(
        sklstm.predict_interval(flipped, X, coverage=0.6),
        -model.predict_interval(X, coverage=0.6)[:, ::-1],
    )


@pytest.mark.parametrize(
    "quantiles, match",
    [
        (0.5, "quantiles"),
        ("0.5", "quantiles"),
        ((), "at least one level"),
        ((0.0, 0.5), r"open interval \(0, 1\), got 0.0"),
        ((0.5, 1.0), r"open interval \(0, 1\), got 1.0"),
        ((float("nan"),), "got nan"),
        ((True, 0.9), "got True"),
        (("low", 0.9), "got 'low'"),
        ((0.9, 0.1), r"strictly increasing.*\(0.1, 0.9\)"),
        ((0.1, 0.1), "strictly increasing"),
        ([[0.1, 0.9]], "got \\[0.1, 0.9\\]"),
    ],
)
def test_bad_quantiles_raise(data, quantiles, match):
    X, y, _ = data
    with pytest.raises(ValueError, match=match):
        tiny(quantiles=quantiles).fit(X, y)


@pytest.mark.parametrize(
    ("coverage", "error"),
    [
        (0, ValueError),
        (0.0, ValueError),
        (1.0, ValueError),
        (1.5, ValueError),
        (-0.1, ValueError),
        (True, TypeError),
        ("0.9", TypeError),
        (None, TypeError),
    ],
)
def test_bad_coverage_raises(data, single, coverage, error):
    X, _, _ = data
    with pytest.raises(error, match="coverage"):
        single.predict_interval(X, coverage=coverage)
    with pytest.raises(error, match="coverage"):
        sklstm.predict_interval(single, X, coverage=coverage)


def test_coverage_needs_enough_calibration_rows(data, single):
    X, _, _ = data
    # ceil(0.9 / 0.1) = 9 rows suffice for 0.9; 0.95 needs 19.
    single.predict_interval(X, coverage=0.9)
    with pytest.raises(
        ValueError,
        match="coverage=0.95 needs at least 19 calibration rows, but the fit kept 10",
    ):
        single.predict_interval(X, coverage=0.95)


@pytest.mark.parametrize(
    "fraction, match",
    [
        (1.0, "calibration_fraction"),
        (-0.1, "calibration_fraction"),
        ("0.2", "calibration_fraction"),
        (1e-20, "fraction=1e-20 leaves no calibration samples of n_samples=50"),
        (0.99, "fraction=0.99 leaves no training samples of n_samples=50"),
    ],
)
def test_bad_calibration_fraction_raises(data, fraction, match):
    X, y, _ = data
    with pytest.raises(ValueError, match=match):
        tiny(calibration_fraction=fraction).fit(X, y)


def test_calibration_split_keeps_what_fit_reads_from_the_input(data):
    # A DataFrame keeps its column names, a list of sequences of different
    # lengths its padding, and a sample_weight too long is refused before
    # the split could cut it to size.
    X, y, _ = data
    frame = pd.DataFrame(X[:, :, 0], columns=["a", "b", "c", "d"])
    model = tiny(epochs=1).fit(frame, y)
    assert list(model.feature_names_in_) == ["a", "b", "c", "d"]
    assert model.predict_quantiles(frame).shape == (50, 3)
    sequences = [X[i, : 2 + i % 3] for i in range(50)]
    model = tiny(epochs=1).fit(sequences, y)
    assert model.calibration_quantiles_.shape == (10, 1, 3)
    with pytest.raises(
        ValueError, match=r"sample_weight.shape == \(51,\), expected \(50,\)"
    ):
        tiny(epochs=1).fit(X, y, sample_weight=np.ones(51))


def test_quantiles_refuse_another_loss(data):
    X, y, _ = data
    with pytest.raises(
        ValueError, match=r"loss='mae' cannot be combined with quantiles=\(0.1, 0.9\)"
    ):
        tiny(loss="mae").fit(X, y)


def test_warm_start_refuses_other_quantiles_and_keeps_the_network(data):
    X, y, _ = data
    model = tiny(quantiles=(0.1, 0.9), warm_start=True, epochs=1).fit(X, y)
    before = model.predict_quantiles(X)
    # The same levels, spelled differently, are the same network.
    model.set_params(quantiles=[0.1, 0.5, 0.9]).fit(X, y)
    assert len(model.history_["loss"]) == 2
    after = model.predict_quantiles(X)
    for quantiles in [(0.2, 0.8), None]:
        model.set_params(quantiles=quantiles)
        with pytest.raises(
            ValueError,
            match=r"quantiles=.* differs from the quantiles_=\(0.1, 0.5, 0.9\)",
        ):
            model.fit(X, y)
    model.set_params(quantiles=(0.1, 0.9))
    assert not np.array_equal(before, after)
    assert_array_equal(model.predict_quantiles(X), after)


def test_bad_calibration_rows_fail_before_training(data):
    # NaN in the last (calibration) target is found before the network
    # trains, so that a fitted estimator keeps its network.
    X, y, _ = data
    model = tiny(epochs=1).fit(X[:20], y[:20])
    before = model.predict_quantiles(X)
    y = y.copy()
    y[-1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        model.fit(X, y)
    assert len(model.calibration_targets_) == 4
    assert_array_equal(model.predict_quantiles(X), before)


@pytest.mark.parametrize("warm_start", [False, True])
def test_interrupted_calibration_leaves_the_estimator_as_it_was(
    data, monkeypatch, warm_start
):
    # Calibrating is part of the fit: interrupted there, a refit (new network
    # or warm start) gives back the network, history and calibration it had.
    X, y, _ = data
    model = tiny(epochs=1, warm_start=warm_start).fit(X, y)
    before = model.predict_quantiles(X), model.predict_interval(X)

    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    with monkeypatch.context() as patch:
        patch.setattr(_regressor, "predict_outputs", interrupt)
        with pytest.raises(KeyboardInterrupt):
            model.fit(X, y)
    assert len(model.history_["loss"]) == 1
    assert_array_equal(model.predict_quantiles(X), before[0])
    assert_array_equal(model.predict_interval(X), before[1])


def test_partial_fit_calibrates_on_the_tail_of_each_batch(data):
    X, y, _ = data
    model = tiny(calibration_fraction=0.5)
    model.partial_fit(X[:20], y[:20]).partial_fit(X[20:], y[20:])
    assert_array_equal(model.calibration_targets_[:, 0], y[35:])
    assert len(model.history_["loss"]) == 2


def test_quantile_methods_exist_only_with_quantiles(data):
    X, y, _ = data
    for name in ("predict_quantiles", "predict_interval"):
        assert not hasattr(LSTMRegressor(), name)
        assert hasattr(LSTMRegressor(quantiles=(0.1, 0.9)), name)
        with pytest.raises(NotFittedError):
            getattr(tiny(), name)(X)
    point = LSTMRegressor(units=2, epochs=1, random_state=0).fit(X, y)
    assert point.quantiles_ is None
    point.set_params(quantiles=(0.1, 0.9))
    with pytest.raises(NotFittedError, match="fitted with quantiles=None"):
        point.predict_quantiles(X)
    with pytest.raises(
        TypeError,
        match=r"LSTMRegressor\(quantiles=None\) is no LSTMRegressor with quantiles",
    ):
        sklstm.predict_quantiles(point.set_params(quantiles=None), X)


# -- through compositions ------------------------------------------------------


@pytest.fixture(scope="module")
def level_series():
    """A noisy sine around 100 and its next values, for a windowed pipeline."""
    rng = np.random.default_rng(0)
    series = 100 + 10 * np.sin(np.arange(61) / 4) + rng.standard_normal(61)
    return series[:60, np.newaxis], series[1:]


def _forecaster(**params):
    pipe = Pipeline(
        [
            ("scale", MinMaxScaler()),
            ("window", SlidingWindowTransformer(window_size=4)),
            ("lstm", tiny(**params)),
        ]
    )
    return TransformedTargetRegressor(regressor=pipe, transformer=StandardScaler())


@pytest.fixture(scope="module")
def forecaster(level_series):
    return _forecaster().fit(*level_series)


def test_pipeline_quantiles_come_back_on_the_original_scale(level_series, forecaster):
    X, _ = level_series
    quantiles = sklstm.predict_quantiles(forecaster, X)
    interval = sklstm.predict_interval(forecaster, X, coverage=0.8)
    assert quantiles.shape == (60, 3) and interval.shape == (60, 2)
    assert np.all(np.diff(quantiles, axis=-1) >= 0)
    assert_allclose(quantiles[:, 1], forecaster.predict(X), rtol=1e-6)
    assert np.all(
        (interval[:, 0] <= quantiles[:, 1]) & (quantiles[:, 1] <= interval[:, 1])
    )
    # The regressor's own outputs are on the standardized scale.
    lstm = forecaster.regressor_[-1]
    inner = lstm.predict_quantiles(forecaster.regressor_[:-1].transform(X))
    scaler = forecaster.transformer_
    assert_allclose(quantiles, inner * scaler.scale_ + scaler.mean_, rtol=1e-6)


def test_decreasing_target_transform_reverses_the_quantiles(level_series, forecaster):
    X, y = level_series
    negated = _negated(forecaster, y)
    assert_allclose(
        sklstm.predict_quantiles(negated, X),
        -sklstm.predict_quantiles(forecaster, X)[:, ::-1],
    )
    assert_allclose(
        sklstm.predict_interval(negated, X),
        -sklstm.predict_interval(forecaster, X)[:, ::-1],
    )
    # Squaring values of both signs keeps some rows in order and not others.
    negated = _negated(forecaster, y, inverse_func=lambda v: (v - 100) ** 2)
    with pytest.raises(ValueError, match="does not keep the quantiles in order"):
        sklstm.predict_quantiles(negated, X)


def test_an_inverse_undefined_at_a_bound_names_its_domain(level_series, forecaster):
    X, y = level_series
    # The series lies around 100: the quantiles and bounds below 100 have no
    # log(v - 100).
    logged = _negated(forecaster, y, inverse_func=lambda v: np.log(v - 100))
    with np.errstate(invalid="ignore", divide="ignore"):
        for predict in (sklstm.predict_quantiles, sklstm.predict_interval):
            with pytest.raises(ValueError, match="outside the domain of the inverse"):
                predict(logged, X)


def test_public_functions_need_a_fitted_quantile_regressor(level_series):
    X, y = level_series
    with pytest.raises(NotFittedError):
        sklstm.predict_quantiles(_forecaster(), X)
    ridge = Pipeline([("scale", MinMaxScaler()), ("ridge", Ridge())]).fit(X, y)
    with pytest.raises(TypeError, match="Ridge is no LSTMRegressor with quantiles"):
        sklstm.predict_interval(ridge, X)


def test_grid_search_scores_the_median_and_a_quantile(level_series):
    X, y = level_series

    def pinball_at_90(estimator, X, y):
        quantiles = sklstm.predict_quantiles(estimator, X)
        return -mean_pinball_loss(y, quantiles[:, 2], alpha=0.9)

    search = GridSearchCV(
        _forecaster(),
        {"regressor__lstm__units": [2, 3]},
        cv=TimeSeriesSplit(2),
        scoring={
            "median": make_scorer(
                mean_pinball_loss, alpha=0.5, greater_is_better=False
            ),
            "q90": pinball_at_90,
        },
        refit="median",
        error_score="raise",
    ).fit(X, y)
    # Quantiles on the series' scale (around 100): on the standardized scale
    # the 0.9 pinball loss would be about 0.9 * 100.
    assert np.all(search.cv_results_["mean_test_q90"] > -10)
    assert_array_equal(
        sklstm.predict_quantiles(search, X),
        sklstm.predict_quantiles(search.best_estimator_, X),
    )
    assert search.best_estimator_.regressor_[-1].quantiles_ == (0.1, 0.5, 0.9)


# -- model files ---------------------------------------------------------------


def test_model_file_round_trip_keeps_quantiles_and_intervals(
    level_series, forecaster, tmp_path
):
    X, _ = level_series
    sklstm.save(forecaster, tmp_path / "forecaster.sklstm")
    loaded = sklstm.load(tmp_path / "forecaster.sklstm")
    assert_array_equal(
        sklstm.predict_quantiles(loaded, X), sklstm.predict_quantiles(forecaster, X)
    )
    for coverage in (0.5, 0.9):
        assert_array_equal(
            sklstm.predict_interval(loaded, X, coverage=coverage),
            sklstm.predict_interval(forecaster, X, coverage=coverage),
        )
    assert isinstance(loaded.regressor_[-1].model_.loss, PinballLoss)


def _tampered(path, edit):
    """A copy of the model file at ``path``, its estimator's state edited."""
    target = path.with_name("tampered.sklstm")
    with zipfile.ZipFile(path) as old, zipfile.ZipFile(target, "w") as new:
        for name in old.namelist():
            content = old.read(name)
            if name == "sklstm.json":
                index = json.loads(content)
                edit(index["estimator"]["state"])
                content = json.dumps(index)
            new.writestr(name, content)
    return target


@pytest.mark.parametrize(
    "name, value",
    [
        ("quantiles_", {"tuple": [0.1, 0.9]}),
        ("quantiles_", {"tuple": [0.1, 0.4, 0.5]}),
        ("quantiles_", None),
        ("calibration_quantiles_", None),
        ("calibration_targets_", None),
        ("calibration_targets_", {"array": "a0"}),
    ],
)
def test_load_refuses_quantile_state_that_fit_does_not_make(
    single, tmp_path, name, value
):
    path = tmp_path / "single.sklstm"
    sklstm.save(single, path)

    def edit(state):
        state[name] = value

    with pytest.raises(ModelFileError, match=r"(quantiles|targets)_ must be"):
        sklstm.load(_tampered(path, edit))


def _with_arrays(path, edit):
    """A copy of the model file at ``path``, its stored arrays edited."""
    target = path.with_name("tampered.sklstm")
    with zipfile.ZipFile(path) as old, zipfile.ZipFile(target, "w") as new:
        for name in old.namelist():
            content = old.read(name)
            if name.endswith(".npz"):
                arrays = dict(np.load(io.BytesIO(content)))
                edit(arrays)
                buffer = io.BytesIO()
                np.savez(buffer, **arrays)
                content = buffer.getvalue()
            new.writestr(name, content)
    return target


def _calibration_member(path, name):
    with zipfile.ZipFile(path) as archive:
        index = json.loads(archive.read("sklstm.json"))
    return index["estimator"]["state"][name]["array"]


@pytest.mark.parametrize(
    "name, corrupt",
    [
        ("calibration_targets_", lambda a: np.full_like(a, np.nan)),
        ("calibration_quantiles_", lambda a: np.full_like(a, np.inf)),
        ("calibration_quantiles_", lambda a: a[..., ::-1].copy()),
    ],
)
def test_load_refuses_calibration_that_fit_cannot_make(single, tmp_path, name, corrupt):
    # NaN targets or crossing quantiles would give NaN or inverted intervals.
    path = tmp_path / "single.sklstm"
    sklstm.save(single, path)
    member = _calibration_member(path, name)

    def edit(arrays):
        arrays[member] = corrupt(arrays[member])

    with pytest.raises(ModelFileError, match=f"{name} must be"):
        sklstm.load(_with_arrays(path, edit))


# -- coverage ------------------------------------------------------------------


def test_calibrated_coverage_holds_on_a_gaussian_series():
    # A sine plus Gaussian noise, windows of 8. The network trains 2 epochs
    # on 200 rows (far from the true quantiles) and calibrates on the next
    # 200; the hold-out is the 1000 windows after them. Rows cost little:
    # the network has 4 units and a batch of 200.
    # Split conformal coverage given the calibration rows follows
    # Beta(181, 20) (rank ceil(201 * 0.9) = 181), standard deviation 0.021;
    # the hold-out adds a binomial standard error sqrt(0.9 * 0.1 / 1000) =
    # 0.0095. Together 0.023: 0.07 is three standard errors, while raw
    # quantiles of an untrained network, or an interval infinitely wide,
    # miss it.
    rng = np.random.default_rng(0)
    t = np.arange(1408)
    series = np.sin(2 * np.pi * t / 25) + 0.3 * rng.standard_normal(len(t))
    X = np.stack([series[i : i + 8] for i in range(1400)])[:, :, np.newaxis]
    y = series[8:]
    model = tiny(quantiles=(0.05, 0.95), calibration_fraction=0.5, batch_size=200)
    model.fit(X[:400], y[:400])
    interval = model.predict_interval(X[400:], coverage=0.9)
    covered = np.mean((interval[:, 0] <= y[400:]) & (y[400:] <= interval[:, 1]))
    assert abs(covered - 0.9) < 0.07


def test_a_refused_warm_start_keeps_the_pinball_loss(data):
    # Changing quantiles between warm starts is refused; the network keeps
    # training with the pinball loss of the levels it was built with.
    X, y, _ = data
    model = tiny(epochs=1, warm_start=True).fit(X, y)
    model.set_params(quantiles=None)
    with pytest.raises(ValueError, match="quantiles=None differs"):
        model.partial_fit(X, y)
    assert model.model_.loss.quantiles == (0.1, 0.5, 0.9)
    model.set_params(quantiles=(0.1, 0.9)).partial_fit(X, y)
    assert isinstance(model.model_.loss, PinballLoss)
    assert model.model_.loss.quantiles == (0.1, 0.5, 0.9)
