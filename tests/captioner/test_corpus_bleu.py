"""Corpus BLEU (exercise 18) graded on its own.

corpus_bleu adds up what clipped_ngram_matches (exercise 17) returns for each image; here that
function is replaced by the table of counts worked out by hand in test_metrics.py, so that
these tests grade the pooling, the brevity penalty and the geometric mean alone.
"""

import math

import pytest

from captioner import metrics

# (hypothesis, n) -> (clipped matches, hypothesis n-grams), counted by hand.
HAND_COUNTS = {
    ("the", "cat", "the", "cat", "on", "the", "mat"): [(5, 7), (4, 6), (2, 5), (1, 4)],
    ("a", "dog", "runs"): [(3, 3), (1, 2), (0, 1), (0, 0)],
    ("a", "bird"): [(2, 2), (1, 1), (0, 0), (0, 0)],
    ("a", "b", "c", "x"): [(3, 4), (2, 3), (1, 2), (0, 1)],
    ("x", "y"): [(0, 2), (0, 1)],
    (): [(0, 0)] * 4,
}
REFERENCES = [
    [["the", "cat", "is", "on", "the", "mat"], ["there", "is", "a", "cat", "on", "the", "mat"]],
    [["dog", "runs"], ["a", "brown", "dog", "runs"]],
    [["a", "bird", "flies", "away"], ["one", "bird", "in", "the", "sky"]],
]
HYPOTHESES = [["the", "cat", "the", "cat", "on", "the", "mat"], ["a", "dog", "runs"], ["a", "bird"]]


@pytest.fixture(autouse=True)
def hand_counted_matches(monkeypatch):
    def table(references, hypothesis, n):
        return HAND_COUNTS[tuple(hypothesis)][n - 1]

    monkeypatch.setattr(metrics, "clipped_ngram_matches", table)


@pytest.mark.exercise(18)
def test_corpus_bleu_pools_the_counts_before_dividing():
    # p1 = 10/12, p2 = 6/9, p3 = 2/6, p4 = 1/4; c = 12 < r = 7 + 2 + 4 = 13 (closest lengths, the
    # shorter on a tie), so BP = exp(1 - 13/12). See test_metrics.py for the counts.
    p1, p2, p3, p4 = 10 / 12, 6 / 9, 2 / 6, 1 / 4
    brevity = math.exp(1 - 13 / 12)
    expected = {1: brevity * p1, 2: brevity * (p1 * p2) ** (1 / 2), 3: brevity * (p1 * p2 * p3) ** (1 / 3),
                4: brevity * (p1 * p2 * p3 * p4) ** (1 / 4)}
    scores = metrics.corpus_bleu(REFERENCES, HYPOTHESES)
    assert scores.keys() == expected.keys()
    for n in expected:
        assert scores[n] == pytest.approx(expected[n], rel=1e-12), n


@pytest.mark.exercise(18)
def test_special_tokens_are_dropped_before_counting():
    hypotheses = [["<start>", *HYPOTHESES[0], "<end>", "<pad>"], *HYPOTHESES[1:]]
    references = [[["<start>", *REFERENCES[0][0], "<end>"], REFERENCES[0][1]], *REFERENCES[1:]]
    assert metrics.corpus_bleu(references, hypotheses) == metrics.corpus_bleu(REFERENCES, HYPOTHESES)


@pytest.mark.exercise(18)
def test_a_precision_of_zero_makes_that_and_every_longer_bleu_zero():
    scores = metrics.corpus_bleu([[["a", "b", "c", "d"]]], [["a", "b", "c", "x"]])
    assert scores[3] == pytest.approx((3 / 4 * 2 / 3 * 1 / 2) ** (1 / 3))  # equal lengths: BP = 1
    assert scores[4] == 0.0
    assert metrics.corpus_bleu([[["a", "b"]]], [["x", "y"]], max_n=2) == {1: 0.0, 2: 0.0}
    assert metrics.corpus_bleu([[["a", "b"]]], [[]]) == {1: 0.0, 2: 0.0, 3: 0.0, 4: 0.0}
