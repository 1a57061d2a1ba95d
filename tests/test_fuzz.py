"""A few hundred random calls raise only documented errors or return sound output.

``tests/fuzz.py`` makes the cases; ``python tests/fuzz.py`` runs 10,000.
"""

import warnings

import pytest
from fuzz import Fuzzer

N_CASES = 100


@pytest.mark.parametrize("seed", range(3))
def test_random_calls_fail_cleanly_or_return_sound_output(seed):
    fuzzer = Fuzzer(seed)
    outcomes = set()
    with warnings.catch_warnings():
        # Bad input legitimately warns (feature names, undefined R²).
        warnings.simplefilter("ignore")
        for _ in range(N_CASES):
            outcomes.add(fuzzer.run_case())
    # The cases reach every entry point, both as errors and as results.
    kinds = {kind for kind, outcome in outcomes if outcome == "ok"}
    assert kinds == {"transform", "make_windows", "fit", "predict"}, outcomes
    assert {kind for kind, outcome in outcomes if outcome != "ok"} == kinds
