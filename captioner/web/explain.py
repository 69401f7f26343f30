"""A picture's caption, and why: what the page shows and the JSON API returns.

Everything is computed by the library (captioner.decoding): the caption by greedy decoding or
beam search, each word's probability by the decoder's teacher-forced forward pass over the
caption, the gates and the attention by caption_gates, which reads the caption once more.

Steps line up with words: step t reads <start> (t = 0) or word t - 1 and chooses word t; the
last step, t = len(words), chooses <end>. So row t of "gates", "attention" and "top_words" is the
step that chose words[t].
"""

import base64
import io

import numpy
from PIL import Image

from captioner.decoding import beam_alternatives, caption_gates, greedy_decode, word_probabilities
from captioner.picture import fit_picture
from captioner.vocabulary import END_ID

LSTM_SHOWN = ("f", "i", "g", "o", "c")  # the four gates and the cell state, as the notebooks draw them
TOP_WORDS = 5  # the most likely words shown for each step
DIGITS = 5  # decimals kept in the JSON: finer differences are invisible on the page


def explain_caption(captioner, vocabulary, picture, beam_width=1, max_length=20, length_penalty=0.0):
    """The caption of one picture and everything the page shows about it.

    captioner: a captioner.model.Captioner with its encoder; vocabulary: its Vocabulary; picture:
    a PIL image or an (H, W, 3) uint8 array; beam_width: 1 for greedy decoding, more for beam search.
    Returns a JSON-ready dict:
        caption        str, the words joined by spaces
        words          T str (ids the decoder generated, <end> left out)
        probabilities  T floats, p(words[t] | picture, words before it)
        end_probability  p(<end> | picture, every word): how sure the caption is complete
        log_probability  the caption's summed log-probability, <end> included
        top_words      T + 1 lists of [word, probability], the step's likeliest words
        alternatives   the beam's finished captions, best first, [{"caption", "score"}] ([] if greedy)
        gates          {name: (T + 1) rows of H floats}: f, i, g, o and c for an LSTM (every
                       activation the cell records for another cell)
        attention      (T + 1) rows of L = grid^2 weights, or None for a pooled context
        grid           the side of the grid of cells the attention rows cover
        picture        the picture as the encoder saw it (cut and resized), a PNG data URL
    """
    decoder = captioner.decoder
    features = captioner.features([picture])
    alternatives = []
    if beam_width == 1:
        ids = greedy_decode(decoder, features, max_length)[0]
    else:
        ranked = beam_alternatives(decoder, features, beam_width, max_length, length_penalty)
        ids = ranked[0][1]
        alternatives = [{"caption": " ".join(_words(vocabulary, row)), "score": round(score, DIGITS)}
                        for score, row in ranked]
    words = _words(vocabulary, ids)
    probabilities = word_probabilities(decoder, features, ids)
    chosen = probabilities[numpy.arange(len(ids) + 1), [*ids, END_ID]]
    recorded = caption_gates(decoder, features, ids)
    attention = recorded.pop("alpha", None)
    shown = LSTM_SHOWN if set(LSTM_SHOWN) <= set(recorded) else tuple(recorded)
    return {
        "caption": " ".join(words),
        "words": words,
        "probabilities": _rounded(chosen[:-1]),
        "end_probability": round(float(chosen[-1]), DIGITS),
        "log_probability": round(float(numpy.log(chosen).sum()), DIGITS),
        "top_words": [_top_words(vocabulary, row) for row in probabilities],
        "alternatives": alternatives,
        "gates": {name: _rounded(recorded[name]) for name in shown},
        "attention": None if attention is None else _rounded(attention),
        "grid": captioner.encoder_config.grid,
        "picture": png_data_url(fit_picture(picture, captioner.encoder_config.picture)),
    }


def png_data_url(pixels):
    """pixels: (H, W, 3) uint8. Returns "data:image/png;base64,..." for an <img> or a canvas."""
    return "data:image/png;base64," + base64.b64encode(png_bytes(pixels)).decode("ascii")


def png_bytes(pixels):
    """pixels: (H, W, 3) uint8. Returns the bytes of a PNG file."""
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    return buffer.getvalue()


def _words(vocabulary, ids):
    # One word per id, even a special token, so that words line up with the decoder's steps.
    return [vocabulary.words[i] for i in ids]


def _top_words(vocabulary, distribution):
    best = numpy.argsort(distribution)[::-1][:TOP_WORDS]
    return [[vocabulary.words[i], round(float(distribution[i]), DIGITS)] for i in best]


def _rounded(values):
    return numpy.round(numpy.asarray(values, dtype=numpy.float64), DIGITS).tolist()
