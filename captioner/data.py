"""What training and evaluation read: one input per image, its reference captions, its name.

The input of an image is either its cached features (frozen ResNet50 features, a
memory-mapped (N, F) float32 .npy) or its pixels (N, H, W, 3) uint8 for end-to-end training,
which the captioner turns into encoder input one batch at a time (captioner.picture), so that
the whole set never sits in memory as floats.
"""

from collections import Counter
from dataclasses import dataclass

import numpy

from captioner.text import tokenize
from numerics import selected
from numerics.validation import InputError


@dataclass
class CaptionData:
    """inputs: (N, F) float features or (N, H, W, 3) uint8 images (NumPy or memory-mapped);
    references: N lists of tokenised captions (list[str]); names: N distinct image names."""

    inputs: object
    references: list
    names: list

    def __post_init__(self):
        if not len(self.inputs) == len(self.references) == len(self.names):
            raise InputError(
                f"inputs, references and names must have one entry per image, got "
                f"{len(self.inputs)}, {len(self.references)} and {len(self.names)}"
            )
        empty = [name for name, captions in zip(self.names, self.references) if not captions]
        if empty:
            raise InputError(f"{len(empty)} images have no caption, e.g. {empty[:3]}")
        repeated = [name for name, count in Counter(self.names).items() if count > 1]
        if repeated:
            raise InputError(f"names must be distinct (one entry per image), got {repeated[0]!r} twice")

    @classmethod
    def from_raw_captions(cls, inputs, captions_by_name, names):
        """inputs: one row per name; captions_by_name: {name: [raw caption, ...]}; names: N names."""
        missing = [name for name in names if name not in captions_by_name]
        if missing:
            raise InputError(f"{len(missing)} images have no captions, e.g. {missing[:3]}")
        references = [[tokenize(caption) for caption in captions_by_name[name]] for name in names]
        return cls(inputs, references, list(names))

    def __len__(self):
        return len(self.names)

    @property
    def holds_images(self):
        return getattr(self.inputs, "ndim", 0) == 4

    def batch(self, indices, dtype=numpy.float32, xp=None):
        """The inputs of the images at `indices` (host integer array), on the backend.

        Returns (B, H, W, 3) uint8 pictures, or cached features (B, ...) as `dtype`.
        """
        xp = xp or selected()
        rows = numpy.asarray(self.inputs[indices])
        if self.holds_images:
            return xp.asarray(rows)
        return xp.asarray(rows, dtype=dtype)

    def caption_pairs(self, vocabulary, max_length):
        """Every (image, caption) pair encoded for teacher forcing.

        Returns image_index (P,) int64 and ids (P, max_length + 2) int64, P = number of captions.
        """
        image_index = numpy.repeat(numpy.arange(len(self)), [len(r) for r in self.references])
        flat = [caption for captions in self.references for caption in captions]
        ids, _ = vocabulary.encode_batch(flat, max_length)
        return image_index, ids
