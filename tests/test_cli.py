"""The ``sklstm`` command: forecast, classify and predict, run as a user runs them."""

import contextlib
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.lib.stride_tricks import sliding_window_view
from numpy.testing import assert_allclose

from sklstm import _cli_forecast, _commands, load, recursive_forecast
from sklstm.__main__ import main
from sklstm._panel import PanelTimeSeriesSplit

N_ROWS = 80
STORES = ["north", "south", "east"]
N_AHEAD = 3
FORECAST_PANEL = ["forecast", "panel.csv", "--target", "sales", "--features",
                  "promo", "--id", "store", "--time-col", "day"]  # fmt: skip
FORECAST_SALES = ["forecast", "sales.csv", "--target", "sales"]


def run(*args, cwd):
    """Run ``python -m sklstm ARGS`` in a subprocess; return the result."""
    return subprocess.run(
        [sys.executable, "-m", "sklstm", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=600,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
        check=False,
    )


def run_in_process(*args, cwd):
    """Run ``main(ARGS)`` in this process from ``cwd``; return what it printed.

    Spares a Python start and a framework import where the test is not about
    the process itself; the result has the attributes of ``run``'s.
    """
    stdout, stderr = io.StringIO(), io.StringIO()
    with (
        pytest.MonkeyPatch.context() as monkeypatch,
        contextlib.redirect_stdout(stdout),
        contextlib.redirect_stderr(stderr),
    ):
        monkeypatch.chdir(cwd)
        status = main(list(map(str, args)))
    return subprocess.CompletedProcess(
        ["sklstm", *args], status, stdout.getvalue(), stderr.getvalue()
    )


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """A folder with a daily series and long-format sequence tables."""
    folder = tmp_path_factory.mktemp("cli")
    rng = np.random.default_rng(0)
    t = np.arange(N_ROWS)
    pd.DataFrame(
        {
            "date": pd.date_range("2025-01-01", periods=N_ROWS).strftime("%Y-%m-%d"),
            "sales": 100 + 10 * np.sin(t / 4) + rng.normal(0, 1, N_ROWS),
            "temperature": 15 + rng.normal(0, 1, N_ROWS),
        }
    ).sample(frac=1, random_state=0).to_csv(folder / "sales.csv", index=False)
    for name, n in (("train", 24), ("test", 9)):
        rows = []
        for i in range(n):
            label = ("up", "down", "flat")[i % 3]
            slope = {"up": 0.5, "down": -0.5, "flat": 0.0}[label]
            for step in range(int(rng.integers(4, 9))):
                rows.append(
                    {"run": f"{name}{i}", "step": step, "state": label,
                     "level": slope * step + rng.normal(0, 0.1)}
                )  # fmt: skip
        pd.DataFrame(rows)[::-1].to_csv(folder / f"{name}.csv", index=False)
    # Many series in long format: stores of their own levels and spans.
    stores, future = [], []
    for k, store in enumerate(STORES):
        days = pd.date_range("2025-01-01", periods=30 + 3 * k) + pd.Timedelta(days=k)
        t = np.arange(len(days))
        stores.append(
            pd.DataFrame(
                {"store": store, "day": days, "promo": (t % 5 == 0) * 1.0,
                 "sales": 10 * (k + 1) + np.sin(t / 3) + rng.normal(0, 0.1, len(t))}
            )
        )  # fmt: skip
        ahead = pd.date_range(days[-1], periods=N_AHEAD + 1)[1:]
        future.append(
            pd.DataFrame({"store": store, "day": ahead, "promo": [0.0, 1.0, 0.0]})
        )
    panel = pd.concat(stores).sample(frac=1, random_state=0)
    panel.to_csv(folder / "panel.csv", index=False, date_format="%Y-%m-%d")
    pd.concat(future)[::-1].to_csv(
        folder / "panel_future.csv", index=False, date_format="%Y-%m-%d"
    )
    return folder


@pytest.fixture(scope="module")
def forecast(folder):
    result = run(
        "forecast", "sales.csv", "--target", "sales", "--time-col", "date",
        "--window", "5", "--epochs", "2", "--units", "4", "--out", "out_f",
        cwd=folder,
    )  # fmt: skip
    return result, folder / "out_f"


def test_forecast_reports_test_errors_next_to_naive(forecast):
    result, _ = forecast
    assert result.returncode == 0, result.stderr
    assert "test RMSE" in result.stdout and "test MAE" in result.stdout
    assert "naive (last value)" in result.stdout
    assert "epoch 2/2: loss" in result.stderr  # progress
    assert "Traceback" not in result.stderr


def test_forecast_writes_predictions_model_and_plots(forecast):
    _, out = forecast
    predictions = pd.read_csv(out / "predictions.csv", index_col="date")
    assert list(predictions.columns) == ["actual", "forecast", "naive"]
    # The last 20 % of the rows, after sorting by date, minus the last row,
    # which has no next value to forecast.
    assert len(predictions) == round(0.2 * (N_ROWS - 1))
    assert predictions.index.is_monotonic_increasing
    assert np.isfinite(predictions.to_numpy()).all()
    for name in ("forecast.png", "history.png", "model.sklstm", "model.json"):
        assert (out / name).stat().st_size > 0
    description = json.loads((out / "model.json").read_text())
    assert description["time_kind"] == "dates without a time zone"


def test_predict_applies_the_saved_forecaster(forecast, folder):
    _, out = forecast
    result = run_in_process(
        "predict", out, "sales.csv", "--out", "applied.csv", cwd=folder
    )
    assert result.returncode == 0, result.stderr
    applied = pd.read_csv(folder / "applied.csv", index_col="date")
    assert len(applied) == N_ROWS and applied.index.is_monotonic_increasing
    # Forecasts for the test rows equal those the forecast command wrote.
    written = pd.read_csv(out / "predictions.csv", index_col="date")
    np.testing.assert_allclose(
        applied.loc[written.index, "forecast"], written["forecast"], rtol=1e-5
    )


@pytest.mark.parametrize(
    "start, days_earlier, history",
    [(63, 0, "training"), (30, 0, "training"), (0, 40, "own"), (70, 0, "own")],
    ids=["continues-training", "inside-training", "before-training", "after-gap"],
)
def test_predict_places_the_rows_in_time(
    start, days_earlier, history, forecast, folder, monkeypatch, capsys
):
    """Windows reach the training rows before the file, or only its own rows."""
    _, out = forecast
    monkeypatch.chdir(folder)
    series = pd.read_csv("sales.csv").sort_values("date", ignore_index=True)
    rows = series.iloc[start : start + 8].copy()
    rows["date"] = pd.to_datetime(rows["date"]) - pd.Timedelta(days=days_earlier)
    rows.to_csv("part.csv", index=False)
    assert main(["predict", str(out), "part.csv", "--out", "part_pred.csv"]) == 0
    # The forecaster was fitted on the first 63 days, with windows of 5.
    known = series["sales"].to_numpy()[: start + 8]
    if history == "own":
        known = known[start:]
    padded = np.r_[np.repeat(known[:1], 4), known]
    windows = sliding_window_view(padded, 5)[-8:]
    model = load(out / "model.sklstm")
    scale, lstm = model.regressor_["scale"], model.regressor_["lstm"]
    scaled = windows * scale.scale_[0] + scale.min_[0]
    expected = model.transformer_.inverse_transform(
        lstm.predict(scaled[:, :, np.newaxis]).reshape(-1, 1)
    )
    written = pd.read_csv("part_pred.csv")
    assert_allclose(written["forecast"], expected[:, 0], rtol=1e-5)
    warned = "skips time steps" in capsys.readouterr().err
    assert warned is (start == 70)


def test_forecast_search_prints_cv_table_for_multi_step(folder, monkeypatch, capsys):
    monkeypatch.chdir(folder)
    # Two small candidates: the windows that fit the folds, one size of network.
    monkeypatch.setattr(_cli_forecast, "SEARCH_UNITS", (2,))
    status = main(
        ["forecast", "sales.csv", "--target", "sales", "--features", "temperature",
         "--time-col", "date", "--search", "--horizon", "2", "--epochs", "1",
         "--out", "out_s"]
    )  # fmt: skip
    assert status == 0
    out = capsys.readouterr().out
    assert "cross-validation RMSE" in out
    for column in ("window_size", "units", "mean_rmse", "rank"):
        assert column in out
    predictions = pd.read_csv(folder / "out_s" / "predictions.csv")
    assert {"actual_t+2", "forecast_t+2", "naive_t+2"} <= set(predictions.columns)


def test_classify_reports_accuracy_confusion_matrix_and_per_class(
    folder, monkeypatch, capsys
):
    monkeypatch.chdir(folder)
    status = main(
        ["classify", "train.csv", "test.csv", "--id", "run", "--label", "state",
         "--time-col", "step", "--epochs", "2", "--units", "4", "--out", "out_c"]
    )  # fmt: skip
    assert status == 0
    out = capsys.readouterr().out
    assert "test accuracy:" in out
    assert "confusion matrix:" in out
    assert "precision" in out and "recall" in out
    predictions = pd.read_csv(folder / "out_c" / "predictions.csv")
    assert sorted(predictions["id"]) == sorted(f"test{i}" for i in range(9))
    assert {"proba_up", "proba_down", "proba_flat"} <= set(predictions.columns)
    description = json.loads((folder / "out_c" / "model.json").read_text())
    assert description["time_kind"] == "integers"
    assert main(["predict", str(folder / "out_c" / "model.sklstm"), "test.csv"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0] == "id,predicted" and len(lines) == 10


def test_console_script_reports_a_damaged_model_in_one_line_quietly(
    forecast, folder, tmp_path
):
    """Loading the model starts Keras: its start-up logs stay off the terminal."""
    _, out = forecast
    (tmp_path / "model.json").write_bytes((out / "model.json").read_bytes())
    (tmp_path / "model.sklstm").write_bytes((out / "model.sklstm").read_bytes()[:500])
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    result = subprocess.run(
        [Path(sys.executable).with_name("sklstm"), "predict", tmp_path, "sales.csv"],
        capture_output=True,
        text=True,
        cwd=folder,
        timeout=600,
        env=env,
        check=False,
    )
    assert result.returncode == 2
    # One line: sklstm's own, without TensorFlow's absl, oneDNN or CUDA notes.
    (line,) = result.stderr.splitlines()
    assert line.startswith("sklstm predict: error: ")
    assert str(tmp_path / "model.sklstm") in line
    assert result.stdout == ""


FRAMEWORKS = ("keras", "tensorflow", "jax", "torch")


@pytest.mark.parametrize(
    "args, message",
    [
        (["forecast", "missing.csv", "--target", "sales"], "no such file: missing.csv"),
        (
            ["forecast", "repeat.csv", "--target", "sales", "--time-col", "date"],
            "column 'date' of repeat.csv repeats the time 2025-01-02",
        ),
        (
            ["classify", "one_class.csv", "test.csv", "--id", "run", "--label",
             "state", "--out", "out_one"],
            "one_class.csv holds one class, 'up'",
        ),
        (
            ["forecast", "sales.csv", "--target", "sales", "--out", "sales.csv/out"],
            "cannot write to the folder sales.csv/out",
        ),
        (["predict", "broken_json", "sales.csv"], "model.json is malformed"),
        (["predict", "bad_json", "sales.csv"], "cannot read bad_json/model.json"),
        (
            ["forecast", "repeat_store_day.csv", "--target", "sales", "--id",
             "store", "--time-col", "day"],
            "series north of repeat_store_day.csv repeats the time 2025-01-02",
        ),
    ],
    ids=["missing-file", "repeated-times", "one-class", "unwritable-out",
         "malformed-model-json", "damaged-model-json", "panel-repeated-times"],
)  # fmt: skip
def test_input_errors_exit_2_before_any_framework_import(args, message, folder):
    panel = pd.read_csv(folder / "panel.csv")
    twice = panel[(panel["store"] == "north") & (panel["day"] == "2025-01-02")]
    pd.concat([panel, twice]).to_csv(folder / "repeat_store_day.csv", index=False)
    repeat = pd.read_csv(folder / "sales.csv").sort_values("date")
    repeat.iloc[2, 0] = repeat.iloc[1, 0]
    repeat.to_csv(folder / "repeat.csv", index=False)
    train = pd.read_csv(folder / "train.csv")
    train.assign(state="up").to_csv(folder / "one_class.csv", index=False)
    for name, text in (("broken_json", '{"command": "predict"}'), ("bad_json", "{")):
        (folder / name).mkdir(exist_ok=True)
        (folder / name / "model.json").write_text(text)
        (folder / name / "model.sklstm").write_bytes(b"")
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "sklstm", *args],
        capture_output=True,
        text=True,
        cwd=folder,
        timeout=600,
        check=False,
    )
    assert result.returncode == 2
    imports = [
        line.split("|")[-1].strip()
        for line in result.stderr.splitlines()
        if line.startswith("import time:")
    ]
    assert "pandas" in imports  # -X importtime reports the imports
    assert not [name for name in imports if name.split(".")[0] in FRAMEWORKS]
    (error,) = [
        line for line in result.stderr.splitlines() if "import time:" not in line
    ]
    assert error.startswith(f"sklstm {args[0]}: error: ") and message in error
    # Nothing was trained or written.
    assert not (folder / "out_one").exists()
    assert not (folder / "sklstm-forecast").exists()


@pytest.mark.parametrize(
    "args, message",
    [
        (["forecast", "sales.csv", "--target", "profit"], "has no column 'profit'"),
        (
            ["forecast", "train.csv", "--target", "state"],
            "column 'state' of train.csv is not numeric",
        ),
        (
            ["forecast", "sales.csv", "--target", "sales", "--window", "70"],
            "--window 70 needs more than 70 training rows",
        ),
        (
            ["forecast", "sales.csv", "--target", "sales", "--time-col", "sales2"],
            "has no column 'sales2'",
        ),
        (["forecast", "bad.csv", "--target", "sales"], "missing values"),
        (["forecast", "empty.csv", "--target", "sales"], "cannot read empty.csv"),
        (
            ["classify", "train.csv", "test.csv", "--id", "run", "--label", "kind"],
            "train.csv has no column 'kind'",
        ),
        (["predict", "nowhere", "sales.csv"], "no model at nowhere"),
        (
            ["forecast", "garbage.csv", "--target", "sales"],
            "cannot read garbage.csv as CSV: Error tokenizing data",
        ),
        (
            ["forecast", "sales.csv", "--target", "sales", "--time-col", "sales"],
            "--time-col and --target both name the column 'sales'",
        ),
        (
            ["forecast", "sales.csv", "--target", "sales", "--features",
             "temperature", "--time-col", "temperature"],
            "--time-col and --features both name the column 'temperature'",
        ),
        (
            ["classify", "train.csv", "test.csv", "--id", "state", "--label",
             "state"],
            "--id and --label both name the column 'state'",
        ),
        (
            ["classify", "repeat_step.csv", "test.csv", "--id", "run", "--label",
             "state", "--time-col", "step"],
            "sequence train0 of repeat_step.csv repeats the time 1",
        ),
        (
            ["predict", "sequence_model", "repeat_step.csv"],
            "sequence train0 of repeat_step.csv repeats the time 1",
        ),
        (
            ["predict", "dated_model", "zoned.csv"],
            "column 'date' of zoned.csv holds dates with a time zone, but the "
            "model was trained on dates without a time zone",
        ),
        (
            ["predict", "dated_model", "numbered.csv"],
            "column 'date' of numbered.csv holds integers, but the model was "
            "trained on dates without a time zone",
        ),
        (
            ["predict", "twice_model", "sales.csv"],
            "is malformed: 'features' and 'features' both name the column 'sales'",
        ),
        (
            ["predict", "time_feature_model", "sales.csv"],
            "is malformed: 'time_col' and 'features' both name the column 'date'",
        ),
        (
            ["predict", "kindless_model", "sales.csv"],
            "is malformed: 'time_kind' is missing or wrong",
        ),
        (
            ["forecast", "sales.csv", "--target", "sales", "--features",
             "temperature", "--time-col", "date", "--future", "sales.csv"],
            "sales.csv has 2025-01-01 00:00:00, not one of the 80 steps after the "
            "last time of sales.csv, 2025-03-21 00:00:00",
        ),
        (
            ["forecast", "sales.csv", "--target", "sales", "--features",
             "temperature", "--time-col", "date", "--future", "late.csv"],
            "late.csv has 2025-06-01 00:00:00, not one of the 3 steps after the "
            "last time of sales.csv, 2025-03-21 00:00:00: give the 3 steps after "
            "the end of sales.csv",
        ),
        (
            ["forecast", "numbered.csv", "--target", "sales", "--features",
             "temperature", "--time-col", "date", "--future", "skips_81.csv"],
            "skips_81.csv has 82, not one of the 2 steps after the last time of "
            "numbered.csv, 79",
        ),
        (
            ["forecast", "header_only.csv", "--target", "sales"],
            "header_only.csv has no rows, only a header",
        ),
        (
            ["predict", "dated_model", "header_only.csv"],
            "header_only.csv has no rows, only a header",
        ),
        (
            ["forecast", "sales.csv", "--target", "sales", "--features",
             "temperature", "--time-col", "date", "--future", "header_only.csv"],
            "header_only.csv has no rows, only a header",
        ),
        (
            ["forecast", "sales.csv", "--target", "sales", "--features",
             "temperature", "--time-col", "date", "--future", "dates_only.csv"],
            "dates_only.csv has no column 'temperature'",
        ),
        (
            ["forecast", "sales.csv", "--target", "sales", "--time-col", "date",
             "--future", "numbered.csv"],
            "column 'date' of numbered.csv holds integers, but the model was "
            "trained on dates without a time zone",
        ),
        (
            ["predict", "timeless_model", "test.csv"],
            "is malformed: 'time_col' is missing or wrong",
        ),
        (
            ["forecast", "sales.csv", "--target", "sales", "--horizon",
             str(N_ROWS)],
            f"--horizon {N_ROWS} needs more than {N_ROWS} rows; sales.csv has "
            f"{N_ROWS} rows",
        ),
        (
            ["forecast", "panel.csv", "--target", "sales", "--id", "shop",
             "--time-col", "day"],
            "panel.csv has no column 'shop'",
        ),
        (
            ["forecast", "panel.csv", "--target", "sales", "--id", "store"],
            "--id store needs --time-col",
        ),
        (
            ["forecast", "panel.csv", "--target", "sales", "--id", "day",
             "--time-col", "day"],
            "--id and --time-col both name the column 'day'",
        ),
        (
            ["forecast", "panel.csv", "--target", "sales", "--id", "sales",
             "--time-col", "day"],
            "--id and --target both name the column 'sales'",
        ),
        (
            ["forecast", "tiny_store.csv", "--target", "sales", "--id", "store",
             "--time-col", "day", "--window", "4"],
            "series 'tiny' of tiny_store.csv has 3 rows, too few for a window of "
            "4 and a horizon of 1: each series needs 5 rows, and 1 of the 4 "
            "series have fewer",
        ),
        (
            ["forecast", "no_store.csv", "--target", "sales", "--id", "store",
             "--time-col", "day"],
            "column 'store' of no_store.csv has missing ids",
        ),
        (
            ["forecast", "panel.csv", "--target", "sales", "--id", "store",
             "--time-col", "day", "--test-size", "0.5", "--window", "20"],
            "--window 20 needs more than 20 training times; panel.csv has 37 "
            "times, 19 for training",
        ),
        (
            [*FORECAST_PANEL, "--future", "future_without_south.csv"],
            "future_without_south.csv has no rows of series 'south' (1 series "
            "missing): give the steps after the end of every series",
        ),
        (
            [*FORECAST_PANEL, "--future", "future_skips_a_day.csv"],
            "future_skips_a_day.csv lacks series 'east' at 2025-02-09 00:00:00: "
            "give each series the 3 steps after its own end",
        ),
        (
            [*FORECAST_PANEL, "--future", "future_with_west.csv"],
            "future_with_west.csv holds series 'west', which panel.csv does not",
        ),
        (
            ["forecast", "floats.csv", "--target", "sales", "--features", "promo",
             "--id", "store", "--time-col", "day", "--future",
             "floats_future.csv"],
            "floats_future.csv has series 'east' at 37.5, not one of the 3 steps "
            "after its last time in floats.csv, 37.5",
        ),
        (
            [*FORECAST_PANEL, "--future", "future_without_promo.csv"],
            "future_without_promo.csv has no column 'promo'",
        ),
        (
            [*FORECAST_PANEL, "--future", "dates_only.csv"],
            "dates_only.csv has no column 'store'",
        ),
        (
            ["forecast", "sales.csv", "--target", "sales", "--interval", "0.9"],
            "--interval 0.9 needs --future FILE",
        ),
        (
            [*FORECAST_PANEL, "--window", "3", "--future", "panel_future.csv",
             "--interval", "0.9"],
            "--interval 0.9 is calibrated on forecasts of 3 step(s) from the test "
            "period, and needs 9 of them; the test period of panel.csv holds 6 "
            "with a window of 3",
        ),
        (
            ["predict", "panel_model", "sales.csv"],
            "sales.csv has no column 'store'",
        ),
        (
            ["predict", "untimed_panel_model", "panel.csv"],
            "is malformed: the 'id' of many series needs a 'time_col'",
        ),
    ],
    ids=[
        "unknown-column",
        "non-numeric",
        "window-too-long",
        "unknown-time-column",
        "missing-values",
        "empty-file",
        "unknown-label",
        "no-model",
        "pandas-message-on-two-lines",
        "time-column-is-target",
        "time-column-is-feature",
        "id-is-label",
        "classify-repeated-time-step",
        "predict-repeated-time-step",
        "time-zone-against-naive",
        "integer-times-against-dates",
        "repeated-feature-in-model-json",
        "time-column-is-feature-in-model-json",
        "no-time-kind-in-model-json",
        "future-overlaps-the-data",
        "future-not-the-next-dates",
        "future-skips-an-integer-time",
        "forecast-header-only",
        "predict-header-only",
        "future-header-only",
        "future-without-a-feature",
        "future-times-of-another-kind",
        "no-time-column-in-model-json",
        "horizon-longer-than-the-series",
        "unknown-id-column",
        "id-without-time-column",
        "id-is-time-column",
        "id-is-target",
        "series-shorter-than-a-window",
        "missing-ids",
        "window-longer-than-the-training-times",
        "future-without-a-series",
        "future-skips-a-step",
        "future-of-an-unknown-series",
        "future-not-after-a-series-end-without-a-time-step",
        "future-without-a-varying-feature",
        "future-without-id-column",
        "interval-without-future",
        "interval-with-too-few-test-forecasts",
        "predict-many-series-without-id-column",
        "id-without-time-column-in-model-json",
    ],
)  # fmt: skip
def test_bad_input_exits_2_with_a_message(
    args, message, bad_inputs, monkeypatch, capsys
):
    """One line, exit 2, and Keras never started: nothing was trained or loaded."""

    def start_framework():
        raise AssertionError("Keras started before the input was checked")

    monkeypatch.chdir(bad_inputs)
    for module in (_commands, _cli_forecast):
        monkeypatch.setattr(module, "start_framework", start_framework)
    assert main(args) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1, error
    assert error.startswith(f"sklstm {args[0]}: error: ") and message in error


@pytest.fixture(scope="module")
def bad_inputs(folder):
    """``folder`` with bad CSV files and model.json files next to empty models."""
    pd.DataFrame({"sales": [1.0, None, 3.0]}).to_csv(folder / "bad.csv", index=False)
    (folder / "empty.csv").write_text("")
    # pandas reports this one with a line break at the end.
    (folder / "garbage.csv").write_text("sales\n1\n1,2\n")
    train = pd.read_csv(folder / "train.csv")
    twice = train[(train["run"] == "train0") & (train["step"] == 1)]
    pd.concat([train, twice]).to_csv(folder / "repeat_step.csv", index=False)
    sales = pd.read_csv(folder / "sales.csv")
    sales.assign(date=sales["date"] + "T00:00:00+01:00").to_csv(
        folder / "zoned.csv", index=False
    )
    sales.assign(date=range(len(sales))).to_csv(folder / "numbered.csv", index=False)
    sales[["date"]].to_csv(folder / "dates_only.csv", index=False)
    (folder / "header_only.csv").write_text("date,sales,temperature\n")
    # Known future values, but not on the steps after the data.
    pd.DataFrame(
        {"date": ["2025-06-01", "2025-07-01", "2025-12-25"], "temperature": 15.0}
    ).to_csv(folder / "late.csv", index=False)
    pd.DataFrame({"date": [80, 82], "temperature": 15.0}).to_csv(
        folder / "skips_81.csv", index=False
    )
    panel = pd.read_csv(folder / "panel.csv")
    panel.loc[panel["store"] == "north"].iloc[:3].assign(store="tiny").pipe(
        lambda tiny: pd.concat([panel, tiny])
    ).to_csv(folder / "tiny_store.csv", index=False)
    panel.assign(store=panel["store"].where(panel.index != 5)).to_csv(
        folder / "no_store.csv", index=False
    )
    future = pd.read_csv(folder / "panel_future.csv")
    future.drop(columns="promo").to_csv(
        folder / "future_without_promo.csv", index=False
    )
    for name, rows in {
        "future_without_south": future[future["store"] != "south"],
        "future_skips_a_day": future.drop(index=future.index[1]),
        "future_with_west": pd.concat([future, future.iloc[[0]].assign(store="west")]),
    }.items():
        rows.to_csv(folder / f"{name}.csv", index=False, date_format="%Y-%m-%d")
    # Float times tell no time step: a series' steps need only follow its end.
    for name, rows, shift in (("floats", panel, 0), ("floats_future", future, -1)):
        days = (pd.to_datetime(rows["day"]) - pd.Timestamp("2025-01-01")).dt.days
        late = (rows["store"] == "east") * shift
        rows.assign(day=days + late + 0.5).to_csv(folder / f"{name}.csv", index=False)
    dated = {"command": "forecast", "features": ["sales"], "time_col": "date"}
    models = {
        "sequence_model": {
            "command": "classify", "features": ["level"], "id": "run",
            "time_col": "step", "time_kind": "integers",
        },
        "dated_model": {**dated, "time_kind": "dates without a time zone"},
        "twice_model": {
            **dated, "features": ["sales", "sales"],
            "time_kind": "dates without a time zone",
        },
        "time_feature_model": {
            **dated, "features": ["sales", "date"],
            "time_kind": "dates without a time zone",
        },
        "kindless_model": dated,
        "timeless_model": {
            "command": "classify", "features": ["level"], "id": "run",
            "label": "label",
        },
        "panel_model": {
            "command": "forecast", "features": ["sales"], "id": "store",
            "time_col": "day", "time_kind": "dates without a time zone",
        },
        "untimed_panel_model": {
            "command": "forecast", "features": ["sales"], "id": "store",
            "time_col": None, "time_kind": None,
        },
    }  # fmt: skip
    for name, description in models.items():
        (folder / name).mkdir()
        (folder / name / "model.json").write_text(json.dumps(description))
        (folder / name / "model.sklstm").write_bytes(b"")
    return folder


@pytest.mark.parametrize(
    "command, options",
    [
        ("forecast", ["--target", "--features", "--time-col", "--window", "--search",
                      "--id", "--horizon", "--test-size", "--normalize",
                      "--future", "--interval", "--epochs", "--units", "--out"]),
        ("classify", ["--id", "--label", "--time-col", "--epochs", "--out"]),
        ("predict", ["model", "data", "--out"]),
    ],
)  # fmt: skip
def test_help_describes_every_option(command, options, capsys):
    with pytest.raises(SystemExit) as exit_:
        main([command, "--help"])
    assert exit_.value.code == 0
    text = capsys.readouterr().out
    for option in options:
        assert option in text


def test_forecast_without_matplotlib_skips_the_plots(folder, monkeypatch, capsys):
    monkeypatch.chdir(folder)
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import fails
    args = ["forecast", "sales.csv", "--target", "sales", "--window", "3"]
    assert main([*args, "--epochs", "1", "--units", "2", "--out", "no_plots"]) == 0
    assert 'pip install "sklstm[plot]"' in capsys.readouterr().err
    assert (folder / "no_plots" / "predictions.csv").exists()
    assert not list((folder / "no_plots").glob("*.png"))


@pytest.fixture(scope="module")
def classifier(folder):
    """The folder of a classifier written by ``sklstm classify`` in-process."""
    args = ["classify", "train.csv", "test.csv", "--id", "run", "--label", "state"]
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.chdir(folder)
        assert main([*args, "--epochs", "1", "--units", "2", "--out", "out_c1"]) == 0
    return folder / "out_c1"


@pytest.mark.parametrize(
    "model, description, message",
    [
        (
            "forecaster",
            {"command": "forecast", "features": ["temperature"], "time_col": "date",
             "time_kind": "dates without a time zone"},
            "it names the columns temperature, but the model was fitted on sales",
        ),
        (
            "forecaster",
            {"command": "classify", "features": ["sales"], "id": "date",
             "time_col": None, "time_kind": None},
            "it describes a classifier written by 'sklstm classify', but the "
            "model is a TransformedTargetRegressor",
        ),
        (
            "classifier",
            {"command": "forecast", "features": ["level"], "time_col": None,
             "time_kind": None},
            "it describes a regressor written by 'sklstm forecast', but the "
            "model is a LSTMClassifier",
        ),
        (
            "classifier",
            {"command": "classify", "features": ["level"], "id": "run",
             "time_col": None, "time_kind": None},
            "it names the columns level, but the model was fitted on 2 columns",
        ),
    ],
    ids=["renamed-column", "forecaster-as-classifier", "classifier-as-forecaster",
         "one-column-too-few"],
)  # fmt: skip
def test_predict_refuses_a_model_json_that_does_not_match_the_model(
    model, description, message, forecast, classifier, folder, tmp_path, capsys
):
    source = forecast[1] if model == "forecaster" else classifier
    (tmp_path / "model.sklstm").write_bytes((source / "model.sklstm").read_bytes())
    (tmp_path / "model.json").write_text(json.dumps(description))
    data = folder / ("sales.csv" if model == "forecaster" else "train.csv")
    capsys.readouterr()
    assert main(["predict", str(tmp_path), str(data)]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1, error
    assert error.startswith(
        f"sklstm predict: error: {tmp_path / 'model.json'} does not match "
        f"{tmp_path / 'model.sklstm'}: {message}"
    )


@pytest.fixture(scope="module")
def untimed(folder):
    """The series in time order without its dates, and a forecaster fitted on it."""
    series = pd.read_csv(folder / "sales.csv").sort_values("date")
    series.drop(columns="date").to_csv(folder / "untimed.csv", index=False)
    args = ["forecast", "untimed.csv", "--target", "sales", "--window", "3"]
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.chdir(folder)
        assert main([*args, "--epochs", "1", "--units", "2", "--out", "out_u"]) == 0
    return folder / "out_u"


def test_predict_without_time_column_warns_that_rows_continue_training(
    untimed, folder, monkeypatch, capsys
):
    """A file that begins with the training rows starts again; others continue."""
    monkeypatch.chdir(folder)
    assert json.loads((untimed / "model.json").read_text())["time_kind"] is None
    written = pd.read_csv(untimed / "predictions.csv", index_col=0)
    later = pd.read_csv("untimed.csv").iloc[written.index]
    later.to_csv("later.csv", index=False)
    capsys.readouterr()
    assert main(["predict", str(untimed), "untimed.csv", "--out", "all.csv"]) == 0
    assert capsys.readouterr().err == ""
    assert main(["predict", str(untimed), "later.csv", "--out", "later_pred.csv"]) == 0
    assert capsys.readouterr().err == (
        "sklstm predict: warning: the model reads no time column, so the rows "
        "of later.csv are taken to continue the training data; train with "
        "--time-col to place rows in time\n"
    )
    # Either way, the test rows are windowed on the training rows before them.
    applied = pd.read_csv("all.csv", index_col=0)["forecast"]
    assert_allclose(applied[written.index], written["forecast"], rtol=1e-5)
    applied = pd.read_csv("later_pred.csv", index_col=0)["forecast"]
    assert_allclose(applied, written["forecast"], rtol=1e-5)


def test_predict_help_says_how_rows_without_times_are_read(capsys):
    with pytest.raises(SystemExit):
        main(["predict", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "Without a time column, rows have no time: a file that begins with " in text
    assert "any other file is taken to continue the training data" in text


def test_forecast_normalize_and_future_forecast_the_known_future(
    folder, monkeypatch, capsys
):
    """--normalize reaches the saved network; future.csv continues the data."""
    monkeypatch.chdir(folder)
    dates = pd.date_range("2025-03-22", periods=4)
    rng = np.random.default_rng(1)
    future = pd.DataFrame(
        {"date": dates.strftime("%Y-%m-%d"), "temperature": 15 + rng.normal(size=4)}
    )
    future.sample(frac=1, random_state=0).to_csv(folder / "known.csv", index=False)
    status = main(
        ["forecast", "sales.csv", "--target", "sales", "--features", "temperature",
         "--time-col", "date", "--window", "4", "--epochs", "1", "--units", "2",
         "--normalize", "mean", "--future", "known.csv", "--out", "out_future"]
    )  # fmt: skip
    assert status == 0
    out = folder / "out_future"
    assert "future.csv" in capsys.readouterr().out
    model = load(out / "model.sklstm")
    assert model.regressor_["lstm"].normalize == "mean"
    written = pd.read_csv(out / "future.csv", index_col="date", parse_dates=True)
    assert list(written.index) == list(dates)
    data = pd.read_csv(folder / "sales.csv", index_col="date", parse_dates=True)
    data = data.sort_index()[["sales", "temperature"]]
    expected = recursive_forecast(
        model,
        data,
        4,
        target="sales",
        exog=future.set_index("date")[["temperature"]],
    )
    assert_allclose(written["forecast"], np.asarray(expected), rtol=1e-5)


@pytest.fixture(scope="module")
def panel_forecast(folder):
    """Many series through the command, with their known future promos."""
    result = run_in_process(
        "forecast", "panel.csv", "--target", "sales", "--features", "promo",
        "--id", "store", "--time-col", "day", "--window", "3", "--epochs", "1",
        "--units", "2", "--future", "panel_future.csv", "--interval", "0.8",
        "--out", "out_p", cwd=folder,
    )  # fmt: skip
    return result, folder / "out_p"


def read_panel(path, **kwargs):
    """A CSV file of many series, indexed by (store, day)."""
    frame = pd.read_csv(path, parse_dates=["day"], **kwargs)
    return frame.set_index(["store", "day"]).sort_index()


def test_forecast_of_many_series_tests_the_last_times_of_all(panel_forecast, folder):
    result, out = panel_forecast
    assert result.returncode == 0, result.stderr
    assert "3 series, 99 rows" in result.stderr
    panel = read_panel(folder / "panel.csv")
    panel["next"] = panel.groupby(level="store")["sales"].shift(-1)
    rows = panel.dropna(subset="next")
    written = pd.read_csv(out / "predictions.csv", parse_dates=["day"])
    assert list(written.columns) == ["store", "day", "actual", "forecast", "naive"]
    written = written.set_index(["store", "day"])
    # One cut for all series, at the last 20 % of the 37 times with a next
    # value: "north", which ends before it, has no test rows.
    days = rows.index.get_level_values("day")
    tested = rows[days >= np.sort(days.unique())[-7]]
    assert set(written.index) == set(tested.index)
    assert set(tested.index.get_level_values("store")) == {"south", "east"}
    # Each target is the next value of its own series, never of another.
    assert_allclose(written["actual"], tested.loc[written.index, "next"])
    assert_allclose(written["naive"], tested.loc[written.index, "sales"])
    assert np.isfinite(written["forecast"]).all()
    assert json.loads((out / "model.json").read_text())["id"] == "store"
    for name in ("forecast.png", "history.png"):
        assert (out / name).stat().st_size > 0


def test_forecast_of_many_series_continues_each_over_its_known_future(
    panel_forecast, folder
):
    _, out = panel_forecast
    written = read_panel(out / "future.csv")
    assert list(written.columns) == ["forecast", "lower", "upper"]
    future = read_panel(folder / "panel_future.csv")
    assert written.index.equals(future.index)
    panel = read_panel(folder / "panel.csv")[["sales", "promo"]]
    model = load(out / "model.sklstm")
    expected = recursive_forecast(model, panel, N_AHEAD, target="sales", exog=future)
    assert_allclose(written["forecast"], expected[written.index], rtol=1e-5)
    # A symmetric interval, of one half-width a step for all series: their
    # errors are pooled.
    half = written["upper"] - written["forecast"]
    assert_allclose(written["forecast"] - written["lower"], half, rtol=1e-6)
    by_step = half.to_numpy().reshape(len(STORES), N_AHEAD)
    assert_allclose(by_step, np.tile(by_step[0], (len(STORES), 1)), rtol=1e-6)
    assert (by_step > 0).all()


def test_predict_places_the_rows_of_each_series_after_its_own(
    panel_forecast, folder, monkeypatch
):
    """A file of one series' test rows is windowed on that series' history."""
    _, out = panel_forecast
    monkeypatch.chdir(folder)
    written = read_panel(out / "predictions.csv")
    assert main(["predict", str(out), "panel.csv", "--out", "panel_pred.csv"]) == 0
    applied = read_panel("panel_pred.csv")
    assert len(applied) == len(read_panel("panel.csv"))
    assert_allclose(applied.loc[written.index, "forecast"], written["forecast"])
    east = read_panel("panel.csv").loc[["east"]].loc[written.loc[["east"]].index]
    east.reset_index().to_csv("east.csv", index=False)
    assert main(["predict", str(out), "east.csv", "--out", "east_pred.csv"]) == 0
    applied = read_panel("east_pred.csv")["forecast"]
    assert_allclose(applied, written.loc[["east"], "forecast"], rtol=1e-5)


def test_forecast_search_of_many_series_folds_by_time_across_series(
    folder, monkeypatch, capsys
):
    monkeypatch.chdir(folder)
    # One small candidate, and one window too long for the folds.
    monkeypatch.setattr(_cli_forecast, "SEARCH_WINDOWS", (3, 40))
    monkeypatch.setattr(_cli_forecast, "SEARCH_UNITS", (2,))
    folds = []
    split = PanelTimeSeriesSplit.split

    def recording_split(self, X, y=None, groups=None):
        for train, test in split(self, X, y, groups):
            folds.append((X.index[train], X.index[test]))
            yield train, test

    monkeypatch.setattr(PanelTimeSeriesSplit, "split", recording_split)
    status = main(
        ["forecast", "panel.csv", "--target", "sales", "--id", "store",
         "--time-col", "day", "--search", "--epochs", "1", "--out", "out_ps"]
    )  # fmt: skip
    assert status == 0
    assert "cross-validation RMSE" in capsys.readouterr().out
    assert len(folds) == _cli_forecast.N_SPLITS
    for train, test in folds:
        # Every series of a fold trains before any series is tested.
        assert train.get_level_values("day").max() < test.get_level_values("day").min()
        assert test.get_level_values("store").nunique() == len(STORES)
    model = load(folder / "out_ps" / "model.sklstm")
    assert model.regressor_["window"].window_size == 3


def test_forecast_interval_is_calibrated_on_forecasts_of_the_test_period(
    folder, monkeypatch, capsys
):
    """The half-width of each step is a quantile of held-out errors of that step."""
    monkeypatch.chdir(folder)
    days = pd.date_range("2025-03-22", periods=4)
    pd.DataFrame({"date": days.strftime("%Y-%m-%d")}).to_csv("days.csv", index=False)
    status = main(
        ["forecast", "sales.csv", "--target", "sales", "--time-col", "date",
         "--window", "3", "--epochs", "1", "--units", "2", "--future", "days.csv",
         "--interval", "0.8", "--out", "out_interval"]
    )  # fmt: skip
    assert status == 0
    assert (
        "80% interval: calibrated on 13 forecasts of 4 step(s) from the test "
        "period" in capsys.readouterr().err
    )
    out = folder / "out_interval"
    written = pd.read_csv(out / "future.csv", index_col="date", parse_dates=True)
    assert list(written.index) == list(days)
    assert list(written.columns) == ["forecast", "lower", "upper"]
    series = pd.read_csv("sales.csv", index_col="date", parse_dates=True)
    series = series.sort_index()["sales"]
    model = load(out / "model.sklstm")
    assert_allclose(written["forecast"], recursive_forecast(model, series, 4))
    # The network was fitted on rows 0-62 and the values after them, rows
    # 1-63: forecasts of rows 64 on, made from each origin in turn, calibrate.
    errors = np.array(
        [
            np.abs(series.iloc[o : o + 4] - recursive_forecast(model, series[:o], 4))
            for o in range(64, N_ROWS - 4 + 1)
        ]
    )
    assert len(errors) == 13
    rank = int(np.ceil((len(errors) + 1) * 0.8))  # split-conformal quantile
    half_width = np.sort(errors, axis=0)[rank - 1]
    assert_allclose(written["upper"] - written["forecast"], half_width, rtol=1e-4)
    assert_allclose(written["forecast"] - written["lower"], half_width, rtol=1e-4)
    assert (out / "forecast.png").stat().st_size > 0


@pytest.mark.parametrize(
    "args, message",
    [
        ([*FORECAST_SALES, "--interval", "1.5"],
         "argument --interval: must be between 0 and 1, got 1.5"),
        ([*FORECAST_SALES, "--interval", "abc"],
         "argument --interval: invalid float value: 'abc'"),
        ([*FORECAST_SALES, "--test-size", "1.0"],
         "argument --test-size: must be between 0 and 1, got 1.0"),
        ([*FORECAST_SALES, "--epochs", "0"], "argument --epochs: must be >= 1"),
        ([*FORECAST_SALES, "--units", "0"], "argument --units: must be >= 1"),
        ([*FORECAST_SALES, "--window", "0"], "argument --window: must be >= 1"),
        ([*FORECAST_SALES, "--horizon", "0"], "argument --horizon: must be >= 1"),
        ([*FORECAST_SALES, "--normalize", "median"],
         "argument --normalize: invalid choice: 'median'"),
        ([*FORECAST_SALES, "--windw", "3"], "unrecognized arguments: --windw 3"),
        (["forecast", "sales.csv"], "the following arguments are required: --target"),
        (["predict", "model", "data.csv", "--seed", "1"],
         "unrecognized arguments: --seed 1"),
        (["demo", "--epochs", "0"], "argument --epochs: must be >= 1, got 0"),
    ],
)  # fmt: skip
def test_option_errors_take_one_line_naming_the_command(args, message, capsys):
    """argparse's usage stays behind --help, which the line points to."""
    with pytest.raises(SystemExit) as exit_:
        main(args)
    assert exit_.value.code == 2
    captured = capsys.readouterr()
    (line,) = captured.err.splitlines()
    assert line.startswith(f"sklstm {args[0]}: error: {message}"), line
    assert line.endswith(f"(see sklstm {args[0]} --help)")
    assert captured.out == ""


def test_future_of_many_series_may_leave_out_static_features(folder, monkeypatch):
    """A column of one value per series keeps it; the file need not repeat it."""
    monkeypatch.chdir(folder)
    panel = read_panel("panel.csv")
    sizes = {"north": 1.0, "south": 2.0, "east": 3.0}
    panel["size"] = panel.index.get_level_values("store").map(sizes)
    panel.reset_index().to_csv("sized.csv", index=False)
    status = main(
        ["forecast", "sized.csv", "--target", "sales", "--features", "promo",
         "size", "--id", "store", "--time-col", "day", "--window", "3",
         "--epochs", "1", "--units", "2", "--future", "panel_future.csv",
         "--out", "out_sized"]
    )  # fmt: skip
    assert status == 0
    written = read_panel(folder / "out_sized" / "future.csv")["forecast"]
    model = load(folder / "out_sized" / "model.sklstm")
    future = read_panel("panel_future.csv")
    future["size"] = future.index.get_level_values("store").map(sizes)
    expected = recursive_forecast(
        model, panel[["sales", "promo", "size"]], N_AHEAD, target="sales",
        exog=future,
    )  # fmt: skip
    assert_allclose(written, expected[written.index], rtol=1e-5)
