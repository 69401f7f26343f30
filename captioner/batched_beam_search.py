"""Beam search for a whole batch of images at once, with every step on the device.

captioner.decoding._search_one (course exercise 16) searches one image, and decides each
step on the host: the beams' words are Python lists, and the best extensions are chosen from
the scores copied to the host, a wait for the device per step. This is the same search for
N images together, as `beam_search` runs it:

- each image has beam_width slots; the N x beam_width beams are one batch for decoder.step,
  a slot without a live beam scored -inf (so it never wins);
- the best extensions of each image are chosen on the device (one partial sort per step),
  and the live ones are moved into the first slots, in the order _search_one keeps them;
- what each step chose (parent slot, word, score) is recorded on the device and copied to
  the host once, after the loop; the captions are then read back exactly as _search_one
  builds them, stopping where it stops. Whether every image has stopped is read on the
  host every STOP_CHECK_INTERVAL steps only.

Each image gets the captions _search_one finds for it (equal scores aside, which it orders
by flat index, lower first).
"""

import math

from captioner.vocabulary import END_ID, START_ID
from numerics import array_module, to_host
from numerics.softmax import log_softmax

# Steps between looks at whether decoding may stop: each look waits for the device.
STOP_CHECK_INTERVAL = 4


def batched_beam_search(decoder, features, beam_width, max_length, length_penalty):
    """Beam search for every image of the batch.

    decoder: a CaptionDecoder; features: (N, F) or (N, L, F); the other arguments as for
    captioner.decoding.beam_search. Returns N lists [(rank score, word ids), ...], best
    first, each what _search_one returns for that image.
    """
    # BEGIN EXERCISE 16
    xp = array_module(features)
    N, K = features.shape[0], beam_width
    if N == 0 or max_length < 1:
        return [[(0.0, [])] for _ in range(N)]
    state = {name: xp.repeat(value, K, axis=0) for name, value in decoder.start(features).items()}
    slots = xp.arange(K)
    beam_scores = xp.where(slots == 0, 0.0, -xp.inf)[None, :].repeat(N, axis=0)  # (N, K): one live beam
    words = xp.full(N * K, START_ID, dtype=xp.int64)
    best_finished = xp.full((N, K), -xp.inf)  # the K best rank scores of finished captions
    stopped = xp.zeros(N, dtype=bool)
    chosen, totals = [], []
    for step in range(max_length):
        scores, state, _ = decoder.step(words, state)
        V = scores.shape[1]
        log_probabilities = log_softmax(scores.astype(xp.float64), axis=1).reshape(N, K, V)
        candidates = (beam_scores[:, :, None] + log_probabilities).reshape(N, K * V)
        picks = _largest(candidates, K)  # (N, K) flat (slot, word) indices, best first
        total = xp.take_along_axis(candidates, picks, axis=1)
        chosen.append(picks)
        totals.append(total)
        ends, live = _classify(picks % V, total)
        order = xp.argsort(xp.where(live, 0, K) + slots, axis=1)  # live picks first, in pick order
        beam_scores = xp.where(xp.take_along_axis(live, order, axis=1),
                               xp.take_along_axis(total, order, axis=1), -xp.inf)
        parents = xp.take_along_axis(picks // V, order, axis=1)  # (N, K): the slot each slot continues
        rows = (xp.arange(N)[:, None] * K + parents).reshape(-1)
        state = {name: value[rows] for name, value in state.items()}
        words = xp.take_along_axis(picks % V, order, axis=1).reshape(-1)
        finished_now = xp.where(ends, total / float(step + 1) ** length_penalty, -xp.inf)
        best_finished = xp.sort(xp.concatenate([best_finished, finished_now], axis=1), axis=1)[:, ::-1][:, :K]
        stopped |= ~live.any(axis=1)
        if length_penalty == 0:  # log-probabilities only fall: no live beam can enter the K best finished
            stopped |= best_finished[:, K - 1] >= beam_scores.max(axis=1)
        if (step + 1) % STOP_CHECK_INTERVAL == 0 and bool(stopped.all()):
            break
    picks, total = to_host(xp.stack(chosen, axis=1)), to_host(xp.stack(totals, axis=1))
    return [_read_back(picks[n], total[n], V, K, length_penalty) for n in range(N)]
    # END EXERCISE 16


def _largest(values, count):
    """Indices of the `count` largest entries of each row of values (M, P), largest first;
    of equal values the lower index first."""
    xp = array_module(values)
    top = xp.sort(xp.argpartition(-values, count - 1, axis=1)[:, :count], axis=1)
    order = xp.argsort(-xp.take_along_axis(values, top, axis=1), axis=1, kind="stable")
    return xp.take_along_axis(top, order, axis=1)


def _classify(words, total):
    """Which picks finish a caption and which continue a live beam (a -inf pick does neither)."""
    real = total > -math.inf
    ends = (words == END_ID) & real
    return ends, real & ~ends


def _read_back(picks, total, V, K, length_penalty):
    """One image's ranked captions from its recorded steps, built as _search_one builds them.

    picks, total: host arrays (steps, K), what each step chose, best first.
    """
    # BEGIN EXERCISE 16
    beams, beam_scores, finished = [[]], [0.0], []
    for step_picks, step_total in zip(picks.tolist(), total.tolist(), strict=True):
        new_beams, new_scores = [], []
        for flat, score in zip(step_picks, step_total, strict=True):
            if score == -math.inf:
                continue
            beam, word = divmod(flat, V)
            if word == END_ID:
                finished.append((score / max(1, len(beams[beam]) + 1) ** length_penalty, beams[beam]))
            else:
                new_beams.append(beams[beam] + [word])
                new_scores.append(score)
        if not new_beams:
            break
        ranks = sorted((rank for rank, _ in finished), reverse=True)
        if length_penalty == 0 and len(ranks) >= K and ranks[K - 1] >= max(new_scores):
            break
        beams, beam_scores = new_beams, new_scores
    if not finished:
        finished = [(score / max(1, len(words)) ** length_penalty, words)
                    for score, words in zip(beam_scores, beams, strict=True)]
    return sorted(finished, key=lambda item: item[0], reverse=True)
    # END EXERCISE 16
