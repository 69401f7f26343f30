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

Two more scores that captioning papers report beside BLEU, computed as the COCO caption evaluation
toolkit computes them (pycocoevalcap; its defaults):

ROUGE-L (Lin, 2004) compares the longest common subsequence (LCS) of the hypothesis and a
reference, in order but not necessarily contiguous:

    P = max over references of LCS / len(hypothesis),  R = max over references of LCS / len(reference)
    ROUGE-L = (1 + beta^2) P R / (R + beta^2 P) with beta = 1.2 (0 when P or R is 0), averaged over images.

CIDEr-D (Vedantam et al., 2015) asks how much a hypothesis says what the consensus of the
references says, weighting each n-gram by how rare it is across the corpus's images:

    g(n-gram) = count in the sentence * (log(number of images) - log(max(1, df)))   tf-idf,
                df = the number of images whose references contain the n-gram
    sim_n(hyp, ref) = sum over the hypothesis's n-grams of min(g_hyp, g_ref) g_ref / (|g_hyp| |g_ref|)
                      * exp(-(len(hyp) - len(ref))^2 / (2 * 6^2))
    CIDEr-D(image) = 10 * mean over n = 1..4 of (mean over references of sim_n)
    CIDEr-D = mean over images.

The n-gram weights come from the corpus being scored, so an image's CIDEr-D depends on the other
images evaluated with it (one image alone scores 0: every weight is log 1 - log 1). The `min`
clips a hypothesis that repeats an n-gram more often than the reference; the Gaussian factor
penalises a length far from the reference's. Scores lie in [0, 10]; papers usually print them
multiplied by 100.
"""

import math
from collections import Counter
from itertools import chain

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


CIDER_MAX_N = 4
CIDER_SIGMA = 6.0  # the Gaussian length penalty's standard deviation, in words
ROUGE_BETA = 1.2  # weight of recall over precision in ROUGE-L's F-measure


def corpus_cider(references, hypotheses):
    """CIDEr-D of a corpus, as the COCO caption evaluation toolkit computes it (see the module).

    references: N lists (one per image) of one or more token lists; hypotheses: N token lists.
    Returns a float >= 0 (at most 10): the mean over images.
    """
    _check_corpus(references, hypotheses, CIDER_MAX_N)
    hypotheses = [_content(hypothesis) for hypothesis in hypotheses]
    references = [[_content(reference) for reference in image] for image in references]
    document_frequency = Counter()
    for image_references in references:
        # An n-gram counts once per image, however many of its references contain it.
        document_frequency.update(set(chain.from_iterable(_all_ngrams(ref) for ref in image_references)))
    log_images = math.log(len(references))

    def tf_idf(tokens):
        """[{n-gram: weight} for n = 1..4] and the vectors' norms."""
        vectors = [
            {ngram: count * (log_images - math.log(max(1, document_frequency[ngram])))
             for ngram, count in ngram_counts(tokens, n).items()}
            for n in range(1, CIDER_MAX_N + 1)
        ]
        return vectors, [math.sqrt(sum(value * value for value in vector.values())) for vector in vectors]

    scores = []
    for image_references, hypothesis in zip(references, hypotheses):
        hypothesis_vectors, hypothesis_norms = tf_idf(hypothesis)
        similarity = [0.0] * CIDER_MAX_N
        for reference in image_references:
            reference_vectors, reference_norms = tf_idf(reference)
            length_penalty = math.exp(-((len(hypothesis) - len(reference)) ** 2) / (2 * CIDER_SIGMA**2))
            for n in range(CIDER_MAX_N):
                similarity[n] += length_penalty * _clipped_cosine(
                    hypothesis_vectors[n], reference_vectors[n], hypothesis_norms[n], reference_norms[n])
        scores.append(10.0 * sum(similarity) / CIDER_MAX_N / len(image_references))
    return sum(scores) / len(scores)


def _all_ngrams(tokens):
    """Every distinct n-gram of tokens for n = 1..4, each once."""
    return chain.from_iterable(ngram_counts(tokens, n) for n in range(1, CIDER_MAX_N + 1))


def _clipped_cosine(hypothesis, reference, hypothesis_norm, reference_norm):
    """sum_g min(h_g, r_g) r_g / (|h| |r|): the cosine, with the hypothesis's weights capped at the
    reference's so that repeating an n-gram earns nothing. hypothesis, reference: {n-gram: weight}.
    0 when either vector is all zeros."""
    if hypothesis_norm == 0 or reference_norm == 0:
        return 0.0
    overlap = sum(min(weight, reference.get(ngram, 0.0)) * reference.get(ngram, 0.0)
                  for ngram, weight in hypothesis.items())
    return overlap / (hypothesis_norm * reference_norm)


def corpus_rouge_l(references, hypotheses):
    """ROUGE-L of a corpus, as the COCO caption evaluation toolkit computes it (see the module).

    references: N lists (one per image) of one or more token lists; hypotheses: N token lists.
    Returns a float in [0, 1]: the mean over images of the LCS F-measure with beta = 1.2.
    """
    _check_corpus(references, hypotheses, 1)
    scores = []
    for image_references, hypothesis in zip(references, hypotheses):
        hypothesis = _content(hypothesis)
        precision = recall = 0.0
        for reference in map(_content, image_references):
            common = longest_common_subsequence(reference, hypothesis)
            if common:  # common > 0: neither sentence is empty
                precision = max(precision, common / len(hypothesis))
                recall = max(recall, common / len(reference))
        if precision and recall:
            scores.append((1 + ROUGE_BETA**2) * precision * recall / (recall + ROUGE_BETA**2 * precision))
        else:
            scores.append(0.0)
    return sum(scores) / len(scores)


def longest_common_subsequence(first, second):
    """Length of the longest sequence of tokens that appears in both, in order (gaps allowed).

    first, second: token lists. Dynamic programming, one row of the table at a time:
    lengths[j] is the LCS of the prefix of `first` read so far and second[:j].
    """
    lengths = [0] * (len(second) + 1)
    for token in first:
        diagonal = 0  # the LCS of the previous prefix of `first` and second[:j - 1]
        for j, other in enumerate(second, start=1):
            above = lengths[j]
            lengths[j] = diagonal + 1 if token == other else max(above, lengths[j - 1])
            diagonal = above
    return lengths[-1]


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


def object_naming_by_count(captions, scenes, with_size=False):
    """object_naming_accuracy of the pictures with 1, 2, 3, ... objects, separately.

    captions, scenes: as for object_naming_accuracy. Returns {"1": share, "2": share, ...} for
    every object count present, in increasing order (str keys, as JSON keeps them).
    """
    if len(captions) != len(scenes):
        raise ValueError(
            f"captions and scenes must have the same length, got {len(captions)} and {len(scenes)}"
        )
    by_count = {}
    for count in sorted({len(objects) for objects in scenes} - {0}):
        chosen = [k for k, objects in enumerate(scenes) if len(objects) == count]
        by_count[str(count)] = object_naming_accuracy([captions[k] for k in chosen],
                                                      [scenes[k] for k in chosen], with_size)
    return by_count


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
