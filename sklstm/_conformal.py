"""Split conformal calibration: the coverage asked for and the rank it needs.

NumPy only, so that the command line can check an interval's calibration
before any deep-learning framework is imported.
"""

import math
from numbers import Real

import numpy as np


def check_coverage(coverage):
    """Return `coverage` as a float in (0, 1), or raise naming it.

    Raises
    ------
    TypeError
        If `coverage` is not a real number (a bool is not one).
    ValueError
        If it is not strictly between 0 and 1.
    """
    if isinstance(coverage, (bool, np.bool_)) or not isinstance(coverage, Real):
        raise TypeError(f"coverage must be a float in (0, 1), got {coverage!r}")
    if not 0 < coverage < 1:
        raise ValueError(
            f"coverage must be in the open interval (0, 1), got {coverage}"
        )
    return float(coverage)


def min_calibration_size(coverage):
    """The fewest calibration samples that give a finite `coverage` interval."""
    return math.ceil(coverage / (1 - coverage) - 1e-9)


def conformal_correction(lower, upper, y, coverage):
    """Widening that gives an interval `coverage` on exchangeable data.

    Split conformal prediction, with the scores of conformalized quantile
    regression (Romano et al., 2019): on a calibration set that the model did
    not train on, the score of a sample is ``max(lower - y, y - upper)``, how
    far ``y`` falls outside its interval (negative inside). The correction
    is the ``ceil((n + 1) * coverage)``-th smallest of the ``n`` scores; an
    interval ``[lower - correction, upper + correction]`` on a new sample
    exchangeable with the calibration set then holds its ``y`` with
    probability at least `coverage` (and below ``coverage + 1 / (n + 1)``
    when the scores have no ties). With ``lower = upper`` = a point
    prediction this is split conformal on absolute residuals.

    Parameters
    ----------
    lower, upper : ndarray of shape (n_samples,) or (n_samples, n_outputs)
        Interval bounds predicted for the calibration samples.
    y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
        Their true targets.
    coverage : float in (0, 1)
        Nominal coverage.

    Returns
    -------
    correction : float or ndarray of shape (n_outputs,)
        What to subtract from ``lower`` and add to ``upper``, per target.
        Negative when the intervals were too wide.

    Raises
    ------
    ValueError
        If the calibration set is too small for `coverage`: at least
        ``ceil(coverage / (1 - coverage))`` samples are needed (9 for 0.9, 19
        for 0.95), else no finite interval has the guarantee.
    """
    n = len(y)
    if n < min_calibration_size(coverage):
        raise ValueError(
            f"{n} calibration samples are too few for coverage={coverage}: at "
            f"least {min_calibration_size(coverage)} are needed"
        )
    # The tolerance keeps (n + 1) * coverage = 19.000000000000004 at rank 19.
    rank = math.ceil((n + 1) * coverage - 1e-9)
    scores = np.maximum(lower - y, y - upper)
    return np.sort(scores, axis=0)[rank - 1]
