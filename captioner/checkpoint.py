"""Checkpoints: everything needed to caption with a model or to resume training it.

One .npz file (no pickle; written atomically: a crash mid-write leaves the previous checkpoint
intact) holding arrays under prefixed names

    params:<name>      the captioner's parameters ("params:decoder.Wx", "params:encoder.conv1.weight")
    buffers:<name>     the encoder's batch-norm running statistics
    optimizer:<key>    the optimizer's moments or velocities

and a JSON document with the decoder's and encoder's configuration (the encoder's includes the
way a picture reaches it), the vocabulary, the training configuration and how far training got.
"""

from dataclasses import dataclass
from pathlib import Path

from captioner.decoder import CaptionDecoder, DecoderConfig
from captioner.encoder import EncoderConfig, frozen_resnet50_config
from captioner.model import Captioner
from captioner.picture import PictureInput
from captioner.vocabulary import Vocabulary
from numerics.files import FileFormatError, load_npz, save_npz
from numerics.state_dicts import StateMismatchError, load_state_into, strip_prefix
from numerics.validation import InputError

FORMAT = "captioner-checkpoint"
VERSION = 2
PREFIXES = ("params:", "buffers:", "optimizer:")


class CheckpointError(InputError):
    """A checkpoint that is missing, damaged, or does not fit what it is used with."""


@dataclass
class Checkpoint:
    """What a checkpoint file holds, rebuilt: the model, its vocabulary and the training state."""

    captioner: Captioner
    vocabulary: Vocabulary
    training: dict
    progress: dict
    optimizer_state: dict
    path: Path


def save_checkpoint(path, captioner, vocabulary, training=None, progress=None, optimizer=None):
    """Write a checkpoint atomically.

    training: the training configuration (dict); progress: {"epoch", "batch", "step",
    "history"}; optimizer: an optimizer with state_dict().
    """
    arrays = {f"params:{k}": v for k, v in captioner.params.items()}
    arrays.update({f"buffers:{k}": v for k, v in captioner.buffers.items()})
    optimizer_meta = None
    if optimizer is not None:
        state = optimizer.state_dict()
        optimizer_meta = {"kind": type(optimizer).__name__, "steps": state.pop("steps")}
        arrays.update({f"optimizer:{k}": v for k, v in state.items()})
    metadata = {
        "format": FORMAT,
        "version": VERSION,
        "decoder": captioner.decoder.config.to_dict(),
        "encoder": captioner.encoder_config.to_dict(),
        "vocabulary": list(vocabulary.words),
        "training": training or {},
        "progress": progress or {},
        "optimizer": optimizer_meta,
    }
    save_npz(path, arrays, metadata)


def load_checkpoint(path):
    """Read a checkpoint and rebuild its captioner on the selected backend.

    Returns a Checkpoint. Raises CheckpointError naming the file when it cannot.
    """
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"checkpoint {path} does not exist")
    try:
        arrays, metadata = load_npz(path)
    except FileFormatError as error:
        raise CheckpointError(f"checkpoint {path} cannot be read: {error}") from error
    if not isinstance(metadata, dict) or metadata.get("format") != FORMAT:
        raise CheckpointError(f"{path} is not a captioner checkpoint (no '{FORMAT}' metadata)")
    _check_metadata(metadata, arrays, path)
    try:  # the configuration as the file writes it: a missing or unknown field, a bad value
        vocabulary = Vocabulary(metadata["vocabulary"])
        decoder_config = DecoderConfig(**metadata["decoder"])
        encoder_config = _encoder_config(metadata)
    except (KeyError, TypeError, ValueError) as error:
        raise CheckpointError(f"checkpoint {path} has a damaged configuration: {error}") from None
    try:
        captioner = Captioner(CaptionDecoder(decoder_config), encoder_config)
    except InputError as error:  # a size the model refuses (a ResNet's widths); a bug keeps its traceback
        raise CheckpointError(f"checkpoint {path} has a damaged configuration: {error}") from None
    try:
        load_state_into(captioner.params, strip_prefix(arrays, "params:"), "its parameters")
        load_state_into(captioner.buffers, strip_prefix(arrays, "buffers:"), "its buffers")
    except StateMismatchError as error:
        raise CheckpointError(f"checkpoint {path}: {error}") from error
    optimizer_state = strip_prefix(arrays, "optimizer:")
    if metadata.get("optimizer"):
        optimizer_state["steps"] = metadata["optimizer"]["steps"]
        optimizer_state["kind"] = metadata["optimizer"]["kind"]
    return Checkpoint(captioner, vocabulary, metadata["training"], metadata["progress"], optimizer_state,
                      path)


# The sizes in a decoder configuration, and the counters of the progress, that must be ints.
DECODER_SIZES = ("vocabulary_size", "feature_size", "embedding_size", "hidden_size")
PROGRESS_COUNTERS = ("epoch", "batch", "step")


def _check_metadata(metadata, arrays, path):
    """Refuse metadata of the wrong shape (edited by hand, or damaged), naming the field, before
    anything is built from it."""
    def refuse(field, expected):
        raise CheckpointError(f"checkpoint {path}: its metadata field {field} must be {expected}")

    for field in ("decoder", "training", "progress"):
        if not isinstance(metadata.get(field), dict):
            refuse(f"'{field}'", "an object")
    if not isinstance(metadata.get("vocabulary"), list) or not all(
            isinstance(word, str) for word in metadata["vocabulary"]):
        refuse("'vocabulary'", "a list of words")
    # No dimension of a model exceeds its count of parameters: this bounds what is allocated.
    values = sum(int(array.size) for name, array in arrays.items() if name.startswith("params:"))
    for size in DECODER_SIZES:
        value = metadata["decoder"].get(size)
        if not _is_count(value) or not 1 <= value <= values:
            refuse(f"decoder.{size}", f"an int from 1 to {values} (the parameters saved), not {value!r}")
    if metadata["decoder"]["vocabulary_size"] != len(metadata["vocabulary"]):
        refuse("decoder.vocabulary_size", f"the vocabulary's length, {len(metadata['vocabulary'])}")
    for field, smallest_array in _smallest_arrays(metadata).items():
        if smallest_array > values:
            refuse(field, f"small enough for the {values} parameters saved: the model it describes "
                          f"needs at least {smallest_array}")
    progress = metadata["progress"]
    for counter in PROGRESS_COUNTERS:
        if counter in progress and not (_is_count(progress[counter]) and progress[counter] >= 0):
            refuse(f"progress.{counter}", f"an int >= 0, not {progress[counter]!r}")
    for listed in ("history", "losses"):
        if listed in progress and not isinstance(progress[listed], list):
            refuse(f"progress.{listed}", "a list")
    if "losses" in progress and not all(_is_count(x) or isinstance(x, float) for x in progress["losses"]):
        refuse("progress.losses", "a list of numbers")
    optimizer = metadata.get("optimizer")
    if optimizer is not None and not (isinstance(optimizer, dict) and isinstance(optimizer.get("kind"), str)
                                      and _is_count(optimizer.get("steps")) and optimizer["steps"] >= 0):
        refuse("'optimizer'", "null or an object with a 'kind' string and a 'steps' int >= 0")


def _smallest_arrays(metadata):
    """{field: at least how many parameters the model that the metadata describes has}.

    Sizes are each at most the count of parameters saved (checked before this), but their products
    are what gets allocated: a decoder of hidden size H has an H x H block of the recurrent
    weights, a V x E embedding, an output layer of at least H x V and input weights of at least
    E x H and F x H; a small ResNet's stage of width w has a 3 x 3 convolution of w x w channels in
    every block. Each such product is a lower bound of the parameters a true checkpoint holds.
    """
    decoder = metadata["decoder"]
    V, F, E, H = (decoder[size] for size in DECODER_SIZES)
    arrays = {"decoder.hidden_size": max(H * H, H * V, E * H, F * H),
              "decoder.embedding_size": V * E}
    encoder = metadata.get("encoder")
    # Version 1 recorded the small ResNet's arguments themselves, version 2 under "resnet".
    resnet_arguments = encoder.get("resnet", encoder) if isinstance(encoder, dict) else None
    if isinstance(resnet_arguments, dict):
        widths, blocks = resnet_arguments.get("widths"), resnet_arguments.get("blocks_per_stage")
        if (isinstance(widths, list) and isinstance(blocks, list) and len(widths) == len(blocks)
                and all(_is_count(n) and n >= 0 for n in widths + blocks)):
            arrays["encoder.resnet.widths"] = sum(9 * w * w * n for w, n in zip(widths, blocks))
    return arrays


def _is_count(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _encoder_config(metadata):
    """The EncoderConfig of a checkpoint; version 1 recorded only the small ResNet's arguments and
    "image_size" (its pictures were square and scaled to [0, 1]), or None for cached features."""
    values = metadata["encoder"]
    if metadata.get("version", 1) >= 2:
        return EncoderConfig.from_dict(values)
    if values is None:
        return frozen_resnet50_config()
    arguments = {k: tuple(v) if isinstance(v, list) else v for k, v in values.items() if k != "image_size"}
    grid = arguments.pop("pool_grid", 1)
    return EncoderConfig(arguments, PictureInput(values["image_size"]), grid, trainable=True)
