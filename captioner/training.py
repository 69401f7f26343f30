"""Training the captioner: minibatches, Adam or SGD, clipping, a schedule, checkpoints, resuming.

One epoch visits every image once, with all of its captions, in an order fixed by (seed, epoch):
the encoder sees each picture of a batch once and the decoder learns from every caption of it.
The order being fixed, a run
that is stopped and resumed sees exactly the batches an uninterrupted run would have seen.
A checkpoint is written at the end of every epoch and when training is interrupted (Ctrl-C);
a loss that becomes NaN or infinite stops training and leaves the last good checkpoint alone.
"""

import math
import time
from dataclasses import asdict, dataclass

import numpy
from tqdm import tqdm

from captioner.checkpoint import save_checkpoint
from captioner.decoding import caption_all
from captioner.metrics import corpus_bleu
from captioner.vocabulary import PAD_ID
from numerics import selected
from numerics.optim import SGD, Adam, clip_by_global_norm, cosine_learning_rate


@dataclass
class TrainConfig:
    """How to train. learning_rate is the peak of a warm-up + cosine schedule."""

    epochs: int = 10
    batch_size: int = 64  # captions per step; each image brings all of its captions
    optimizer: str = "adam"
    learning_rate: float = 2e-3
    momentum: float = 0.9
    clip_norm: float = 5.0
    warmup_steps: int = 50
    max_length: int = 16
    seed: int = 0
    val_beam_width: int = 1

    def to_dict(self):
        return asdict(self)


class TrainingDivergedError(RuntimeError):
    """The loss became NaN or infinite."""


class TrainingInterruptedError(RuntimeError):
    """Training was stopped by Ctrl-C after saving a checkpoint."""


def make_optimizer(config, params):
    if config.optimizer == "adam":
        return Adam(params, config.learning_rate)
    if config.optimizer == "sgd":
        return SGD(params, config.learning_rate, config.momentum)
    raise ValueError(f"unknown optimizer {config.optimizer!r}; expected 'adam' or 'sgd'")


def evaluate(captioner, data, vocabulary, max_length, beam_width=1):
    """Corpus BLEU-1..4 of the generated captions against the references. Returns (bleu, captions)."""
    captions = caption_all(captioner, data, vocabulary, max_length, beam_width)
    return corpus_bleu(data.references, captions), captions


def captions_of(images, first_caption):
    """The caption rows of some images, and for each row the position of its image in `images`.

    images: (B,) image indices; first_caption: (N + 1,), the captions of image k are the rows
    first_caption[k]:first_caption[k + 1] (captions are stored image by image).
    Returns rows (P,) and image_of_caption (P,) with values in [0, B).
    """
    rows = [numpy.arange(first_caption[k], first_caption[k + 1]) for k in images]
    return numpy.concatenate(rows), numpy.repeat(numpy.arange(len(images)), [len(r) for r in rows])


def trim_padding(ids):
    """Drop the columns that are padding in every row. ids: (B, L) host int array."""
    used = numpy.flatnonzero((ids != PAD_ID).any(axis=0))
    return ids[:, : used[-1] + 1]


def train(captioner, vocabulary, train_data, val_data, config, checkpoint_path,
          resume=None, progress=True, log=print):
    """Train `captioner` in place; returns the progress: {"history": one dict per epoch,
    "losses": the loss of every step, "epoch", "batch", "step"}.

    train_data, val_data: CaptionData; config: TrainConfig; checkpoint_path: where checkpoints go;
    resume: a captioner.checkpoint.Checkpoint to continue from (its model must be `captioner`).
    """
    xp = selected()
    optimizer = make_optimizer(config, captioner.params)
    state = {"epoch": 0, "batch": 0, "step": 0, "history": [], "losses": []}
    if resume is not None:
        state.update(resume.progress)
        if resume.optimizer_state.get("kind") == type(optimizer).__name__:
            optimizer.load_state_dict(resume.optimizer_state)
        log(f"resuming from {resume.path}: epoch {state['epoch'] + 1}, batch {state['batch']}")
    image_index, caption_ids = train_data.caption_pairs(vocabulary, config.max_length)
    first_caption = numpy.searchsorted(image_index, numpy.arange(len(train_data) + 1))
    images_per_batch = max(1, round(config.batch_size * len(train_data) / len(image_index)))
    batches = math.ceil(len(train_data) / images_per_batch)
    total_steps = config.epochs * batches

    def checkpoint():
        save_checkpoint(checkpoint_path, captioner, vocabulary, config.to_dict(), state, optimizer)

    while state["epoch"] < config.epochs:
        epoch, started = state["epoch"], time.perf_counter()
        order = numpy.random.default_rng([config.seed, epoch]).permutation(len(train_data))
        bar = tqdm(range(state["batch"], batches), desc=f"epoch {epoch + 1}/{config.epochs}",
                   disable=not progress, leave=False)
        epoch_losses = []
        try:
            for batch in bar:
                images = order[batch * images_per_batch : (batch + 1) * images_per_batch]
                rows, image_of_caption = captions_of(images, first_caption)
                captions = xp.asarray(trim_padding(caption_ids[rows]))
                optimizer.learning_rate = cosine_learning_rate(
                    state["step"], total_steps, config.learning_rate, config.warmup_steps)
                loss = captioner.loss(train_data.batch(images), captions, xp.asarray(image_of_caption))
                if not math.isfinite(loss):
                    raise TrainingDivergedError(
                        f"the loss became {loss} at epoch {epoch + 1}, batch {batch}; training stopped, "
                        f"the last good checkpoint ({checkpoint_path}) is kept")
                grads = captioner.grads
                clip_by_global_norm(grads, config.clip_norm)
                optimizer.step(grads)
                state["step"], state["batch"] = state["step"] + 1, batch + 1
                epoch_losses.append(loss)
                state["losses"].append(round(loss, 5))
                bar.set_postfix(loss=f"{loss:.3f}")
        except KeyboardInterrupt:
            checkpoint()
            raise TrainingInterruptedError(
                f"interrupted at epoch {epoch + 1}, batch {state['batch']}: checkpoint saved to "
                f"{checkpoint_path}; continue with --resume") from None
        bleu, _ = evaluate(captioner, val_data, vocabulary, config.max_length, config.val_beam_width)
        record = {"epoch": epoch + 1, "train_loss": float(numpy.mean(epoch_losses)) if epoch_losses else None,
                  "val_bleu": bleu, "seconds": round(time.perf_counter() - started, 2)}
        state["history"].append(record)
        state["epoch"], state["batch"] = epoch + 1, 0
        checkpoint()
        log(f"epoch {epoch + 1}/{config.epochs}: loss {record['train_loss']:.3f}, "
            f"val BLEU-1 {bleu[1]:.3f} BLEU-4 {bleu[4]:.3f} ({record['seconds']:.0f} s)")
    return state

