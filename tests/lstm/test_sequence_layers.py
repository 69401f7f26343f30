"""Word embedding, temporal affine and the masked softmax loss."""

import numpy as np
import pytest

import lstm
from numerics import check_layer, numerical_gradient, on_device, rel_error, strict, to_host


def test_word_embedding_picks_rows_and_accumulates_repeats(xp):
    W = xp.asarray(np.arange(12.0).reshape(4, 3))
    x = xp.asarray([[0, 3, 3], [1, 0, 3]])
    out, cache = lstm.word_embedding_forward(x, W)
    np.testing.assert_array_equal(to_host(out)[0, 1], [9.0, 10.0, 11.0])
    dW = lstm.word_embedding_backward(xp.ones((2, 3, 3)), cache)
    # word 3 occurs three times, word 0 twice, word 1 once, word 2 never
    np.testing.assert_array_equal(to_host(dW)[:, 0], [2.0, 1.0, 0.0, 3.0])


def test_word_embedding_gradient(xp):
    x = xp.asarray([[0, 2, 1, 2], [3, 3, 0, 1]])
    W = xp.asarray(np.random.default_rng(0).standard_normal((5, 3)))
    errors = check_layer(lstm.word_embedding_forward, lstm.word_embedding_backward, {"x": x, "W": W})
    assert list(errors) == ["W"] and errors["W"] < 1e-7


def test_word_indices_outside_the_vocabulary(xp):
    W = xp.asarray(np.arange(8.0).reshape(4, 2))
    ids = np.array([[0, 4], [-1, 3]])
    with pytest.raises(ValueError, match=r"word indices must lie in \[0, 4\), got \[-1, 4\]"):
        lstm.word_embedding_forward(ids, W)  # host ids are checked, wherever W lives
    if on_device(xp):  # device ids: rows of NaN
        out = to_host(lstm.word_embedding_forward(xp.asarray(ids), W)[0])
        np.testing.assert_array_equal(out[0, 0], [0.0, 1.0])
        np.testing.assert_array_equal(out[1, 1], [6.0, 7.0])
        assert np.isnan(out[0, 1]).all() and np.isnan(out[1, 0]).all()


def test_device_ids_are_looked_up_without_waiting_for_the_device():
    W, ids = strict.ones((4, 2)), strict.asarray([[0, 3], [2, 1]])
    before = strict.synchronisations()
    out, cache = lstm.word_embedding_forward(ids, W)
    lstm.word_embedding_backward(out, cache)
    assert strict.synchronisations() == before


def test_temporal_affine(xp):
    rng = np.random.default_rng(1)
    inputs = {"x": rng.standard_normal((2, 3, 4)), "w": rng.standard_normal((4, 5)),
              "b": rng.standard_normal(5)}
    out, _ = lstm.temporal_affine_forward(*(xp.asarray(v) for v in inputs.values()))
    naive = np.einsum("ntd,dm->ntm", inputs["x"], inputs["w"]) + inputs["b"]
    assert rel_error(out, naive) < 1e-14
    errors = check_layer(lstm.temporal_affine_forward, lstm.temporal_affine_backward,
                         {k: xp.asarray(v) for k, v in inputs.items()})
    assert len(errors) == 3 and max(errors.values()) < 1e-7, errors


def naive_masked_loss(x, y, mask):
    """-(1/N) sum over unmasked (n, t) of log(exp(x[y]) / sum(exp(x))), one position at a time."""
    N, T, _ = x.shape
    total = 0.0
    for n in range(N):
        for t in range(T):
            if mask[n, t]:
                total -= x[n, t, y[n, t]] - np.log(np.sum(np.exp(x[n, t])))
    return total / N


def loss_inputs(xp, rng, N=3, T=4, V=6):
    x = xp.asarray(rng.standard_normal((N, T, V)))
    y = xp.asarray(rng.integers(0, V, (N, T)))
    mask = xp.asarray(np.array([[1, 1, 1, 0], [1, 1, 0, 0], [1, 1, 1, 1]], dtype=bool)[:N, :T])
    return x, y, mask


def test_softmax_loss_value_and_gradient(xp):
    x, y, mask = loss_inputs(xp, np.random.default_rng(2))
    loss, dx = lstm.temporal_softmax_loss(x, y, mask)
    assert loss == pytest.approx(naive_masked_loss(to_host(x), to_host(y), to_host(mask)), rel=1e-13)
    numeric = numerical_gradient(lambda: lstm.temporal_softmax_loss(x, y, mask)[0], x)
    assert rel_error(dx, numeric) < 1e-7
    # padded positions get no gradient at all
    assert float(abs(dx[~mask]).max()) == 0.0


def test_softmax_loss_of_uniform_scores_is_log_v(xp):
    # With all scores equal each position costs log V, averaged over N = 2: (3 + 1) log 5 / 2.
    mask = xp.asarray([[True, True, True], [True, False, False]])
    loss, _ = lstm.temporal_softmax_loss(xp.zeros((2, 3, 5)), xp.zeros((2, 3), dtype=xp.int64), mask)
    assert loss == pytest.approx(2 * np.log(5), rel=1e-15)


def test_softmax_loss_is_stable_for_huge_scores(xp):
    x = xp.asarray([[[1e4, 0.0, -1e4]]], dtype=xp.float32)
    loss, dx = lstm.temporal_softmax_loss(x, xp.asarray([[1]]), xp.asarray([[True]]))
    assert loss == pytest.approx(1e4, rel=1e-6)
    assert np.isfinite(to_host(dx)).all() and dx.dtype == xp.float32
