"""Notebook users: the example notebook runs, and estimators render there."""

import re
from pathlib import Path

import numpy as np
import pytest
from sklearn.compose import TransformedTargetRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler

from sklstm import LSTMClassifier, LSTMRegressor, SlidingWindowTransformer

NOTEBOOKS = sorted((Path(__file__).parents[1] / "examples").glob("*.ipynb"))


def user_set_parameters(html):
    """Names of the parameters the HTML repr highlights as changed."""
    return re.findall(
        r'<tr class="user-set">.*?<td class="param">(\w+)</td>', html, re.S
    )


def test_notebooks_are_found():
    assert NOTEBOOKS


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_notebook_is_stored_without_outputs(path):
    nbformat = pytest.importorskip("nbformat")
    notebook = nbformat.read(path, as_version=4)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert code
    assert all(not cell.outputs and cell.execution_count is None for cell in code)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_notebook_runs_top_to_bottom(path, tmp_path, monkeypatch):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    # The kernel inherits the environment, KERAS_BACKEND included.
    monkeypatch.setenv("SKLSTM_EXAMPLES_FAST", "1")
    notebook = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        notebook, timeout=600, resources={"metadata": {"path": str(tmp_path)}}
    )
    client.execute()  # raises CellExecutionError naming the failing cell
    outputs = [out for cell in notebook.cells for out in cell.get("outputs", ())]
    mimetypes = {key for out in outputs for key in out.get("data", {})}
    assert {"text/html", "image/png"} <= mimetypes
    html = "".join(out.get("data", {}).get("text/html", "") for out in outputs)
    assert "LSTMRegressor" in html
    assert list(tmp_path.glob("*.png"))


def test_estimator_text_repr_lists_changed_parameters_only():
    assert repr(LSTMRegressor(units=4, epochs=2)) == "LSTMRegressor(epochs=2, units=4)"
    assert repr(LSTMClassifier()) == "LSTMClassifier()"


@pytest.mark.parametrize(
    "estimator",
    [LSTMRegressor(units=4, epochs=2), LSTMClassifier(units=4, epochs=2)],
    ids=lambda estimator: type(estimator).__name__,
)
def test_estimator_html_repr_highlights_changed_parameters(estimator):
    bundle = estimator._repr_mimebundle_()
    assert bundle["text/plain"] == repr(estimator)
    html = bundle["text/html"]
    assert type(estimator).__name__ in html
    assert user_set_parameters(html) == ["units", "epochs"]
    assert "<span>Not fitted</span>" in html


def test_fitted_pipeline_html_repr_shows_every_step_as_fitted():
    series = np.sin(np.arange(30) / 3)
    lstm = LSTMRegressor(units=2, epochs=1, random_state=0)
    pipe = make_pipeline(MinMaxScaler(), SlidingWindowTransformer(4), lstm)
    model = TransformedTargetRegressor(pipe, transformer=MinMaxScaler())
    model.fit(series[:-1, np.newaxis], series[1:])
    html = model._repr_html_()
    for name in ("MinMaxScaler", "SlidingWindowTransformer", "LSTMRegressor"):
        assert name in html
    assert user_set_parameters(html) == [
        "window_size",
        "units",
        "epochs",
        "random_state",
    ]
    assert "<span>Fitted</span>" in html
