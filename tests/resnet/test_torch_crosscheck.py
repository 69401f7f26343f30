"""Same weights, same inputs: our layers and ResNet50 against PyTorch (skipped without torch).

torchvision is not needed: benchmarks/torch_resnet50.py is an independent ResNet written
with torch.nn.functional over a state dict, differentiated by autograd. A last test compares
with torchvision.models.resnet50 itself where torchvision is installed.
"""

import numpy as np
import pytest

from numerics import rel_error, to_host
from resnet import (
    batchnorm_backward,
    batchnorm_forward,
    bottleneck_backward,
    bottleneck_forward,
    conv2d_backward,
    conv2d_forward,
    fast_bottleneck,
    fast_conv,
    global_avgpool_backward,
    global_avgpool_forward,
    linear_backward,
    linear_forward,
    maxpool_backward,
    maxpool_forward,
    resnet50,
    winograd,
)
from tests.resnet.test_bottleneck import make_block

torch = pytest.importorskip("torch")
F = torch.nn.functional
torch_resnet50 = pytest.importorskip("benchmarks.torch_resnet50")


def tensor(array, grad=True):
    return torch.tensor(to_host(array), requires_grad=grad)


def nchw(array):
    """Our channels-last array as a torch (N, C, H, W) leaf tensor."""
    return tensor(to_host(array).transpose(0, 3, 1, 2).copy())


def nhwc(t):
    return t.detach().numpy().transpose(0, 2, 3, 1)


# The course exercises these tests need: col2im (13) for resnet.conv's backward and for a
# strided conv of the fast path (which the model runs), batch norm's backward (14), the
# bottleneck's (15).
COL2IM = pytest.mark.needs_exercises(13)
CONV_CASES = [(1, 1, 0, False), (1, 2, 0, True), (3, 1, 1, False), (3, 2, 1, True), (7, 2, 3, False)]


@pytest.mark.parametrize(
    ("module", "kernel", "stride", "padding", "bias"),
    [pytest.param((conv2d_forward, conv2d_backward), *case, marks=COL2IM) for case in CONV_CASES]
    + [pytest.param((fast_conv.conv2d_forward, fast_conv.conv2d_backward), *case,
                    marks=COL2IM if case[1] > 1 else ()) for case in CONV_CASES],
)
def test_conv2d_matches_torch(xp, module, kernel, stride, padding, bias):
    forward, backward = module
    rng = np.random.default_rng(0)
    x = xp.asarray(rng.standard_normal((2, 9, 11, 3)))
    w = xp.asarray(rng.standard_normal((4, 3, kernel, kernel)))
    b = xp.asarray(rng.standard_normal(4)) if bias else None
    out, cache = forward(x, w, b, stride, padding)
    dout = rng.standard_normal(out.shape)
    grads = backward(xp.asarray(dout), cache)

    tx, tw = nchw(x), tensor(w)
    tb = tensor(b) if bias else None
    tout = F.conv2d(tx, tw, tb, stride=stride, padding=padding)
    tout.backward(torch.tensor(dout.transpose(0, 3, 1, 2).copy()))
    assert rel_error(out, nhwc(tout)) < 1e-12
    assert rel_error(grads[0], nhwc(tx.grad)) < 1e-12
    assert rel_error(grads[1], tw.grad.numpy()) < 1e-12
    if bias:
        assert rel_error(grads[2], tb.grad.numpy()) < 1e-12
    else:
        assert grads[2] is None


@pytest.mark.needs_exercises(14)
@pytest.mark.parametrize("train", [True, False])
def test_batchnorm_matches_torch_with_running_stats(xp, train):
    rng = np.random.default_rng(1)
    x = xp.asarray(rng.standard_normal((3, 4, 5, 6)) * 2 + 1)
    gamma, beta = xp.asarray(rng.uniform(0.5, 1.5, 6)), xp.asarray(rng.standard_normal(6))
    mean, var = xp.asarray(rng.standard_normal(6)), xp.asarray(rng.uniform(0.5, 2, 6))
    t_mean, t_var = torch.tensor(to_host(mean)), torch.tensor(to_host(var))
    out, cache = batchnorm_forward(x, gamma, beta, mean, var, train)
    dout = rng.standard_normal(out.shape)
    dx, dgamma, dbeta = batchnorm_backward(xp.asarray(dout), cache)

    tx, tgamma, tbeta = nchw(x), tensor(gamma), tensor(beta)
    tout = F.batch_norm(tx, t_mean, t_var, tgamma, tbeta, training=train, momentum=0.1, eps=1e-5)
    tout.backward(torch.tensor(dout.transpose(0, 3, 1, 2).copy()))
    assert rel_error(out, nhwc(tout)) < 1e-12
    assert rel_error(dx, nhwc(tx.grad)) < 1e-10
    assert rel_error(dgamma, tgamma.grad.numpy()) < 1e-12
    assert rel_error(dbeta, tbeta.grad.numpy()) < 1e-12
    assert rel_error(mean, t_mean.numpy()) < 1e-14
    assert rel_error(var, t_var.numpy()) < 1e-14


@pytest.mark.parametrize("values", ["distinct", "all ties"])
def test_maxpool_matches_torch_including_ties(xp, values):
    rng = np.random.default_rng(2)
    shape = (2, 9, 8, 3)
    host = rng.permutation(np.prod(shape)).reshape(shape) * 1.0 if values == "distinct" else np.ones(shape)
    x = xp.asarray(host)
    out, cache = maxpool_forward(x, 3, 2, 1)
    dout = rng.standard_normal(out.shape)
    dx = maxpool_backward(xp.asarray(dout), cache)
    tx = nchw(x)
    tout = F.max_pool2d(tx, 3, 2, 1)
    tout.backward(torch.tensor(dout.transpose(0, 3, 1, 2).copy()))
    assert rel_error(out, nhwc(tout)) == 0
    assert rel_error(dx, nhwc(tx.grad)) < 1e-15


def test_avgpool_and_linear_match_torch(xp):
    rng = np.random.default_rng(3)
    x = xp.asarray(rng.standard_normal((2, 3, 5, 6)))
    w, b = xp.asarray(rng.standard_normal((4, 6))), xp.asarray(rng.standard_normal(4))
    pooled, pool_cache = global_avgpool_forward(x)
    logits, fc_cache = linear_forward(pooled, w, b)
    dlogits = rng.standard_normal(logits.shape)
    dpooled, dw, db = linear_backward(xp.asarray(dlogits), fc_cache)
    dx = global_avgpool_backward(dpooled, pool_cache)

    tx, tw, tb = nchw(x), tensor(w), tensor(b)
    tlogits = F.linear(F.adaptive_avg_pool2d(tx, 1).flatten(1), tw, tb)
    tlogits.backward(torch.tensor(dlogits))
    assert rel_error(logits, tlogits.detach().numpy()) < 1e-12
    for ours, theirs in [(dx, nhwc(tx.grad)), (dw, tw.grad.numpy()), (db, tb.grad.numpy())]:
        assert rel_error(ours, theirs) < 1e-12


def _torch_state(model):
    """The model's state dict as torch tensors; parameters require grad."""
    return torch_resnet50.torch_state(model.state_dict(), model.params)


@pytest.mark.parametrize("train", [True, False])
@pytest.mark.parametrize(
    ("block", "stride"),
    [pytest.param((bottleneck_forward, bottleneck_backward), stride,
                  marks=pytest.mark.needs_exercises(13, 14, 15)) for stride in (1, 2)]
    + [pytest.param((fast_bottleneck.bottleneck_forward, fast_bottleneck.bottleneck_backward), stride,
                    marks=COL2IM if stride > 1 else ()) for stride in (1, 2)],
)
def test_bottleneck_matches_torch(xp, train, block, stride):
    forward, backward = block
    params, buffers = make_block(xp, 4, 2, stride)
    x = xp.asarray(np.random.default_rng(4).standard_normal((2, 6, 5, 4)))
    state = {name: tensor(value) for name, value in params.items()}
    state.update({name: tensor(value, grad=False) for name, value in buffers.items()})
    out, cache = forward(x, params, buffers, stride, train)
    dout = np.random.default_rng(5).standard_normal(out.shape)
    dx, grads = backward(xp.asarray(dout), cache)

    tx = nchw(x)
    tout = torch_resnet50.bottleneck(tx, state, "", stride, train)
    tout.backward(torch.tensor(dout.transpose(0, 3, 1, 2).copy()))
    assert rel_error(out, nhwc(tout)) < 1e-12
    assert rel_error(dx, nhwc(tx.grad)) < 1e-10
    for name in params:
        assert rel_error(grads[name], state[name].grad.numpy()) < 1e-10, name
    for name in buffers:
        assert rel_error(buffers[name], state[name].numpy()) < 1e-14, name


def _perturbed_resnet50(dtype):
    """ResNet50 with batch-norm parameters and statistics away from their 1/0 defaults."""
    model = resnet50(dtype=dtype, rng=0)
    rng = np.random.default_rng(1)
    for store in (model.params, model.buffers):
        for name, value in store.items():
            if value.ndim == 1 and name != "fc.bias":
                low, high = (0.5, 1.5) if name.endswith(("weight", "running_var")) else (-0.2, 0.2)
                value[...] = model.xp.asarray(rng.uniform(low, high, value.shape))
    return model


def test_resnet50_eval_logits_match_torch_in_float32(xp):
    model = _perturbed_resnet50(np.float32)
    x = np.random.default_rng(6).standard_normal((2, 3, 64, 64)).astype(np.float32)
    logits = model.forward(xp.asarray(x), keep_cache=False)
    with torch.no_grad():
        expected = torch_resnet50.resnet(_torch_state(model), torch.tensor(x), train=False).numpy()
    assert rel_error(logits, expected) < 1e-4


def test_resnet50_eval_logits_through_winograd_match_torch_in_float32(xp, monkeypatch):
    # At 224 x 224 the 3x3 convolutions of layer2 and layer3 are computed by F(2x2, 3x3).
    model = _perturbed_resnet50(np.float32)
    original, calls = winograd.conv3x3_forward, []
    monkeypatch.setattr(winograd, "conv3x3_forward", lambda *args: calls.append(1) or original(*args))
    x = np.random.default_rng(11).standard_normal((2, 3, 224, 224)).astype(np.float32)
    monkeypatch.setattr("resnet.model.lanes", lambda xp: 1)  # one piece of 2 pictures: winograd.pays needs 2
    logits = model.forward(xp.asarray(x), keep_cache=False)
    with torch.no_grad():
        expected = torch_resnet50.resnet(_torch_state(model), torch.tensor(x), train=False).numpy()
    assert len(calls) == 3 + 5  # the stride-1 blocks of layer2 and layer3
    assert rel_error(logits, expected) < 1e-4


@pytest.mark.parametrize("winograd_everywhere", [False, True])
@COL2IM  # the model's backward through its strided convolutions
def test_resnet50_train_step_matches_torch_in_float64(xp, monkeypatch, winograd_everywhere):
    if winograd_everywhere:  # every stride-1 3x3 convolution and its dx by F(2x2, 3x3)
        monkeypatch.setattr(winograd, "pays", lambda *sizes: True)
    model = _perturbed_resnet50(np.float64)
    x = np.random.default_rng(7).standard_normal((2, 3, 64, 64))
    state = _torch_state(model)
    logits = model.forward(xp.asarray(x), train=True)
    dlogits = np.random.default_rng(8).standard_normal(logits.shape)
    dx = model.backward(xp.asarray(dlogits))

    tx = torch.tensor(x, requires_grad=True)
    tlogits = torch_resnet50.resnet(state, tx, train=True)
    tlogits.backward(torch.tensor(dlogits))
    assert rel_error(logits, tlogits.detach().numpy()) < 1e-10
    assert rel_error(dx, tx.grad.numpy()) < 1e-8
    errors = {name: rel_error(model.grads[name], state[name].grad.numpy()) for name in model.params}
    worst = max(errors, key=errors.get)
    assert errors[worst] < 1e-8, (worst, errors[worst])
    ours = model.state_dict()
    for name in ours:
        if "running" in name:
            assert rel_error(ours[name], state[name].detach().numpy()) < 1e-12, name


@COL2IM
def test_resnet50_matches_torchvision(xp):
    """Eval logits in float32; a train step in float64, where rounding through the 53 batch-norm
    layers stays far below the tolerance (in float32 it reaches 1e-3 of a gradient on a GPU)."""
    torchvision = pytest.importorskip("torchvision")
    x = np.random.default_rng(9).standard_normal((2, 3, 64, 64))
    model = _perturbed_resnet50(np.float32)
    reference = _torchvision_copy(torchvision, model).eval()
    with torch.no_grad():
        expected = reference(torch.tensor(x, dtype=torch.float32)).numpy()
    assert rel_error(model.forward(xp.asarray(x, dtype=np.float32), keep_cache=False), expected) < 1e-4

    model = _perturbed_resnet50(np.float64)
    reference = _torchvision_copy(torchvision, model).train()
    logits = model.forward(xp.asarray(x), train=True)
    dlogits = np.random.default_rng(10).standard_normal(logits.shape)
    model.backward(xp.asarray(dlogits))
    expected = reference(torch.tensor(x))
    expected.backward(torch.tensor(dlogits))
    assert rel_error(logits, expected.detach().numpy()) < 1e-10
    errors = {name: rel_error(model.grads[name], p.grad.numpy()) for name, p in reference.named_parameters()}
    worst = max(errors, key=errors.get)
    assert errors[worst] < 1e-8, (worst, errors[worst])
    statistics = reference.state_dict()
    for name, value in model.state_dict().items():
        if "running" in name:
            assert rel_error(value, statistics[name].numpy()) < 1e-12, name


def _torchvision_copy(torchvision, model):
    """torchvision's ResNet50 in the model's float type, holding the model's weights and statistics."""
    dtype = torch.float64 if model.dtype == np.float64 else torch.float32
    reference = torchvision.models.resnet50(weights=None).to(dtype)
    reference.load_state_dict({name: torch.tensor(value) for name, value in model.state_dict().items()})
    return reference
