"""Turning image features into words: greedy decoding and beam search.

Greedy decoding feeds back the single most likely word at every step. Beam
search keeps the `beam_width` most likely partial captions (by the sum of their
words' log-probabilities) and extends each by every word, which finds captions
that greedy decoding misses when an early word that looks second best leads
to a much better whole.

Both stay on the device while they decode: the words come to the host once, at the end.
`_search_one` is beam search for one image written plainly (course exercise 16);
`beam_search` runs the same search for all images at once (captioner.batched_beam_search).
"""

import numpy

from captioner.batched_beam_search import STOP_CHECK_INTERVAL, batched_beam_search
from captioner.vocabulary import END_ID, START_ID
from numerics import array_module, check_shape, to_device, to_host
from numerics.softmax import log_softmax, softmax
from numerics.validation import InputError


def greedy_decode(decoder, features, max_length):
    """The most likely word at each step, for a batch of images.

    decoder: a CaptionDecoder; features: (N, F), or (N, L, F) for attention; max_length: most
    words generated. Returns N lists of word ids (without <start>; ending before <end>).
    The words stay on the device until the end; whether every caption has ended is read on
    the host every STOP_CHECK_INTERVAL steps (each read waits for the device).
    """
    xp = array_module(features)
    state = decoder.start(features)
    words = xp.full(features.shape[0], START_ID, dtype=xp.int64)
    generated, ended = [], xp.zeros(features.shape[0], dtype=bool)
    for step in range(max_length):
        scores, state, _ = decoder.step(words, state)
        words = scores.argmax(axis=1)
        generated.append(words)
        ended |= words == END_ID
        if (step + 1) % STOP_CHECK_INTERVAL == 0 and bool(ended.all()):
            break
    if not generated:
        return [[] for _ in range(features.shape[0])]
    return [_until_end(row) for row in to_host(xp.stack(generated, axis=1))]


def beam_search(decoder, features, beam_width=3, max_length=20, length_penalty=0.0):
    """Beam search for each image.

    decoder: a CaptionDecoder; features: (N, F) or (N, L, F); beam_width: beams kept per step;
    max_length: most words generated; length_penalty: alpha in score / length^alpha
    used to rank finished captions (0: plain sum of log-probabilities, which favours
    short captions; 1: the mean log-probability per word).
    Returns N lists of word ids. When no beam reaches <end> within max_length,
    the best partial caption is returned. All images are searched together, as one batch
    (captioner.batched_beam_search); each gets the caption _search_one finds for it.
    """
    _check_beam_width(beam_width)
    return [ranked[0][1] for ranked in batched_beam_search(decoder, features, beam_width, max_length,
                                                           length_penalty)]


def beam_alternatives(decoder, features, beam_width=3, max_length=20, length_penalty=0.0):
    """The captions one picture's beam finished with, and their scores, best first.

    features: one picture's, (1, F) or (1, L, F); the other arguments as for beam_search.
    Returns at most beam_width pairs (score, word ids): score is the caption's summed
    log-probability (<end> included) divided by length^length_penalty. The first is the
    caption beam_search returns; when no beam reaches <end>, the best partial captions.
    """
    _check_beam_width(beam_width)
    check_shape("features", features, (1, *features.shape[1:]))
    return _search_one(decoder, features, beam_width, max_length, length_penalty)[:beam_width]


def _search_one(decoder, features, beam_width, max_length, length_penalty):
    """Beam search for one image; features: (1, ...).

    Returns [(rank score, word ids), ...], best first: every caption that reached <end>, or,
    when none did, the live beams' partial captions.
    """
    # BEGIN EXERCISE 16
    xp = array_module(features)
    state = decoder.start(features)
    beams = [[]]  # the words of each live beam
    beam_scores = numpy.zeros(1)  # their summed log-probabilities
    finished = []  # (rank score, words)

    def rank(score, length):
        return score / max(1, length) ** length_penalty

    for _ in range(max_length):
        last = xp.asarray([beam[-1] if beam else START_ID for beam in beams], dtype=xp.int64)
        scores, state, _ = decoder.step(last, state)
        candidates = beam_scores[:, None] + log_softmax(to_host(scores).astype(numpy.float64), axis=1)
        best = numpy.argsort(candidates, axis=None)[::-1][:beam_width]
        keep, new_beams, new_scores = [], [], []
        for flat in best:
            beam, word = divmod(int(flat), candidates.shape[1])
            total = float(candidates[beam, word])
            if word == END_ID:
                finished.append((rank(total, len(beams[beam]) + 1), beams[beam]))
            else:
                keep.append(beam)
                new_beams.append(beams[beam] + [word])
                new_scores.append(total)
        if not new_beams:
            break
        ranks = sorted((score for score, _ in finished), reverse=True)
        if length_penalty == 0 and len(ranks) >= beam_width and ranks[beam_width - 1] >= max(new_scores):
            break  # log-probabilities only fall: no live beam can enter the beam_width best finished
        index = xp.asarray(keep)
        state = {name: value[index] for name, value in state.items()}
        beams, beam_scores = new_beams, numpy.asarray(new_scores)
    if not finished:
        finished = [(rank(score, len(words)), words) for score, words in zip(beam_scores.tolist(), beams)]
    # A stable sort: of equal scores, the caption found first comes first.
    return sorted(finished, key=lambda item: item[0], reverse=True)
    # END EXERCISE 16


def caption_gates(decoder, features, word_ids):
    """Every gate's activation while the decoder reads a caption, word by word.

    features: (1, F) or (1, L, F); word_ids: list of word ids (a generated caption, without <start>).
    Returns {'i', 'f', 'g', 'o', 'c', 'h'} (the cell's activations; 'alpha' with attention): host
    arrays (len(word_ids) + 1, ...); row t holds the activations at the step that reads <start>
    (t = 0) or word t and predicts the next.
    """
    return decoder.read_caption(features, word_ids)


def word_probabilities(decoder, features, word_ids):
    """How likely the decoder finds each next word while it reads one caption.

    features: one picture's, (1, F) or (1, L, F); word_ids: the caption's ids, without <start>.
    Returns a host float64 array (len(word_ids) + 1, V): row t is the distribution of the word
    after <start> and the first t words, so row t at word_ids[t] is that word's probability and
    the last row at END_ID the probability that the caption ends there.
    """
    words = numpy.asarray([[START_ID, *word_ids]], dtype=numpy.int64)
    scores, _ = decoder.forward(features, to_device(words, like=features))
    return softmax(to_host(scores[0]).astype(numpy.float64), axis=1)


def caption_all(captioner, data, vocabulary, max_length, beam_width=1, batch_size=64, each_batch=None):
    """Captions (token lists) for every image of `data` (a CaptionData), greedy (beam_width 1)
    or by beam search, batch_size pictures at a time.

    each_batch: a function of no arguments called before each batch (training's points where it
    may be stopped); None calls nothing.
    """
    captions = []
    for start in range(0, len(data), batch_size):
        if each_batch is not None:
            each_batch()
        inputs = data.batch(numpy.arange(start, min(start + batch_size, len(data))))
        features = captioner.features(inputs)
        if beam_width == 1:
            ids = greedy_decode(captioner.decoder, features, max_length)
        else:
            ids = beam_search(captioner.decoder, features, beam_width, max_length)
        captions += [vocabulary.decode(numpy.asarray(row, dtype=numpy.int64)) for row in ids]
    return captions


def _check_beam_width(beam_width):
    if beam_width < 1:
        raise InputError(f"beam_width must be at least 1, got {beam_width}")


def _until_end(ids):
    """The ids before the first <end> (all of them if there is none), as a list of ints."""
    ids = ids.tolist()
    return ids[: ids.index(END_ID)] if END_ID in ids else ids
