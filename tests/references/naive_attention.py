"""Soft attention and the attention decoder's loss, by plain loops, written independently of captioner/.

Xu et al.'s equations one picture, one cell and one unit at a time:

    e_l = w . tanh(A_l W_a + b + h W_h)        alpha = softmax(e)        z = sum_l alpha_l A_l
    beta = 1 / (1 + exp(-(h W_beta + b_beta)))     context = beta z
"""

import math

import numpy as np

from tests.references.naive_lstm import logistic, naive_lstm_step


def naive_scores(A_projected, h, W_h, w):
    """e (N, L) from A_projected = A W_a + b (N, L, K), h (N, H), W_h (H, K), w (K,)."""
    N, L, K = A_projected.shape
    e = np.zeros((N, L))
    for n in range(N):
        for cell in range(L):
            for k in range(K):
                from_h = sum(h[n, j] * W_h[j, k] for j in range(h.shape[1]))
                e[n, cell] += w[k] * math.tanh(A_projected[n, cell, k] + from_h)
    return e


def naive_projection(A, W_a, b):
    """A W_a + b (N, L, K), one entry at a time."""
    N, L, F = A.shape
    projected = np.zeros((N, L, W_a.shape[1]))
    for n, cell, k in np.ndindex(projected.shape):
        projected[n, cell, k] = b[k] + sum(A[n, cell, f] * W_a[f, k] for f in range(F))
    return projected


def naive_attention(p):
    """{'A_projected', 'e', 'alpha', 'z', 'beta', 'context'} of one attention step; p as
    tests/golden/inputs.py's linspace_attention_arrays."""
    A = p["A"]
    N, L, F = A.shape
    projected = naive_projection(A, p["W_a"], p["b"])
    e = naive_scores(projected, p["h"], p["W_h"], p["w"])
    alpha, z, beta = np.zeros((N, L)), np.zeros((N, F)), np.zeros((N, 1))
    for n in range(N):
        total = sum(math.exp(e[n, cell]) for cell in range(L))
        for cell in range(L):
            alpha[n, cell] = math.exp(e[n, cell]) / total
            for f in range(F):
                z[n, f] += alpha[n, cell] * A[n, cell, f]
        gate = p["b_beta"][0] + sum(p["h"][n, j] * p["W_beta"][j, 0] for j in range(p["h"].shape[1]))
        beta[n, 0] = 1 / (1 + math.exp(-gate))
    return {"A_projected": projected, "e": e, "alpha": alpha, "z": z, "beta": beta, "context": beta * z}


def naive_attention_decoder_loss(p, features, captions, positions, attention_penalty):
    """The attention decoder's loss, one picture and one step at a time, from the equations.

    p: the decoder's parameters by name; features (N, L, F); captions (N, T + 1) word ids, 0 for
    padding; positions (L, 2): each cell's place, appended to its features.
    """
    N, L, _ = features.shape
    H = p["Wh"].shape[0]
    A = np.concatenate([features, np.broadcast_to(positions, (N, L, 2))], axis=2)
    total = 0.0
    for n in range(N):
        state = features[n].mean(axis=0) @ p["W_init"].T + p["b_init"]
        h, c = state[None, :H], state[None, H:]
        looked = np.zeros(L)
        for t in range(captions.shape[1] - 1):
            target = captions[n, t + 1]
            scores = np.array([np.tanh(A[n, cell] @ p["W_attend_grid"] + p["b_attend"]
                                       + h[0] @ p["W_attend_h"]) @ p["w_attend"] for cell in range(L)])
            alpha = np.exp(scores) / np.exp(scores).sum()
            beta = logistic(h[0] @ p["W_beta"][:, 0] + p["b_beta"][0])
            context = beta * sum(alpha[cell] * A[n, cell] for cell in range(L))
            x = np.concatenate([p["W_embed"][captions[n, t]], context])[None]
            h, c, _ = naive_lstm_step(x, h, c, p["Wx"], p["Wh"], p["b"])
            if target != 0:
                looked += alpha
                word_scores = np.concatenate([h[0], context]) @ p["W_vocab"] + p["b_vocab"]
                total -= word_scores[target] - np.log(np.exp(word_scores).sum())
        total += attention_penalty * ((1 - looked) ** 2).sum()
    return total / N
