"""The benchmark suite runs every workload at a tiny scale and records it.

Only the shape of the report is checked: timings are finite and positive,
never compared with each other.
"""

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

RUN = Path(__file__).parents[1] / "benchmarks" / "run.py"
WORKLOADS = ["W1", "W2", "W3", "W4", "W5"]


def _timings(node, key=""):
    """Yield every number stored under a key ending in ``_s`` (seconds)."""
    if isinstance(node, dict):
        for child_key, child in node.items():
            yield from _timings(child, child_key)
    elif key.endswith("_s"):
        yield from node if isinstance(node, list) else [node]


def _run_script(script, folder, *args):
    """Run a benchmark script on the current backend; return its JSON and table."""
    path = folder / "report.json"
    command = [
        sys.executable,
        str(script),
        "--backend",
        os.environ.get("KERAS_BACKEND", "tensorflow"),
        *args,
        "--json",
        str(path),
    ]
    result = subprocess.run(
        command, capture_output=True, text=True, timeout=600, check=False
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(path.read_text()), result.stdout


@pytest.fixture(scope="module")
def benchmark_run(tmp_path_factory):
    """Run the whole suite once on the current backend; return JSON and table."""
    return _run_script(
        RUN,
        tmp_path_factory.mktemp("benchmarks"),
        *("--scale", "0.002", "--threads", "1", "--no-warm-up"),
        *("--workloads", ",".join(WORKLOADS)),
    )


def test_report_has_every_workload(benchmark_run):
    report, _ = benchmark_run
    assert list(report["workloads"]) == WORKLOADS
    assert report["settings"]["backend"] == os.environ.get(
        "KERAS_BACKEND", "tensorflow"
    )


@pytest.mark.parametrize("workload", WORKLOADS)
def test_timings_are_finite_and_positive(benchmark_run, workload):
    report, _ = benchmark_run
    timings = list(_timings(report["workloads"][workload]))
    assert timings
    assert all(math.isfinite(t) and t > 0 for t in timings)


@pytest.mark.parametrize("workload", ["W1", "W2", "W3"])
def test_every_implementation_is_timed(benchmark_run, workload):
    report, _ = benchmark_run
    results = report["workloads"][workload]["results"]
    ran = report["settings"]["implementations"]
    assert {"sklstm", "keras"} <= set(ran)
    assert all(results[name]["fit_s"] > 0 for name in ran)
    if "torch" not in ran:
        assert results["torch"] is None


def test_w1_implementations_train_the_same_number_of_epochs(benchmark_run):
    report, _ = benchmark_run
    w1 = report["workloads"]["W1"]
    epochs = {r["epochs_run"] for r in w1["results"].values() if r is not None}
    assert epochs == {w1["params"]["epochs"]}


def test_w5_reports_peak_memory(benchmark_run):
    report, _ = benchmark_run
    sklstm = report["workloads"]["W5"]["results"]["sklstm"]
    assert sklstm["peak_rss_mb"] >= sklstm["baseline_rss_mb"] > 0


def test_table_is_printed(benchmark_run):
    report, table = benchmark_run
    assert "sk/keras" in table
    assert all(f"{name}  (" in table for name in WORKLOADS)
    if "torch" not in report["settings"]["implementations"]:
        assert "torch not installed" in table


SEARCH = RUN.with_name("search.py")


@pytest.fixture(scope="module")
def search_run(tmp_path_factory):
    """One tiny search per implementation; return JSON and table."""
    return _run_script(
        SEARCH,
        tmp_path_factory.mktemp("search"),
        *("--scale", "0.05", "--windows", "2,3", "--units", "2"),
        *("--searches", "1", "--threads", "1"),
    )


def test_search_benchmark_times_both_implementations(search_run):
    report, table = search_run
    implementations = ["sklstm", "torch"] if report["settings"]["torch"] else ["sklstm"]
    (search,) = report["searches"]
    assert sorted(set(search) - {"load_before", "load_after"}) == implementations
    for name in implementations:
        record = search[name]
        # Two candidates, then the refit.
        assert len(record["fit_s"]) == 3
        assert record["best"][0] in (2, 3) and record["best"][1] == 2
        assert math.isfinite(record["holdout_rmse"])
        timings = [report["imports_s"][name], record["wall_s"], *record["fit_s"]]
        assert all(math.isfinite(t) and t > 0 for t in timings)
    assert "| first search (s) |" in table


FORECAST_INTERVALS = RUN.with_name("forecast_intervals.py")


def test_forecast_interval_benchmark_reports_every_method_level_and_step(tmp_path):
    report, table = _run_script(FORECAST_INTERVALS, tmp_path, "--fast")
    assert report["backend"] == os.environ.get("KERAS_BACKEND", "tensorflow")
    horizon = report["config"]["horizon"]
    assert [row["series"] for row in report["rows"]] == ["noisy sine", "trend"]
    for row in report["rows"]:
        assert row["n_test_origins"] > 0
        assert list(row["results"]) == ["naive", "in-sample", "calibrated", "rolling"]
        for by_level in row["results"].values():
            assert list(by_level) == ["0.8", "0.9", "0.95"]
            for result in by_level.values():
                assert len(result["coverage"]) == len(result["width"]) == horizon
                assert all(0 <= share <= 1 for share in result["coverage"])
                assert all(math.isfinite(w) and w > 0 for w in result["width"])
            # A higher level never narrows an interval, step by step.
            widths = np.array([result["width"] for result in by_level.values()])
            assert (np.diff(widths, axis=0) >= 0).all()
        assert f"{row['n_test_origins']} test origins" in table
    assert "| level | step | naive | in-sample | calibrated | rolling |" in table
