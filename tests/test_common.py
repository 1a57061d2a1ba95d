"""scikit-learn's own estimator checks on every public estimator."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from sklstm import LSTMClassifier, LSTMRegressor, SlidingWindowTransformer

_SCIKERAS_TAGS = (
    "scikeras 0.13's BaseWrapper still defines _more_tags; sklstm's classes "
    "define the __sklearn_tags__ that scikit-learn reads"
)
EXPECTED_FAILURES = {
    "LSTMRegressor": {"check_estimator_tags_renamed": _SCIKERAS_TAGS},
    "LSTMClassifier": {"check_estimator_tags_renamed": _SCIKERAS_TAGS},
}


@parametrize_with_checks(
    [
        LSTMRegressor(units=2, epochs=1, random_state=0),
        LSTMClassifier(units=2, epochs=1, random_state=0),
        SlidingWindowTransformer(window_size=2),
    ],
    expected_failed_checks=lambda est: EXPECTED_FAILURES.get(type(est).__name__, {}),
)
def test_sklearn_compatible(estimator, check):
    check(estimator)
