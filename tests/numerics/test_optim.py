import math

import numpy as np
import pytest

from numerics import rel_error, strict, to_host
from numerics.optim import SGD, Adam, clip_by_global_norm, cosine_learning_rate


def test_adam_first_step_by_hand(xp):
    # After one step m_hat = g and v_hat = g^2, so the update is lr * g / (|g| + eps) = lr * sign(g).
    params = {"w": xp.asarray([1.0, -2.0, 0.5])}
    Adam(params, learning_rate=0.1).step({"w": xp.asarray([3.0, -0.2, 1e-3])})
    np.testing.assert_allclose(to_host(params["w"]), [0.9, -1.9, 0.4], rtol=1e-4)


def test_adam_second_step_by_hand(xp):
    params = {"w": xp.asarray([0.0])}
    optimizer = Adam(params, learning_rate=0.1, beta1=0.9, beta2=0.999, eps=0.0)
    optimizer.step({"w": xp.asarray([1.0])})
    optimizer.step({"w": xp.asarray([3.0])})
    m = (0.9 * 0.1 + 0.1 * 3.0) / (1 - 0.9**2)
    v = (0.999 * 0.001 + 0.001 * 9.0) / (1 - 0.999**2)
    assert float(params["w"][0]) == pytest.approx(-0.1 - 0.1 * m / math.sqrt(v), rel=1e-12)


def test_sgd_momentum_by_hand(xp):
    params = {"w": xp.asarray([1.0])}
    optimizer = SGD(params, learning_rate=0.5, momentum=0.9)
    optimizer.step({"w": xp.asarray([2.0])})  # v = 2, w = 1 - 1 = 0
    optimizer.step({"w": xp.asarray([1.0])})  # v = 0.9*2 + 1 = 2.8, w = 0 - 1.4
    assert float(params["w"][0]) == pytest.approx(-1.4, rel=1e-12)


def test_optimizer_state_round_trip_resumes_exactly(xp):
    rng = np.random.default_rng(0)
    grads = [{"w": xp.asarray(rng.standard_normal(3))} for _ in range(4)]
    for kind in (Adam, SGD):
        straight = {"w": xp.ones(3)}
        optimizer = kind(straight)
        for g in grads:
            optimizer.step(g)
        resumed = {"w": xp.ones(3)}
        first = kind(resumed)
        for g in grads[:2]:
            first.step(g)
        second = kind(resumed)
        second.load_state_dict({k: (to_host(v) if hasattr(v, "shape") else v)
                                for k, v in first.state_dict().items()})
        for g in grads[2:]:
            second.step(g)
        assert rel_error(resumed["w"], straight["w"]) == 0.0


def test_optimizer_state_must_fit_the_model():
    optimizer = Adam({"w": np.ones(3)})
    with pytest.raises(ValueError, match=r"first_moment.\* and the model disagree: unexpected keys \['v'\]$"):
        optimizer.load_state_dict({"steps": 1, "first_moment.v": np.ones(3)})
    with pytest.raises(ValueError, match=r"mismatched shapes \['w: expected \(3,\), got \(2,\)'\]$"):
        optimizer.load_state_dict({"steps": 1, "first_moment.w": np.ones(2)})


def test_clip_by_global_norm(xp):
    grads = {"a": xp.asarray([3.0]), "b": xp.asarray([4.0])}
    assert clip_by_global_norm(grads, 1.0) == pytest.approx(5.0)
    assert rel_error(grads["a"], np.array([0.6])) < 1e-15 and rel_error(grads["b"], np.array([0.8])) < 1e-15
    assert clip_by_global_norm(grads, 10.0) == pytest.approx(1.0)
    assert rel_error(grads["a"], np.array([0.6])) < 1e-15


def test_clipping_waits_for_the_device_once_and_needs_a_positive_norm():
    grads = {name: strict.asarray(np.full((3, 2), 2.0)) for name in "abcde"}  # norm sqrt(5 * 24)
    before = strict.synchronisations()
    assert clip_by_global_norm(grads, 1.0) == pytest.approx(np.sqrt(120.0))
    assert strict.synchronisations() - before == 1
    assert rel_error(grads["e"], np.full((3, 2), 2.0 / np.sqrt(120.0))) < 1e-15
    with pytest.raises(ValueError, match="max_norm must be positive, got 0"):
        clip_by_global_norm(grads, 0)


def test_cosine_schedule():
    assert cosine_learning_rate(0, 100, 1.0, warmup_steps=10) == pytest.approx(0.1)
    assert cosine_learning_rate(10, 110, 1.0, warmup_steps=10) == pytest.approx(1.0)
    assert cosine_learning_rate(60, 110, 1.0, warmup_steps=10, final_fraction=0.0) == pytest.approx(0.5)
    assert cosine_learning_rate(500, 110, 1.0, warmup_steps=10) == pytest.approx(0.05)


def test_adam_and_sgd_match_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    start = rng.standard_normal(5)
    grads = [rng.standard_normal(5) for _ in range(5)]
    for ours, theirs in ((Adam, lambda p: torch.optim.Adam(p, lr=0.01)),
                         (SGD, lambda p: torch.optim.SGD(p, lr=0.01, momentum=0.9))):
        params = {"w": start.copy()}
        optimizer = ours(params, 0.01)
        tensor = torch.tensor(start.copy(), requires_grad=True)
        reference = theirs([tensor])
        for g in grads:
            optimizer.step({"w": g})
            tensor.grad = torch.from_numpy(g.copy())
            reference.step()
        assert rel_error(params["w"], tensor.detach().numpy()) < 1e-12
