"""A naive LSTM and RNN written independently of lstm/, for golden values.

It follows the textbook form: concatenate [h_prev, x], multiply by one weight
matrix per gate, apply 1 / (1 + exp(-z)) and tanh, one sample at a time in
plain Python loops over time. It shares no code with the package.
"""

import numpy as np


def logistic(z):
    return 1.0 / (1.0 + np.exp(-z))


def naive_lstm_step(x, prev_h, prev_c, Wx, Wh, b):
    """x: (N, D) etc. with gate blocks of Wx, Wh, b in the order input, forget, candidate, output."""
    H = prev_h.shape[1]
    W = np.vstack([Wh, Wx])  # acts on [h_prev, x]
    z = np.hstack([prev_h, x]) @ W + b
    input_gate = logistic(z[:, 0:H])
    forget_gate = logistic(z[:, H : 2 * H])
    candidate = np.tanh(z[:, 2 * H : 3 * H])
    output_gate = logistic(z[:, 3 * H : 4 * H])
    c = forget_gate * prev_c + input_gate * candidate
    h = output_gate * np.tanh(c)
    return h, c, {"i": input_gate, "f": forget_gate, "g": candidate, "o": output_gate}


def naive_gate(name, x, prev_h, Wx_k, Wh_k, b_k):
    """One gate alone ('i', 'f', 'g' or 'o'), from its own (D, H), (H, H), (H,) block of the weights."""
    z = np.hstack([prev_h, x]) @ np.vstack([Wh_k, Wx_k]) + b_k
    return np.tanh(z) if name == "g" else logistic(z)


def naive_lstm(x, h0, c0, Wx, Wh, b):
    hs, cs = [], []
    h, c = h0, c0
    for t in range(x.shape[1]):
        h, c, _ = naive_lstm_step(x[:, t], h, c, Wx, Wh, b)
        hs.append(h)
        cs.append(c)
    return np.stack(hs, axis=1), np.stack(cs, axis=1)


def naive_rnn(x, h0, Wx, Wh, b):
    hs, h = [], h0
    for t in range(x.shape[1]):
        h = np.tanh(x[:, t] @ Wx + h @ Wh + b)
        hs.append(h)
    return np.stack(hs, axis=1)
