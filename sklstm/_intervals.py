"""Quantiles and intervals of a quantile LSTMRegressor inside a composition.

A :class:`~sklearn.pipeline.Pipeline`, a
:class:`~sklearn.compose.TransformedTargetRegressor` or a search has no
``predict_quantiles``; these functions find the :class:`LSTMRegressor` at
its end, feed it ``X`` as the composition would, and map its quantiles back
to the scale of the composition's target.
"""

import numpy as np
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted

from sklstm._regressor import LSTMRegressor


def predict_quantiles(estimator, X):
    """Predict the quantiles of a quantile LSTMRegressor, alone or composed.

    Parameters
    ----------
    estimator : estimator
        A fitted ``LSTMRegressor(quantiles=...)``, or a fitted
        :class:`~sklearn.pipeline.Pipeline`,
        :class:`~sklearn.compose.TransformedTargetRegressor`,
        :class:`~sklearn.model_selection.GridSearchCV` or
        :class:`~sklearn.model_selection.RandomizedSearchCV` that ends in one,
        nested in any way.
    X : array-like
        What ``estimator.predict`` takes. A pipeline's steps before the
        regressor transform it.

    Returns
    -------
    y_quantiles : ndarray of shape (n_samples, n_quantiles) or \
            (n_samples, n_outputs, n_quantiles)
        The quantiles at the regressor's levels ``quantiles_``, on the scale
        of the target ``estimator`` was fitted on: a target transformer's
        ``inverse_transform`` maps back each level, and a decreasing one
        (which turns the ``q``-quantile into the ``1 - q``-quantile) reverses
        their order.

    Raises
    ------
    TypeError
        If ``estimator`` holds no LSTMRegressor with quantiles.
    ValueError
        If a target transformer's inverse does not keep the quantiles in
        order, reverses them while the levels are not symmetric about 0.5,
        or maps a quantile to NaN or infinity (outside its domain).

    See Also
    --------
    predict_interval : Calibrated intervals, through the same compositions.
    """
    regressor, X, target_transforms = _reach(estimator, X)
    quantiles = regressor.predict_quantiles(X)
    return _untransform(quantiles, target_transforms, regressor.quantiles_)


def predict_interval(estimator, X, coverage=0.9):
    """Predict calibrated intervals of a quantile LSTMRegressor, alone or composed.

    Parameters
    ----------
    estimator : estimator
        A fitted ``LSTMRegressor(quantiles=...)``, or a composition that
        ends in one, as for :func:`predict_quantiles`.
    X : array-like
        What ``estimator.predict`` takes.
    coverage : float in (0, 1), default=0.9
        Nominal probability that the interval holds the target.

    Returns
    -------
    y_interval : ndarray of shape (n_samples, 2) or (n_samples, n_outputs, 2)
        Lower and upper bounds, from :meth:`LSTMRegressor.predict_interval`,
        on the scale of the target ``estimator`` was fitted on. An interval
        mapped by a monotone target transform keeps its coverage.

    Raises
    ------
    TypeError
        If ``estimator`` holds no LSTMRegressor with quantiles, or
        ``coverage`` is not a real number.
    ValueError
        If ``coverage`` is not in (0, 1) or the regressor cannot serve it
        (see :meth:`LSTMRegressor.predict_interval`), or a target
        transformer's inverse does not keep the bounds in order or maps one
        to NaN or infinity (outside its domain).

    See Also
    --------
    predict_quantiles : The quantiles, through the same compositions.
    """
    regressor, X, target_transforms = _reach(estimator, X)
    interval = regressor.predict_interval(X, coverage=coverage)
    return _untransform(interval, target_transforms, None)


def _reach(estimator, X, inspect=None):
    """The quantile LSTMRegressor in `estimator`, `X` as it gets it, and the
    target transformers around it (outermost first).

    ``inspect(step, X)``, if given, sees each pipeline step before the
    regressor and the `X` that step transforms.
    """
    if isinstance(estimator, LSTMRegressor):
        if estimator.quantiles is None:
            raise _no_quantiles("LSTMRegressor(quantiles=None)")
        return estimator, X, []
    if isinstance(estimator, Pipeline):
        for _, step in estimator.steps[:-1]:
            if step is None or step == "passthrough":
                continue
            if inspect is not None:
                inspect(step, X)
            X = step.transform(X)
        return _reach(estimator[-1], X, inspect)
    if hasattr(estimator, "estimator") or hasattr(estimator, "regressor"):
        # A search or a target transformer: reached only once fitted.
        check_is_fitted(estimator)
    if hasattr(estimator, "best_estimator_"):
        return _reach(estimator.best_estimator_, X, inspect)
    if hasattr(estimator, "regressor_") and hasattr(estimator, "transformer_"):
        regressor, X, target_transforms = _reach(estimator.regressor_, X, inspect)
        return regressor, X, [estimator, *target_transforms]
    raise _no_quantiles(type(estimator).__name__)


def _no_quantiles(what):
    return TypeError(
        f"{what} is no LSTMRegressor with quantiles: pass a fitted "
        "LSTMRegressor(quantiles=...), alone or at the end of a Pipeline, "
        "TransformedTargetRegressor or fitted search (refit=True)"
    )


def _untransform(values, target_transforms, levels):
    """Map `values` back through each target transformer, innermost first.

    `values` has the levels (or the two bounds, with `levels` None) on its
    last axis; each is one prediction of the regressor inside.
    """
    for target_transform in reversed(target_transforms):
        columns = [
            _inverse(target_transform, values[..., k]) for k in range(values.shape[-1])
        ]
        mapped = np.stack(columns, axis=-1)
        _check_domain(values, mapped, "quantiles" if levels is not None else "bounds")
        values = _in_order(mapped, levels)
    return values


def _check_domain(values, mapped, what):
    """Refuse finite `values` that the inverse maps to NaN or infinity."""
    lost = np.isfinite(values) & ~np.isfinite(mapped)
    if lost.any():
        value = values[lost].flat[0]
        raise ValueError(
            f"the target transformer's inverse_transform maps {what} such as "
            f"{value:.6g} to NaN or infinity: they fall outside the domain of "
            "the inverse. A quantile or a calibrated bound can be any real "
            "number on the regressor's scale: use a target transform whose "
            "inverse is defined on every real number (such as func=np.log "
            "with inverse_func=np.exp)"
        )


def _inverse(target_transform, prediction):
    """A prediction ``(n_samples,)`` or ``(n_samples, n_outputs)`` mapped back,
    as :meth:`TransformedTargetRegressor.predict` maps it."""
    rows = prediction.reshape(len(prediction), -1)
    return target_transform.transformer_.inverse_transform(rows).reshape(
        prediction.shape
    )


def _in_order(values, levels):
    """`values`, increasing along the last axis, from a monotone inverse."""
    steps = np.diff(values, axis=-1)
    if np.all(steps >= 0):
        return values
    if not np.all(steps <= 0):
        raise ValueError(
            "the target transformer's inverse_transform does not keep the "
            "quantiles in order: it must be monotone (increasing or decreasing) "
            "for its outputs to be quantiles"
        )
    # A decreasing map turns the q-quantile into the (1 - q)-quantile.
    if levels is not None and not np.allclose(levels, 1 - np.asarray(levels)[::-1]):
        raise ValueError(
            "the target transformer's inverse_transform is decreasing, which "
            "turns the q-quantile into the (1 - q)-quantile, but the levels "
            f"{levels} are not symmetric about 0.5: learn symmetric quantiles"
        )
    return values[..., ::-1]
