"""The LSTM against torch.nn.LSTM with the same weights (skipped without torch)."""

import numpy as np
import pytest

import lstm
from numerics import rel_error, to_host

torch = pytest.importorskip("torch")


def test_converters_round_trip():
    rng = np.random.default_rng(0)
    Wx, Wh, b = rng.standard_normal((3, 8)), rng.standard_normal((2, 8)), rng.standard_normal(8)
    back = lstm.from_torch_lstm(lstm.to_torch_lstm(Wx, Wh, b))
    for a, expected in zip(back, (Wx, Wh, b), strict=True):
        np.testing.assert_array_equal(a, expected)


@pytest.mark.needs_exercises(12)  # lstm_backward
def test_forward_and_every_gradient_match_torch(xp):
    N, T, D, H = 3, 5, 4, 6
    torch.manual_seed(0)
    layer = torch.nn.LSTM(D, H, batch_first=True).double()
    with torch.no_grad():  # non-zero hidden-to-hidden bias, so that both biases are exercised
        layer.bias_hh_l0.uniform_(-0.5, 0.5)
    x = torch.randn(N, T, D, dtype=torch.float64, requires_grad=True)
    h0 = torch.randn(1, N, H, dtype=torch.float64, requires_grad=True)
    c0 = torch.randn(1, N, H, dtype=torch.float64, requires_grad=True)
    dh = torch.randn(N, T, H, dtype=torch.float64)
    h_torch, _ = layer(x, (h0, c0))
    h_torch.backward(dh)

    parameters = {name: p.detach().numpy() for name, p in layer.named_parameters()}
    Wx, Wh, b = (xp.asarray(v) for v in lstm.from_torch_lstm(parameters))
    h, cache = lstm.lstm_forward_with_cell(
        xp.asarray(x.detach().numpy()), xp.asarray(h0.detach()[0].numpy()),
        xp.asarray(c0.detach()[0].numpy()), Wx, Wh, b)
    assert rel_error(h, h_torch.detach().numpy()) < 1e-12

    dx, dh0, dc0, dWx, dWh, db = lstm.lstm_backward_with_cell(xp.asarray(dh.numpy()), cache)
    assert rel_error(dx, x.grad.numpy()) < 1e-12
    assert rel_error(dh0, h0.grad[0].numpy()) < 1e-12
    assert rel_error(dc0, c0.grad[0].numpy()) < 1e-12
    # Our dWx is the transpose of torch's weight_ih_l0 gradient; both biases get db.
    assert rel_error(to_host(dWx).T, layer.weight_ih_l0.grad.numpy()) < 1e-12
    assert rel_error(to_host(dWh).T, layer.weight_hh_l0.grad.numpy()) < 1e-12
    assert rel_error(db, layer.bias_ih_l0.grad.numpy()) < 1e-12
    assert rel_error(db, layer.bias_hh_l0.grad.numpy()) < 1e-12


def test_torch_loads_our_weights(xp):
    rng = np.random.default_rng(1)
    Wx, Wh, b = rng.standard_normal((4, 12)), rng.standard_normal((3, 12)), rng.standard_normal(12)
    layer = torch.nn.LSTM(4, 3, batch_first=True).double()
    layer.load_state_dict({k: torch.from_numpy(v) for k, v in lstm.to_torch_lstm(Wx, Wh, b).items()})
    x = rng.standard_normal((2, 3, 4))
    h_torch, _ = layer(torch.from_numpy(x))
    h, _ = lstm.lstm_forward(xp.asarray(x), xp.zeros((2, 3)), xp.asarray(Wx), xp.asarray(Wh), xp.asarray(b))
    assert rel_error(h, h_torch.detach().numpy()) < 1e-12
