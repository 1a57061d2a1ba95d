"""The ``sklstm`` command line: ``python -m sklstm`` and its demo."""

import contextlib
import io
import subprocess
import sys

import pytest

from sklstm.__main__ import main

TINY_DEMO = ["demo", "--epochs", "1", "--n-points", "300", "--seed", "0"]


@pytest.fixture(scope="module")
def demo_output():
    """Run the tiny demo once; return its exit status and standard output."""
    stdout = io.StringIO()
    with contextlib.redirect_stdout(stdout):
        status = main(TINY_DEMO)
    return status, stdout.getvalue()


def test_demo_exits_zero(demo_output):
    status, _ = demo_output
    assert status == 0


def test_demo_prints_cv_table(demo_output):
    _, output = demo_output
    assert "cross-validation RMSE" in output
    for column in ("window_size", "units", "mean_rmse", "std_rmse", "rank"):
        assert column in output
    assert "best params: window_size=" in output


def test_demo_prints_test_rmse_next_to_naive_baseline(demo_output):
    _, output = demo_output
    assert "test RMSE, LSTM:" in output
    assert "test RMSE, naive (last value):" in output


def test_demo_rejects_non_positive_epochs(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["demo", "--epochs", "0"])
    assert exc.value.code == 2
    assert "--epochs" in capsys.readouterr().err


def test_help_lists_demo_subcommand():
    result = subprocess.run(
        [sys.executable, "-m", "sklstm", "--help"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0
    assert "demo" in result.stdout
