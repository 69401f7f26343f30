"""The main job: train a captioner end to end on the built-in synthetic data, offline.

    python -m captioner demo [--out runs/demo] [--quick]

1. generate the synthetic pictures and captions (train / val / test) from a seed;
2. build the vocabulary from the training captions;
3. train a small ResNet (the encoder) and the LSTM decoder together, end to end;
4. train a blind baseline: the same decoder with the image features zeroed;
5. evaluate both on the test split and write, to the output folder, the checkpoint,
   metrics.json, the loss curve, a grid of test captions and the gates of one caption.
"""

import json
import time
from dataclasses import dataclass, replace
from pathlib import Path

import numpy

from captioner.checkpoint import load_checkpoint, save_checkpoint
from captioner.data import CaptionData
from captioner.decoder import CaptionDecoder, DecoderConfig
from captioner.decoding import caption_all, caption_gates, greedy_decode
from captioner.encoder import EncoderConfig, build_encoder, frozen_resnet50_config
from captioner.figures import (
    save_attention_animation,
    save_attention_picture,
    save_caption_grid,
    save_gate_picture,
    save_loss_curve,
)
from captioner.metrics import (
    corpus_bleu,
    corpus_cider,
    corpus_rouge_l,
    object_naming_accuracy,
    object_naming_by_count,
)
from captioner.model import Captioner
from captioner.picture import PictureInput
from captioner.synthetic import make_synthetic_dataset
from captioner.training import TrainConfig, train
from captioner.vocabulary import Vocabulary
from numerics import on_device, selected
from numerics.files import write_text

# A model trained by the full demo, shipped with the package (parameters and vocabulary only,
# no optimizer state) so that the notebooks can look inside a good captioner without training one.
SHIPPED_MODEL = Path(__file__).with_name("demo_model.npz")


@dataclass(frozen=True)
class DemoSize:
    """How much data and training the demo uses."""

    train_images: int
    val_images: int
    test_images: int
    epochs: int
    encoder: EncoderConfig
    embedding_size: int
    hidden_size: int
    cell: str = "lstm"
    context: str = "attention"  # attention over the encoder's grid of cells, or one "pooled" vector
    batch_size: int = 64  # captions per step (a picture brings all of the captions it trains on)
    learning_rate: float = 3e-3
    # The blind baseline only learns the grammar, which one pass over a few thousand captions
    # does: after 1 epoch of 20,000 its test BLEU-4 was 0.138 and 5.7% of objects named, after 6
    # epochs 0.127 and 2.7%, and after 1 epoch of the first 5,000, 0.136 and 7.6%.
    blind_epochs: int = 1
    blind_images: int = 5000  # the first training pictures' captions (at most train_images)
    # Learn from the canonical caption of each training picture only; validation and test are
    # still scored against all references. The canonical caption is a function of the picture,
    # so every word has one right answer; and in the same minutes the encoder sees more different
    # pictures, which teaches it more than five phrasings of fewer pictures (README's demo table).
    canonical_only: bool = True
    # Processes that draw the pictures, and that share each batch on the CPU, one core each
    # (captioner.data_parallel); on a GPU one process keeps the device busy and trains alone.
    workers: int = 2


# The stem cuts each 64 x 64 picture into 16 x 16 patches of 4 x 4 pixels (a 4x4 convolution of
# stride 4, no max pooling) instead of torchvision's 7x7 stride-2 convolution and pooling: no
# 32 x 32 map to convolve, normalise and pool, and the captioner learns far more from each
# picture (after 80,000 pictures seen, 93.5% of objects named against 82%; README's demo section).
FULL = DemoSize(30000, 200, 500, 5,
                EncoderConfig({"blocks_per_stage": (1, 1, 1), "widths": (16, 32, 64), "stem_width": 24,
                               "stem_kernel": 4, "stem_stride": 4, "stem_pool": False},
                              PictureInput(64), grid=4, trainable=True),
                embedding_size=64, hidden_size=192, batch_size=32)
# A smoke test of every stage in seconds. 190 steps of 16 pictures are enough to learn the grammar
# ("a small purple triangle"); one epoch of 5 steps, all inside the warm-up, only gave "<unk> <unk> ...".
QUICK = DemoSize(300, 40, 60, 10,
                 EncoderConfig({"blocks_per_stage": (1,), "widths": (8,), "stem_width": 8}, PictureInput(64),
                               grid=2, trainable=True),
                 embedding_size=16, hidden_size=32, batch_size=16)


def run_demo(out_dir="runs/demo", quick=False, seed=0, progress=True, log=print, size=None):
    """Run the whole demo; returns the metrics dict it writes to out_dir/metrics.json.

    size: a DemoSize (by default FULL, or QUICK with quick=True).
    """
    size = size or (QUICK if quick else FULL)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    log(f"generating {size.train_images} + {size.val_images} + {size.test_images} synthetic pictures")
    splits = make_synthetic_dataset(size.train_images, size.val_images, size.test_images,
                                    image_size=size.encoder.picture.size, seed=seed, workers=size.workers)
    data = {name: CaptionData.from_raw_captions(split.images, split.captions_by_name(), split.image_names)
            for name, split in splits.items()}
    # The vocabulary comes from every training caption, so that no reference word is unknown.
    vocabulary = Vocabulary.build((c for refs in data["train"].references for c in refs), min_count=1)
    if size.canonical_only:
        data["train"] = CaptionData(data["train"].inputs, [refs[:1] for refs in data["train"].references],
                                    data["train"].names)
    log(f"vocabulary: {len(vocabulary)} words")

    config = TrainConfig(epochs=size.epochs, batch_size=size.batch_size, learning_rate=size.learning_rate,
                         warmup_steps=30, max_length=16, seed=seed,
                         workers=1 if on_device(selected()) else size.workers)
    encoder = build_encoder(size.encoder, seed=seed)
    feature_size = encoder.feature_size
    if size.context == "attention":
        feature_size //= size.encoder.grid ** 2  # the decoder reads each cell's features
    decoder_config = DecoderConfig(len(vocabulary), feature_size, size.embedding_size, size.hidden_size,
                                   cell=size.cell, context=size.context)
    captioner = Captioner(CaptionDecoder(decoder_config, seed=seed), size.encoder, encoder)
    log(f"training the captioner end to end ({sum(int(v.size) for v in captioner.params.values()):,} "
        f"parameters) for {config.epochs} epochs")
    train_started, train_cpu_started = time.perf_counter(), time.process_time()
    progress_state = train(captioner, vocabulary, data["train"], data["val"], config, out / "checkpoint.npz",
                           progress=progress, log=log)
    training_seconds = time.perf_counter() - train_started
    training_cpu_seconds = time.process_time() - train_cpu_started
    save_checkpoint(out / "model.npz", captioner, vocabulary)

    test = data["test"]
    captions = caption_all(captioner, test, vocabulary, config.max_length)
    metrics = {"decoder": {"cell": size.cell, "context": size.context},
               **caption_metrics(test.references, captions, splits["test"].objects)}
    blind_state = None
    if size.blind_epochs:
        blind_config = replace(config, epochs=min(config.epochs, size.blind_epochs), seed=seed + 1)
        feature_shape = captioner.features(test.batch(numpy.arange(1))).shape[1:]
        blind, blind_state = train_blind_baseline(decoder_config, feature_shape, vocabulary, data,
                                                  blind_config, out, progress, size.blind_images)
        blind_captions = caption_all(blind, blind_inputs(test, feature_shape), vocabulary, config.max_length)
        blind_metrics = caption_metrics(test.references, blind_captions, splits["test"].objects)
        metrics.update({f"blind_{name}": value for name, value in blind_metrics.items()})
    metrics.update({
        "training_seconds": round(training_seconds, 1),
        "training_cpu_seconds": round(training_cpu_seconds, 1),  # all threads' processor time
        "total_seconds": round(time.perf_counter() - started, 1),
        "train_images": size.train_images,
        "epochs": config.epochs,
        "history": progress_state["history"],
    })
    write_text(out / "metrics.json", json.dumps(metrics, indent=2))
    save_loss_curve(out / "loss_curve.png", progress_state["losses"],
                    blind_losses=blind_state["losses"] if blind_state else None)
    write_figures(out, captioner, vocabulary, splits["test"], test, captions)
    by_count = ", ".join(f"{share:.1%} with {count}" for count, share in
                         metrics["colour_shape_named_by_object_count"].items())
    blind_bleu = f" (blind baseline {metrics['blind_test_bleu'][4]:.3f})" if blind_state else ""
    log(f"test BLEU-4 {metrics['test_bleu'][4]:.3f}{blind_bleu}, ROUGE-L {metrics['test_rouge_l']:.3f}, "
        f"CIDEr-D {metrics['test_cider']:.3f}; colour and shape named for "
        f"{metrics['colour_shape_named']:.1%} of objects ({by_count} objects in the picture)")
    for name, caption, references in list(zip(test.names, captions, test.references))[:4]:
        log(f"  {name}: {' '.join(caption)}   (reference: {' '.join(references[0])})")
    written = sorted(path.name for path in out.iterdir() if path.name != "blind_checkpoint.npz")
    log(f"wrote {out}/: {', '.join(written)}")
    return metrics


def caption_metrics(references, captions, objects):
    """The test split's BLEU-1..4, ROUGE-L, CIDEr-D and the share of objects named (overall and by
    the number of objects in the picture)."""
    return {
        "test_bleu": corpus_bleu(references, captions),
        "test_rouge_l": corpus_rouge_l(references, captions),
        "test_cider": corpus_cider(references, captions),
        "colour_shape_named": object_naming_accuracy(captions, objects),
        "colour_shape_named_by_object_count": object_naming_by_count(captions, objects),
    }


def load_demo_model(path=SHIPPED_MODEL):
    """The captioner a demo run saved as model.npz (by default the one shipped with the package).

    Returns a captioner.checkpoint.Checkpoint: .captioner, .vocabulary (the captioner's
    encoder_config.picture says how it reads pictures).
    """
    return load_checkpoint(path)


def blind_inputs(data, feature_shape, images=None):
    """The captions of the first `images` pictures (default all) with every picture's features
    replaced by zeros of feature_shape ((F,) or (L, F))."""
    count = len(data) if images is None else min(images, len(data))
    zeros = numpy.zeros((count, *feature_shape), dtype=numpy.float32)
    return CaptionData(zeros, data.references[:count], data.names[:count])


def train_blind_baseline(decoder_config, feature_shape, vocabulary, data, config, out, progress, images=None):
    """The decoder alone, trained on zeroed image features: what the captions alone teach.

    It reads cached features (zeros) like a captioner of frozen ResNet50 features, and is never
    shown a picture. images: how many of the first training pictures' captions it learns from
    (default all).
    """
    blind = Captioner(CaptionDecoder(decoder_config, seed=config.seed), frozen_resnet50_config())
    state = train(blind, vocabulary, blind_inputs(data["train"], feature_shape, images),
                  blind_inputs(data["val"], feature_shape), config,
                  out / "blind_checkpoint.npz", progress=progress, log=lambda message: None)
    return blind, state


def write_figures(out, captioner, vocabulary, split, test, captions):
    """The grid of test captions, the gate picture of the first test image and, for a decoder
    with attention, where it looked for each word of the first three-object picture's caption
    (attention.png, and attention.gif, one frame per word)."""
    shown = min(8, len(test))
    generated = [" ".join(caption) for caption in captions[:shown]]
    references = [" ".join(refs[0]) for refs in test.references[:shown]]
    save_caption_grid(out / "test_captions.png", split.images[:shown], generated, references)
    features = captioner.features(test.batch(numpy.arange(1)))
    words = greedy_decode(captioner.decoder, features, 16)[0]
    gates = caption_gates(captioner.decoder, features, words)
    save_gate_picture(out / "gates.png", split.images[0], vocabulary.decode(numpy.asarray(words)), gates)
    if captioner.decoder.config.context == "attention":
        write_attention_figures(out, captioner, vocabulary, split, test)


def write_attention_figures(out, captioner, vocabulary, split, test):
    """attention.png and attention.gif: where a captioner with attention looked for each word of
    its caption of the first of the split's pictures with the most objects.

    split: the SyntheticSplit (pictures and objects); test: its CaptionData, as the captioner reads it.
    """
    busiest = max(range(len(split.objects)), key=lambda k: (len(split.objects[k]), -k))
    features = captioner.features(test.batch(numpy.asarray([busiest])))
    ids = greedy_decode(captioner.decoder, features, 16)[0]
    words = vocabulary.decode(numpy.asarray(ids, dtype=numpy.int64))
    alphas = caption_gates(captioner.decoder, features, ids)["alpha"][: len(words)]
    grid = captioner.encoder_config.grid
    save_attention_picture(out / "attention.png", split.images[busiest], words, alphas, grid)
    save_attention_animation(out / "attention.gif", split.images[busiest], words, alphas, grid)

