import numpy as np
import pytest

from numerics import backend, check_layer, rel_error, to_host
from numerics.gradcheck import assert_gradients_close
from resnet import batchnorm, batchnorm_backward, batchnorm_forward, channels, fast_batchnorm

# The definition and the model's fast version of each function.
MODULES = [batchnorm, fast_batchnorm]


def _layer(xp, shape, seed=7):
    # Not check_layer's seed 0: a dout drawn from the same stream as x would be an affine
    # function of x per channel, to which a train-mode batch norm's gradient is exactly zero.
    rng = np.random.default_rng(seed)
    C = shape[-1]
    x = xp.asarray(rng.standard_normal(shape) * 2 + 0.5)
    gamma, beta = xp.asarray(rng.uniform(0.5, 1.5, C)), xp.asarray(rng.standard_normal(C))
    running_mean, running_var = xp.asarray(rng.standard_normal(C)), xp.asarray(rng.uniform(0.5, 2, C))
    return x, gamma, beta, running_mean, running_var


@pytest.mark.exercise(14)
@pytest.mark.parametrize("shape", [(3, 2, 3, 4), (7, 3)])
@pytest.mark.parametrize("train", [True, False])
def test_batchnorm_gradients(xp, shape, train):
    x, gamma, beta, running_mean, running_var = _layer(xp, shape)

    def forward(x, gamma, beta):
        return batchnorm_forward(x, gamma, beta, running_mean, running_var, train)

    errors = check_layer(forward, batchnorm_backward, {"x": x, "gamma": gamma, "beta": beta})
    assert_gradients_close(errors, 1e-6)


@pytest.mark.parametrize("shape", [(3, 2, 3, 4), (7, 3)])
@pytest.mark.parametrize("train", [True, False])
def test_fast_batchnorm_gradients(xp, shape, train):
    x, gamma, beta, running_mean, running_var = _layer(xp, shape)

    def forward(x, gamma, beta):
        return fast_batchnorm.batchnorm_forward(x, gamma, beta, running_mean, running_var, train)

    errors = check_layer(forward, fast_batchnorm.batchnorm_backward, {"x": x, "gamma": gamma, "beta": beta})
    assert_gradients_close(errors, 1e-6)


@pytest.mark.exercise(14)
@pytest.mark.parametrize("shape", [(3, 2, 3, 4), (7, 3)])
@pytest.mark.parametrize("train", [True, False])
def test_fast_batchnorm_equals_the_definition(xp, shape, train):
    x, gamma, beta, running_mean, running_var = _layer(xp, shape)
    stats = (running_mean.copy(), running_var.copy())
    expected, cache = batchnorm_forward(x, gamma, beta, running_mean, running_var, train)
    out, fast_cache = fast_batchnorm.batchnorm_forward(x, gamma, beta, *stats, train)
    assert rel_error(out, expected) < 1e-12
    assert rel_error(stats[0], running_mean) < 1e-14 and rel_error(stats[1], running_var) < 1e-14
    dout = xp.asarray(np.random.default_rng(9).standard_normal(x.shape))
    fast_grads = fast_batchnorm.batchnorm_backward(dout, fast_cache)
    for want, got in zip(batchnorm_backward(dout, cache), fast_grads, strict=True):
        assert rel_error(got, want) < 1e-12


@pytest.mark.parametrize("module", MODULES)
def test_train_step_output_and_running_stats_by_hand(xp, module):
    x, gamma, beta, running_mean, running_var = _layer(xp, (2, 3, 2, 4))
    host = [to_host(a).copy() for a in (x, gamma, beta, running_mean, running_var)]
    out, _ = module.batchnorm_forward(x, gamma, beta, running_mean, running_var, train=True)

    hx, hgamma, hbeta, hmean, hvar = host
    values = hx.reshape(-1, 4)  # 12 values per channel
    mean = values.sum(axis=0) / 12
    biased = ((values - mean) ** 2).sum(axis=0) / 12
    unbiased = ((values - mean) ** 2).sum(axis=0) / 11
    assert rel_error(running_mean, 0.9 * hmean + 0.1 * mean) < 1e-12
    assert rel_error(running_var, 0.9 * hvar + 0.1 * unbiased) < 1e-12
    expected = hgamma * (hx - mean) / np.sqrt(biased + 1e-5) + hbeta
    assert rel_error(out, expected) < 1e-12


@pytest.mark.parametrize("module", MODULES)
def test_eval_uses_running_stats_and_leaves_them(xp, module):
    x, gamma, beta, running_mean, running_var = _layer(xp, (2, 2, 2, 3))
    before_mean, before_var = to_host(running_mean).copy(), to_host(running_var).copy()
    out, _ = module.batchnorm_forward(x, gamma, beta, running_mean, running_var, train=False, eps=1e-3)
    expected = to_host(gamma) * (to_host(x) - before_mean) / np.sqrt(before_var + 1e-3) + to_host(beta)
    assert rel_error(out, expected) < 1e-12
    assert rel_error(running_mean, before_mean) == 0 and rel_error(running_var, before_var) == 0


@pytest.mark.parametrize("module", MODULES)
def test_momentum_is_a_parameter(xp, module):
    x, gamma, beta, running_mean, running_var = _layer(xp, (4, 3))
    start = to_host(running_mean).copy()
    module.batchnorm_forward(x, gamma, beta, running_mean, running_var, train=True, momentum=1.0)
    assert rel_error(running_mean, to_host(x).mean(axis=0)) < 1e-12
    assert rel_error(running_mean, start) > 0.01


def assert_in_place_backward_matches(backward, dout, cache):
    """backward(dout, cache) leaves dout alone; with in_place=True it gives the same gradients."""
    kept = dout.copy()
    separate = backward(dout, cache)
    assert rel_error(dout, kept) == 0
    for a, b in zip(separate, backward(dout, cache, in_place=True)):
        assert rel_error(a, b) < 1e-14


@pytest.mark.parametrize("train", [True, False])
def test_fast_backward_in_place_gives_the_same_numbers_and_keeps_its_promise(xp, train):
    x, gamma, beta, running_mean, running_var = _layer(xp, (2, 2, 2, 3))
    kept = x.copy()
    _, cache = fast_batchnorm.batchnorm_forward(x, gamma, beta, running_mean, running_var, train)
    assert rel_error(x, kept) == 0
    dout = xp.asarray(np.random.default_rng(5).standard_normal(x.shape))
    assert_in_place_backward_matches(fast_batchnorm.batchnorm_backward, dout, cache)


@pytest.mark.parametrize("train", [True, False])
def test_blocks_of_rows_give_the_same_numbers(xp, monkeypatch, train):
    # The fast path's elementwise work runs a cache-sized block of rows at a time; force one-row blocks.
    x, gamma, beta, running_mean, running_var = _layer(xp, (2, 3, 2, 4))
    dout = xp.asarray(np.random.default_rng(6).standard_normal(x.shape))
    stats = (running_mean.copy(), running_var.copy())
    out, cache = fast_batchnorm.batchnorm_forward(x, gamma, beta, *stats, train)
    grads = fast_batchnorm.batchnorm_backward(dout, cache)
    monkeypatch.setattr(channels, "BLOCK_BYTES", 1)
    monkeypatch.setattr(backend, "DEVICE_CHUNK_BYTES", 1)
    out1, cache1 = fast_batchnorm.batchnorm_forward(
        x, gamma, beta, running_mean.copy(), running_var.copy(), train
    )
    assert rel_error(out1, out) < 1e-14
    for a, b in zip(grads, fast_batchnorm.batchnorm_backward(dout, cache1)):
        assert rel_error(a, b) < 1e-14


@pytest.mark.parametrize("module", MODULES)
def test_variance_keeps_its_digits_under_a_large_mean(xp, module):
    # float32 values 1000 + a spread of 0.01: E[x^2] - mean^2 would lose every digit.
    spread = np.random.default_rng(8).standard_normal((4096, 2)) * 0.01
    x = xp.asarray(1000 + spread, dtype=xp.float32)
    _, var = module.mean_and_variance(x)
    assert rel_error(var, to_host(x).astype(np.float64).var(axis=0)) < 1e-3


@pytest.mark.parametrize("module", [pytest.param(batchnorm, marks=pytest.mark.exercise(14)), fast_batchnorm])
def test_float32_stays_float32(xp, module):
    x, gamma, beta, running_mean, running_var = (a.astype(xp.float32) for a in _layer(xp, (2, 2, 2, 3)))
    out, cache = module.batchnorm_forward(x, gamma, beta, running_mean, running_var, True)
    grads = module.batchnorm_backward(out, cache)
    assert {a.dtype for a in (out, running_mean, running_var, *grads)} == {np.dtype(np.float32)}


@pytest.mark.parametrize("module", MODULES)
def test_bad_input_is_named(xp, module):
    x, gamma, beta, running_mean, running_var = _layer(xp, (2, 2, 2, 3))
    with pytest.raises(ValueError, match=r"gamma must have shape \(C,\) with \{.*'C': 3\}, got \(4,\)"):
        module.batchnorm_forward(x, xp.ones(4), beta, running_mean, running_var)
    with pytest.raises(ValueError, match=r"x must have shape \(N, H, W, C\), got \(2, 2, 2, 3, 1\)"):
        module.batchnorm_forward(x[..., None], gamma, beta, running_mean, running_var)
    with pytest.raises(ValueError, match="dtype"):
        module.batchnorm_forward(x, gamma.astype(xp.float32), beta, running_mean, running_var)
