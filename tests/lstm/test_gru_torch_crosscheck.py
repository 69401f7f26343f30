"""The GRU against torch.nn.GRU with the same weights (skipped without torch)."""

import numpy as np
import pytest

import lstm
from numerics import rel_error, to_host

torch = pytest.importorskip("torch")


def test_converters_round_trip():
    rng = np.random.default_rng(0)
    weights = (rng.standard_normal((3, 6)), rng.standard_normal((2, 6)), rng.standard_normal(6),
               rng.standard_normal(6))
    back = lstm.from_torch_gru(lstm.to_torch_gru(*weights))
    for a, expected in zip(back, weights, strict=True):
        np.testing.assert_array_equal(a, expected)


@pytest.mark.needs_exercises(19, 20)  # gru_forward, gru_backward
def test_forward_and_every_gradient_match_torch(xp):
    N, T, D, H = 3, 5, 4, 6
    torch.manual_seed(0)
    layer = torch.nn.GRU(D, H, batch_first=True).double()
    x = torch.randn(N, T, D, dtype=torch.float64, requires_grad=True)
    h0 = torch.randn(1, N, H, dtype=torch.float64, requires_grad=True)
    dh = torch.randn(N, T, H, dtype=torch.float64)
    h_torch, _ = layer(x, h0)
    h_torch.backward(dh)

    parameters = {name: p.detach().numpy() for name, p in layer.named_parameters()}
    Wx, Wh, bx, bh = (xp.asarray(v) for v in lstm.from_torch_gru(parameters))
    h, cache = lstm.gru_forward(xp.asarray(x.detach().numpy()), xp.asarray(h0.detach()[0].numpy()),
                                Wx, Wh, bx, bh)
    assert rel_error(h, h_torch.detach().numpy()) < 1e-12

    dx, dh0, dWx, dWh, dbx, dbh = lstm.gru_backward(xp.asarray(dh.numpy()), cache)
    assert rel_error(dx, x.grad.numpy()) < 1e-12
    assert rel_error(dh0, h0.grad[0].numpy()) < 1e-12
    # Our dWx is the transpose of torch's weight_ih_l0 gradient; dbx and dbh differ in the n block.
    assert rel_error(to_host(dWx).T, layer.weight_ih_l0.grad.numpy()) < 1e-12
    assert rel_error(to_host(dWh).T, layer.weight_hh_l0.grad.numpy()) < 1e-12
    assert rel_error(dbx, layer.bias_ih_l0.grad.numpy()) < 1e-12
    assert rel_error(dbh, layer.bias_hh_l0.grad.numpy()) < 1e-12


@pytest.mark.needs_exercises(19)
def test_torch_loads_our_weights(xp):
    rng = np.random.default_rng(1)
    weights = (rng.standard_normal((4, 9)), rng.standard_normal((3, 9)), rng.standard_normal(9),
               rng.standard_normal(9))
    layer = torch.nn.GRU(4, 3, batch_first=True).double()
    layer.load_state_dict({k: torch.from_numpy(v) for k, v in lstm.to_torch_gru(*weights).items()})
    x, h0 = rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 3))
    h_torch, h_last = layer(torch.from_numpy(x), torch.from_numpy(h0)[None])
    h, _ = lstm.gru_forward(xp.asarray(x), xp.asarray(h0), *(xp.asarray(w) for w in weights))
    assert rel_error(h, h_torch.detach().numpy()) < 1e-12
    assert rel_error(h[:, -1], h_last[0].detach().numpy()) < 1e-12


@pytest.mark.needs_exercises(19)
def test_torch_gru_cell_matches_one_step(xp):
    # torch.nn.GRUCell is one step of the same equations, with the same parameter layout.
    rng = np.random.default_rng(2)
    cell = torch.nn.GRUCell(4, 3).double()
    x, prev_h = rng.standard_normal((2, 4)), rng.standard_normal((2, 3))
    expected = cell(torch.from_numpy(x), torch.from_numpy(prev_h)).detach().numpy()
    parameters = {f"{name}_l0": p.detach().numpy() for name, p in cell.named_parameters()}
    weights = [xp.asarray(w) for w in lstm.from_torch_gru(parameters)]
    for forward in (lstm.gru_step_forward, lstm.gru_step_forward_fused):
        next_h, _ = forward(xp.asarray(x), xp.asarray(prev_h), *weights)
        assert rel_error(next_h, expected) < 1e-12, forward.__name__
