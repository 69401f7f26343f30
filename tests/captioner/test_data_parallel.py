"""Data parallelism: a batch shared out between processes gives the loss and gradients of the
whole batch, or, through a trained encoder's batch norm, those of its shares; training with it
resumes exactly; a helper that fails or dies is reported, never waited for."""

import signal
from dataclasses import replace

import numpy as np
import pytest

from captioner.checkpoint import load_checkpoint
from captioner.data_parallel import DataParallel, WorkerError
from captioner.decoder import CaptionDecoder, DecoderConfig
from captioner.encoder import frozen_resnet50_config
from captioner.model import Captioner
from captioner.training import TrainConfig, TrainingInterruptedError, resume_differences, train
from numerics import backend, rel_error
from numerics.validation import InputError
from tests.captioner.test_end_to_end import tiny_captioner
from tests.captioner.test_training import params_of, toy_setup

# Five pictures: two captions describe picture 0, three picture 2, two picture 4. Two processes
# take pictures 0-1 (3 captions) and 2-4 (6 captions), so the shares weigh 1/3 and 2/3.
IMAGE_OF_CAPTION = np.array([0, 0, 1, 2, 2, 2, 3, 4, 4])


def random_captions(count, vocabulary_size, rng):
    """(count, 7) ids "<start> w... <end> <pad>..." of 1 to 5 words from [4, V)."""
    captions = np.zeros((count, 7), dtype=np.int64)
    for row, length in enumerate(rng.integers(1, 6, count)):
        captions[row, : length + 2] = [1, *rng.integers(4, vocabulary_size, length), 2]
    return captions


def cached_features_captioner(cell, context):
    config = DecoderConfig(vocabulary_size=9, feature_size=5, embedding_size=4, hidden_size=6,
                           dtype="float64", cell=cell, context=context)
    return Captioner(CaptionDecoder(config, seed=3), frozen_resnet50_config(grid=2))


@pytest.mark.needs_exercises(12, 19, 20, 21, 22, 23, 24)  # both cells forward and backward, attention
@pytest.mark.parametrize("context", ["pooled", "attention"])
@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_two_processes_give_the_whole_batch_loss_and_gradients(cell, context):
    captioner = cached_features_captioner(cell, context)
    rng = np.random.default_rng(0)
    features = rng.normal(size=(5, 4, 5) if context == "attention" else (5, 5))
    captions = random_captions(len(IMAGE_OF_CAPTION), 9, rng)
    whole_loss = captioner.loss(features, captions, IMAGE_OF_CAPTION)
    whole = {name: grad.copy() for name, grad in captioner.grads.items()}

    with DataParallel(captioner, 2) as parallel:
        loss = parallel.loss(features, captions, IMAGE_OF_CAPTION)
    assert loss == pytest.approx(whole_loss, rel=1e-12)
    assert set(captioner.grads) == set(whole)
    for name, grad in captioner.grads.items():
        assert rel_error(grad, whole[name]) < 1e-12, name


@pytest.mark.needs_exercises(12)
def test_more_processes_than_pictures_leave_the_extra_ones_idle():
    captioner = cached_features_captioner("lstm", "pooled")
    rng = np.random.default_rng(1)
    features, captions = rng.normal(size=(2, 5)), random_captions(3, 9, rng)
    image_of_caption = np.array([0, 1, 1])
    whole_loss = captioner.loss(features, captions, image_of_caption)
    with DataParallel(captioner, 3) as parallel:
        assert parallel.loss(features, captions, image_of_caption) == pytest.approx(whole_loss, rel=1e-12)


@pytest.mark.needs_exercises(12)
def test_each_process_normalises_its_own_pictures_through_a_trained_encoder():
    rng = np.random.default_rng(2)
    pictures = rng.integers(0, 256, (4, 16, 16, 3), dtype=np.uint8)
    image_of_caption = np.array([0, 1, 1, 2, 3, 3])
    captions = random_captions(len(image_of_caption), 7, rng)
    # The reference: each share through a captioner of its own, in this process, by hand.
    losses, grads, buffers = [], [], []
    for first, end in ((0, 2), (2, 4)):
        alone = tiny_captioner(np)
        rows = np.flatnonzero((image_of_caption >= first) & (image_of_caption < end))
        losses.append(alone.loss(pictures[first:end], captions[rows], image_of_caption[rows] - first))
        grads.append({name: grad.copy() for name, grad in alone.grads.items()})
        buffers.append({name: value.copy() for name, value in alone.buffers.items()})
    weights = [3 / 6, 3 / 6]  # each share holds 3 of the 6 captions

    captioner = tiny_captioner(np)
    with DataParallel(captioner, 2) as parallel:
        loss = parallel.loss(pictures, captions, image_of_caption)
    assert loss == pytest.approx(weights[0] * losses[0] + weights[1] * losses[1], rel=1e-12)
    for name, grad in captioner.grads.items():
        assert rel_error(grad, weights[0] * grads[0][name] + weights[1] * grads[1][name]) < 1e-12, name
    assert any(name.endswith("running_var") for name in captioner.buffers)
    for name, value in captioner.buffers.items():
        expected = buffers[0][name] if value.dtype.kind == "i" else (buffers[0][name] + buffers[1][name]) / 2
        np.testing.assert_allclose(value, expected, rtol=1e-13, err_msg=name)
    # Batch norm over two pictures is not batch norm over four: the shares are part of the recipe.
    assert abs(loss - tiny_captioner(np).loss(pictures, captions, image_of_caption)) > 1e-6


def quiet_train(captioner, setup, config, path, **options):
    _, vocabulary, train_data, val_data = setup
    return train(captioner, vocabulary, train_data, val_data, config, path, progress=False,
                 log=lambda message: None, **options)


@pytest.mark.needs_exercises(12, 17, 18)  # training, and evaluation's corpus BLEU
def test_training_in_two_processes_learns_like_one_and_resumes_exactly(tmp_path):
    config = TrainConfig(epochs=3, batch_size=16, learning_rate=1e-2, warmup_steps=2, max_length=6, workers=2)
    setup = toy_setup()
    one_process = toy_setup()[0]
    alone = quiet_train(one_process, setup, replace(config, workers=1),
                        tmp_path / "one.npz")
    straight = setup[0]
    progress = quiet_train(straight, setup, config, tmp_path / "straight.npz")
    # The same steps as one process takes, up to float32 rounding: the same losses, the same model.
    np.testing.assert_allclose(progress["losses"], alone["losses"], rtol=1e-5)
    assert progress["losses"][-1] < 0.9 * progress["losses"][0]
    for name, value in params_of(straight).items():
        np.testing.assert_allclose(value, params_of(one_process)[name], atol=1e-4, err_msg=name)

    interrupted = toy_setup()[0]
    calls = {"n": 0}
    original_loss = interrupted.loss

    def loss_then_ctrl_c(*args):  # this process's share of each batch
        calls["n"] += 1
        if calls["n"] == 6:  # during the second batch of the second epoch
            raise KeyboardInterrupt
        return original_loss(*args)

    interrupted.loss = loss_then_ctrl_c
    with pytest.raises(TrainingInterruptedError):
        quiet_train(interrupted, setup, config, tmp_path / "ck.npz")
    checkpoint = load_checkpoint(tmp_path / "ck.npz")
    assert (checkpoint.progress["epoch"], checkpoint.progress["batch"]) == (1, 1)
    assert resume_differences(checkpoint.training, replace(config, workers=1),
                              len(setup[2])) == ["workers 2 (now 1)"]
    quiet_train(checkpoint.captioner, setup, config, tmp_path / "ck.npz", resume=checkpoint)
    for name, value in params_of(checkpoint.captioner).items():
        np.testing.assert_array_equal(value, params_of(straight)[name], err_msg=name)


@pytest.mark.needs_exercises(12)
def test_a_helper_that_fails_is_reported_with_its_traceback_and_the_next_batch_goes_on():
    captioner = cached_features_captioner("lstm", "pooled")
    rng = np.random.default_rng(4)
    features, captions = rng.normal(size=(5, 5)), random_captions(len(IMAGE_OF_CAPTION), 9, rng)
    bad = captions.copy()
    bad[-1, 1] = 99  # a word id past the vocabulary, in the second process's share only
    with DataParallel(captioner, 2) as parallel:
        with pytest.raises(WorkerError, match=r"(?s)captioner worker 1 failed:.*Traceback.*word indices"):
            parallel.loss(features, bad, IMAGE_OF_CAPTION)
        loss = parallel.loss(features, captions, IMAGE_OF_CAPTION)
    assert loss == pytest.approx(captioner.loss(features, captions, IMAGE_OF_CAPTION), rel=1e-12)


@pytest.mark.needs_exercises(12)
def test_a_helper_that_dies_is_reported_not_waited_for():
    captioner = cached_features_captioner("lstm", "pooled")
    rng = np.random.default_rng(5)
    features, captions = rng.normal(size=(5, 5)), random_captions(len(IMAGE_OF_CAPTION), 9, rng)
    with DataParallel(captioner, 2) as parallel:
        process = parallel.helpers[0][0]
        process.kill()
        process.join()
        stopped = f"captioner worker 1 stopped \\(exit code -{signal.SIGKILL}\\)"
        with pytest.raises(WorkerError, match=stopped):
            parallel.loss(features, captions, IMAGE_OF_CAPTION)


def test_workers_must_be_a_positive_int_and_a_device_backend_trains_in_one_process():
    captioner = cached_features_captioner("lstm", "pooled")
    for workers in (0, 1.5, "2"):
        with pytest.raises(InputError, match="workers must be an int >= 1"):
            DataParallel(captioner, workers)
    with pytest.raises(InputError, match="workers must be an int >= 1, got 0"):
        TrainConfig(workers=0)
    previous = backend.selected_name()
    backend.use("strict")
    try:
        with pytest.raises(InputError, match="workers 2 share a batch between processes on the CPU's "
                                             "cores; with the strict backend use 1"):
            DataParallel(captioner, 2)
    finally:
        backend.use(previous)
