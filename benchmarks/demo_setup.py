"""What the demo benchmarks share: the demo's captioner for a DemoSize, and one training step.

The steps are captioner.training.train's own (the same batching, loss, clipping and Adam), as a
function of the batch's picture indices, so that a benchmark can time or profile them alone.
"""

import numpy

from captioner.data import CaptionData
from captioner.data_parallel import DataParallel
from captioner.decoder import CaptionDecoder, DecoderConfig
from captioner.encoder import build_encoder
from captioner.model import Captioner
from captioner.training import captions_of
from captioner.vocabulary import Vocabulary, trim_padding
from numerics.optim import Adam, clip_by_global_norm


def canonical_data(split):
    """A synthetic split as the demo trains on it: each picture with its canonical caption only."""
    data = CaptionData.from_raw_captions(split.images, split.captions_by_name(), split.image_names)
    return CaptionData(data.inputs, [references[:1] for references in data.references], data.names)


def demo_captioner(size, vocabulary):
    """The captioner run_demo builds for `size` (a captioner.demo.DemoSize)."""
    encoder = build_encoder(size.encoder)
    feature_size = encoder.feature_size // (size.encoder.grid ** 2 if size.context == "attention" else 1)
    config = DecoderConfig(len(vocabulary), feature_size, size.embedding_size, size.hidden_size,
                           cell=size.cell, context=size.context)
    return Captioner(CaptionDecoder(config), size.encoder, encoder)


def training_step(size, train, workers=1):
    """(step, captioner, vocabulary): step(images) runs one training step on the pictures at `images`.

    workers: processes that share each batch (captioner.data_parallel); the helper processes
    last as long as the script, and this process keeps one BLAS thread while they do.
    """
    vocabulary = Vocabulary.build((c for refs in train.references for c in refs), min_count=1)
    captioner = demo_captioner(size, vocabulary)
    optimizer = Adam(captioner.params, 1e-3)
    image_index, caption_ids = train.caption_pairs(vocabulary, 16)
    first_caption = numpy.searchsorted(image_index, numpy.arange(len(train) + 1))
    parallel = DataParallel(captioner, workers)

    def step(images):
        rows, image_of_caption = captions_of(images, first_caption)
        parallel.loss(train.batch(images), trim_padding(caption_ids[rows]), image_of_caption)
        clip_by_global_norm(captioner.grads, 5.0)
        optimizer.step(captioner.grads)

    return step, captioner, vocabulary
