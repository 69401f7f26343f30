"""Every test that takes the `xp` fixture runs once per array backend: numpy, strict and cupy.

strict (numerics.strict) is the CPU stand-in for CuPy that refuses what CuPy refuses, so the
device path is tested on every machine (`pytest -k strict` runs only that). On a machine without
CuPy (or without a GPU) the cupy runs are skipped with a reason; with
`pip install -e '.[test,gpu]'` on an NVIDIA machine they run.
Tests marked `exercise(N)` grade a course exercise (course/plugin.py).
"""

import pytest

from numerics import backend

pytest_plugins = ["course.plugin", "pytester"]  # pytester: for the plugin's own tests


def _backend_params():
    params = [pytest.param("numpy", id="numpy"), pytest.param("strict", id="strict")]
    try:
        backend.module_named("cupy")
        params.append(pytest.param("cupy", id="cupy"))
    except ImportError as error:
        params.append(pytest.param("cupy", id="cupy", marks=pytest.mark.skip(reason=str(error))))
    return params


@pytest.fixture(params=_backend_params())
def xp(request):
    """The array module under test, also selected as the default for the test's duration."""
    previous = backend.selected_name()
    module = backend.use(request.param)
    yield module
    backend.use(previous)
