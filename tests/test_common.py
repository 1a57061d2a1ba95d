"""scikit-learn's own estimator checks on every public estimator."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from sklstm import LSTMClassifier, LSTMRegressor, SlidingWindowTransformer

_SCIKERAS_TAGS = (
    "scikeras 0.13's BaseWrapper still defines _more_tags; sklstm's classes "
    "define the __sklearn_tags__ that scikit-learn reads"
)
_MINIBATCH = (
    "shuffled minibatch training: repeating a row changes the batches and the "
    "number of updates, so an integer weight is not the same as repetition"
)
_LSTM_FAILURES = {
    "check_estimator_tags_renamed": _SCIKERAS_TAGS,
    "check_sample_weight_equivalence_on_dense_data": _MINIBATCH,
}
EXPECTED_FAILURES = {
    "LSTMRegressor": _LSTM_FAILURES,
    "LSTMClassifier": _LSTM_FAILURES,
    "SlidingWindowTransformer": {
        "check_methods_subset_invariance": (
            "a row's window holds the rows before it, so transforming a subset "
            "of rows gives other windows by design"
        ),
        "check_methods_sample_order_invariance": (
            "windows follow row order by design (time-ordered input)"
        ),
        "check_fit1d": "a 1D series is read as one feature, as DESIGN.md specifies",
    },
}


@parametrize_with_checks(
    [
        LSTMRegressor(units=2, epochs=1, random_state=0),
        LSTMRegressor(units=2, epochs=1, random_state=0, quantiles=(0.1, 0.9)),
        LSTMClassifier(units=2, epochs=1, random_state=0),
        SlidingWindowTransformer(window_size=2),
    ],
    expected_failed_checks=lambda est: EXPECTED_FAILURES.get(type(est).__name__, {}),
)
def test_sklearn_compatible(estimator, check):
    check(estimator)
