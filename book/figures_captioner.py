"""The captioner chapters' figures and tables, computed with the shipped demo model.

captioner.demo.load_demo_model() is the captioner that `python -m captioner demo` trained;
its test pictures are regenerated from the same seed (captioner.synthetic), so every caption,
gate and score shown in the book is what the library computes on them.
"""

import functools
import math
import tempfile
from dataclasses import replace
from pathlib import Path

import numpy
from figure_tools import plt, save_figure, write_table
from figures_lstm import draw_caption_states, draw_output_gate_lines

from captioner.data import CaptionData
from captioner.decoder import CaptionDecoder, DecoderConfig
from captioner.decoding import beam_search, caption_all, greedy_decode
from captioner.demo import blind_inputs, load_demo_model, write_attention_figures, write_figures
from captioner.figures import save_loss_curve
from captioner.gate_reading import decode_with_gates
from captioner.metrics import brevity_penalty, clipped_ngram_matches, closest_reference_length, corpus_bleu
from captioner.model import Captioner
from captioner.synthetic import make_split, make_synthetic_dataset
from captioner.training import TrainConfig, train
from captioner.vocabulary import END_ID, START_ID
from numerics.optim import cosine_learning_rate

TEST_PICTURES = 100  # scored for the BLEU and decoding tables


@functools.lru_cache(maxsize=1)
def shipped():
    """The shipped model, its test pictures and their CaptionData: (checkpoint, split, data)."""
    checkpoint = load_demo_model()
    side = checkpoint.captioner.encoder_config.picture.size
    split = make_synthetic_dataset(0, 0, TEST_PICTURES, image_size=side, seed=0)["test"]
    data = CaptionData.from_raw_captions(split.images, split.captions_by_name(), split.image_names)
    return checkpoint, split, data


def test_features(count=TEST_PICTURES):
    """The shipped encoder's features of the first `count` test pictures: (count, F)."""
    checkpoint, _, data = shipped()
    return checkpoint.captioner.features(data.batch(numpy.arange(count)))


def words_of(ids):
    return shipped()[0].vocabulary.decode(numpy.asarray(ids, dtype=numpy.int64))


@functools.lru_cache(maxsize=1)
def greedy_captions():
    """The shipped model's greedy captions of the test pictures: one list of words per picture."""
    checkpoint, _, data = shipped()
    return caption_all(checkpoint.captioner, data, checkpoint.vocabulary, max_length=16)


def draw_demo_figures(out):
    """The demo's own pictures, as `python -m captioner demo` draws them: test_captions.png (the
    first test pictures with their captions) and gates.png (the first one's gates, word by word)."""
    checkpoint, split, data = shipped()
    write_figures(out, checkpoint.captioner, checkpoint.vocabulary, split, data, greedy_captions())


def draw_gates(out):
    """Two of the book's pictures of the gates while the first test picture's caption is read."""
    checkpoint, _, data = shipped()
    first_picture = data.batch(numpy.arange(1))
    [(words, gates)] = decode_with_gates(checkpoint.captioner, first_picture, checkpoint.vocabulary)
    draw_caption_states(out, gates, words)
    draw_output_gate_lines(out, gates, words)


TRAINING_PICTURES, VALIDATION_PICTURES = 300, 20


def training_features():
    """CaptionData of the first training pictures, as the shipped (frozen) encoder's features."""
    checkpoint = shipped()[0]
    side = checkpoint.captioner.encoder_config.picture.size
    split = make_synthetic_dataset(TRAINING_PICTURES, 0, 0, image_size=side, seed=0)["train"]
    pictures = CaptionData.from_raw_captions(split.images, split.captions_by_name(), split.image_names)
    features = numpy.asarray(checkpoint.captioner.features(pictures.batch(numpy.arange(len(pictures)))))
    return CaptionData(features, pictures.references, pictures.names)


def checkpoint_encoder():
    """The small decoders below read the shipped encoder's features, cached: its config, frozen."""
    return replace(shipped()[0].captioner.encoder_config, trainable=False)


def train_small_decoder(data, blind):
    """A few epochs of a small decoder on frozen features; returns the losses and the TrainConfig.

    The decoder sees the features as the shipped one does (one pooled vector, or a grid of cells).
    """
    vocabulary = shipped()[0].vocabulary
    config = DecoderConfig(len(vocabulary), data.inputs.shape[-1], embedding_size=16, hidden_size=32,
                           context=shipped()[0].captioner.decoder.config.context)
    if blind:
        data = blind_inputs(data, data.inputs.shape[1:])
    validation = CaptionData(data.inputs[:VALIDATION_PICTURES], data.references[:VALIDATION_PICTURES],
                             data.names[:VALIDATION_PICTURES])
    captioner = Captioner(CaptionDecoder(config, seed=0), checkpoint_encoder())
    settings = TrainConfig(epochs=4, batch_size=32, learning_rate=3e-3, warmup_steps=10, max_length=16)
    with tempfile.TemporaryDirectory() as folder:
        state = train(captioner, vocabulary, data, validation, settings, Path(folder) / "checkpoint.npz",
                      progress=False, log=lambda message: None)
    return state["losses"], settings


def draw_training(out):
    data = training_features()
    losses, settings = train_small_decoder(data, blind=False)
    blind_losses, _ = train_small_decoder(data, blind=True)
    per_epoch = len(losses) // settings.epochs
    save_loss_curve(out / "loss_curve.png", losses, [per_epoch * (e + 1) for e in range(settings.epochs)],
                    blind_losses)
    total = 1000
    steps = numpy.arange(total)
    rates = [cosine_learning_rate(step, total, 3e-3, warmup_steps=50) for step in steps]
    figure, axis = plt.subplots(figsize=(6, 2.8))
    axis.plot(steps, rates, color="tab:blue")
    axis.set(xlabel="training step", ylabel="learning rate",
             title="cosine_learning_rate(step, 1000, 3e-3, warmup_steps=50)")
    save_figure(figure, out / "learning_rate.png")


def bleu_worked_example(out):
    """BLEU's pieces for one test picture's greedy caption, as the library computes them."""
    _, _, data = shipped()
    hypothesis = greedy_captions()[0]
    references = data.references[0]
    rows = []
    for n in range(1, 5):
        clipped, total = clipped_ngram_matches(references, hypothesis, n)
        rows.append([n, clipped, total, f"{clipped / total:.3f}" if total else "-"])
    write_table(out / "bleu_example.md", ["n", "clipped matches", "hypothesis n-grams", "p_n"], rows)
    lines = [f"- hypothesis: *{' '.join(hypothesis)}* ({len(hypothesis)} words)"]
    lines += [f"- reference {k + 1}: *{' '.join(reference)}*" for k, reference in enumerate(references)]
    r = closest_reference_length(references, len(hypothesis))
    scores = corpus_bleu([references], [hypothesis])
    lines.append(f"- c = {len(hypothesis)}, r = {r}, BP = {brevity_penalty(len(hypothesis), r):.3f}; "
                 f"BLEU-1 = {scores[1]:.3f}, BLEU-4 = {scores[4]:.3f}")
    (out / "bleu_example_captions.md").write_text("\n".join(lines) + "\n")


def caption_log_probability(decoder, features, ids):
    """log p(caption | image) = sum of log-probabilities of its words and of <end>. features: (1, F)."""
    xp_ids = numpy.asarray([[START_ID, *ids, END_ID]], dtype=numpy.int64)
    loss, _ = decoder.loss(features, xp_ids)  # the mean over a batch of one: -log p
    return -loss


def decoding_tables(out):
    """Greedy and beam-search captions of the test pictures: examples, BLEU and mean log p."""
    checkpoint, _, data = shipped()
    decoder = checkpoint.captioner.decoder
    features = test_features()
    rows, bleu, mean_log_p = [], {}, {}
    captions = {1: greedy_decode(decoder, features, 16)}
    for width in (3, 5):
        captions[width] = beam_search(decoder, features, beam_width=width, max_length=16)
    for width, ids in captions.items():
        bleu[width] = corpus_bleu(data.references, [words_of(row) for row in ids])
        mean_log_p[width] = numpy.mean([caption_log_probability(decoder, features[n : n + 1], row)
                                        for n, row in enumerate(ids)])
    write_table(out / "decoding_scores.md",
                ["decoding", "BLEU-1", "BLEU-4", "mean log p(caption)"],
                [["greedy" if w == 1 else f"beam, width {w}", f"{bleu[w][1]:.3f}", f"{bleu[w][4]:.3f}",
                  f"{mean_log_p[w]:.3f}"] for w in captions])
    differing = [n for n in range(len(features)) if captions[1][n] != captions[3][n]][:4]
    for n in differing:
        rows.append([data.names[n], " ".join(words_of(captions[1][n])), " ".join(words_of(captions[3][n])),
                     " ".join(data.references[n][0])])
    if not rows:
        rows.append(["(all)", "greedy and beam agree on every test picture", "", ""])
    header = ["picture", "greedy", "beam (width 3)", "first reference"]
    write_table(out / "decoding_examples.md", header, rows)


def draw_next_word(out):
    """The decoder's probability for its five likeliest next words at each greedy step."""
    checkpoint, _, _ = shipped()
    decoder = checkpoint.captioner.decoder
    features = numpy.asarray(test_features(1))
    state = decoder.start(features)
    word = numpy.asarray([START_ID])
    steps = []
    for _ in range(16):
        scores, state, _ = decoder.step(word, state)
        probabilities = numpy.exp(scores[0] - scores[0].max())
        probabilities /= probabilities.sum()
        top = numpy.argsort(probabilities)[::-1][:5]
        steps.append((top, probabilities[top]))
        word = top[:1]
        if word[0] == END_ID:
            break
    vocabulary = checkpoint.vocabulary
    columns = min(len(steps), 8)
    rows = math.ceil(len(steps) / columns)
    figure, axes = plt.subplots(rows, columns, figsize=(1.6 * columns, 2.2 * rows), squeeze=False,
                                sharex=True)
    for index, axis in enumerate(axes.flat):
        if index >= len(steps):
            axis.axis("off")
            continue
        top, probabilities = steps[index]
        names = [vocabulary.words[k] for k in top]
        axis.barh(range(5)[::-1], probabilities, color=["tab:blue"] + ["0.7"] * 4)
        axis.set_yticks(range(5)[::-1], names, fontsize=7)
        axis.set_xlim(0, 1)
        axis.set_title(f"step {index + 1}", fontsize=8)
    figure.supxlabel("probability of the next word")
    figure.suptitle("Greedy decoding: the five likeliest next words at each step (blue: chosen)")
    save_figure(figure, out / "next_word.png")


ATTENTION_GRID = 4  # cells per side of the grid the figures' own attention decoder reads
ATTENTION_PICTURES = 3000  # its training pictures


@functools.lru_cache(maxsize=1)
def attention_captioner():
    """(a captioner with attention, its vocabulary, a sentence for the chapter saying which it is).

    The shipped captioner when its decoder has attention. Otherwise a small attention decoder
    trained here in seconds, on the shipped ResNet's features kept as a grid of cells: the ResNet
    is frozen and already tells colours and shapes apart, so the decoder only learns where to look.
    """
    checkpoint = shipped()[0]
    model, vocabulary = checkpoint.captioner, checkpoint.vocabulary
    if model.decoder.config.context == "attention":
        return model, vocabulary, ("They are drawn by the captioner shipped with the project "
                                   "(`captioner.demo.load_demo_model()`).")
    encoder_config = replace(model.encoder_config, grid=ATTENTION_GRID, trainable=False)
    channels = model.encoder.feature_size // model.encoder.pool_grid ** 2
    config = DecoderConfig(len(vocabulary), channels, embedding_size=32, hidden_size=64, context="attention")
    attending = Captioner(CaptionDecoder(config, seed=0), encoder_config, model.encoder)
    side = encoder_config.picture.size
    split = make_split("train", ATTENTION_PICTURES, side, seed=0, captions_per_image=1)
    # The frozen encoder's features (pictures, L, C), computed once, a few hundred pictures at a time.
    features = numpy.concatenate([numpy.asarray(attending.features(split.images[k : k + 250]))
                                  for k in range(0, len(split), 250)])
    data = CaptionData.from_raw_captions(features, split.captions_by_name(), split.image_names)
    validation = CaptionData(features[:VALIDATION_PICTURES], data.references[:VALIDATION_PICTURES],
                             data.names[:VALIDATION_PICTURES])
    settings = TrainConfig(epochs=10, batch_size=32, learning_rate=5e-3, warmup_steps=10, max_length=16)
    with tempfile.TemporaryDirectory() as folder:
        train(attending, vocabulary, data, validation, settings, Path(folder) / "checkpoint.npz",
              progress=False, log=lambda message: None)
    note = (f"The captioner shipped with the project reads a pooled vector, so these are drawn by a "
            f"small attention decoder trained while the book was built: {settings.epochs} epochs over "
            f"{ATTENTION_PICTURES} training pictures, reading the shipped ResNet's features, frozen, on a "
            f"{ATTENTION_GRID} x {ATTENTION_GRID} grid. A captioner trained end to end for longer looks "
            f"more precisely.")
    return attending, vocabulary, note


def draw_attention(out):
    """attention.png and attention.gif (where a captioner with attention looks for each word of the
    first three-object test picture's caption) and attention_source.md (which captioner it is)."""
    model, vocabulary, note = attention_captioner()
    _, split, data = shipped()
    write_attention_figures(out, model, vocabulary, split, data)
    (out / "attention_source.md").write_text(note + "\n")


FIGURES = {
    "demo_figures": draw_demo_figures,
    "gates": draw_gates,
    "training": draw_training,
    "bleu_example": bleu_worked_example,
    "decoding_tables": decoding_tables,
    "next_word": draw_next_word,
    "attention": draw_attention,
}
