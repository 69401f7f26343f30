"""CIDEr-D and ROUGE-L: hand-computed examples, and the COCO caption evaluation toolkit where installed."""

import math

import numpy as np
import pytest

from captioner.metrics import corpus_bleu, corpus_cider, corpus_rouge_l, longest_common_subsequence


def words(text):
    return text.split()


# ------------------------------------------------------------------ ROUGE-L


@pytest.mark.parametrize("first, second, expected", [
    ("a b c b d a b", "b d c a b a", 4),  # e.g. "b c b a"
    ("a red circle", "a red circle", 3),
    ("a red circle", "circle red a", 1),
    ("a b", "", 0),
    ("x y", "a b", 0),
])
def test_longest_common_subsequence(first, second, expected):
    assert longest_common_subsequence(words(first), words(second)) == expected
    assert longest_common_subsequence(words(second), words(first)) == expected


def test_rouge_l_equals_a_hand_computed_example():
    references = [
        [words("a red circle above a blue square"), words("a circle")],
        [words("a green cross")],
        [words("a red circle")],
    ]
    hypotheses = [words("a circle above a blue square"), words("green triangle left of a cross"),
                  words("square")]
    # Image 1: LCS with reference 1 is the whole hypothesis (6 of 6 words; 6 of the reference's 7),
    #   with reference 2 "a circle" (2 of 6; 2 of 2). P and R are maximised separately: P = 6/6 from
    #   reference 1, R = 2/2 from reference 2, so F = (1 + 1.44) * 1 * 1 / (1 + 1.44) = 1.
    # Image 2: LCS "green cross" (2): P = 2/6, R = 2/3, F = 2.44 * (1/3)(2/3) / (2/3 + 1.44 / 3).
    # Image 3: nothing in common: 0.
    image_2 = 2.44 * (1 / 3) * (2 / 3) / (2 / 3 + 1.44 / 3)
    assert corpus_rouge_l(references, hypotheses) == pytest.approx((1 + image_2 + 0) / 3, rel=1e-14)


def test_rouge_l_ignores_special_tokens_and_scores_an_empty_hypothesis_zero():
    references = [[words("<start> a red circle <end>")], [words("a blue square")]]
    assert corpus_rouge_l(references, [words("a red circle <end> <pad>"), []]) == pytest.approx(0.5)


# ------------------------------------------------------------------ CIDEr-D


def test_cider_d_equals_a_hand_computed_example():
    references = [
        [words("a dog runs"), words("a dog")],
        [words("a cat")],
        [words("a bird flies")],
    ]
    hypotheses = [words("a dog dog"), words("a cat"), words("bird")]
    # 3 images: idf = log 3 - log max(1, df). "a" is in every image's references: idf 0. Every other
    # n-gram of the references is in one image: idf log 3 =: w. The hypothesis's "dog dog" and
    # "a dog dog" are in no reference: df 0 counts as 1, idf w too.
    # Image 1, "a dog dog": 1-grams {a: 0, dog: 2w} (norm 2w); 2-grams {a dog: w, dog dog: w} (norm
    #   sqrt2 w); 3-grams {a dog dog: w}.
    #   Reference "a dog runs" (same length, penalty 1): 1-grams {a: 0, dog: w, runs: w} (norm sqrt2 w);
    #     overlap min(2w, w) w = w^2 (the clip: "dog" twice earns as much as once) -> 1 / (2 sqrt2).
    #     2-grams {a dog: w, dog runs: w} (norm sqrt2 w): w^2 / (2 w^2) = 1/2. 3-grams: no match.
    #   Reference "a dog" (one word shorter, penalty exp(-1/72)): 1-grams {a: 0, dog: w} (norm w):
    #     w^2 / (2w w) = 1/2; 2-grams {a dog: w}: w^2 / (sqrt2 w w) = 1/sqrt2.
    #   Mean over n = 1..4 and over the 2 references, times 10.
    s2 = math.sqrt(2)
    image_1 = 10 * ((1 / (2 * s2) + 1 / 2) + (1 / 2 + 1 / s2) * math.exp(-1 / 72)) / 4 / 2
    # Image 2, the hypothesis is the reference: cosine 1 for 1- and 2-grams, no 3- or 4-grams.
    image_2 = 10 * (1 + 1) / 4
    # Image 3, "bird" against "a bird flies": 1-grams {bird: w} . {a: 0, bird: w, flies: w} = w^2 over
    #   w * sqrt2 w; two words shorter: penalty exp(-4/72).
    image_3 = 10 * (1 / s2) * math.exp(-4 / 72) / 4
    expected = (image_1 + image_2 + image_3) / 3
    assert corpus_cider(references, hypotheses) == pytest.approx(expected, rel=1e-14)


def test_cider_d_of_one_image_alone_is_zero():
    # With one image every reference n-gram has df = 1 = the number of images: idf log 1 - log 1 = 0.
    assert corpus_cider([[words("a red circle")]], [words("a red circle")]) == 0.0


def test_cider_d_ignores_special_tokens():
    references = [[words("a dog runs")], [words("a cat sits")]]
    hypotheses = [words("a dog"), words("a cat sits")]
    marked_references = [[words("<start> a dog runs <end>")], [words("a cat sits <end>")]]
    marked_hypotheses = [words("<start> a dog <end> <pad>"), words("a cat sits")]
    assert corpus_cider(marked_references, marked_hypotheses) == corpus_cider(references, hypotheses)


def test_bad_input_is_named():
    with pytest.raises(ValueError, match="one entry per image, got 2 and 1"):
        corpus_cider([[["a"]], [["b"]]], [["a"]])
    with pytest.raises(ValueError, match=r"hypotheses\[0\] must be a token list"):
        corpus_rouge_l([[["a", "b"]]], ["a b"])
    with pytest.raises(ValueError, match=r"references\[1\] must be a non-empty list"):
        corpus_rouge_l([[["a"]], []], [["a"], ["b"]])


# ------------------------------------------------------------------ the COCO caption evaluation toolkit


def random_captions(seed, images=40, words=10):
    """Captions over a small vocabulary, so that many n-grams are shared; every caption has a word."""
    rng = np.random.default_rng(seed)
    vocabulary = ["a", "red", "blue", "circle", "square", "left", "of", "above", "small", "the"][:words]

    def caption():
        return rng.choice(vocabulary, rng.integers(1, 12)).tolist()

    references = [[caption() for _ in range(rng.integers(1, 6))] for _ in range(images)]
    return references, [caption() for _ in range(images)]


def toolkit_input(references, hypotheses):
    """The toolkit's dictionaries {image id: [sentence, ...]}, pre-tokenised (no PTB tokenizer: Java)."""
    gts = {index: [" ".join(reference) for reference in image] for index, image in enumerate(references)}
    res = {index: [" ".join(hypothesis)] for index, hypothesis in enumerate(hypotheses)}
    return gts, res


@pytest.mark.parametrize("seed", range(4))
def test_cider_d_and_rouge_l_equal_the_toolkit(seed):
    pytest.importorskip("pycocoevalcap")
    from pycocoevalcap.cider.cider import Cider
    from pycocoevalcap.rouge.rouge import Rouge

    references, hypotheses = random_captions(seed, images=20 + 10 * seed)
    gts, res = toolkit_input(references, hypotheses)
    assert corpus_cider(references, hypotheses) == pytest.approx(Cider().compute_score(gts, res)[0],
                                                                 rel=1e-9, abs=1e-12)
    assert corpus_rouge_l(references, hypotheses) == pytest.approx(Rouge().compute_score(gts, res)[0],
                                                                   rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("seed", range(4))
def test_corpus_bleu_equals_the_toolkit(seed, capsys):
    pytest.importorskip("pycocoevalcap")
    from pycocoevalcap.bleu.bleu import Bleu

    references, hypotheses = random_captions(seed + 10, images=30, words=4)
    ours = corpus_bleu(references, hypotheses)
    assert min(ours.values()) > 0, "every precision must be non-zero for the comparison below"
    theirs, _ = Bleu(4).compute_score(*toolkit_input(references, hypotheses), verbose=0)
    # The toolkit adds 1e-15 to each count of matches and 1e-9 to each count of n-grams and to the
    # reference length (against division by zero): a relative difference of about 1e-9 / 30 words.
    for n in (1, 2, 3, 4):
        assert ours[n] == pytest.approx(theirs[n - 1], rel=1e-9)
