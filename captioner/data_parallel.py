"""Data parallelism on one machine: each batch shared out between processes, one core each.

NumPy does a step's elementwise work (batch norm, the cell's gates, attention, Adam) on one core,
and the demo's matrix products are too small to gain much from a second BLAS thread. Processes
can use every core: each holds a copy of the captioner and computes the loss and gradients of
its share of the batch's pictures, as multi-GPU training does with one copy per GPU. A step:

1. the main process writes the parameters and the encoder's running statistics into memory
   that the processes share, and sends each helper process its share of the pictures;
2. each helper copies the parameters into its captioner and runs forward and backward on its
   share; the main process does the same with the first share meanwhile;
3. the main process adds the shares up. The loss is a mean over the batch's captions, so a share
   of n of the batch's N captions counts n / N in the loss and in every gradient. The running
   statistics are averaged;
4. the usual clipping and optimizer step, in the main process alone.

Nothing else couples the pictures of a batch, so with a frozen encoder (cached features) the
loss and gradients are the whole batch's, up to the order of float additions. A trained encoder
differs: its batch norm normalises each share over that share's pictures (as multi-GPU training
does unless it synchronises batch norm), so the number of workers is part of a run's recipe,
recorded in its checkpoint like the batch size.

Only the CPU backend shares work this way; on a GPU one process keeps the device busy.
"""

import contextlib
import multiprocessing
import signal
import traceback

import numpy
from threadpoolctl import threadpool_limits

from captioner.decoder import CaptionDecoder
from captioner.encoder import build_encoder
from captioner.model import Captioner
from captioner.vocabulary import trim_padding
from numerics import on_device, selected, selected_name, use
from numerics.lanes import piece_bounds
from numerics.validation import InputError

ALIGNMENT = 64  # bytes: each shared array starts on its own cache line


class WorkerError(RuntimeError):
    """A helper process failed or stopped: a bug, or the process was killed."""


class SharedArrays:
    """Named arrays in one block of memory that the processes share.

    specs: {name: (shape, dtype name)}. `arrays` holds {name: array} views of the block, in
    whichever process holds this object: it travels to a helper process when the process starts.
    """

    def __init__(self, specs, context):
        self.specs = specs
        self.memory = context.RawArray("B", max(1, _layout(specs)[1]))
        self.arrays = _views(self.memory, specs)

    def __getstate__(self):  # the block travels, not a copy of its contents
        return self.specs, self.memory

    def __setstate__(self, state):
        self.specs, self.memory = state
        self.arrays = _views(self.memory, self.specs)


def _layout(specs):
    """{name: (first byte, end byte)} of specs' arrays laid end to end, each aligned; and the total."""
    places, end = {}, 0
    for name, (shape, dtype) in specs.items():
        start = -(-end // ALIGNMENT) * ALIGNMENT
        end = start + int(numpy.prod(shape, dtype=numpy.int64)) * numpy.dtype(dtype).itemsize
        places[name] = (start, end)
    return places, end


def _views(memory, specs):
    """{name: array of specs[name]'s shape and dtype}, each a view of its place in `memory`."""
    block = numpy.frombuffer(memory, dtype=numpy.uint8)
    places, _ = _layout(specs)
    return {name: block[start:end].view(specs[name][1]).reshape(specs[name][0])
            for name, (start, end) in places.items()}


def specs_of(arrays):
    """{name: (shape, dtype name)} of {name: array}: the layout of SharedArrays that can hold them."""
    return {name: (tuple(value.shape), value.dtype.name) for name, value in arrays.items()}


def shares_of(batch_size, image_of_caption, workers):
    """How a batch is shared out: a list of (first image, end image, caption rows), one per process
    (fewer than `workers` when the batch has fewer images).

    batch_size: B pictures; image_of_caption: (P,) host ints in [0, B), the picture of each caption.
    Each share is a run of consecutive pictures (numerics.lanes.piece_bounds) with all of their captions.
    """
    return [(first, end, numpy.flatnonzero((image_of_caption >= first) & (image_of_caption < end)))
            for first, end in piece_bounds(batch_size, workers)]


class DataParallel:
    """The captioner's loss computed by `workers` processes (this one and workers - 1 helpers).

    Use as a context manager, or call close(): it starts the helpers, which wait for work until
    closed. `loss` takes and returns what Captioner.loss does, and leaves the batch's gradients in
    captioner.grads. While open, this process uses one BLAS thread: the cores are the processes'.
    """

    def __init__(self, captioner, workers):
        if not isinstance(workers, (int, numpy.integer)) or isinstance(workers, bool) or workers < 1:
            raise InputError(f"workers must be an int >= 1, got {workers!r}")
        workers = int(workers)
        if workers > 1 and on_device(selected()):
            raise InputError(f"workers {workers} share a batch between processes on the CPU's cores; "
                             f"with the {selected_name()} backend use 1")
        self.captioner, self.workers = captioner, workers
        self.helpers, self.thread_limit = [], None
        if workers == 1:
            return
        self.thread_limit = threadpool_limits(1)
        context = multiprocessing.get_context("spawn")  # a fresh interpreter: no BLAS threads forked
        self.model = {"params": SharedArrays(specs_of(captioner.params), context),
                      "buffers": SharedArrays(specs_of(captioner.buffers), context)}
        encoder = captioner.encoder
        recipe = (captioner.decoder.config, captioner.encoder_config,
                  encoder.dtype.name if captioner.trains_encoder else None, selected_name())
        try:
            for number in range(1, workers):
                self.helpers.append(self.start_helper(context, recipe, f"captioner worker {number}"))
        except BaseException:
            self.close()
            raise

    def start_helper(self, context, recipe, name):
        """A helper process and what this one keeps of it: (process, connection, result)."""
        result = {"grads": SharedArrays(specs_of(self.captioner.params), context),
                  "buffers": SharedArrays(specs_of(self.captioner.buffers), context)}
        connection, helper_end = context.Pipe()
        process = context.Process(target=serve, args=(helper_end, recipe, self.model, result), name=name,
                                  daemon=True)
        process.start()
        helper_end.close()
        return process, connection, result

    def __enter__(self):
        return self

    def __exit__(self, *exception):
        self.close()

    def close(self):
        """Stop the helper processes and give this process its BLAS threads back."""
        for _, connection, _ in self.helpers:
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # it has stopped already
                connection.send(None)
            connection.close()
        for process, _, _ in self.helpers:
            process.join(timeout=10)
            if process.is_alive():
                process.terminate()
        if self.thread_limit is not None:
            self.thread_limit.restore_original_limits()
        self.helpers, self.thread_limit = [], None

    def loss(self, inputs, captions, image_of_caption):
        """Teacher-forced loss of a batch, computed in shares; fills captioner.grads.

        inputs: (B, ...) pictures or cached features; captions: (P, T + 1) host int ids;
        image_of_caption: (P,) host ints in [0, B). Returns the loss (float).
        """
        if not self.helpers:
            return float(self.captioner.loss(inputs, captions, image_of_caption))
        shares = [(inputs[first:end], trim_padding(captions[rows]), image_of_caption[rows] - first)
                  for first, end, rows in shares_of(len(inputs), image_of_caption, self.workers)]
        captioner = self.captioner
        copy_into(self.model["params"].arrays, captioner.params)
        copy_into(self.model["buffers"].arrays, captioner.buffers)
        helpers = self.helpers[: len(shares) - 1]
        sent = [send(process, connection, share)
                for (process, connection, _), share in zip(helpers, shares[1:])]
        try:
            losses = [float(captioner.loss(*shares[0]))]
        finally:  # every reply is read, so that none is left for the next step to take
            replies = [receive(process, connection) if failure is None else failure
                       for (process, connection, _), failure in zip(helpers, sent)]
        for reply in replies:
            if isinstance(reply, WorkerError):
                raise reply
        losses += replies
        weights = [len(captions) / len(image_of_caption) for _, captions, _ in shares]
        results = [result for _, _, result in helpers]
        add_up(captioner.grads, [result["grads"].arrays for result in results], weights)
        average(captioner.buffers, [result["buffers"].arrays for result in results])
        return sum(weight * loss for weight, loss in zip(weights, losses))


def copy_into(targets, sources):
    """targets[name][...] = sources[name] for every name: {name: array} dicts of one layout."""
    for name, target in targets.items():
        target[...] = sources[name]


def add_up(grads, helper_grads, weights):
    """grads (the first share's, in place) = sum over shares of weight * that share's gradient."""
    for name, grad in grads.items():
        grad *= weights[0]
        for weight, other in zip(weights[1:], helper_grads):
            grad += weight * other[name]


def average(buffers, helper_buffers):
    """The running statistics (in place) become the mean of every process's; each moved from the
    same values towards its own share's statistics. Counters (num_batches_tracked) agree already."""
    for name, value in buffers.items():
        if value.dtype.kind == "f":
            for other in helper_buffers:
                value += other[name]
            value /= len(helper_buffers) + 1


def send(process, connection, share):
    """Give a helper its share: None, or a WorkerError (returned) when the helper has stopped."""
    try:
        connection.send(share)
    except (BrokenPipeError, ConnectionResetError):
        return stopped(process)
    return None


def receive(process, connection):
    """A helper's loss for its share, or a WorkerError (returned, not raised: the caller reads
    every helper's reply first) saying why there is none."""
    try:
        reply = connection.recv()
    except (EOFError, ConnectionResetError):
        return stopped(process)
    if isinstance(reply, str):
        return WorkerError(f"{process.name} failed:\n{reply}")
    return reply


def stopped(process):
    """The WorkerError of a helper that has stopped, with its exit code."""
    process.join(timeout=1)
    return WorkerError(f"{process.name} stopped (exit code {process.exitcode}) in the middle of a step")


def serve(connection, recipe, model, result):
    """A helper process: compute shares until told to stop (None) or until the main process is gone.

    recipe: (decoder config, encoder config, encoder dtype or None, backend name); model: the
    shared parameters and buffers, which this process only reads; result: where it writes its
    share's gradients and running statistics.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the main process's to handle
    threadpool_limits(1)
    decoder_config, encoder_config, encoder_dtype, backend = recipe
    use(backend)
    encoder = build_encoder(encoder_config, dtype=encoder_dtype) if encoder_dtype else None
    captioner = Captioner(CaptionDecoder(decoder_config), encoder_config, encoder)
    while True:
        try:
            share = connection.recv()
        except EOFError:
            return
        if share is None:
            return
        try:
            copy_into(captioner.params, model["params"].arrays)
            copy_into(captioner.buffers, model["buffers"].arrays)
            reply = float(captioner.loss(*share))
            copy_into(result["grads"].arrays, captioner.grads)
            copy_into(result["buffers"].arrays, captioner.buffers)
        except Exception:  # its traceback goes to the main process, which raises it as WorkerError
            reply = traceback.format_exc()
        try:
            connection.send(reply)
        except (BrokenPipeError, ConnectionResetError):
            return
