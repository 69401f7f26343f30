import numpy as np
import pytest

from numerics import backend


def test_unknown_backend_is_named_in_the_error():
    with pytest.raises(ValueError, match="'jax'"):
        backend.use("jax")


def test_array_module_follows_the_array(xp):
    a = xp.ones(3)
    assert backend.array_module(a) is xp
    assert backend.array_module(np.ones(2), a) is xp
    assert backend.array_module() is xp


def test_to_host_returns_numpy(xp):
    host = backend.to_host(xp.arange(4.0))
    assert type(host) is np.ndarray
    np.testing.assert_array_equal(host, [0.0, 1.0, 2.0, 3.0])


def test_to_device_moves_onto_the_module_of_like(xp):
    moved = backend.to_device(np.arange(3), like=xp.zeros(1))
    assert backend.array_module(moved) is xp


def test_add_at_accumulates_repeated_indices_on_every_backend(xp):
    target = xp.zeros((4, 2))
    indices = xp.asarray([[0, 2], [2, 2]])
    values = xp.ones((2, 2, 2))
    xp.add.at(target, indices, values)
    np.testing.assert_array_equal(backend.to_host(target), [[1, 1], [0, 0], [3, 3], [0, 0]])


def test_environment_variable_sets_the_default(monkeypatch):
    import importlib

    monkeypatch.setenv(backend.ENVIRONMENT_VARIABLE, "numpy")
    reloaded = importlib.reload(backend)
    assert reloaded.selected_name() == "numpy"
    monkeypatch.delenv(backend.ENVIRONMENT_VARIABLE)
    importlib.reload(backend)


def test_an_unusable_environment_backend_fails_when_first_needed_not_at_import(monkeypatch):
    import importlib

    monkeypatch.setenv(backend.ENVIRONMENT_VARIABLE, "nonsense")
    try:
        reloaded = importlib.reload(backend)  # the import itself succeeds: --help must work
        for needs_the_default in (reloaded.selected, reloaded.selected_name, reloaded.array_module,
                                  lambda: reloaded.to_device([1.0])):
            with pytest.raises(reloaded.BackendError, match="CAPTIONER_BACKEND='nonsense'.*'nonsense'"):
                needs_the_default()
        assert reloaded.array_module(np.ones(2)) is np  # arrays that exist still name their module
        assert reloaded.use("numpy") is np and reloaded.selected() is np  # an explicit choice clears it
    finally:
        monkeypatch.delenv(backend.ENVIRONMENT_VARIABLE)
        importlib.reload(backend)
