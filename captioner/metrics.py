"""How good generated captions are: corpus BLEU, and how many objects a caption names correctly.

Corpus BLEU (Papineni et al., 2002) as captioning papers report it:

    p_k  = sum over images of clipped k-gram matches / sum over images of hypothesis k-grams
           (a hypothesis k-gram counts at most as often as it occurs in any ONE reference)
    BP   = 1 if c > r else exp(1 - r / c), where c is the total hypothesis length and r the sum,
           over images, of the reference length closest to the hypothesis length (ties: the shorter)
    BLEU-n = BP * exp((log p_1 + ... + log p_n) / n), and 0 when any of p_1..p_n is 0.

Counts are pooled over the corpus before dividing (not averaged per sentence), and there is no
smoothing. <start>, <end> and <pad> are removed from references and hypotheses first. A hypothesis
too short to have any k-gram adds 0 to the k-gram denominator, as in the COCO caption evaluation
code (nltk's corpus_bleu adds 1 for it, so the two differ only on such hypotheses).
"""

import math
from collections import Counter

from captioner.text import tokenize
from captioner.vocabulary import END, PAD, START

IGNORED_TOKENS = frozenset((START, END, PAD))


def corpus_bleu(references, hypotheses, max_n=4):
    """BLEU-1 .. BLEU-max_n of a corpus.

    references: N lists (one per image) of one or more token lists (list[str]);
    hypotheses: N token lists, the generated captions. max_n: int >= 1.
    Returns {1: bleu_1, ..., max_n: bleu_max_n} (floats in [0, 1]).
    """
    _check_corpus(references, hypotheses, max_n)
    # BEGIN EXERCISE 18
    matches = [0] * max_n
    totals = [0] * max_n
    hypothesis_length = reference_length = 0
    for image_references, hypothesis in zip(references, hypotheses):
        hypothesis = _content(hypothesis)
        image_references = [_content(reference) for reference in image_references]
        hypothesis_length += len(hypothesis)
        reference_length += closest_reference_length(image_references, len(hypothesis))
        for n in range(1, max_n + 1):
            clipped, total = clipped_ngram_matches(image_references, hypothesis, n)
            matches[n - 1] += clipped
            totals[n - 1] += total
    penalty = brevity_penalty(hypothesis_length, reference_length)
    scores = {}
    log_precision_sum = 0.0
    for n in range(1, max_n + 1):
        if matches[n - 1] == 0:
            # log 0: this and every longer BLEU is 0 (no smoothing).
            scores.update(dict.fromkeys(range(n, max_n + 1), 0.0))
            break
        log_precision_sum += math.log(matches[n - 1] / totals[n - 1])
        scores[n] = penalty * math.exp(log_precision_sum / n)
    return scores
    # END EXERCISE 18


def ngram_counts(tokens, n):
    """Counter of the n-grams (tuples of n tokens) of `tokens` (list[str])."""
    return Counter(tuple(tokens[start : start + n]) for start in range(len(tokens) - n + 1))


def clipped_ngram_matches(references, hypothesis, n):
    """(clipped matches, hypothesis n-grams) of one image.

    references: list of token lists; hypothesis: token list. Each hypothesis n-gram is counted at
    most as many times as it occurs in the single reference where it occurs most.
    """
    # BEGIN EXERCISE 17
    most_in_one_reference = Counter()
    for reference in references:
        most_in_one_reference |= ngram_counts(reference, n)  # "|" keeps the larger count
    hypothesis_counts = ngram_counts(hypothesis, n)
    clipped = hypothesis_counts & most_in_one_reference  # "&" keeps the smaller count
    return sum(clipped.values()), sum(hypothesis_counts.values())
    # END EXERCISE 17


def closest_reference_length(references, hypothesis_length):
    """Length of the reference closest in length to the hypothesis; on a tie, the shorter one."""
    return min(
        (len(reference) for reference in references),
        key=lambda length: (abs(length - hypothesis_length), length),
    )


def brevity_penalty(hypothesis_length, reference_length):
    """exp(1 - r / c) for a corpus shorter than its references (c <= r), else 1; 0 for c == 0."""
    if hypothesis_length > reference_length:
        return 1.0
    if hypothesis_length == 0:
        return 0.0
    return math.exp(1.0 - reference_length / hypothesis_length)


def object_naming_accuracy(captions, scenes, with_size=False):
    """Share of all objects whose colour and shape the caption of their image names.

    captions: N generated captions, each a str (tokenised with captioner.text.tokenize) or a token list;
    scenes: N lists of objects, each with attributes `colour`, `shape` (and `size`), e.g.
    captioner.synthetic.SceneObject.
    An object counts as named when the caption's words contain the consecutive phrase
    "<colour> <shape>" (with with_size=True: "<size> <colour> <shape>"). Phrases are matched as
    multisets: a scene with two red circles needs "red circle" twice for both to count.
    Returns a float in [0, 1]: objects named / objects in all scenes.
    """
    if len(captions) != len(scenes):
        raise ValueError(
            f"captions and scenes must have the same length, got {len(captions)} and {len(scenes)}"
        )
    phrase_length = 3 if with_size else 2
    named = total = 0
    for caption, objects in zip(captions, scenes):
        words = tokenize(caption) if isinstance(caption, str) else list(caption)
        wanted = Counter(_object_phrase(item, with_size) for item in objects)
        named += sum((wanted & ngram_counts(words, phrase_length)).values())
        total += len(objects)
    if total == 0:
        raise ValueError("scenes hold no objects, so there is nothing to score")
    return named / total


def _object_phrase(item, with_size):
    return (item.size, item.colour, item.shape) if with_size else (item.colour, item.shape)


def _content(tokens):
    return [token for token in tokens if token not in IGNORED_TOKENS]


def _check_corpus(references, hypotheses, max_n):
    if not isinstance(max_n, int) or max_n < 1:
        raise ValueError(f"max_n must be an int >= 1, got {max_n!r}")
    if len(references) != len(hypotheses):
        raise ValueError(
            "references and hypotheses must have one entry per image, "
            f"got {len(references)} and {len(hypotheses)}"
        )
    for index, (image_references, hypothesis) in enumerate(zip(references, hypotheses)):
        if isinstance(hypothesis, str):
            raise ValueError(f"hypotheses[{index}] must be a token list, got the string {hypothesis!r}")
        if isinstance(image_references, str) or not image_references:
            raise ValueError(
                f"references[{index}] must be a non-empty list of token lists, got {image_references!r}"
            )
        if any(isinstance(reference, str) for reference in image_references):
            raise ValueError(f"references[{index}] must hold token lists, not strings: {image_references!r}")
