"""Training the captioner: minibatches, Adam or SGD, clipping, a schedule, checkpoints, resuming.

One epoch visits every image once, with all of its captions, in an order fixed by (seed, epoch):
the encoder sees each picture of a batch once and the decoder learns from every caption of it.
The order being fixed, a run that is stopped and resumed sees exactly the batches an uninterrupted
run would have seen, and ends with the same parameters, bit for bit.

What can be lost, and what cannot:
- A checkpoint is written at the end of every epoch, and when training is interrupted by Ctrl-C
  (SIGINT) at any point: during a batch (that batch is redone), during validation (it is redone)
  or while a checkpoint is written (the write completes first). A killed process (SIGKILL, power
  cut) loses at most the epoch in progress: checkpoints are written atomically.
- The optimizer step and the bookkeeping that goes with it are all or nothing: Ctrl-C is held
  until they are done (`interrupts_held`), so parameters are never saved half-updated.
- Resuming with other settings than the checkpoint's is refused, naming them, since it could not
  give the run those settings describe. A loss that becomes NaN or infinite stops training and
  leaves the checkpoint alone.

CAPTIONER_FAULT is a hook for the fault-injection tests (tests/captioner/test_faults.py): see
`fault_injector`. Unset, as it always is outside those tests, it does nothing.
"""

import collections
import contextlib
import math
import os
import signal
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy
from tqdm import tqdm

from captioner.checkpoint import CheckpointError, save_checkpoint
from captioner.data_parallel import DataParallel
from captioner.decoding import caption_all
from captioner.metrics import corpus_bleu
from captioner.vocabulary import trim_padding
from numerics import selected
from numerics.files import check_writable_folder
from numerics.optim import SGD, Adam, clip_by_global_norm, cosine_learning_rate
from numerics.validation import InputError

OPTIMIZERS = ("adam", "sgd")
FAULT_VARIABLE = "CAPTIONER_FAULT"
FAULT_POINTS = ("batch", "optimizer-step", "validation", "checkpoint")


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
    # Processes that share each batch, one core each (captioner.data_parallel). Part of the
    # recipe: a trained encoder's batch norm normalises each process's pictures on their own.
    workers: int = 1

    def __post_init__(self):
        for name, least in (("epochs", 1), ("batch_size", 1), ("max_length", 1), ("val_beam_width", 1),
                            ("warmup_steps", 0), ("seed", 0), ("workers", 1)):
            value = getattr(self, name)
            if not isinstance(value, (int, numpy.integer)) or isinstance(value, bool) or value < least:
                raise InputError(f"{name} must be an int >= {least}, got {value!r}")
        for name in ("learning_rate", "clip_norm"):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or not 0 < value < math.inf:
                raise InputError(f"{name} must be a finite number > 0, got {value!r}")
        if not isinstance(self.momentum, (int, float)) or not 0 <= self.momentum < 1:
            raise InputError(f"momentum must be a number in [0, 1), got {self.momentum!r}")
        if self.optimizer not in OPTIMIZERS:
            raise InputError(f"unknown optimizer {self.optimizer!r}; expected 'adam' or 'sgd'")

    def to_dict(self):
        return asdict(self)


class TrainingDivergedError(RuntimeError):
    """The loss became NaN or infinite."""


class TrainingInterruptedError(RuntimeError):
    """Training was stopped by Ctrl-C after saving a checkpoint."""


@contextlib.contextmanager
def interrupts_held(deliver=True):
    """Hold Ctrl-C (SIGINT) until the block is done, so that the block runs whole or not at all.

    A SIGINT received meanwhile is delivered when the block ends (to the handler that was in
    place: KeyboardInterrupt by default), or dropped when `deliver` is False. Outside the main
    thread, where Python cannot take signals, the block runs as it is.
    """
    if threading.current_thread() is not threading.main_thread() or signal.getsignal(signal.SIGINT) is None:
        yield
        return
    received = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: received.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if received and deliver:
        signal.raise_signal(signal.SIGINT)


def fault_injector():
    """The fault-injection tests' hook: a function `at(point)` that training calls at each point of
    FAULT_POINTS. CAPTIONER_FAULT="POINT:N:SIGNAL" (e.g. "optimizer-step:3:SIGKILL") makes the N-th
    call at POINT send SIGNAL to this process; unset, `at` does nothing.
    """
    spec = os.environ.get(FAULT_VARIABLE)
    if not spec:
        return lambda point: None
    point, _, rest = spec.partition(":")
    count, _, name = rest.partition(":")
    if point not in FAULT_POINTS or not count.isdigit() or name not in signal.Signals.__members__:
        raise InputError(f"{FAULT_VARIABLE}={spec!r}: expected POINT:N:SIGNAL, POINT one of {FAULT_POINTS}")
    reached = collections.Counter()

    def at(here):
        reached[here] += 1
        if here == point and reached[here] == int(count):
            os.kill(os.getpid(), signal.Signals[name])

    return at


def resume_differences(recorded, config, train_images):
    """How the settings of this run differ from those a checkpoint recorded.

    recorded: the checkpoint's training dict; config: TrainConfig; train_images: the number of
    training images. Returns ["batch_size 8 (now 4)", ...]; settings a checkpoint lacks are not compared.
    """
    current = {**config.to_dict(), "train_images": train_images}
    return [f"{name} {recorded[name]!r} (now {value!r})" for name, value in current.items()
            if name in recorded and recorded[name] != value]


def check_same_settings(resume, config, train_images, others=()):
    """Refuse to resume a Checkpoint with other settings than it was trained with, naming each:
    the run could not be the one those settings describe. others: differences the caller found
    in what it knows besides config (e.g. ["hidden_size 16 (now 32)"])."""
    differences = [*others, *resume_differences(resume.training, config, train_images)]
    if differences:
        raise CheckpointError(f"checkpoint {resume.path} was trained with other settings: "
                              f"{', '.join(differences)}; resume with the same settings or train anew")


def make_optimizer(config, params):
    if config.optimizer == "adam":
        return Adam(params, config.learning_rate)
    if config.optimizer == "sgd":
        return SGD(params, config.learning_rate, config.momentum)
    raise InputError(f"unknown optimizer {config.optimizer!r}; expected 'adam' or 'sgd'")


def evaluate(captioner, data, vocabulary, max_length, beam_width=1, each_batch=None):
    """Corpus BLEU-1..4 of the generated captions against the references. Returns (bleu, captions).

    each_batch: called before each batch of pictures is captioned (see caption_all)."""
    captions = caption_all(captioner, data, vocabulary, max_length, beam_width, each_batch=each_batch)
    return corpus_bleu(data.references, captions), captions


def captions_of(images, first_caption):
    """The caption rows of some images, and for each row the position of its image in `images`.

    images: (B,) image indices; first_caption: (N + 1,), the captions of image k are the rows
    first_caption[k]:first_caption[k + 1] (captions are stored image by image).
    Returns rows (P,) and image_of_caption (P,) with values in [0, B).
    """
    rows = [numpy.arange(first_caption[k], first_caption[k + 1]) for k in images]
    return numpy.concatenate(rows), numpy.repeat(numpy.arange(len(images)), [len(r) for r in rows])


def train(captioner, vocabulary, train_data, val_data, config, checkpoint_path,
          resume=None, progress=True, log=print):
    """Train `captioner` in place; returns the progress: {"history": one dict per epoch,
    "losses": the loss of every step, "epoch", "batch", "step"}.

    train_data, val_data: CaptionData, neither empty; config: TrainConfig; checkpoint_path: where
    checkpoints go (its folder must take files: checked first); resume: a
    captioner.checkpoint.Checkpoint to continue from (its model must be `captioner`, its settings
    `config`'s).
    """
    for name, data in (("train_data", train_data), ("val_data", val_data)):
        if len(data) == 0:
            raise InputError(f"{name} has no images")
    checkpoint_path = Path(checkpoint_path)
    check_writable_folder(checkpoint_path.parent, "checkpoint folder")
    if checkpoint_path.is_dir():
        raise InputError(f"checkpoint path {checkpoint_path} is a folder")
    optimizer = make_optimizer(config, captioner.params)
    run = _Run(captioner, vocabulary, train_data, val_data, config, checkpoint_path, optimizer)
    if resume is not None:
        run.resume_from(resume)
        log(f"resuming from {resume.path}: epoch {run.state['epoch'] + 1}, batch {run.state['batch']}")
    try:
        with DataParallel(captioner, config.workers) as run.parallel:
            while run.state["epoch"] < config.epochs:
                run.epoch(progress, log)
    except KeyboardInterrupt:
        with interrupts_held(deliver=False):  # a second Ctrl-C must not stop this save
            run.checkpoint()
        raise TrainingInterruptedError(
            f"interrupted at epoch {run.state['epoch'] + 1}, batch {run.state['batch']}: checkpoint saved to "
            f"{checkpoint_path}; continue with --resume") from None
    return run.state


class _Run:
    """One training run's moving parts and its progress (`state`, what a checkpoint records)."""

    def __init__(self, captioner, vocabulary, train_data, val_data, config, checkpoint_path, optimizer):
        self.captioner, self.vocabulary, self.config = captioner, vocabulary, config
        self.train_data, self.val_data = train_data, val_data
        self.checkpoint_path, self.optimizer = checkpoint_path, optimizer
        self.image_index, self.caption_ids = train_data.caption_pairs(vocabulary, config.max_length)
        self.first_caption = numpy.searchsorted(self.image_index, numpy.arange(len(train_data) + 1))
        self.images_per_batch = max(1, round(config.batch_size * len(train_data) / len(self.image_index)))
        self.batches = math.ceil(len(train_data) / self.images_per_batch)
        self.state = {"epoch": 0, "batch": 0, "step": 0, "history": [], "losses": []}
        self.saved = None  # (epoch, batch) that checkpoint_path holds, once this run knows it
        self.parallel = None  # the DataParallel that computes each batch's loss, while training
        self.fault = fault_injector()

    def resume_from(self, resume):
        """Continue from a Checkpoint made with the same settings; refuse one that cannot be continued."""
        check_same_settings(resume, self.config, len(self.train_data))
        state = {**self.state, **resume.progress}
        steps = state["epoch"] * self.batches + state["batch"]
        if not (state["batch"] <= self.batches and state["step"] == steps == len(state["losses"])):
            raise CheckpointError(f"checkpoint {resume.path}: its progress (epoch {state['epoch']}, batch "
                                  f"{state['batch']}, step {state['step']}) does not fit {self.batches} "
                                  f"batches an epoch")
        kind = type(self.optimizer).__name__
        if resume.optimizer_state.get("kind") == kind:
            self.optimizer.load_state_dict(resume.optimizer_state)
        elif state["step"] > 0:
            raise CheckpointError(f"checkpoint {resume.path} holds no {kind} state; resuming would restart "
                                  f"the optimizer")
        self.state = state
        if resume.path.resolve() == self.checkpoint_path.resolve():
            self.saved = (state["epoch"], state["batch"])

    def checkpoint(self):
        training = {**self.config.to_dict(), "train_images": len(self.train_data)}
        self.fault("checkpoint")
        save_checkpoint(self.checkpoint_path, self.captioner, self.vocabulary, training, self.state,
                        self.optimizer)
        self.saved = (self.state["epoch"], self.state["batch"])

    def epoch(self, progress, log):
        """The rest of the current epoch, its validation and its checkpoint."""
        epoch, started, cpu_started = self.state["epoch"], time.perf_counter(), time.process_time()
        order = numpy.random.default_rng([self.config.seed, epoch]).permutation(len(self.train_data))
        bar = tqdm(range(self.state["batch"], self.batches), desc=f"epoch {epoch + 1}/{self.config.epochs}",
                   disable=not progress, leave=False)
        for batch in bar:
            loss = self.step(epoch, batch, order)
            bar.set_postfix(loss=f"{loss:.3f}")
        bleu, _ = evaluate(self.captioner, self.val_data, self.vocabulary, self.config.max_length,
                           self.config.val_beam_width, each_batch=lambda: self.fault("validation"))
        # The losses of every batch of this epoch, including those before a resume.
        record = {"epoch": epoch + 1, "train_loss": float(numpy.mean(self.state["losses"][-self.batches:])),
                  "val_bleu": bleu, "seconds": round(time.perf_counter() - started, 2),
                  # The processor time of all this process's threads: unlike "seconds", it does
                  # not grow when other work shares the machine.
                  "cpu_seconds": round(time.process_time() - cpu_started, 2)}
        with interrupts_held():
            self.state["history"].append(record)
            self.state["epoch"], self.state["batch"] = epoch + 1, 0
            self.checkpoint()
        log(f"epoch {epoch + 1}/{self.config.epochs}: loss {record['train_loss']:.3f}, "
            f"val BLEU-1 {bleu[1]:.3f} BLEU-4 {bleu[4]:.3f} ({record['seconds']:.0f} s)")

    def step(self, epoch, batch, order):
        """Learn from one batch; returns its loss."""
        xp, config = selected(), self.config
        images = order[batch * self.images_per_batch : (batch + 1) * self.images_per_batch]
        rows, image_of_caption = captions_of(images, self.first_caption)
        captions = xp.asarray(trim_padding(self.caption_ids[rows]))
        self.optimizer.learning_rate = cosine_learning_rate(
            self.state["step"], config.epochs * self.batches, config.learning_rate, config.warmup_steps)
        inputs = self.train_data.batch(images)
        loss = self.parallel.loss(inputs, captions, xp.asarray(image_of_caption))
        self.fault("batch")
        if not math.isfinite(loss):
            raise TrainingDivergedError(f"the loss became {loss} at epoch {epoch + 1}, batch {batch}; "
                                        f"training stopped; {self.kept()}")
        grads = self.captioner.grads
        clip_by_global_norm(grads, config.clip_norm)
        with interrupts_held():  # the parameters, the optimizer and the progress move together
            self.optimizer.step(grads)
            self.fault("optimizer-step")
            self.state["step"], self.state["batch"] = self.state["step"] + 1, batch + 1
            self.state["losses"].append(loss)
        return loss

    def kept(self):
        """What the checkpoint file holds, for the message of a run that stops on a NaN loss."""
        if self.saved is None:
            return f"no checkpoint had been written to {self.checkpoint_path}"
        epoch, batch = self.saved
        return f"the last good checkpoint ({self.checkpoint_path}, epoch {epoch + 1} batch {batch}) is kept"
