"""Intervals recalibrated as the truth arrives: adaptive conformal inference.

:meth:`LSTMRegressor.predict_interval` calibrates once, on the last rows of
the fit. On a series, the future need not resemble that period; here each
new row's interval is calibrated on the fit's calibration rows followed by
the rows observed since, and its level follows the misses seen so far.
"""

import math
from bisect import bisect_left, insort
from collections import deque
from numbers import Integral, Real

import numpy as np
from sklearn.exceptions import NotFittedError
from sklearn.utils import check_array
from sklearn.utils.validation import check_is_fitted

from sklstm._adaptive_input import check_follows_fit, check_one_series, check_y_index
from sklstm._conformal import check_coverage, min_calibration_size
from sklstm._intervals import _reach, _untransform
from sklstm._quantiles import MEDIAN, interval_from_quantiles


def adaptive_interval(
    estimator, X, y=None, coverage=0.9, *, gamma=0.05, window=None, horizon=None
):
    """Predict intervals recalibrated on each target as it is observed.

    Rows of ``X`` follow the fitted rows in time, one per time step. The
    interval of row ``t`` is the conformalized quantile regression interval
    of :meth:`LSTMRegressor.predict_interval` (the same quantiles, the same
    scores), calibrated on the estimator's calibration rows *followed by the
    rows of* ``y`` *already observed before row* ``t``; its level adapts to
    the misses seen so far (adaptive conformal inference, Gibbs and Candès,
    2021). When the series drifts away from its calibration period, the
    intervals widen or narrow to keep the coverage over time. Rows past
    ``len(y)`` have no truth yet: they are calibrated on all of ``y``, so
    the last row of ``X`` is the interval of a forecast from the end of the
    data. Nothing is kept between calls: with each new value, call again
    with every row since the fit and every target observed.

    Parameters
    ----------
    estimator : estimator
        A fitted ``LSTMRegressor(quantiles=..., calibration_fraction > 0)``,
        or a composition that ends in one, as for :func:`predict_interval`:
        a :class:`~sklearn.pipeline.Pipeline` (a
        :class:`SlidingWindowTransformer` in it continues the fitted
        series), a :class:`~sklearn.compose.TransformedTargetRegressor` or a
        fitted search.
    X : array-like
        What ``estimator.predict`` takes: the rows of one series in time
        order, after the rows ``estimator`` was fitted on, one time step
        apart. Where a window pipeline's fitted series has a pandas time
        index, ``X`` must start after its end, and ``X`` that begins with the
        fitted rows is refused; an array that starts inside the fitted
        period cannot be told apart from a continuation and is not caught.
        A panel (a pandas index of (series id, time)) must hold one series:
        walk each series apart, ``X.loc[[name]]``. That the rows are one
        time step apart is not checked: the delays of ``horizon`` count
        rows, so rows missing from ``X`` make targets count later than
        they are observed.
    y : array-like of shape (n_observed,) or (n_observed, n_outputs), \
            default=None
        The observed targets of the first ``n_observed <= len(X)`` rows of
        ``X``, on the scale of the target ``estimator`` was fitted on; a
        pandas ``y`` with a pandas ``X`` must have the index of those rows.
        None observes none: the intervals are then those of
        :func:`predict_interval` (only with ``window=None``).
    coverage : float in (0, 1), default=0.9
        Nominal probability that the interval holds the target.
    gamma : float >= 0, default=0.05
        Step size of the adaptive level: after each revealed target, the
        miscoverage level ``alpha_t`` of its column moves by ``gamma * (1 -
        coverage - miss)``, down (wider intervals) after a miss and up after
        a hit. 0 keeps ``alpha_t = 1 - coverage``: plain conformal
        prediction on a growing (or, with ``window``, rolling) calibration
        set. See Notes for the choice of the default.
    window : int or None, default=None
        Calibrate on the last ``window`` scores of each column only (a
        rolling calibration set), forgetting older ones; at least
        ``ceil(coverage / (1 - coverage))``. None keeps every score.
    horizon : int or None, default=None
        The number of steps ahead the target columns span, laid out
        step-major as :func:`make_windows` lays them out (``n_outputs /
        horizon`` targets per step): the targets of step ``h`` of row ``s``
        are observed at row ``s + h``, and only from then on do they
        calibrate. None reads each column as one more step ahead (the
        targets of ``make_windows(series, w, horizon=H)`` for one column);
        pass ``horizon=1`` for several series one step ahead. None with
        several columns observed sooner is conservative: column ``j``
        (from 0) then waits ``j + 1`` rows for each score, and calibrates on
        staler scores, which lag a drift.

    Returns
    -------
    y_interval : ndarray of shape (n_samples, 2) or (n_samples, n_outputs, 2)
        Lower and upper bounds on the last axis, on the scale of the target
        ``estimator`` was fitted on; a target axis for a 2D ``y`` in the
        fit.

    Raises
    ------
    TypeError
        If ``estimator`` holds no LSTMRegressor with quantiles, or
        ``coverage``, ``gamma``, ``window`` or ``horizon`` is not a number of
        the right kind.
    ValueError
        If ``coverage``, ``gamma``, ``window``, ``horizon`` or ``y`` is out
        of range or ill-shaped, ``y`` has more rows than ``X`` or another
        index, ``X`` is a panel of several series or starts inside the
        fitted series, or the regressor was fitted without calibration rows
        or with too few for ``coverage``.
    sklearn.exceptions.NotFittedError
        If ``estimator`` is not fitted, or was fitted with
        ``quantiles=None``.

    See Also
    --------
    predict_interval : Intervals calibrated once, on the fit's last rows.
    recursive_forecast : Intervals of a forecast many steps past the data.

    Notes
    -----
    For each target column apart, row ``t``'s interval is the central
    interval of the predicted quantiles at level ``coverage``, widened by the
    ``ceil((n + 1) * (1 - alpha_t))``-th smallest of the ``n`` scores known
    at row ``t`` (``max(lower - y, y - upper)`` of each calibration row and
    observed row). With a revealed target, its score joins the set and
    ``alpha_{t+1} = alpha_t + gamma * (1 - coverage - miss)``, where
    ``miss`` is 1 if the target fell outside the interval given to its row.
    Over ``T`` revealed targets of a column, the miss rate is then within
    ``(1 + gamma) / (gamma * T)`` of ``1 - coverage`` for any data (Gibbs
    and Candès, 2021; ``(1 + h * gamma) / (gamma * T)`` for a column
    observed ``h`` rows later), as long as the clipping below decides no
    target: none falls beyond every known score while ``alpha_t <= 0``, and
    none falls inside the clipped interval while ``alpha_t >= 1``.

    Where ``alpha_t`` leaves ``(0, 1)``, the method as published gives an
    infinite or an empty interval; here the rank is clipped to ``[1, n]``:
    the largest or the smallest known score, so the bounds stay finite and
    never cross the median, and ``alpha_t`` itself is kept, so that it
    returns as the misses allow. (Targets tied at the median, which such an
    interval always holds, then keep hitting and ``alpha_t`` keeps rising.)

    The default ``gamma=0.05``, the largest step used in the literature
    (0.005 to 0.05), is chosen for how fast the level reacts, not from any
    measured coverage: when misses come at twice the nominal rate ``2 *
    alpha``, ``alpha_t`` loses ``gamma * alpha`` per row, so it takes ``0.5
    / gamma`` rows to halve it, 10 rows with 0.05 and 100 with 0.005, the
    step of Gibbs and Candès for series thousands of steps long. Series of
    a few hundred rows, where a drift lasts tens of them, need the faster
    step; a smaller one gives steadier widths on long, calm series.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm import LSTMRegressor, adaptive_interval, make_windows
    >>> series = np.sin(np.arange(120) / 4)
    >>> X, y = make_windows(series, window_size=6)
    >>> model = LSTMRegressor(units=4, epochs=2, quantiles=(0.1, 0.9),
    ...                       random_state=0).fit(X[:80], y[:80])
    >>> # The targets of rows 80 to 112 are observed, not yet row 113's.
    >>> adaptive_interval(model, X[80:], y[80:-1], coverage=0.8).shape
    (34, 2)
    """
    coverage = check_coverage(coverage)
    gamma = _check_gamma(gamma)
    window = _check_window(window, coverage)
    check_one_series(X)
    check_y_index(X, y)
    regressor, X, target_transforms = _reach(estimator, X, check_follows_fit)
    check_is_fitted(regressor)
    if regressor.quantiles_ is None:
        raise NotFittedError(
            f"This {type(regressor).__name__} was fitted with quantiles=None; "
            "fit it again to predict quantiles or intervals"
        )
    _check_calibration(regressor, coverage)
    n_outputs, levels = regressor.n_outputs_, regressor.quantiles_
    delays = _delays(horizon, n_outputs)
    observed = _observed(y, len(X), n_outputs, target_transforms)
    quantiles = regressor.predict_quantiles(X)
    # Without a target axis, the regressor was fitted on a 1D y.
    one_target = quantiles.ndim == 2
    quantiles = quantiles.reshape(len(quantiles), n_outputs, len(levels))
    lower, upper = interval_from_quantiles(quantiles, levels, coverage)
    median = quantiles[..., levels.index(MEDIAN)]
    calibration = _scores(
        *interval_from_quantiles(regressor.calibration_quantiles_, levels, coverage),
        regressor.calibration_targets_,
    )
    n_observed = len(observed)
    scores = _scores(lower[:n_observed], upper[:n_observed], observed)
    correction = np.empty_like(lower)
    for j, delay in enumerate(delays):
        column = _Column(calibration[:, j], coverage, gamma, window)
        correction[:, j] = column.walk(
            scores[:, j], lower[:, j], upper[:, j], median[:, j], observed[:, j], delay
        )
    interval = np.stack(
        [
            np.minimum(lower - correction, median),
            np.maximum(upper + correction, median),
        ],
        axis=-1,
    )
    if one_target:
        interval = interval[:, 0]
    return _untransform(interval, target_transforms, None)


class _Column:
    """The calibration state of one target column as its rows go by."""

    def __init__(self, calibration, coverage, gamma, window):
        kept = calibration if window is None else calibration[-window:]
        self.arrived = deque(float(s) for s in kept)
        self.sorted = sorted(self.arrived)
        self.coverage, self.gamma, self.window = coverage, gamma, window
        # alpha_t - (1 - coverage): exactly 0 with gamma=0, so that the rank
        # is predict_interval's.
        self.shift = 0.0

    def walk(self, scores, lower, upper, median, y, delay):
        """The correction of each row; `scores` and `y` of the observed ones."""
        n_rows, n_observed = len(lower), len(y)
        correction = np.empty(n_rows)
        missed = np.zeros(n_observed, dtype=bool)
        revealed = 0
        for t in range(n_rows):
            # Row s's target is known from row s + delay on; past the observed
            # rows, every observed target is.
            known = n_observed if t >= n_observed else max(0, t - delay + 1)
            for s in range(revealed, known):
                self.reveal(scores[s], missed[s])
            revealed = max(revealed, known)
            correction[t] = self.correction()
            if t < n_observed:
                low = min(lower[t] - correction[t], median[t])
                high = max(upper[t] + correction[t], median[t])
                missed[t] = not low <= y[t] <= high
        return correction

    def reveal(self, score, missed):
        """Add an observed row's score, and move the level by its miss."""
        self.arrived.append(float(score))
        insort(self.sorted, float(score))
        if self.window is not None and len(self.arrived) > self.window:
            oldest = self.arrived.popleft()
            del self.sorted[bisect_left(self.sorted, oldest)]
        self.shift += self.gamma * ((1 - self.coverage) - missed)

    def correction(self):
        """The known score at rank ``ceil((n + 1) * (1 - alpha_t))``, clipped."""
        n = len(self.sorted)
        # The tolerance keeps (n + 1) * coverage = 19.000000000000004 at 19.
        rank = math.ceil((n + 1) * (self.coverage - self.shift) - 1e-9)
        return self.sorted[min(max(rank, 1), n) - 1]


def _scores(lower, upper, y):
    """How far each target falls outside its interval (negative inside)."""
    return np.maximum(lower - y, y - upper)


def _check_gamma(gamma):
    if isinstance(gamma, (bool, np.bool_)) or not isinstance(gamma, Real):
        raise TypeError(f"gamma must be a float >= 0, got {gamma!r}")
    if not (math.isfinite(gamma) and gamma >= 0):
        raise ValueError(f"gamma must be a finite float >= 0, got {gamma}")
    return float(gamma)


def _check_window(window, coverage):
    if window is None:
        return None
    if isinstance(window, (bool, np.bool_)) or not isinstance(window, Integral):
        raise TypeError(f"window must be an int or None, got {window!r}")
    needed = min_calibration_size(coverage)
    if window < needed:
        raise ValueError(
            f"window={window} is too small for coverage={coverage}: a rolling "
            f"calibration set needs at least {needed} scores"
        )
    return int(window)


def _check_calibration(regressor, coverage):
    if regressor.calibration_targets_ is None:
        raise ValueError(
            "adaptive_interval starts from the calibration rows of the fit, but "
            "the LSTMRegressor was fitted with calibration_fraction=0: fit it "
            "with calibration_fraction > 0 (such as 0.2)"
        )
    regressor._check_calibration_size(coverage)


def _observed(y, n_rows, n_outputs, target_transforms):
    """`y` as ``(n_observed, n_outputs)`` float64, on the regressor's scale."""
    if y is None:
        return np.empty((0, n_outputs))
    expected = "(n_observed,)" if n_outputs == 1 else f"(n_observed, {n_outputs})"
    if np.ndim(y) == 0:
        raise ValueError(
            f"y must be an array-like of shape {expected}, the observed targets "
            f"of the first rows of X, got the scalar {y!r} (pass coverage= by "
            "keyword)"
        )
    y = check_array(
        y, ensure_2d=False, ensure_min_samples=0, dtype="numeric", input_name="y"
    )
    if (
        y.ndim > 2
        or (y.ndim == 2 and y.shape[1] != n_outputs)
        or (y.ndim == 1 and n_outputs != 1)
    ):
        raise ValueError(
            f"y has shape {y.shape}, but the regressor predicts {n_outputs} "
            f"output(s): expected {expected}"
        )
    if len(y) > n_rows:
        raise ValueError(
            f"y has {len(y)} rows, more than the {n_rows} rows of X: y holds the "
            "observed targets of the first rows of X"
        )
    y = y.reshape(len(y), n_outputs).astype(np.float64)
    for target_transform in target_transforms:
        if len(y):
            y = target_transform.transformer_.transform(y).reshape(y.shape)
    return y


def _delays(horizon, n_outputs):
    """After how many rows each target column is observed."""
    if horizon is None:
        return range(1, n_outputs + 1)
    if isinstance(horizon, (bool, np.bool_)) or not isinstance(horizon, Integral):
        raise TypeError(f"horizon must be an int or None, got {horizon!r}")
    if horizon < 1 or n_outputs % horizon:
        raise ValueError(
            f"horizon must be a positive int that divides the {n_outputs} target "
            f"column(s), got {horizon!r}"
        )
    per_step = n_outputs // horizon
    return [j // per_step + 1 for j in range(n_outputs)]
