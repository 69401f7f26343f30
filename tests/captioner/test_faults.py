"""Fault injection: training interrupted (SIGINT, Ctrl-C) or killed (SIGKILL) at every named point
of a run resumes to the very model an uninterrupted run makes, bit for bit, and never loses more
than one checkpoint interval (an epoch) of work; an interrupt loses none.

Each run is a real `python -m captioner train` process; CAPTIONER_FAULT ("POINT:N:SIGNAL", read by
captioner.training.fault_injector) makes it send the signal to itself the N-th time it reaches POINT.
"""

import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from captioner.checkpoint import load_checkpoint
from captioner.training import FAULT_VARIABLE
from numerics import to_host
from tests.captioner.tiny_flickr import SMALL_RUN, data_arguments, write_tiny_flickr

ROOT = Path(__file__).resolve().parents[2]
RUN_MARKER = "CAPTIONER_TEST_RUN"  # in the environment of a run's processes, helpers included: its --out

# Training runs lstm_backward_with_cell (course exercise 12); validation, corpus BLEU (17, 18).
pytestmark = pytest.mark.needs_exercises(12, 17, 18)


def run_training(folder, out, *extra, fault=None):
    """One `python -m captioner train` process on one thread (the same sums in the same order)."""
    environment = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1",
                   "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", RUN_MARKER: str(out)}
    for variable in (FAULT_VARIABLE, "CAPTIONER_BACKEND"):
        environment.pop(variable, None)
    if fault is not None:
        environment[FAULT_VARIABLE] = fault
    arguments = ["train", *data_arguments(folder), *SMALL_RUN, "--out", out, *extra]
    return subprocess.run([sys.executable, "-m", "captioner", *map(str, arguments)], env=environment,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    """The data, and the checkpoint of a run that nothing stopped."""
    folder = tmp_path_factory.mktemp("tiny_flickr")
    write_tiny_flickr(folder)
    result = run_training(folder, folder / "uninterrupted")
    assert result.returncode == 0, result.stderr
    return folder, load_checkpoint(folder / "uninterrupted" / "checkpoint.npz")


# (point, the time it is reached, signal, steps complete when the signal comes); B: batches an epoch.
# Training reaches "batch" once its forward and backward passes are done, "optimizer-step" once the
# parameters are updated but not yet its progress, "validation" as each batch of validation images
# is about to be captioned (in the middle of validation), "checkpoint" as a checkpoint write starts
# (a held SIGINT waits for its end).
FAULTS = [
    ("batch", lambda B: B + 2, "SIGINT", lambda B: B + 1),
    ("optimizer-step", lambda B: 3, "SIGINT", lambda B: 3),
    ("validation", lambda B: 1, "SIGINT", lambda B: B),
    ("checkpoint", lambda B: 1, "SIGINT", lambda B: B),
    ("batch", lambda B: B + 2, "SIGKILL", lambda B: B + 1),
    ("optimizer-step", lambda B: B + 3, "SIGKILL", lambda B: B + 2),
    ("validation", lambda B: 2, "SIGKILL", lambda B: 2 * B),
    ("checkpoint", lambda B: 2, "SIGKILL", lambda B: 2 * B),
]


@pytest.mark.parametrize("point, nth, signal, complete", FAULTS,
                         ids=[f"{point}-{signal}" for point, _, signal, _ in FAULTS])
def test_a_stopped_run_resumes_to_the_same_model(uninterrupted, tmp_path, point, nth, signal, complete):
    folder, reference = uninterrupted
    batches = reference.progress["step"] // reference.progress["epoch"]
    assert batches >= 3  # the faults above fall inside the run
    out = tmp_path / "run"
    stopped = run_training(folder, out, fault=f"{point}:{nth(batches)}:{signal}")
    saved = load_checkpoint(out / "checkpoint.npz").progress["step"]
    if signal == "SIGINT":
        assert stopped.returncode == 130, stopped.stderr
        assert "checkpoint saved" in stopped.stderr and stopped.stderr.count("\n") == 1
        assert saved == complete(batches)  # nothing that was complete is lost
    else:
        assert stopped.returncode == -9, stopped.stderr
        assert complete(batches) - batches <= saved <= complete(batches)  # at most one epoch lost
    resumed = run_training(folder, out, "--resume")
    assert resumed.returncode == 0, resumed.stderr
    assert_same_run(load_checkpoint(out / "checkpoint.npz"), reference)


@pytest.fixture(scope="module")
def uninterrupted_in_two_processes(uninterrupted):
    """The checkpoint of a run that nothing stopped, each batch shared between two processes."""
    folder, _ = uninterrupted
    result = run_training(folder, folder / "two_processes", "--workers", "2")
    assert result.returncode == 0, result.stderr
    return load_checkpoint(folder / "two_processes" / "checkpoint.npz")


@pytest.mark.parametrize("point, nth, signal", [FAULTS[0][:3], FAULTS[5][:3]],
                         ids=["batch-SIGINT", "optimizer-step-SIGKILL"])
def test_a_run_in_two_processes_resumes_to_the_same_model_and_leaves_no_process_behind(
        uninterrupted, uninterrupted_in_two_processes, tmp_path, point, nth, signal):
    folder, reference = uninterrupted
    batches = reference.progress["step"] // reference.progress["epoch"]
    out = tmp_path / "run"
    stopped = run_training(folder, out, "--workers", "2", fault=f"{point}:{nth(batches)}:{signal}")
    assert stopped.returncode == (130 if signal == "SIGINT" else -9), stopped.stderr
    # The helper leaves once the main process has gone, whether it said goodbye or was killed.
    deadline = time.monotonic() + 10
    while processes_of_run(out) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert processes_of_run(out) == []
    resumed = run_training(folder, out, "--workers", "2", "--resume")
    assert resumed.returncode == 0, resumed.stderr
    assert_same_run(load_checkpoint(out / "checkpoint.npz"), uninterrupted_in_two_processes)


def processes_of_run(out):
    """The ids of the live processes whose environment marks them as the run writing to `out`."""
    marker = f"{RUN_MARKER}={out}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and marker in (entry / "environ").read_bytes().split(b"\0"):
                found.append(int(entry.name))
        except OSError:  # gone meanwhile, or not ours to read
            pass
    return found


def assert_same_run(checkpoint, reference):
    """The same parameters and optimizer moments, bit for bit, and the same recorded progress."""
    params = checkpoint.captioner.params
    for name, value in reference.captioner.params.items():
        np.testing.assert_array_equal(to_host(params[name]), to_host(value), err_msg=name)
    assert checkpoint.optimizer_state.keys() == reference.optimizer_state.keys()
    for name, value in reference.optimizer_state.items():
        np.testing.assert_array_equal(checkpoint.optimizer_state[name], value, err_msg=name)
    assert checkpoint.progress["losses"] == reference.progress["losses"]

    def without_time(history):
        timings = ("seconds", "cpu_seconds")
        return [{k: v for k, v in record.items() if k not in timings} for record in history]

    assert without_time(checkpoint.progress["history"]) == without_time(reference.progress["history"])
