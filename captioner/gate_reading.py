"""Reading a caption's gates word by word: which hidden units answer to which kinds of word.

captioner.decoding.caption_gates gives every gate's activation at every step of one caption.
This module lines those rows up with the words and asks, unit by unit, how much higher a
unit's activation is at one kind of word (the colours, the shapes, the words of a relation)
than at every other word, pooled over many captions.

Two ways to line a step up with a word, since step t both reads one word and predicts the next:
    "reading"     the step whose input is the word (what the word did to the state)
    "predicting"  the step whose output is the word (the state that chose to say it)
"""

import numpy

from captioner.decoding import caption_gates, greedy_decode
from captioner.synthetic import COLOURS, SHAPES, SIZES

WORD_CLASSES = {
    "colour": tuple(COLOURS),
    "shape": SHAPES,
    "size": tuple(SIZES),
    "relation": ("left", "right", "above", "below", "under", "over", "next", "beside", "between", "top",
                 "bottom"),
}
ALIGNMENTS = ("reading", "predicting")


def decode_with_gates(captioner, inputs, vocabulary, max_length=16):
    """The greedy caption of each input and the gates while the decoder reads it.

    captioner: a captioner.model.Captioner; inputs: its input for N images, (N, 3, H, W)
    pictures or (N, F) features; vocabulary: the model's Vocabulary; max_length: most words.
    Returns N pairs (words, gates): words a list of str, gates the dict caption_gates returns,
    {'i', 'f', 'g', 'o', 'c', 'h'}: host arrays (len(words) + 1, H).
    """
    features = captioner.features(inputs)
    captions = []
    for index, ids in enumerate(greedy_decode(captioner.decoder, features, max_length)):
        words = [vocabulary.words[i] for i in ids]  # one word per step, even <pad> or <start>
        captions.append((words, caption_gates(captioner.decoder, features[index : index + 1], ids)))
    return captions


def rows_for_words(values, words, align="reading"):
    """The rows of one caption's activations that belong to its words.

    values: (len(words) + 1, H), as caption_gates returns (row 0 reads <start>, row t reads
    word t and predicts word t + 1); words: the caption; align: "reading" or "predicting".
    Returns (len(words), H): row k for words[k].
    """
    if align not in ALIGNMENTS:
        raise ValueError(f"align must be one of {ALIGNMENTS}, got {align!r}")
    if len(values) != len(words) + 1:
        raise ValueError(f"values need len(words) + 1 = {len(words) + 1} rows, got {len(values)}")
    return values[1:] if align == "reading" else values[:-1]


def unit_preference(captions, name, chosen_words, align="reading"):
    """How much higher each unit's activation is at the chosen words than at every other word.

    captions: (words, gates) pairs as decode_with_gates returns; name: 'i', 'f', 'g', 'o', 'c'
    or 'h'; chosen_words: the words of one kind (e.g. WORD_CLASSES["colour"]); align: see
    rows_for_words. Returns (H,): the mean over all chosen-word rows of all captions minus
    the mean over all other rows. Raises ValueError when either set of rows is empty.
    """
    chosen_words = set(chosen_words)
    rows = [rows_for_words(gates[name], words, align) for words, gates in captions]
    is_chosen = numpy.asarray([word in chosen_words for words, _ in captions for word in words], dtype=bool)
    stacked = numpy.concatenate(rows)
    if is_chosen.all() or not is_chosen.any():
        raise ValueError(
            f"the captions need both words from {sorted(chosen_words)} and other words; "
            f"{int(is_chosen.sum())} of their {len(is_chosen)} words are chosen ones"
        )
    return stacked[is_chosen].mean(axis=0) - stacked[~is_chosen].mean(axis=0)
