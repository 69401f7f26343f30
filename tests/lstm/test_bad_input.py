"""Bad input raises ValueError naming the argument, the expected and the actual shape."""

import numpy as np
import pytest

import lstm


def lstm_arrays(xp, N=2, T=3, D=4, H=5):
    return (xp.zeros((N, T, D)), xp.zeros((N, H)), xp.zeros((N, H)),
            xp.zeros((D, 4 * H)), xp.zeros((H, 4 * H)), xp.zeros(4 * H))


def test_lstm_forward_names_the_mismatched_argument(xp):
    x, h0, c0, Wx, Wh, b = lstm_arrays(xp)
    with pytest.raises(ValueError, match=r"Wx must have shape \(D, 20\).*got \(3, 20\)"):
        lstm.lstm_forward(x, h0, xp.zeros((3, 20)), Wh, b)
    with pytest.raises(ValueError, match=r"prev_h must have shape \(N, H\).*got \(3, 5\)"):
        lstm.lstm_forward(x, xp.zeros((3, 5)), Wx, Wh, b)
    with pytest.raises(ValueError, match=r"b must have shape \(20,\).*got \(5,\)"):
        lstm.lstm_forward(x, h0, Wx, Wh, xp.zeros(5))
    with pytest.raises(ValueError, match=r"x must have shape \(N, T, D\), got \(2, 3, 4, 1\)"):
        lstm.lstm_forward(x[..., None], h0, Wx, Wh, b)
    with pytest.raises(ValueError, match=r"prev_c must have shape"):
        lstm.lstm_forward_with_cell(x, h0, xp.zeros((2, 6)), Wx, Wh, b)


def test_lstm_step_rejects_mixed_dtypes_and_integers(xp):
    x, h0, c0, Wx, Wh, b = lstm_arrays(xp)
    with pytest.raises(ValueError, match="x: float32, prev_h: float64"):
        lstm.lstm_step_forward(x[:, 0].astype(xp.float32), h0, c0, Wx, Wh, b)
    with pytest.raises(ValueError, match="x must be a floating-point array, got dtype int64"):
        lstm.lstm_step_forward_fused(x[:, 0].astype(xp.int64), h0, c0, Wx, Wh, b)


def test_lstm_backward_checks_the_upstream_gradient(xp):
    x, h0, _, Wx, Wh, b = lstm_arrays(xp)
    _, cache = lstm.lstm_forward(x, h0, Wx, Wh, b)
    with pytest.raises(ValueError, match=r"dh must have shape \(2, 3, 5\), got \(2, 3, 4\)"):
        lstm.lstm_backward(xp.zeros((2, 3, 4)), cache)


def test_rnn_checks_shapes(xp):
    with pytest.raises(ValueError, match=r"Wh must have shape \(H, 5\).*got \(5, 20\)"):
        lstm.rnn_forward(xp.zeros((2, 3, 4)), xp.zeros((2, 5)), xp.zeros((4, 5)), xp.zeros((5, 20)),
                         xp.zeros(5))


def test_sequence_layers_check_shapes(xp):
    with pytest.raises(ValueError, match=r"w must have shape \(D, M\).*got \(3, 7\)"):
        lstm.temporal_affine_forward(xp.zeros((2, 3, 4)), xp.zeros((3, 7)), xp.zeros(7))
    with pytest.raises(ValueError, match="integer array of word indices"):
        lstm.word_embedding_forward(xp.zeros((2, 3)), xp.zeros((5, 4)))
    with pytest.raises(ValueError, match=r"word indices must lie in \[0, 5\), got \[0, 5\]"):
        lstm.word_embedding_forward(np.asarray([[0, 5]]), xp.zeros((5, 4)))  # device ids: NaN rows


def test_softmax_loss_checks_mask_shape_and_dtype(xp):
    x, y = xp.zeros((2, 3, 5)), xp.zeros((2, 3), dtype=xp.int64)
    with pytest.raises(ValueError, match=r"mask must have shape \(N, T\).*got \(2, 4\)"):
        lstm.temporal_softmax_loss(x, y, xp.ones((2, 4), dtype=bool))
    with pytest.raises(ValueError, match="mask must be a boolean array, got dtype float64"):
        lstm.temporal_softmax_loss(x, y, xp.ones((2, 3)))
    with pytest.raises(ValueError, match="y must be an integer array"):
        lstm.temporal_softmax_loss(x, xp.zeros((2, 3)), xp.ones((2, 3), dtype=bool))


def test_torch_layout_names_missing_parameters():
    with pytest.raises(ValueError, match="missing"):
        lstm.from_torch_lstm({"weight_ih_l0": np.zeros((8, 3))})
