"""The ``sklstm`` command line: ``python -m sklstm`` and its demo."""

import contextlib
import io
import os
import subprocess
import sys

import pytest

import sklstm
from sklstm import _device
from sklstm.__main__ import main
from sklstm._commands import start_framework
from sklstm._regressor import LSTMRegressor

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


@pytest.mark.parametrize(
    "args, output",
    [(["--help"], "demo"), (["forecast", "--help"], "--time-col"),
     (["--version"], f"sklstm {sklstm.__version__}")],
)  # fmt: skip
def test_help_and_version_come_without_importing_a_framework(args, output):
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "sklstm", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0
    assert output in result.stdout
    imported = [line.split("|")[-1].strip() for line in result.stderr.splitlines()]
    assert "sklstm" in imported
    assert not [n for n in imported if n.split(".")[0] in ("keras", "tensorflow")]


def test_public_names_are_imported_on_first_use():
    assert set(sklstm.__all__) <= set(dir(sklstm))
    assert sklstm.LSTMRegressor is LSTMRegressor
    for name in sklstm.__all__:
        assert getattr(sklstm, name) is not None
    with pytest.raises(AttributeError, match="has no attribute 'LSTMRegresor'"):
        sklstm.LSTMRegresor  # noqa: B018


@pytest.mark.parametrize("level, shown", [(None, False), ("0", True)])
def test_framework_start_is_quiet_unless_a_log_level_is_set(
    level, shown, monkeypatch, capfd
):
    """Logs written to the standard error file while Keras starts are dropped."""

    def chatty_start():
        os.write(2, b"I0000 port.cc:153] oneDNN custom operations are on\n")

    monkeypatch.setattr(_device, "gpu_available", chatty_start)
    if level is None:
        monkeypatch.delenv("TF_CPP_MIN_LOG_LEVEL", raising=False)
    else:
        monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", level)
    start_framework()
    assert ("oneDNN" in capfd.readouterr().err) is shown
    assert os.environ["TF_CPP_MIN_LOG_LEVEL"] == (level or "2")
    os.write(2, b"after\n")  # standard error works again
    assert capfd.readouterr().err == "after\n"
