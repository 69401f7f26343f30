"""A naive GRU written independently of lstm/, for golden values.

It follows PyTorch's documented equations for torch.nn.GRU literally, one sample and one
hidden unit at a time, with a separate weight matrix per gate in torch's (out, in) layout:

    r = 1 / (1 + exp(-(W_ir x + b_ir + W_hr h + b_hr)))
    z = 1 / (1 + exp(-(W_iz x + b_iz + W_hz h + b_hz)))
    n = tanh(W_in x + b_in + r * (W_hn h + b_hn))
    h' = (1 - z) * n + z * h

It shares no code with the package.
"""

import math

import numpy as np


def split_torch_style(Wx, Wh, bx, bh):
    """The stacked (D, 3H), (H, 3H), (3H,), (3H,) arrays as per-gate torch-style weights.

    Returns {"r": (W_i (H, D), W_h (H, H), b_i (H,), b_h (H,)), "z": ..., "n": ...}, blocks
    taken in the order r, z, n.
    """
    H = Wh.shape[0]
    return {name: (Wx[:, k * H:(k + 1) * H].T, Wh[:, k * H:(k + 1) * H].T,
                   bx[k * H:(k + 1) * H], bh[k * H:(k + 1) * H])
            for k, name in enumerate("rzn")}


def naive_gru_step(x, prev_h, Wx, Wh, bx, bh):
    """x: (N, D); prev_h: (N, H); the rest stacked in the order r, z, n.

    Returns next_h (N, H) and {"r", "z", "n", "hn"}, each (N, H), where hn = W_hn h + b_hn.
    """
    weights = split_torch_style(Wx, Wh, bx, bh)
    N, H = prev_h.shape
    out = {name: np.zeros((N, H)) for name in ("r", "z", "n", "hn", "h")}
    for sample in range(N):
        xs, hs = list(x[sample]), list(prev_h[sample])
        for unit in range(H):
            shares = {}  # (gate, "x" or "h") -> W_i x + b_i, or W_h h + b_h, for this unit
            for name, (W_i, W_h, b_i, b_h) in weights.items():
                shares[name, "x"] = sum(w * v for w, v in zip(W_i[unit], xs)) + b_i[unit]
                shares[name, "h"] = sum(w * v for w, v in zip(W_h[unit], hs)) + b_h[unit]
            r = 1 / (1 + math.exp(-(shares["r", "x"] + shares["r", "h"])))
            z = 1 / (1 + math.exp(-(shares["z", "x"] + shares["z", "h"])))
            n = math.tanh(shares["n", "x"] + r * shares["n", "h"])
            out["r"][sample, unit], out["z"][sample, unit], out["n"][sample, unit] = r, z, n
            out["hn"][sample, unit] = shares["n", "h"]
            out["h"][sample, unit] = (1 - z) * n + z * hs[unit]
    return out.pop("h"), out


def naive_gru(x, h0, Wx, Wh, bx, bh):
    """x: (N, T, D); h0: (N, H). Returns every hidden state (N, T, H) and every gate {"r", "z", "n", "hn"}."""
    hs, gates, h = [], {"r": [], "z": [], "n": [], "hn": []}, h0
    for t in range(x.shape[1]):
        h, step_gates = naive_gru_step(x[:, t], h, Wx, Wh, bx, bh)
        hs.append(h)
        for name, value in step_gates.items():
            gates[name].append(value)
    return np.stack(hs, axis=1), {name: np.stack(values, axis=1) for name, values in gates.items()}


def naive_candidate(x, prev_h, r, Wx_n, Wh_n, bx_n, bh_n):
    """n = tanh(W_in x + b_in + r * (W_hn h + b_hn)) with r given, one sample and one unit at a time.

    x: (N, D); prev_h, r: (N, H); Wx_n: (D, H); Wh_n: (H, H); bx_n, bh_n: (H,), the stacked
    layout's n block. Returns n: (N, H).
    """
    N, H = prev_h.shape
    n = np.zeros((N, H))
    for sample in range(N):
        for unit in range(H):
            from_x = sum(Wx_n[k, unit] * x[sample, k] for k in range(x.shape[1])) + bx_n[unit]
            from_h = sum(Wh_n[k, unit] * prev_h[sample, k] for k in range(H)) + bh_n[unit]
            n[sample, unit] = math.tanh(from_x + r[sample, unit] * from_h)
    return n
