"""The stored golden values are what the naive references compute, and PyTorch agrees with them."""

import numpy as np
import pytest

from tests.golden import GOLDEN_FILE, golden
from tests.golden.inputs import linspace_gru_inputs, linspace_lstm_inputs
from tests.references.make_golden import STEP, golden_values


def test_the_stored_file_is_what_the_references_compute():
    # The gradients come from central differences, good to about 1e-10, and their last digits
    # follow the order of the BLAS's sums, which differs between machines (1.7e-11 measured).
    # The forward values are checked against PyTorch to 1e-13 below.
    computed = golden_values()
    with np.load(GOLDEN_FILE) as stored:
        assert sorted(stored.files) == sorted(computed)
        for name, value in computed.items():
            np.testing.assert_allclose(stored[name], value, rtol=1e-9, atol=1e-9, err_msg=name)


def torch_sequence(module, x, h0, c0=None):
    """module's outputs for x (N, T, D) from h0 (and c0), with gradients of every weight kept."""
    torch = pytest.importorskip("torch")
    state = torch.tensor(h0)[None] if c0 is None else (torch.tensor(h0)[None], torch.tensor(c0)[None])
    return module(torch.tensor(x, requires_grad=True), state)


def load_stacked(torch_module, Wx, Wh, bx, bh):
    """The stacked (D, kH), (H, kH) weights into a torch.nn.LSTM or GRU (torch's gate order is the same)."""
    torch = pytest.importorskip("torch")
    with torch.no_grad():
        torch_module.weight_ih_l0.copy_(torch.tensor(Wx.T))
        torch_module.weight_hh_l0.copy_(torch.tensor(Wh.T))
        torch_module.bias_ih_l0.copy_(torch.tensor(bx))
        torch_module.bias_hh_l0.copy_(torch.tensor(bh))
    return torch_module


def test_torch_lstm_agrees_with_the_stored_values():
    torch = pytest.importorskip("torch")
    x, h0, c0, Wx, Wh, b = linspace_lstm_inputs()
    module = load_stacked(torch.nn.LSTM(x.shape[2], h0.shape[1], batch_first=True, dtype=torch.float64),
                          Wx, Wh, b, np.zeros_like(b))
    h, (_, c_last) = torch_sequence(module, x, h0, c0)
    np.testing.assert_allclose(h.detach().numpy(), golden("lstm_h"), rtol=1e-13, atol=1e-14)
    np.testing.assert_allclose(c_last[0].detach().numpy(), golden("lstm_c")[:, -1], rtol=1e-13,
                               atol=1e-14)
    step_h, (_, step_c) = torch_sequence(module, x[:, STEP:STEP + 1], h0, c0)
    np.testing.assert_allclose(step_h[:, 0].detach().numpy(), golden("lstm_step_h"), rtol=1e-13, atol=1e-14)
    np.testing.assert_allclose(step_c[0].detach().numpy(), golden("lstm_step_c"), rtol=1e-13, atol=1e-14)


def test_torch_gru_agrees_with_the_stored_values_and_gradients():
    torch = pytest.importorskip("torch")
    x, h0, Wx, Wh, bx, bh = linspace_gru_inputs()
    module = load_stacked(torch.nn.GRU(x.shape[2], h0.shape[1], batch_first=True, dtype=torch.float64),
                          Wx, Wh, bx, bh)
    h, _ = torch_sequence(module, x, h0)
    np.testing.assert_allclose(h.detach().numpy(), golden("gru_h"), rtol=1e-13, atol=1e-14)
    step_x = torch.tensor(np.ascontiguousarray(x[:, STEP:STEP + 1]), requires_grad=True)
    step_h0 = torch.tensor(h0[None], requires_grad=True)
    step_h, _ = module(step_x, step_h0)
    np.testing.assert_allclose(step_h[:, 0].detach().numpy(), golden("gru_step_h"), rtol=1e-13, atol=1e-14)
    (step_h[:, 0] * torch.tensor(golden("gru_upstream"))).sum().backward()
    torch_gradients = {"x": step_x.grad[:, 0], "prev_h": step_h0.grad[0], "Wx": module.weight_ih_l0.grad.T,
                       "Wh": module.weight_hh_l0.grad.T, "bx": module.bias_ih_l0.grad,
                       "bh": module.bias_hh_l0.grad}
    for name, gradient in torch_gradients.items():  # central differences against autograd
        np.testing.assert_allclose(golden(f"gru_step_d{name}"), gradient.numpy(), rtol=1e-7, atol=1e-9,
                                   err_msg=name)


@pytest.mark.parametrize("k, name", list(enumerate(("i", "f", "g", "o"))))
def test_torch_autograd_agrees_with_each_gates_stored_gradients(k, name):
    torch = pytest.importorskip("torch")
    x, h0, _, Wx, Wh, b = linspace_lstm_inputs()
    H = h0.shape[1]
    columns = slice(k * H, (k + 1) * H)
    inputs = {"x": x[:, STEP], "prev_h": h0, "Wx": Wx[:, columns], "Wh": Wh[:, columns], "b": b[columns]}
    tensors = {key: torch.tensor(np.ascontiguousarray(value), requires_grad=True)
               for key, value in inputs.items()}
    a = tensors["x"] @ tensors["Wx"] + tensors["prev_h"] @ tensors["Wh"] + tensors["b"]
    gate = torch.tanh(a) if name == "g" else torch.sigmoid(a)
    np.testing.assert_allclose(gate.detach().numpy(), golden(f"lstm_step_{name}"), rtol=1e-13, atol=1e-14)
    (gate * torch.tensor(golden("lstm_gate_upstream"))).sum().backward()
    for key, tensor in tensors.items():
        np.testing.assert_allclose(golden(f"lstm_gate_{name}_d{key}"), tensor.grad.numpy(), rtol=1e-7,
                                   atol=1e-9, err_msg=key)
