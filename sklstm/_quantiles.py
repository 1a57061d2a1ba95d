"""Quantile networks and their calibrated intervals.

A quantile network has one output per quantile level and target, trained
with :class:`PinballLoss`; :class:`NonCrossingQuantiles` keeps the levels in
order by construction. :func:`conformalized_interval` turns the predicted
quantiles into intervals whose coverage holds on new data, calibrated on
samples the network did not train on.

Layout of the outputs: for ``n_outputs`` targets and ``n_quantiles`` levels,
the network returns ``(batch, n_outputs * n_quantiles)``, target-major (the
quantiles of target 0, then those of target 1, ...), so that it stays a 2D
regression output; ``reshape(batch, n_outputs, n_quantiles)`` recovers one
row of quantiles per target.
"""

from numbers import Real

import keras
import numpy as np
from keras import ops

from sklstm._conformal import conformal_correction

MEDIAN = 0.5


def check_quantiles(quantiles):
    """Return the quantile levels a network learns, with the median among them.

    Parameters
    ----------
    quantiles : sequence of float
        Quantile levels, each in the open interval (0, 1), strictly
        increasing. The median (0.5) is added if missing, since ``predict``
        returns it.

    Returns
    -------
    quantiles : tuple of float
        The strictly increasing levels, 0.5 included.

    Raises
    ------
    ValueError
        If `quantiles` is not a non-empty sequence of numbers in (0, 1) in
        strictly increasing order.
    """
    if isinstance(quantiles, (str, bytes, Real)) or not hasattr(quantiles, "__len__"):
        raise ValueError(
            "quantiles must be a sequence of floats in (0, 1), such as "
            f"(0.05, 0.5, 0.95), got {quantiles!r}"
        )
    levels = tuple(quantiles)
    if not levels:
        raise ValueError("quantiles must hold at least one level, got ()")
    for q in levels:
        if isinstance(q, (bool, np.bool_)) or not isinstance(q, Real) or not 0 < q < 1:
            raise ValueError(
                f"quantiles must be floats in the open interval (0, 1), got {q!r} "
                f"in {quantiles!r}"
            )
    if any(a >= b for a, b in zip(levels[:-1], levels[1:], strict=True)):
        raise ValueError(
            f"quantiles must be strictly increasing, got {quantiles!r}; e.g. "
            f"{tuple(sorted({float(q) for q in levels}))!r}"
        )
    return tuple(sorted({float(q) for q in levels} | {MEDIAN}))


@keras.saving.register_keras_serializable(package="sklstm")
class PinballLoss(keras.losses.Loss):
    """Pinball (quantile) loss, averaged over the quantile levels and targets.

    For a level ``q`` and the error ``e = y_true - y_pred``, the loss is
    ``max(q * e, (q - 1) * e)``: its minimizer is the ``q``-quantile of the
    target's conditional distribution.

    Parameters
    ----------
    quantiles : sequence of float
        The quantile levels, in the order of the network's quantile outputs.
    name : str, default="pinball_loss"
        Name of the loss.
    **kwargs : dict
        Other arguments of ``keras.losses.Loss`` (``reduction``, ``dtype``).

    Notes
    -----
    Shapes: ``y_true`` is ``(batch,)`` or ``(batch, n_outputs)``; ``y_pred``
    is ``(batch, n_outputs * n_quantiles)`` (target-major) or ``(batch,
    n_outputs, n_quantiles)``. The per-sample loss, ``(batch,)``, is then
    reduced by Keras with the sample weights.
    """

    def __init__(self, quantiles, name="pinball_loss", **kwargs):
        super().__init__(name=name, **kwargs)
        self.quantiles = tuple(float(q) for q in quantiles)

    def call(self, y_true, y_pred):
        n_quantiles = len(self.quantiles)
        y_pred = ops.reshape(y_pred, (ops.shape(y_pred)[0], -1, n_quantiles))
        y_true = ops.reshape(y_true, (ops.shape(y_pred)[0], -1, 1))
        error = ops.cast(y_true, y_pred.dtype) - y_pred
        levels = ops.convert_to_tensor(self.quantiles, dtype=error.dtype)
        loss = ops.maximum(levels * error, (levels - 1.0) * error)
        return ops.mean(loss, axis=(1, 2))

    def get_config(self):
        return {**super().get_config(), "quantiles": list(self.quantiles)}


@keras.saving.register_keras_serializable(package="sklstm")
class NonCrossingQuantiles(keras.layers.Layer):
    """Turn free outputs into quantiles that are ordered by construction.

    For each target, the output at the median's position is the median; each
    level above it adds ``softplus`` of its own free output to the level below
    it, and each level below the median subtracts ``softplus`` of its output
    from the level above. ``softplus`` is never negative and floating-point
    addition is monotone, so the returned quantiles never decrease along the
    levels, whatever the weights that produce the free outputs (an
    ``ops.cumsum`` could sum in a different order per position and break
    this by a rounding step; the loop over the few levels cannot).

    Parameters
    ----------
    quantiles : sequence of float
        Strictly increasing quantile levels, 0.5 among them.
    **kwargs : dict
        Other arguments of ``keras.layers.Layer``.

    Notes
    -----
    Input and output have shape ``(batch, n_outputs * n_quantiles)``,
    target-major. The layer has no weights: it follows a ``Dense`` layer of
    ``n_outputs * n_quantiles`` units.
    """

    def __init__(self, quantiles, **kwargs):
        super().__init__(**kwargs)
        self.quantiles = tuple(float(q) for q in quantiles)
        if MEDIAN not in self.quantiles:
            raise ValueError(f"quantiles must include 0.5, got {self.quantiles!r}")

    def call(self, inputs):
        n_quantiles = len(self.quantiles)
        free = ops.reshape(inputs, (-1, n_quantiles))
        m = self.quantiles.index(MEDIAN)
        levels = [None] * n_quantiles
        levels[m] = free[:, m]
        for k in range(m + 1, n_quantiles):
            levels[k] = levels[k - 1] + ops.softplus(free[:, k])
        for k in range(m - 1, -1, -1):
            levels[k] = levels[k + 1] - ops.softplus(free[:, k])
        return ops.reshape(ops.stack(levels, axis=-1), ops.shape(inputs))

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "quantiles": list(self.quantiles)}


def interval_levels(coverage):
    """The quantile levels that bound a central interval of `coverage`."""
    return (1.0 - coverage) / 2.0, (1.0 + coverage) / 2.0


def interval_from_quantiles(quantile_pred, quantiles, coverage):
    """Central interval of nominal `coverage` read off predicted quantiles.

    The bounds are the predicted quantiles at levels ``(1 - coverage) / 2``
    and ``(1 + coverage) / 2``, linearly interpolated between the learned
    levels and clipped to the outermost ones. Ordered quantiles give
    ``lower <= upper``.

    Parameters
    ----------
    quantile_pred : ndarray of shape (n_samples, n_quantiles) or \
            (n_samples, n_outputs, n_quantiles)
        Predicted quantiles, non-decreasing along the last axis.
    quantiles : sequence of float
        The increasing levels of the last axis.
    coverage : float in (0, 1)
        Nominal coverage of the interval.

    Returns
    -------
    lower, upper : ndarray of shape (n_samples,) or (n_samples, n_outputs)
        The interval bounds.
    """
    levels = np.asarray(quantiles, dtype=float)
    # np.interp works on one curve; the bounds are fixed, so each one is a
    # fixed mix of two neighbouring quantile columns.
    out = []
    for level in np.clip(interval_levels(coverage), levels[0], levels[-1]):
        hi = min(int(np.searchsorted(levels, level)), len(levels) - 1)
        lo = max(hi - 1, 0)
        span = levels[hi] - levels[lo]
        w = 0.0 if span == 0 else (level - levels[lo]) / span
        out.append((1 - w) * quantile_pred[..., lo] + w * quantile_pred[..., hi])
    return out[0], out[1]


def conformalized_interval(
    quantile_pred, calibration_pred, calibration_y, quantiles, coverage
):
    """Conformalized quantile regression: intervals with `coverage` that holds.

    The central interval of the predicted quantiles
    (:func:`interval_from_quantiles`) is widened (or narrowed) by the
    :func:`conformal_correction` measured on calibration samples. Where a
    negative correction would cross the bounds, they stop at the median, so
    that ``lower <= median <= upper`` always (this only widens, so the
    coverage guarantee stands). A network of the median alone,
    ``quantiles=(0.5,)``, gives split-conformal intervals on absolute
    residuals.

    Parameters
    ----------
    quantile_pred : ndarray of shape (n_samples, n_outputs, n_quantiles)
        Quantiles predicted for the samples to cover.
    calibration_pred : ndarray of shape (n_calibration, n_outputs, n_quantiles)
        Quantiles predicted for calibration samples the network did not
        train on.
    calibration_y : ndarray of shape (n_calibration, n_outputs)
        True targets of the calibration samples.
    quantiles : sequence of float
        The increasing levels of the last axis, 0.5 among them.
    coverage : float in (0, 1)
        Nominal coverage.

    Returns
    -------
    interval : ndarray of shape (n_samples, n_outputs, 2)
        Lower and upper bounds on the last axis.
    """
    lower, upper = interval_from_quantiles(quantile_pred, quantiles, coverage)
    calibration_bounds = interval_from_quantiles(calibration_pred, quantiles, coverage)
    correction = conformal_correction(*calibration_bounds, calibration_y, coverage)
    median = quantile_pred[..., list(quantiles).index(MEDIAN)]
    return np.stack(
        [
            np.minimum(lower - correction, median),
            np.maximum(upper + correction, median),
        ],
        axis=-1,
    )
