"""One attention step against the same equations in PyTorch autograd (skipped without torch)."""

import numpy as np
import pytest

from captioner import attention
from numerics import rel_error
from tests.golden.inputs import ATTENTION_SIZES, linspace_attention_arrays

torch = pytest.importorskip("torch")

N, L, F, H, K = ATTENTION_SIZES.values()


@pytest.mark.needs_exercises(21, 22)
def test_step_forward_and_every_gradient_match_torch(xp):
    rng = np.random.default_rng(0)
    host = linspace_attention_arrays()
    dcontext, dalpha = rng.standard_normal((N, F)), rng.standard_normal((N, L))

    t = {name: torch.tensor(value, requires_grad=True) for name, value in host.items()}
    scores = torch.tanh(t["A"] @ t["W_a"] + t["b"] + (t["h"] @ t["W_h"])[:, None, :]) @ t["w"]
    alpha_torch = torch.softmax(scores, dim=1)
    z = torch.einsum("nl,nlf->nf", alpha_torch, t["A"])
    context_torch = torch.sigmoid(t["h"] @ t["W_beta"] + t["b_beta"]) * z
    ((context_torch * torch.tensor(dcontext)).sum() + (alpha_torch * torch.tensor(dalpha)).sum()).backward()

    p = {name: xp.asarray(value) for name, value in host.items()}
    A_projected, grid_cache = attention.project_grid_forward(p["A"], p["W_a"], p["b"])
    context, alpha, cache = attention.attention_step_forward(
        A_projected, p["A"], p["h"], p["W_h"], p["w"], p["W_beta"], p["b_beta"])
    assert rel_error(context, context_torch.detach().numpy()) < 1e-12
    assert rel_error(alpha, alpha_torch.detach().numpy()) < 1e-12

    dA_projected, dA, dh, dW_h, dw, dW_beta, db_beta = attention.attention_step_backward(
        xp.asarray(dcontext), xp.asarray(dalpha), cache)
    dA_grid, dW_a, db = attention.project_grid_backward(dA_projected, grid_cache)
    ours = {"A": dA + dA_grid, "h": dh, "W_a": dW_a, "b": db, "W_h": dW_h, "w": dw,
            "W_beta": dW_beta, "b_beta": db_beta}
    for name, gradient in ours.items():
        assert rel_error(gradient, t[name].grad.numpy()) < 1e-12, name
