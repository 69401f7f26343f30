"""Softmax and log-softmax: hand-computed values, no overflow, any axis, gradient checks."""

import math

import numpy as np
import pytest

from numerics import check_layer, to_host
from numerics.gradcheck import assert_gradients_close
from numerics.softmax import (
    log_softmax,
    log_softmax_backward,
    log_softmax_forward,
    softmax,
    softmax_backward,
    softmax_forward,
)

# exp(0) : exp(ln 2) : exp(ln 3) = 1 : 2 : 3, so the probabilities are 1/6, 2/6, 3/6.
SCORES = [0.0, math.log(2), math.log(3)]
PROBABILITIES = [1 / 6, 2 / 6, 3 / 6]


def test_softmax_of_hand_computed_scores(xp):
    np.testing.assert_allclose(to_host(softmax(xp.asarray(SCORES))), PROBABILITIES, rtol=1e-14)
    log_p = to_host(log_softmax(xp.asarray(SCORES)))
    np.testing.assert_allclose(log_p, [-math.log(6), math.log(2 / 6), math.log(3 / 6)], rtol=1e-14)


def test_huge_scores_do_not_overflow(xp):
    # Adding 1000 changes nothing mathematically; exp(1000) alone would be inf.
    for dtype in (xp.float32, xp.float64):
        scores = xp.asarray(SCORES, dtype=dtype) + 1000
        p = softmax(scores)
        assert p.dtype == dtype
        np.testing.assert_allclose(to_host(p), PROBABILITIES, rtol=1e-3 if dtype == xp.float32 else 1e-10)
        assert np.isfinite(to_host(log_softmax(scores))).all()


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_any_axis(xp, axis):
    rows = np.array([SCORES, [5.0, 5.0, 5.0]])  # softmax along each row: PROBABILITIES, then thirds
    expected = np.array([PROBABILITIES, [1 / 3] * 3])
    if axis == 0:
        rows, expected = rows.T, expected.T
    np.testing.assert_allclose(to_host(softmax(xp.asarray(rows), axis=axis)), expected, rtol=1e-12)
    log_p = to_host(log_softmax(xp.asarray(rows), axis=axis))
    np.testing.assert_allclose(log_p, np.log(expected), rtol=1e-12)


def test_bad_input_is_named(xp):
    with pytest.raises(ValueError, match="x must be a floating-point array, got dtype int"):
        softmax(xp.arange(3))
    with pytest.raises(ValueError, match=r"at least one value along axis 1, got shape \(2, 0\)"):
        log_softmax(xp.zeros((2, 0)), axis=1)


@pytest.mark.parametrize(("forward", "backward"), [(softmax_forward, softmax_backward),
                                                   (log_softmax_forward, log_softmax_backward)])
@pytest.mark.parametrize("axis", [0, 2])
def test_gradients(xp, forward, backward, axis):
    x = xp.asarray(np.random.default_rng(0).standard_normal((3, 4, 5)))
    errors = check_layer(forward, backward, {"x": x, "axis": axis})
    assert set(errors) == {"x"}
    assert_gradients_close(errors, 1e-7)
