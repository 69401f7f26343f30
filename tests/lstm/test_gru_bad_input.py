"""The GRU's bad input raises ValueError naming the argument, the expected and the actual shape."""

import numpy as np
import pytest

import lstm

N, T, D, H = 2, 3, 4, 5
ENTRY_POINTS = {
    "gru_forward": lambda x, *rest: lstm.gru_forward(x, *rest),
    "gru_step_forward": lambda x, *rest: lstm.gru_step_forward(x[:, 0], *rest),
    "gru_step_forward_fused": lambda x, *rest: lstm.gru_step_forward_fused(x[:, 0], *rest),
}


def gru_arrays(xp):
    return [xp.zeros((N, T, D)), xp.zeros((N, H)), xp.zeros((D, 3 * H)), xp.zeros((H, 3 * H)),
            xp.zeros(3 * H), xp.zeros(3 * H)]


@pytest.mark.parametrize("entry", ENTRY_POINTS)
@pytest.mark.parametrize("position, bad, message", [
    (2, (3, 15), r"Wx must have shape \(D, 15\).*got \(3, 15\)"),
    (3, (5, 20), r"Wh must have shape \(H, 15\).*got \(5, 20\)"),
    (1, (3, 5), r"prev_h must have shape \(N, H\).*got \(3, 5\)"),
    (4, (5,), r"bx must have shape \(15,\).*got \(5,\)"),
    (5, (20,), r"bh must have shape \(15,\).*got \(20,\)"),
])
def test_gru_names_the_mismatched_argument(xp, entry, position, bad, message):
    arrays = gru_arrays(xp)
    arrays[position] = xp.zeros(bad)
    with pytest.raises(ValueError, match=message):
        ENTRY_POINTS[entry](*arrays)


def test_gru_forward_wants_a_sequence(xp):
    x, *rest = gru_arrays(xp)
    with pytest.raises(ValueError, match=r"x must have shape \(N, T, D\), got \(2, 3, 4, 1\)"):
        lstm.gru_forward(x[..., None], *rest)


def test_gru_rejects_mixed_dtypes_and_integers(xp):
    x, h0, Wx, Wh, bx, bh = gru_arrays(xp)
    with pytest.raises(ValueError, match="bh: float32"):
        lstm.gru_forward(x, h0, Wx, Wh, bx, bh.astype(xp.float32))
    with pytest.raises(ValueError, match="x must be a floating-point array, got dtype int64"):
        lstm.gru_step_forward_fused(x[:, 0].astype(xp.int64), h0, Wx, Wh, bx, bh)


@pytest.mark.needs_exercises(19)
def test_gru_backward_checks_the_upstream_gradient(xp):
    _, cache = lstm.gru_forward(*gru_arrays(xp))
    with pytest.raises(ValueError, match=r"dh must have shape \(2, 3, 5\), got \(2, 3, 4\)"):
        lstm.gru_backward(xp.zeros((2, 3, 4)), cache)


def test_torch_gru_layout_names_missing_and_misshapen_parameters():
    with pytest.raises(ValueError, match=r"torch.nn.GRU parameters are missing \['weight_hh_l0'"):
        lstm.from_torch_gru({"weight_ih_l0": np.zeros((9, 4))})
    lstm_sized = {"weight_ih_l0": np.zeros((12, 4)), "weight_hh_l0": np.zeros((12, 3)),
                  "bias_ih_l0": np.zeros(12), "bias_hh_l0": np.zeros(12)}
    with pytest.raises(ValueError, match=r"weight_hh_l0 must be \(3H, H\), got \(12, 3\)"):
        lstm.from_torch_gru(lstm_sized)
    with pytest.raises(ValueError, match=r"bh must have shape \(K,\) with .*got \(4,\)"):
        lstm.to_torch_gru(np.zeros((4, 9)), np.zeros((3, 9)), np.zeros(9), np.zeros(4))
