"""The strict backend refuses what CuPy refuses, allows what CuPy allows, and counts the waits."""

import copy
import importlib
import types

import numpy as np
import pytest

from numerics import backend, strict, to_host


@pytest.fixture
def a():
    return strict.asarray([[1.0, 2.0], [3.0, 4.0]])


REFUSED = {
    "numpy.asarray": lambda a: np.asarray(a),
    "numpy.array": lambda a: np.array(a),
    "a NumPy ufunc": lambda a: np.exp(a),
    "a NumPy function": lambda a: np.concatenate([a, a]),
    "numpy.shape": lambda a: np.shape(a),
    "device + host": lambda a: a + np.ones(2),
    "host * device": lambda a: np.ones(2) * a,
    "host < device": lambda a: np.ones(2) < a,
    "host += device": lambda a: np.ones(2).__iadd__(a[0]),
    "host value assigned": lambda a: a.__setitem__(0, np.ones(2)),
    "host array to a device function": lambda a: strict.concatenate([a, np.ones((1, 2))]),
    "host array to a device ufunc": lambda a: strict.exp(np.ones(2)),
    "a list to a device ufunc": lambda a: strict.exp([1.0, 2.0]),
    "a list in arithmetic": lambda a: a + [1.0, 2.0],
    "float of a matrix": lambda a: float(a),
    "int of one element, not 0-d": lambda a: int(a[0, :1]),
    "a 0-d array as a list index": lambda a: [1, 2][a[0, 0].astype(np.int64)],
    "a 0-d array as a range bound": lambda a: range(a[0, 0].astype(np.int64)),
}


@pytest.mark.parametrize("use", REFUSED.values(), ids=REFUSED.keys())
def test_what_cupy_refuses_is_a_type_error(a, use):
    with pytest.raises(TypeError):
        use(a)


def test_the_messages_say_what_to_do(a):
    with pytest.raises(TypeError, match=r"Implicit conversion to a NumPy array is not allowed.*\.get\(\)"):
        np.asarray(a)
    with pytest.raises(TypeError, match=r"numpy\.exp was given a strict \(device\) array.*xp\.exp"):
        np.exp(a)
    with pytest.raises(TypeError, match=r"cannot be mixed with a NumPy \(host\) array.*xp\.asarray"):
        a * np.ones(2)


def test_the_truth_of_many_values_is_ambiguous(a):
    with pytest.raises(ValueError, match="ambiguous"):
        bool(a > 0)


def test_explicit_copies_and_scalars_are_allowed(a):
    host = to_host(a)
    assert type(host) is np.ndarray and host.tolist() == [[1.0, 2.0], [3.0, 4.0]]
    assert type(a.get()) is np.ndarray and type(strict.asnumpy(a)) is np.ndarray
    assert float(a.sum()) == 10.0 and int(a[1, 1]) == 4 and bool(a[0, 0] == 1.0)
    assert bool(a[0, :1] > 0)  # one element of any shape has a truth value, as in NumPy and CuPy
    assert to_host(np.float32(2) * a).tolist() == [[2.0, 4.0], [6.0, 8.0]]  # a NumPy scalar mixes in
    assert to_host(np.float64(2.5) < a).tolist() == [[False, False], [True, True]]
    assert to_host(1 - a + a**2 / 2).tolist() == [[0.5, 1.0], [2.5, 5.0]]
    assert f"{a.max():.1f}" == "4.0"


def test_functions_and_methods_compute_what_numpy_computes(a):
    host = np.array([[1.0, 2.0], [3.0, 4.0]])
    pairs = [
        (strict.tanh(a), np.tanh(host)),
        (strict.concatenate([a, a], axis=1), np.concatenate([host, host], axis=1)),
        (strict.einsum("ij,ij->j", a, a), np.array([10.0, 20.0])),
        (a @ a.T, host @ host.T),
        (strict.where(a > 2, a, 0.0), np.array([[0.0, 0.0], [3.0, 4.0]])),
        (a.reshape(4).cumsum(), np.array([1.0, 3.0, 6.0, 10.0])),
        (strict.lib.stride_tricks.as_strided(a, (3,), (8,)), np.array([1.0, 2.0, 3.0])),
        (strict.zeros((2, 3), dtype=strict.float32), np.zeros((2, 3), dtype=np.float32)),
    ]
    for got, expected in pairs:
        assert isinstance(got, strict.ndarray)
        np.testing.assert_array_equal(to_host(got), expected)
        assert to_host(got).dtype == expected.dtype


def test_reductions_and_indexing_give_device_arrays_and_views(a):
    for value in (a.sum(), a.max(axis=None), a[0, 1], strict.sum(a)):
        assert isinstance(value, strict.ndarray) and value.shape == ()
    corner = a[0, 1]
    corner += 10.0  # a view, as CuPy's a[i, j] is
    assert to_host(a)[0, 1] == 12.0


def test_integer_array_indices_wrap_around_as_in_cupy():
    x = strict.arange(4) * 10
    assert to_host(x[strict.asarray([5, -1, 2])]).tolist() == [10, 30, 20]
    assert to_host(x[[4]]).tolist() == [0]
    assert to_host(strict.take(x, strict.asarray([6]))).tolist() == [20]
    target = strict.zeros((3, 2))
    strict.add.at(target, strict.asarray([0, 3, 4]), strict.ones((3, 2)))  # 3 wraps to 0, 4 to 1
    assert to_host(target).tolist() == [[2.0, 2.0], [1.0, 1.0], [0.0, 0.0]]
    with pytest.raises(IndexError):
        x[7]  # a plain integer out of range is an error, as in CuPy
    with pytest.raises(TypeError, match="add.at supports"):
        strict.add.at(x, strict.asarray([0]), 1)  # int64: CUDA has no atomic add for it
    with pytest.raises(TypeError, match="only add.at"):
        strict.maximum.at(target, strict.asarray([0]), 1.0)
    with pytest.raises(TypeError, match="target must be a strict array"):
        strict.add.at(np.zeros(3), strict.asarray([0]), 1.0)


def test_copies_between_host_and_device_share_no_memory():
    host = np.arange(3.0)
    device = strict.asarray(host)
    host[0] = 9.0
    assert to_host(device)[0] == 0.0
    back = device.get()
    back[1] = 9.0
    assert to_host(device)[1] == 1.0
    assert strict.asarray(device) is device and device.astype(device.dtype, copy=False) is device
    assert copy.deepcopy({"d": device})["d"] is not device


def test_object_and_text_arrays_cannot_live_on_a_device():
    with pytest.raises(TypeError, match="not supported"):
        strict.asarray(["a", "b"])


def test_random_numbers_are_device_arrays():
    drawn = strict.random.default_rng(0).standard_normal(3)
    assert isinstance(drawn, strict.ndarray)
    np.testing.assert_array_equal(to_host(drawn), np.random.default_rng(0).standard_normal(3))


def test_every_read_on_the_host_is_counted(a):
    def waits(use):
        before = strict.synchronisations()
        use()
        return strict.synchronisations() - before

    assert waits(lambda: strict.tanh(a) * 2 + a.sum(axis=0) @ a[:, 0]) == 0  # arithmetic never waits
    assert waits(lambda: a[strict.asarray([1, 0])]) == 0
    for read in (lambda: float(a[0, 0]), lambda: bool(a[0, 0]), lambda: a[0, 0].item(),
                 lambda: a.tolist(), lambda: a.get(), lambda: to_host(a), lambda: repr(a),
                 lambda: a[a > 2], lambda: strict.nonzero(a), lambda: strict.unique(a)):
        assert waits(read) == 1


def test_array_module_finds_strict_arrays_by_the_table_that_finds_cupy_arrays(a):
    assert backend.array_module(a) is strict
    assert backend.array_module(np.ones(2), a) is strict
    assert backend.array_module(np.ones(2), 3.0, [1]) is np
    assert backend.name_of(strict) == "strict" and backend.on_device(strict) and not backend.on_device(np)


def test_each_module_is_imported_once_and_each_array_type_looked_up_once(monkeypatch):
    loads, fake_cupy = [], types.ModuleType("fake_cupy")

    def load():
        loads.append(1)
        return fake_cupy

    monkeypatch.setitem(backend.BACKENDS, "cupy", backend.Backend(load, "cupy", on_device=True))
    for table in ("_modules", "_names", "_module_of_type"):
        monkeypatch.setattr(backend, table, dict(getattr(backend, table)))
    monkeypatch.delitem(backend._modules, "cupy", raising=False)
    fake_device_array = type("ndarray", (), {"__module__": "cupy._core.core"})
    for _ in range(3):
        assert backend.array_module(fake_device_array()) is fake_cupy
    assert loads == [1] and backend.name_of(fake_cupy) == "cupy"


def test_the_backend_chooses_chunk_sizes():
    assert backend.preferred_chunk_bytes(np, 4096) == 4096
    assert backend.preferred_chunk_bytes(strict, 4096) == backend.DEVICE_CHUNK_BYTES


def test_strict_is_selected_by_name_and_by_the_environment(monkeypatch):
    previous = backend.selected_name()
    try:
        assert backend.use("strict") is strict and backend.selected_name() == "strict"
        assert isinstance(backend.to_device(np.ones(2)), strict.ndarray)
    finally:
        backend.use(previous)
    monkeypatch.setenv(backend.ENVIRONMENT_VARIABLE, "strict")
    try:
        assert importlib.reload(backend).selected() is strict
    finally:
        monkeypatch.delenv(backend.ENVIRONMENT_VARIABLE)
        importlib.reload(backend)
