"""Soft attention, part by part and as one step: gradient checks, golden values, bad input.

The scores' forward and backward are course exercises 21 and 22 (tests/course/exercises.py):
the tests that grade them are marked exercise(N), those that run them needs_exercises(...).
The tests of the backward pass read a cache made of stored golden values (tests/golden), not
by the forward pass, so that each exercise is graded on its own.
"""

import math

import numpy as np
import pytest

from captioner import attention
from numerics import check_layer, rel_error, to_host
from numerics.gradcheck import assert_gradients_close
from tests.golden import golden, golden_gradient_errors
from tests.golden.inputs import ATTENTION_SIZES, linspace_attention_arrays

N, L, F, H, K = ATTENTION_SIZES.values()


def random_arrays(xp, seed=0):
    """Every input and parameter of one attention step, at sizes where every entry matters."""
    rng = np.random.default_rng(seed)
    arrays = {
        "A": rng.standard_normal((N, L, F)),
        "h": rng.standard_normal((N, H)),
        "W_a": rng.standard_normal((F, K)) * 0.5,
        "b": rng.standard_normal(K) * 0.5,
        "W_h": rng.standard_normal((H, K)) * 0.5,
        "w": rng.standard_normal(K),
        "W_beta": rng.standard_normal((H, 1)),
        "b_beta": rng.standard_normal(1),
    }
    return {name: xp.asarray(value) for name, value in arrays.items()}


def golden_scores_cache(xp, dtype=np.float64):
    """The cache attention_scores_forward documents, (h, W_h, w, t, tanh's cache t), from stored
    golden values: the backward pass is graded from it, whatever the forward (exercise 21) does."""
    p = linspace_attention_arrays()
    stored = (p["h"], p["W_h"], p["w"], golden("attention_t"))
    h, W_h, w, t = (xp.asarray(value, dtype=dtype) for value in stored)
    return h, W_h, w, t, t


def golden_arrays(xp):
    return {name: xp.asarray(value) for name, value in linspace_attention_arrays().items()}


def step_inputs(p):
    A_projected, _ = attention.project_grid_forward(p["A"], p["W_a"], p["b"])
    return {"A_projected": A_projected, "A": p["A"], "h": p["h"], "W_h": p["W_h"], "w": p["w"],
            "W_beta": p["W_beta"], "b_beta": p["b_beta"]}


# ------------------------------------------------------------------ gradient checks


def test_project_grid_gradients(xp):
    p = random_arrays(xp)
    errors = check_layer(attention.project_grid_forward, attention.project_grid_backward,
                         {"A": p["A"], "W_a": p["W_a"], "b": p["b"]})
    assert set(errors) == {"A", "W_a", "b"}
    assert_gradients_close(errors, 1e-7)


def scores_inputs(xp, seed=0):
    inputs = step_inputs(random_arrays(xp, seed))
    return {name: inputs[name] for name in ("A_projected", "h", "W_h", "w")}


@pytest.mark.exercise(22)
def test_attention_scores_gradients(xp):
    upstream = xp.asarray(golden("attention_upstream"))
    gradients = attention.attention_scores_backward(upstream, golden_scores_cache(xp))
    errors = golden_gradient_errors(gradients, "attention_scores_", ("A_projected", "h", "W_h", "w"))
    assert_gradients_close(errors, 1e-7)


@pytest.mark.exercise(22)
def test_attention_scores_backward_keeps_float32(xp):
    cache = golden_scores_cache(xp, np.float32)
    grads = attention.attention_scores_backward(xp.ones((N, L), dtype=np.float32), cache)
    assert [g.shape for g in grads] == [(N, L, K), (N, H), (H, K), (K,)]
    assert {g.dtype for g in grads} == {np.dtype(np.float32)}


@pytest.mark.needs_exercises(21, 22)
def test_attention_scores_forward_and_backward_together(xp):
    errors = check_layer(attention.attention_scores_forward, attention.attention_scores_backward,
                         scores_inputs(xp, seed=8))
    assert_gradients_close(errors, 1e-7)


def test_attention_weights_gradients(xp):
    e = xp.asarray(np.random.default_rng(1).standard_normal((N, L)))
    errors = check_layer(attention.attention_weights_forward, attention.attention_weights_backward, {"e": e})
    assert_gradients_close(errors, 1e-7)


def test_attention_context_gradients(xp):
    rng = np.random.default_rng(2)
    alpha = xp.asarray(rng.dirichlet(np.ones(L), size=N))
    A = xp.asarray(rng.standard_normal((N, L, F)))
    errors = check_layer(attention.attention_context_forward, attention.attention_context_backward,
                         {"alpha": alpha, "A": A})
    assert set(errors) == {"alpha", "A"}
    assert_gradients_close(errors, 1e-7)


def test_context_gate_gradients(xp):
    p = random_arrays(xp)
    errors = check_layer(attention.context_gate_forward, attention.context_gate_backward,
                         {"h": p["h"], "W_beta": p["W_beta"], "b_beta": p["b_beta"]})
    assert set(errors) == {"h", "W_beta", "b_beta"}
    assert_gradients_close(errors, 1e-7)


def test_gated_context_gradients(xp):
    rng = np.random.default_rng(3)
    z, beta = xp.asarray(rng.standard_normal((N, F))), xp.asarray(rng.uniform(0.1, 0.9, (N, 1)))
    errors = check_layer(attention.gated_context_forward, attention.gated_context_backward,
                         {"z": z, "beta": beta})
    assert set(errors) == {"z", "beta"}
    assert_gradients_close(errors, 1e-7)


@pytest.mark.needs_exercises(21, 22)
def test_attention_step_gradients_reach_every_input_and_parameter(xp):
    inputs = step_inputs(random_arrays(xp, seed=4))
    errors = check_layer(attention.attention_step_forward, attention.attention_step_backward, inputs)
    assert set(errors) == set(inputs)
    assert_gradients_close(errors, 1e-7)


@pytest.mark.needs_exercises(21, 22)
def test_gradients_through_the_projection_and_the_step_together(xp):
    # The decoder's path: project once, then the step; A reaches the loss both ways.
    p = random_arrays(xp, seed=5)

    def forward(A, h, W_a, b, W_h, w, W_beta, b_beta):
        A_projected, grid_cache = attention.project_grid_forward(A, W_a, b)
        context, alpha, step_cache = attention.attention_step_forward(
            A_projected, A, h, W_h, w, W_beta, b_beta)
        return context, alpha, (grid_cache, step_cache)

    def backward(dcontext, dalpha, cache):
        grid_cache, step_cache = cache
        dA_projected, dA, dh, dW_h, dw, dW_beta, db_beta = attention.attention_step_backward(
            dcontext, dalpha, step_cache)
        dA_grid, dW_a, db = attention.project_grid_backward(dA_projected, grid_cache)
        return dA + dA_grid, dh, dW_a, db, dW_h, dw, dW_beta, db_beta

    order = ("A", "h", "W_a", "b", "W_h", "w", "W_beta", "b_beta")
    errors = check_layer(forward, backward, {name: p[name] for name in order})
    assert_gradients_close(errors, 1e-7)


# ------------------------------------------------------------------ golden values


@pytest.mark.exercise(21)
def test_attention_scores_by_hand(xp):
    # One picture, L = 2 cells, H = 1, K = 2. h W_h = 1.0 * (0.5, 0.25) is added to both cells:
    # cell 0: tanh(0.5 + 0.5, -1.0 + 0.25) = tanh(1.0, -0.75); cell 1: tanh(0.0 + 0.5, 2.0 + 0.25),
    # and each score is that pair times w = (2, -1).
    A_projected = xp.asarray([[[0.5, -1.0], [0.0, 2.0]]])
    e, _ = attention.attention_scores_forward(A_projected, xp.asarray([[1.0]]), xp.asarray([[0.5, 0.25]]),
                                              xp.asarray([2.0, -1.0]))
    expected = [[2 * math.tanh(1.0) - math.tanh(-0.75), 2 * math.tanh(0.5) - math.tanh(2.25)]]
    assert e.shape == (1, 2)
    assert rel_error(e, expected) < 1e-14


@pytest.mark.exercise(21)
def test_attention_scores_equal_the_golden_values(xp):
    p = golden_arrays(xp)
    A_projected = xp.asarray(golden("attention_A_projected"))
    e, _ = attention.attention_scores_forward(A_projected, p["h"], p["W_h"], p["w"])
    assert rel_error(e, golden("attention_e")) < 1e-13


@pytest.mark.exercise(21)
def test_the_scores_cache_holds_what_the_backward_reads(xp):
    p = golden_arrays(xp)
    A_projected = xp.asarray(golden("attention_A_projected"))
    _, cache = attention.attention_scores_forward(A_projected, p["h"], p["W_h"], p["w"])
    expected = golden_scores_cache(xp)
    assert len(cache) == len(expected) == 5
    for name, value, wanted in zip(("h", "W_h", "w", "t", "tanh's cache"), cache, expected, strict=True):
        assert value.shape == wanted.shape and rel_error(value, wanted) < 1e-14, name


@pytest.mark.needs_exercises(21)
def test_every_part_equals_the_golden_values(xp):
    p = golden_arrays(xp)
    A_projected, _ = attention.project_grid_forward(p["A"], p["W_a"], p["b"])
    assert rel_error(A_projected, golden("attention_A_projected")) < 1e-13
    e, _ = attention.attention_scores_forward(A_projected, p["h"], p["W_h"], p["w"])
    alpha, _ = attention.attention_weights_forward(e)
    z, _ = attention.attention_context_forward(alpha, p["A"])
    beta, _ = attention.context_gate_forward(p["h"], p["W_beta"], p["b_beta"])
    context, _ = attention.gated_context_forward(z, beta)
    for name, value in {"e": e, "alpha": alpha, "z": z, "beta": beta, "context": context}.items():
        assert rel_error(value, golden(f"attention_{name}")) < 1e-13, name


@pytest.mark.needs_exercises(21)
def test_the_step_equals_the_golden_values(xp):
    inputs = step_inputs(golden_arrays(xp))
    context, alpha, cache = attention.attention_step_forward(*inputs.values())
    assert rel_error(context, golden("attention_context")) < 1e-13
    assert rel_error(alpha, golden("attention_alpha")) < 1e-13
    assert rel_error(cache["beta"], golden("attention_beta")) < 1e-13
    np.testing.assert_allclose(to_host(alpha).sum(axis=1), 1.0, rtol=1e-14)


def test_softmax_survives_huge_scores(xp):
    alpha, _ = attention.attention_weights_forward(xp.asarray([[1000.0, 999.0, -1000.0]]))
    e1 = math.exp(-1.0)
    assert rel_error(alpha, [[1 / (1 + e1), e1 / (1 + e1), 0.0]]) < 1e-15


def test_equal_weights_give_the_pooled_vector(xp):
    A = xp.asarray(np.linspace(-2, 3, N * L * F).reshape(N, L, F))
    z, _ = attention.attention_context_forward(xp.full((N, L), 1.0 / L), A)
    assert rel_error(z, to_host(A).mean(axis=1)) < 1e-15


@pytest.mark.needs_exercises(21, 22)
def test_float32_stays_float32(xp):
    host = linspace_attention_arrays()
    inputs = step_inputs({name: xp.asarray(value, dtype=xp.float32) for name, value in host.items()})
    context, alpha, cache = attention.attention_step_forward(*inputs.values())
    grads = attention.attention_step_backward(xp.ones_like(context), xp.zeros_like(alpha), cache)
    assert {str(a.dtype) for a in (inputs["A_projected"], context, alpha, *grads)} == {"float32"}


# ------------------------------------------------------------------ the doubly stochastic penalty


ALPHAS = np.array([  # N = 2 captions, T = 3 steps, L = 2 cells
    [[0.9, 0.1], [0.2, 0.8], [0.5, 0.5]],
    [[0.6, 0.4], [0.3, 0.7], [0.1, 0.9]],
])
MASK = np.array([[True, True, True], [True, True, False]])  # caption 2's last step is padding


def test_doubly_stochastic_penalty_by_hand(xp):
    # Caption 1: cell sums 0.9+0.2+0.5 = 1.6 and 0.1+0.8+0.5 = 1.4 -> (1-1.6)^2 + (1-1.4)^2 = 0.36 + 0.16.
    # Caption 2 (2 steps): 0.6+0.3 = 0.9 and 0.4+0.7 = 1.1 -> 0.01 + 0.01.
    # lambda 0.5, averaged over N = 2: 0.5 / 2 * 0.54.
    penalty, cache = attention.doubly_stochastic_forward(xp.asarray(ALPHAS), xp.asarray(MASK), 0.5)
    assert float(penalty) == pytest.approx(0.5 / 2 * 0.54, rel=1e-14)
    # d/dalpha[n, t, l] = -2 * 0.5 / 2 * (1 - sum) on real steps: -0.5 * (-0.6, -0.4) for caption 1,
    # -0.5 * (0.1, -0.1) on caption 2's real steps, 0 on its padding.
    dalphas = attention.doubly_stochastic_backward(1.0, cache)
    expected = np.array([
        [[0.3, 0.2]] * 3,
        [[-0.05, 0.05], [-0.05, 0.05], [0.0, 0.0]],
    ])
    assert rel_error(dalphas, expected) < 1e-14


def test_doubly_stochastic_gradients(xp):
    rng = np.random.default_rng(6)
    alphas = xp.asarray(rng.dirichlet(np.ones(L), size=(N, 3)))
    errors = check_layer(attention.doubly_stochastic_forward, attention.doubly_stochastic_backward,
                         {"alphas": alphas, "mask": xp.asarray(MASK), "weight": 0.7})
    assert set(errors) == {"alphas"}
    assert_gradients_close(errors, 1e-7)


def test_doubly_stochastic_penalty_is_zero_when_every_cell_gets_one_in_total(xp):
    # T = L steps, each looking at a different cell: every cell's weights sum to exactly 1.
    alphas = xp.asarray(np.broadcast_to(np.eye(3), (2, 3, 3)).copy())
    penalty, _ = attention.doubly_stochastic_forward(alphas, xp.ones((2, 3), dtype=bool), 1.0)
    assert float(penalty) == 0.0


# ------------------------------------------------------------------ bad input


@pytest.mark.needs_exercises(21)  # the backward's check needs a forward's cache
def test_bad_shapes_are_named(xp):
    inputs = step_inputs(random_arrays(xp))
    with pytest.raises(ValueError, match=r"h must have shape \(N, H\).*got \(3, 5\)"):
        attention.attention_step_forward(inputs["A_projected"], inputs["A"], xp.zeros((3, H)),
                                         *list(inputs.values())[3:])
    with pytest.raises(ValueError, match=r"W_h must have shape \(H, K\)"):
        attention.attention_scores_forward(inputs["A_projected"], inputs["h"], xp.zeros((H, K + 1)),
                                           inputs["w"])
    with pytest.raises(ValueError, match=r"W_beta must have shape \(H, 1\)"):
        attention.context_gate_forward(inputs["h"], xp.zeros((H, 2)), inputs["b_beta"])
    with pytest.raises(ValueError, match=r"A must have shape \(N, L, F\)"):
        attention.attention_context_forward(xp.zeros((N, L)), xp.zeros((N, L + 1, F)))
    _, _, cache = attention.attention_step_forward(*inputs.values())
    with pytest.raises(ValueError, match=r"dcontext must have shape"):
        attention.attention_step_backward(xp.zeros((N, F + 1)), xp.zeros((N, L)), cache)


def test_mixed_dtypes_are_refused(xp):
    inputs = step_inputs(random_arrays(xp))
    inputs["w"] = inputs["w"].astype(xp.float32)
    with pytest.raises(ValueError, match="share one dtype.*w: float32"):
        attention.attention_step_forward(*inputs.values())


def test_bad_mask_and_weight_are_named(xp):
    alphas = xp.asarray(ALPHAS)
    with pytest.raises(ValueError, match="mask must be a boolean array, got dtype int"):
        attention.doubly_stochastic_forward(alphas, xp.ones((2, 3), dtype=xp.int64), 1.0)
    with pytest.raises(ValueError, match=r"mask must have shape \(N, T\).*got \(2, 4\)"):
        attention.doubly_stochastic_forward(alphas, xp.ones((2, 4), dtype=bool), 1.0)
    with pytest.raises(ValueError, match="weight must be a number >= 0, got -1"):
        attention.doubly_stochastic_forward(alphas, xp.asarray(MASK), -1.0)
