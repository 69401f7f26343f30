"""The GRU's candidate ("new gate"): the hidden state on offer at this step.

    n = tanh(x Wx_n + bx_n + r * (prev_h Wh_n + bh_n))

Like the LSTM's candidate g it is a tanh of a weighted sum, in (-1, 1). The
difference is the reset gate r, which scales the candidate's view of the past,
hn = prev_h Wh_n + bh_n, unit by unit: with r = 0 the candidate is made from the
input alone. r multiplies hn after the product with Wh_n (PyTorch's and cuDNN's
form), so prev_h Wh_n can be computed together with the gates' prev_h Wh_r and
prev_h Wh_z in one matrix multiply before r is known; and bh_n, inside the
bracket, is scaled by r too, so it cannot be merged with bx_n.
"""

from lstm.activations import tanh_forward


def gru_candidate_forward(x, prev_h, r, Wx_n, Wh_n, bx_n, bh_n):
    """n = tanh(x Wx_n + bx_n + r * (prev_h Wh_n + bh_n)).

    x: (N, D); prev_h: (N, H); r: (N, H), the reset gate; Wx_n: (D, H); Wh_n: (H, H);
    bx_n, bh_n: (H,). Returns n: (N, H) and a cache: a dict of the inputs, n, and
    'hn' (N, H), the candidate's view of the past prev_h Wh_n + bh_n.
    """
    # BEGIN EXERCISE 19
    hn = prev_h @ Wh_n + bh_n
    a_n = x @ Wx_n + bx_n + r * hn
    n, _ = tanh_forward(a_n)
    return n, {"x": x, "prev_h": prev_h, "r": r, "Wx_n": Wx_n, "Wh_n": Wh_n, "hn": hn, "n": n}
    # END EXERCISE 19


def gru_candidate_backward(dn, cache):
    """Gradients of n = tanh(a_n) with a_n = x Wx_n + bx_n + r * hn, hn = prev_h Wh_n + bh_n.

    dn: (N, H). Returns dx (N, D), dprev_h (N, H), dr (N, H), dWx_n (D, H), dWh_n (H, H),
    dbx_n (H,), dbh_n (H,).
    """
    # BEGIN EXERCISE 20
    n = cache["n"]
    da_n = dn * (1 - n * n)  # through n = tanh(a_n)
    dr = da_n * cache["hn"]
    dhn = da_n * cache["r"]  # the past's part of a_n reaches hn only through r
    return (
        da_n @ cache["Wx_n"].T,
        dhn @ cache["Wh_n"].T,
        dr,
        cache["x"].T @ da_n,
        cache["prev_h"].T @ dhn,
        da_n.sum(axis=0),
        dhn.sum(axis=0),
    )
    # END EXERCISE 20
