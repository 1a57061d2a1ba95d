"""Every gallery example runs, in its fast mode, and saves its figures."""

import runpy
from pathlib import Path

import matplotlib.pyplot as plt
import pytest

EXAMPLES = sorted((Path(__file__).parents[1] / "examples").glob("plot_*.py"))


@pytest.fixture
def agg_backend():
    plt.switch_backend("Agg")
    yield
    plt.close("all")


def test_examples_are_found():
    assert EXAMPLES


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda path: path.stem)
def test_example_runs_and_saves_figures(path, tmp_path, monkeypatch, agg_backend):
    monkeypatch.setenv("SKLSTM_EXAMPLES_FAST", "1")
    monkeypatch.chdir(tmp_path)
    runpy.run_path(str(path), run_name="__main__")
    figures = list(tmp_path.glob("*.png"))
    assert figures
    assert all(figure.stat().st_size > 0 for figure in figures)
