"""Training on cached features: the loss falls, checkpoints resume exactly, a NaN stops cleanly."""

import signal

import numpy as np
import pytest

from captioner.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from captioner.data import CaptionData
from captioner.decoder import CaptionDecoder, DecoderConfig
from captioner.encoder import frozen_resnet50_config
from captioner.model import Captioner
from captioner.training import (
    TrainConfig,
    TrainingDivergedError,
    TrainingInterruptedError,
    captions_of,
    evaluate,
    interrupts_held,
    resume_differences,
    train,
)
from captioner.vocabulary import Vocabulary

PHRASES = ["a red circle", "two blue squares", "a green triangle on top", "an orange cross"]


def toy_data(count, seed):
    """Each image's feature vector says which of four phrases describes it."""
    rng = np.random.default_rng(seed)
    kinds = rng.integers(0, len(PHRASES), count)
    noise = rng.normal(0, 0.1, (count, len(PHRASES)))
    features = (np.eye(len(PHRASES))[kinds] * 2 + noise).astype(np.float32)
    references = [[PHRASES[k].split()] for k in kinds]
    return CaptionData(features, references, [f"image{i}" for i in range(count)])


def toy_setup(seed=0):
    train_data, val_data = toy_data(64, seed), toy_data(16, seed + 1)
    vocabulary = Vocabulary.build((c for refs in train_data.references for c in refs), min_count=1)
    config = DecoderConfig(len(vocabulary), feature_size=4, embedding_size=8, hidden_size=16)
    captioner = Captioner(CaptionDecoder(config, seed=seed), frozen_resnet50_config())
    return captioner, vocabulary, train_data, val_data


TRAIN = TrainConfig(epochs=3, batch_size=16, learning_rate=1e-2, warmup_steps=2, max_length=6)


# Training runs lstm_backward_with_cell (course exercise 12); evaluation, corpus BLEU (17, 18).
TRAINING = pytest.mark.needs_exercises(12, 17, 18)


@TRAINING
def test_training_learns_the_toy_task(tmp_path):
    captioner, vocabulary, train_data, val_data = toy_setup()
    before, _ = evaluate(captioner, val_data, vocabulary, 6)
    config = TrainConfig(epochs=20, batch_size=16, learning_rate=3e-2, warmup_steps=2, max_length=6)
    progress = train(captioner, vocabulary, train_data, val_data, config, tmp_path / "ck.npz",
                     progress=False, log=lambda m: None)
    assert np.mean(progress["losses"][-4:]) < 0.1 * np.mean(progress["losses"][:4])
    assert progress["history"][-1]["val_bleu"][4] > 0.9 > before[4]
    assert len(progress["history"]) == 20 and progress["step"] == 20 * 4


def params_of(captioner):
    return {name: np.array(value) for name, value in captioner.params.items()}


@TRAINING
def test_an_interrupted_run_resumes_to_the_same_result(tmp_path):
    captioner, vocabulary, train_data, val_data = toy_setup()
    train(captioner, vocabulary, train_data, val_data, TRAIN, tmp_path / "straight.npz", progress=False,
          log=lambda m: None)
    straight = params_of(captioner)

    interrupted, *_ = toy_setup()
    calls = {"n": 0}
    original_loss = interrupted.loss

    def loss_then_ctrl_c(*args):
        calls["n"] += 1
        if calls["n"] == 6:  # during the second batch of the second epoch
            raise KeyboardInterrupt
        return original_loss(*args)

    interrupted.loss = loss_then_ctrl_c
    with pytest.raises(TrainingInterruptedError, match="continue with --resume"):
        train(interrupted, vocabulary, train_data, val_data, TRAIN, tmp_path / "ck.npz", progress=False,
              log=lambda m: None)
    checkpoint = load_checkpoint(tmp_path / "ck.npz")
    assert checkpoint.progress["epoch"] == 1 and checkpoint.progress["batch"] == 1
    train(checkpoint.captioner, vocabulary, train_data, val_data, TRAIN, tmp_path / "ck.npz",
          resume=checkpoint, progress=False, log=lambda m: None)
    resumed = params_of(checkpoint.captioner)
    for name in straight:
        np.testing.assert_array_equal(resumed[name], straight[name], err_msg=name)


def loss_becoming_nan_at(captioner, call):
    """Make the captioner's loss NaN from its `call`-th computation on (counting from 1)."""
    calls = {"n": 0}
    original_loss = captioner.loss

    def loss(*args):
        calls["n"] += 1
        return float("nan") if calls["n"] >= call else original_loss(*args)

    captioner.loss = loss


@TRAINING
def test_a_nan_loss_stops_and_keeps_the_last_good_checkpoint(tmp_path):
    captioner, vocabulary, train_data, val_data = toy_setup()
    path = tmp_path / "ck.npz"
    config = TrainConfig(epochs=2, batch_size=16, max_length=6)
    good = {}

    def log(message):  # the checkpoint as it was after epoch 1
        good.setdefault("bytes", path.read_bytes())

    loss_becoming_nan_at(captioner, 6)  # 4 batches an epoch: the second batch of epoch 2
    with pytest.raises(TrainingDivergedError,
                       match=r"the loss became nan at epoch 2, batch 1.*last good checkpoint "
                             r"\(.*ck.npz, epoch 2 batch 0\) is kept"):
        train(captioner, vocabulary, train_data, val_data, config, path, progress=False, log=log)
    assert path.read_bytes() == good["bytes"]


@TRAINING
def test_a_nan_loss_before_any_checkpoint_says_there_is_none(tmp_path):
    captioner, vocabulary, train_data, val_data = toy_setup()
    loss_becoming_nan_at(captioner, 2)
    with pytest.raises(TrainingDivergedError, match="at epoch 1, batch 1.*no checkpoint had been written"):
        train(captioner, vocabulary, train_data, val_data, TRAIN, tmp_path / "ck.npz", progress=False,
              log=lambda m: None)
    assert not (tmp_path / "ck.npz").exists()


def test_checkpoint_round_trip_and_errors(tmp_path):
    captioner, vocabulary, train_data, _ = toy_setup()
    path = tmp_path / "ck.npz"
    save_checkpoint(path, captioner, vocabulary, progress={"epoch": 3})
    loaded = load_checkpoint(path)
    assert loaded.vocabulary == vocabulary and loaded.progress == {"epoch": 3}
    for name, value in params_of(captioner).items():
        np.testing.assert_array_equal(np.asarray(loaded.captioner.params[name]), value)
    with pytest.raises(CheckpointError, match="does not exist"):
        load_checkpoint(tmp_path / "missing.npz")
    (tmp_path / "junk.npz").write_text("not a checkpoint")
    with pytest.raises(CheckpointError, match="junk.npz"):
        load_checkpoint(tmp_path / "junk.npz")


def test_optimizers_by_name():
    from captioner.training import make_optimizer

    with pytest.raises(ValueError, match="unknown optimizer 'rmsprop'"):
        make_optimizer(TrainConfig(optimizer="rmsprop"), {})


def test_a_batch_of_images_brings_all_their_captions():
    # image 0 owns caption rows 0-1, image 1 rows 2-4, image 2 row 5
    rows, image_of_caption = captions_of(np.array([2, 0]), np.array([0, 2, 5, 6]))
    assert rows.tolist() == [5, 0, 1]
    assert image_of_caption.tolist() == [0, 1, 1]


@pytest.mark.parametrize("setting, value, expected", [
    ("epochs", 0, "epochs must be an int >= 1, got 0"),
    ("batch_size", 2.0, "batch_size must be an int >= 1, got 2.0"),
    ("max_length", 0, "max_length must be an int >= 1"),
    ("val_beam_width", 0, "val_beam_width must be an int >= 1"),
    ("warmup_steps", -1, "warmup_steps must be an int >= 0"),
    ("seed", -1, "seed must be an int >= 0"),
    ("learning_rate", float("nan"), "learning_rate must be a finite number > 0, got nan"),
    ("clip_norm", 0.0, "clip_norm must be a finite number > 0"),
    ("momentum", 1.0, r"momentum must be a number in \[0, 1\)"),
])
def test_a_train_config_out_of_range_is_refused(setting, value, expected):
    with pytest.raises(ValueError, match=expected):
        TrainConfig(**{setting: value})


def test_training_refuses_empty_data_and_an_unwritable_place(tmp_path):
    captioner, vocabulary, train_data, val_data = toy_setup()
    empty = CaptionData(np.zeros((0, 4), np.float32), [], [])
    with pytest.raises(ValueError, match="val_data has no images"):
        train(captioner, vocabulary, train_data, empty, TRAIN, tmp_path / "ck.npz", progress=False)
    (tmp_path / "file").write_text("")
    with pytest.raises(ValueError, match="checkpoint folder .*file is a file, not a folder"):
        train(captioner, vocabulary, train_data, val_data, TRAIN, tmp_path / "file" / "ck.npz",
              progress=False)


def test_resume_differences_name_each_setting_that_changed():
    recorded = {**TRAIN.to_dict(), "train_images": 64, "retired_setting": 1}
    assert resume_differences(recorded, TRAIN, 64) == []
    changed = TrainConfig(epochs=4, batch_size=8, learning_rate=1e-2, warmup_steps=2, max_length=6)
    assert resume_differences(recorded, changed, 60) == ["epochs 3 (now 4)", "batch_size 16 (now 8)",
                                                         "train_images 64 (now 60)"]


def test_interrupts_held_delivers_ctrl_c_after_the_block_or_drops_it():
    done = []
    with pytest.raises(KeyboardInterrupt), interrupts_held():
        signal.raise_signal(signal.SIGINT)
        done.append("the rest of the block")
    assert done == ["the rest of the block"]
    with interrupts_held(deliver=False):
        signal.raise_signal(signal.SIGINT)
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_caption_data_refuses_an_image_named_twice():
    with pytest.raises(ValueError, match="names must be distinct .*'b.jpg' twice"):
        CaptionData(np.zeros((3, 4), np.float32), [[["a"]], [["b"]], [["c"]]], ["a.jpg", "b.jpg", "b.jpg"])
