"""State dicts: taking a part by prefix, and the one check before anything is loaded into a model."""

import numpy as np
import pytest

from numerics import to_host
from numerics.state_dicts import StateMismatchError, check_state_fits, load_state_into, strip_prefix


def test_strip_prefix_keeps_only_that_part_under_its_short_names():
    state = {"params:fc.bias": 1, "params:fc.weight": 2, "buffers:fc.bias": 3, "xparams:z": 4}
    assert strip_prefix(state, "params:") == {"fc.bias": 1, "fc.weight": 2}
    assert strip_prefix(state, "optimizer:") == {}


def model_arrays(xp):
    return {"w": xp.zeros((2, 3), dtype=xp.float32), "b": xp.zeros(3, dtype=xp.float32),
            "count": xp.zeros((), dtype=xp.int64)}


def test_load_copies_in_place_in_the_model_dtype(xp):
    targets = model_arrays(xp)
    w = targets["w"]
    load_state_into(targets, {"w": np.arange(6.0).reshape(2, 3), "b": [1.0, 2.0, 3.0], "count": np.array(7)})
    assert targets["w"] is w and w.dtype == np.float32  # the model's own array, its own dtype
    np.testing.assert_array_equal(to_host(w), [[0, 1, 2], [3, 4, 5]])
    np.testing.assert_array_equal(to_host(targets["b"]), [1, 2, 3])
    assert int(targets["count"]) == 7


def test_every_disagreement_is_named_in_one_line_and_nothing_is_copied(xp):
    targets = model_arrays(xp)
    state = {"w": np.ones((3, 2)), "b": np.ones(3), "extra": np.ones(1)}
    with pytest.raises(StateMismatchError) as raised:
        load_state_into(targets, state, "checkpoint c.npz")
    assert str(raised.value) == (
        "checkpoint c.npz and the model disagree: missing keys ['count']; unexpected keys ['extra']; "
        "mismatched shapes ['w: expected (2, 3), got (3, 2)']"
    )
    assert not to_host(targets["b"]).any()  # b fitted, but was not loaded either


def test_optional_names_may_be_missing(xp):
    targets = model_arrays(xp)
    check_state_fits(targets, {"w": np.ones((2, 3)), "b": np.ones(3)}, optional=["count"])
    with pytest.raises(StateMismatchError, match=r"missing keys \['b'\]$"):
        check_state_fits(targets, {"w": np.ones((2, 3))}, optional=["count"])


def test_long_lists_are_cut_and_counted():
    expected = {f"layer{k}": np.zeros(1) for k in range(8)}
    with pytest.raises(StateMismatchError) as raised:
        check_state_fits(expected, {}, "state dict")
    shown = [f"layer{k}" for k in range(5)]
    assert str(raised.value) == f"state dict and the model disagree: missing keys {shown} (and 3 more)"
