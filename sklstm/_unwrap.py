"""Reach the fitted estimators a search, pipeline or target transformer wraps."""

from sklearn.pipeline import Pipeline


def fitted_parts(estimator):
    """Yield `estimator` and the fitted estimators it delegates to.

    Parameters
    ----------
    estimator : estimator
        An estimator, a :class:`~sklearn.pipeline.Pipeline`, a fitted
        :class:`~sklearn.compose.TransformedTargetRegressor` or a fitted
        search, nested in any way.

    Yields
    ------
    part : estimator
        `estimator` first, then what it delegates to, in order: a search's
        ``best_estimator_``, a target transformer's ``regressor_``, a
        pipeline's steps.
    """
    yield estimator
    if hasattr(estimator, "best_estimator_"):
        yield from fitted_parts(estimator.best_estimator_)
    elif hasattr(estimator, "regressor_"):
        yield from fitted_parts(estimator.regressor_)
    elif isinstance(estimator, Pipeline):
        for _, step in estimator.steps:
            yield from fitted_parts(step)
