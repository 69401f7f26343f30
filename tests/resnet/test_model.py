import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from numerics import numerical_gradient, rel_error, to_host
from numerics.files import save_npz
from numerics.gradcheck import assert_gradients_close
from numerics.lanes import side_by_side
from resnet import resnet, resnet50


def tiny_model(dtype=np.float64, seed=0):
    """Two one-block stages, random batch-norm parameters and statistics (not just 1 and 0)."""
    model = resnet((1, 1), (2, 3), stem_width=4, num_classes=3, dtype=dtype, rng=seed)
    rng = np.random.default_rng(seed + 1)
    for name, value in model.params.items():
        if ".bn" in name or name.startswith("bn") or "downsample.1" in name:
            low, high = (0.5, 1.5) if name.endswith("weight") else (-0.3, 0.3)
            value[...] = model.xp.asarray(rng.uniform(low, high, value.shape))
    # A negative stem shift makes the ReLU zero whole pooling windows. Otherwise every pooled
    # value moves with bn1.bias, the train-mode batch norms after it remove that constant
    # shift, and the gradient to check would be exactly zero.
    model.params["bn1.bias"][...] = model.xp.asarray(rng.uniform(-1.2, -0.8, 4))
    for name, value in model.buffers.items():
        if name.endswith("running_mean"):
            value[...] = model.xp.asarray(rng.uniform(-0.2, 0.2, value.shape))
        elif name.endswith("running_var"):
            value[...] = model.xp.asarray(rng.uniform(0.5, 2.0, value.shape))
    return model


def _images(xp, shape, dtype=np.float64, seed=2):
    return xp.asarray(np.random.default_rng(seed).standard_normal(shape), dtype=dtype)


# The model runs the fast path (resnet.fast_bottleneck), whose backward through a strided
# convolution uses col2im, course exercise 13.
@pytest.mark.needs_exercises(13)
@pytest.mark.parametrize("train", [True, False])
def test_tiny_resnet_gradients_of_every_parameter_by_name(xp, train):
    model = tiny_model()
    x = _images(xp, (2, 3, 16, 16))
    logits = model.forward(x, train=train)
    dlogits = xp.asarray(np.random.default_rng(3).standard_normal(logits.shape))
    dx = model.backward(dlogits)
    assert set(model.grads) == set(model.params)

    def loss():
        return model.forward(x, train=train, keep_cache=False)

    errors = {"x": rel_error(dx, numerical_gradient(loss, x, dlogits))}
    for name in model.params:
        # numerical_gradient nudges a C-contiguous array in place; the model reads
        # model.params[name] on every call, so a contiguous copy stands in for it.
        model.params[name] = xp.ascontiguousarray(model.params[name])
        errors[name] = rel_error(model.grads[name], numerical_gradient(loss, model.params[name], dlogits))
    assert_gradients_close(errors, 1e-6)


def test_resnet50_has_torchvisions_names_and_shapes(xp):
    model = resnet50()
    state = model.state_dict()
    assert sum(value.size for value in model.params.values()) == 25_557_032
    assert len(model.params) == 161 and len(state) == 320
    assert list(state)[:7] == [
        "conv1.weight", "bn1.weight", "bn1.bias", "bn1.running_mean", "bn1.running_var",
        "bn1.num_batches_tracked", "layer1.0.conv1.weight",
    ]  # fmt: skip
    assert list(state)[-2:] == ["fc.weight", "fc.bias"]
    expected = {
        "conv1.weight": (64, 3, 7, 7),
        "layer1.0.downsample.0.weight": (256, 64, 1, 1),
        "layer1.0.downsample.1.running_var": (256,),
        "layer2.0.conv2.weight": (128, 128, 3, 3),
        "layer3.5.conv3.weight": (1024, 256, 1, 1),
        "layer4.2.bn3.running_var": (2048,),
        "fc.weight": (1000, 2048),
        "fc.bias": (1000,),
        "bn1.num_batches_tracked": (),
    }
    for name, shape in expected.items():
        assert state[name].shape == shape, name
    assert state["bn1.num_batches_tracked"].dtype == np.int64
    blocks = {name.split(".")[0] + "." + name.split(".")[1] for name in state if name.startswith("layer")}
    assert len(blocks) == 3 + 4 + 6 + 3
    assert not any(name.startswith("layer1.1.downsample") for name in state)


def test_random_init_follows_torchvision(xp):
    model = resnet50(rng=5)
    w = to_host(model.params["layer4.0.conv2.weight"])  # fan_out = 512 * 3 * 3
    assert w.std() == pytest.approx(np.sqrt(2 / 4608), rel=0.01) and abs(w.mean()) < 1e-4
    fc = to_host(model.params["fc.weight"])
    assert np.abs(fc).max() <= 1 / np.sqrt(2048) and np.abs(fc).max() > 0.99 / np.sqrt(2048)
    assert (to_host(model.params["layer2.1.bn2.weight"]) == 1).all()
    assert (to_host(model.params["layer2.1.bn2.bias"]) == 0).all()
    assert (to_host(model.buffers["layer2.1.bn2.running_var"]) == 1).all()
    again, other = resnet((1,), (2,), rng=5, num_classes=2), resnet((1,), (2,), rng=6, num_classes=2)
    first = resnet((1,), (2,), rng=5, num_classes=2)
    assert rel_error(first.params["conv1.weight"], again.params["conv1.weight"]) == 0
    assert rel_error(first.params["conv1.weight"], other.params["conv1.weight"]) > 0.1


def test_resnet50_takes_any_image_size(xp):
    model = resnet50(dtype=np.float32)
    fc_weight, fc_bias = to_host(model.params["fc.weight"]), to_host(model.params["fc.bias"])
    for size in [(64, 64), (97, 131), (33, 40)]:
        x = _images(xp, (1, 3, *size), np.float32)
        logits = model.forward(x, keep_cache=False)
        features = model.features(x)
        assert logits.shape == (1, 1000) and logits.dtype == np.float32
        assert features.shape == (1, 2048) and model.feature_size == 2048
        assert rel_error(logits, to_host(features) @ fc_weight.T + fc_bias) < 1e-5


@pytest.mark.needs_exercises(13)
def test_small_model_trains_in_float32(xp):
    model = resnet((1, 1), (4, 8), stem_width=8, num_classes=5, dtype=np.float32)
    x = _images(xp, (4, 3, 64, 64), np.float32)
    logits = model.forward(x, train=True)
    dx = model.backward(xp.ones_like(logits))
    assert dx.shape == x.shape and dx.dtype == np.float32
    assert all(model.grads[name].shape == value.shape for name, value in model.params.items())
    assert {grad.dtype for grad in model.grads.values()} == {np.dtype(np.float32)}


def test_train_mode_updates_buffers_and_counts_batches(xp):
    model = tiny_model()
    x = _images(xp, (2, 3, 16, 16))
    before = model.state_dict()
    model.forward(x, train=False)
    assert all(rel_error(value, before[name]) == 0 for name, value in model.state_dict().items())
    model.forward(x, train=True)
    model.forward(x, train=True)
    after = model.state_dict()
    assert after["layer2.0.bn3.num_batches_tracked"] == 2 and after["bn1.num_batches_tracked"] == 2
    assert rel_error(after["layer2.0.bn3.running_mean"], before["layer2.0.bn3.running_mean"]) > 0


def test_state_dict_round_trip(xp):
    source, target = tiny_model(seed=0), tiny_model(seed=10)
    x = _images(xp, (2, 3, 16, 16))
    state = source.state_dict()
    assert all(isinstance(value, np.ndarray) and value.flags.c_contiguous for value in state.values())
    target.load_state_dict(state)
    assert rel_error(target.forward(x), source.forward(x)) == 0
    state["conv1.weight"][...] = 0  # a copy: the model is unaffected
    assert rel_error(source.forward(x), target.forward(x)) == 0


def test_load_state_dict_names_every_problem_and_changes_nothing(xp):
    model = tiny_model()
    state = model.state_dict()
    kept = model.state_dict()
    del state["layer1.0.bn2.bias"]
    state["layer9.0.conv1.weight"] = np.zeros(3)
    state["fc.weight"] = np.zeros((7, 12))
    state["conv1.weight"] = np.zeros((4, 3, 7, 7))  # right shape: would be loaded
    with pytest.raises(ValueError) as error:
        model.load_state_dict(state)
    message = str(error.value)
    assert "missing keys ['layer1.0.bn2.bias']" in message
    assert "unexpected keys ['layer9.0.conv1.weight']" in message
    assert "fc.weight: expected (3, 12), got (7, 12)" in message
    assert all(rel_error(value, kept[name]) == 0 for name, value in model.state_dict().items())


def test_load_state_dict_accepts_files_without_num_batches_tracked(xp):
    source, target = tiny_model(seed=0), tiny_model(seed=10)
    state = {k: v for k, v in source.state_dict().items() if not k.endswith("num_batches_tracked")}
    target.load_state_dict(state)
    assert rel_error(target.params["conv1.weight"], source.params["conv1.weight"]) == 0


def test_resnet50_loads_a_weights_file(xp, tmp_path):
    source = resnet50(rng=1)
    save_npz(tmp_path / "r50.npz", source.state_dict())
    loaded = resnet50(weights=tmp_path / "r50.npz", rng=2)
    for name in ("conv1.weight", "layer3.2.conv2.weight", "fc.bias"):
        assert rel_error(loaded.params[name], source.params[name]) == 0


def test_bad_input_is_named(xp):
    model = tiny_model()
    with pytest.raises(ValueError, match=r"x must have shape \(N, 3, H, W\).*got \(2, 4, 16, 16\)"):
        model.forward(xp.zeros((2, 4, 16, 16)))
    with pytest.raises(ValueError, match=r"x must have shape \(N, 3, H, W\), got \(3, 16, 16\)"):
        model.forward(xp.zeros((3, 16, 16)))
    with pytest.raises(ValueError, match="dtype float64, got float32"):
        model.forward(xp.zeros((1, 3, 16, 16), dtype=xp.float32))
    with pytest.raises(ValueError, match="backward needs a forward"):
        model.backward(xp.zeros((1, 3)))
    model.forward(xp.zeros((2, 3, 16, 16)))
    with pytest.raises(ValueError, match=r"dout must have shape \(2, 3\), got \(2, 5\)"):
        model.backward(xp.zeros((2, 5)))
    with pytest.raises(ValueError, match=r"w must have shape .*got \(4, 5, 7, 7\)"):
        model.params["conv1.weight"] = xp.zeros((4, 5, 7, 7))
        model.forward(xp.zeros((1, 3, 16, 16)))


@pytest.mark.needs_exercises(13)
def test_backward_features_is_backward_without_the_classifier(xp):
    # An encoder trained end to end gets d(features) from its caller instead of d(logits).
    model = tiny_model()
    x = _images(xp, (2, 3, 16, 16))
    dlogits = xp.asarray(np.random.default_rng(4).standard_normal((2, 3)))
    model.forward(x, train=True)
    dx = model.backward(dlogits)
    through_logits = {name: grad.copy() for name, grad in model.grads.items()}
    features = model.features(x, train=True, keep_cache=True)
    assert features.shape == (2, model.feature_size)
    dx_features = model.backward_features(dlogits @ model.params["fc.weight"])
    assert rel_error(dx_features, dx) < 1e-12
    for name, grad in through_logits.items():
        if not name.startswith("fc."):
            assert rel_error(model.grads[name], grad) < 1e-12, name


def test_eval_features_keep_nothing_for_backward(xp):
    model = tiny_model()
    model.features(_images(xp, (1, 3, 16, 16)))
    with pytest.raises(ValueError, match="backward needs a forward"):
        model.backward_features(xp.zeros((1, model.feature_size)))


@pytest.mark.needs_exercises(13)
def test_backward_without_the_input_gradient_gives_the_same_parameter_gradients(xp):
    model = tiny_model()
    x = _images(xp, (2, 3, 16, 16))
    dlogits = xp.asarray(np.random.default_rng(4).standard_normal((2, 3)))
    model.forward(x, train=True)
    assert model.backward(dlogits).shape == x.shape
    full = {name: grad.copy() for name, grad in model.grads.items()}
    model.forward(x, train=True)
    assert model.backward(dlogits, input_gradient=False) is None
    assert all(rel_error(model.grads[name], grad) < 1e-12 for name, grad in full.items())


@pytest.mark.parametrize("N", [1, 2, 3, 5])
def test_eval_features_shared_among_cores_equal_each_pictures_own(xp, N, monkeypatch):
    pieces_run = []

    def counting_side_by_side(function, pieces):
        pieces_run.append(len(pieces))
        return side_by_side(function, pieces)

    monkeypatch.setattr("resnet.model.side_by_side", counting_side_by_side)
    monkeypatch.setattr("resnet.model.MIN_PIECE_MULTIPLY_ADDS", 1)  # share even a tiny model's work
    model = tiny_model()
    x = _images(xp, (N, 3, 16, 16))
    with threadpool_limits(2, user_api="blas"):
        features = model.features(x)
        logits = model.forward(x, keep_cache=False)
    one_by_one = xp.concatenate([model.features(x[k : k + 1]) for k in range(N)])
    assert rel_error(features, one_by_one) < 1e-12
    assert rel_error(logits, one_by_one @ model.params["fc.weight"].T + model.params["fc.bias"]) < 1e-12
    # On the host, two BLAS threads make two pieces; a device keeps the batch whole.
    assert pieces_run == ([] if N == 1 or xp is not np else [2, 2])


def test_eval_features_keep_a_batch_whole_until_each_piece_has_enough_work(monkeypatch):
    pieces_run = []
    monkeypatch.setattr("resnet.model.side_by_side", lambda function, pieces: pieces_run.append(len(pieces))
                        or [function(piece) for piece in pieces])
    model = tiny_model()
    # By hand: conv1 4x3x7x7 at 8x8, then two blocks (1x1, 3x3, 1x1 and the projection): 9 convolutions.
    stem = 4 * 3 * 49 * 8 * 8
    layer1 = (2 * 4 + 2 * 2 * 9 + 8 * 2 + 8 * 4) * 4 * 4
    layer2 = (3 * 8 * 4 * 4 + 3 * 3 * 9 * 2 * 2 + 12 * 3 * 2 * 2 + 12 * 8 * 2 * 2)
    per_convolution = (stem + layer1 + layer2) / 9
    assert model.multiply_adds_per_convolution(16) == pytest.approx(per_convolution, rel=1e-15)
    monkeypatch.setattr("resnet.model.MIN_PIECE_MULTIPLY_ADDS", 3 * per_convolution)
    with threadpool_limits(2, user_api="blas"):
        for N in (1, 5, 6, 9):
            model.features(_images(np, (N, 3, 16, 16)))
    assert pieces_run == [2, 2]  # 6 and 9 pictures: two pieces of at least 3
