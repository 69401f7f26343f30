"""What the page shows of a caption, checked against the decoder stepped by hand: each word's
probability, the steps' likeliest words, the gates, the attention rows and the beam's captions."""

import base64
import io

import numpy as np
import pytest
from PIL import Image

from captioner.checkpoint import load_checkpoint
from captioner.demo import load_demo_model
from captioner.synthetic import make_split
from captioner.vocabulary import END_ID, START_ID
from captioner.web.explain import explain_caption
from numerics import array_module, to_host
from tests.web.serving import ATTENTION_GRID, attention_checkpoint

PICTURES = make_split("test", 3, 64, seed=0).images


def stepped_by_hand(decoder, features, ids):
    """Each step's softmax over the vocabulary and its recorded activations, one decoder.step at a time."""
    xp = array_module(features)
    state = decoder.start(features)
    distributions, activations = [], []
    for word in [START_ID, *ids]:
        scores, state, recorded = decoder.step(xp.asarray([word]), state)
        scores = to_host(scores)[0].astype(np.float64)
        exponentials = np.exp(scores - scores.max())
        distributions.append(exponentials / exponentials.sum())
        activations.append({name: to_host(value)[0] for name, value in recorded.items()})
    return np.asarray(distributions), activations


@pytest.mark.parametrize("beam", [1, pytest.param(3, marks=pytest.mark.needs_exercises(16))])
def test_probabilities_and_gates_are_the_decoders_steps(xp, beam):
    checkpoint = load_demo_model()
    captioner, vocabulary = checkpoint.captioner, checkpoint.vocabulary
    result = explain_caption(captioner, vocabulary, PICTURES[0], beam_width=beam, max_length=16)
    ids = [vocabulary.id_of(word) for word in result["words"]]
    distributions, activations = stepped_by_hand(captioner.decoder, captioner.features([PICTURES[0]]), ids)
    chosen = distributions[np.arange(len(ids) + 1), [*ids, END_ID]]
    assert np.allclose(result["probabilities"], chosen[:-1], atol=1e-4)
    assert np.isclose(result["end_probability"], chosen[-1], atol=1e-4)
    assert np.isclose(result["log_probability"], np.log(chosen).sum(), atol=1e-3)
    for t, top in enumerate(result["top_words"]):
        best = np.argsort(distributions[t])[::-1][:5]
        assert [word for word, _ in top] == [vocabulary.words[i] for i in best]
    for name in ("f", "i", "g", "o", "c"):
        assert np.allclose(result["gates"][name], [step[name] for step in activations], atol=1e-4)
    if beam == 1:
        assert result["alternatives"] == []
    else:
        scores = [alternative["score"] for alternative in result["alternatives"]]
        assert result["alternatives"][0]["caption"] == result["caption"] and scores == sorted(scores)[::-1]
        assert np.isclose(scores[0], result["log_probability"], atol=1e-3)  # finished: <end> included


def test_attention_rows_are_where_each_step_looked(xp, tmp_path):
    checkpoint = load_checkpoint(attention_checkpoint(tmp_path / "attention.npz"))
    captioner, vocabulary = checkpoint.captioner, checkpoint.vocabulary
    result = explain_caption(captioner, vocabulary, PICTURES[1], max_length=6)
    ids = [vocabulary.id_of(word) for word in result["words"]]
    _, activations = stepped_by_hand(captioner.decoder, captioner.features([PICTURES[1]]), ids)
    attention = np.asarray(result["attention"])
    assert attention.shape == (len(ids) + 1, ATTENTION_GRID**2) and result["grid"] == ATTENTION_GRID
    assert np.allclose(attention, [step["alpha"] for step in activations], atol=1e-4)
    assert np.allclose(attention.sum(axis=1), 1, atol=1e-3)
    assert "alpha" not in result["gates"]


def test_the_picture_shown_is_the_one_the_encoder_read():
    checkpoint = load_demo_model()
    photo = Image.fromarray(np.repeat(PICTURES[2], 3, axis=1))  # 64 x 192: the centre square is kept
    result = explain_caption(checkpoint.captioner, checkpoint.vocabulary, photo)
    header, encoded = result["picture"].split(",", 1)
    assert header == "data:image/png;base64"
    shown = np.asarray(Image.open(io.BytesIO(base64.b64decode(encoded))))
    assert np.array_equal(shown, np.repeat(PICTURES[2], 3, axis=1)[:, 64:128])
