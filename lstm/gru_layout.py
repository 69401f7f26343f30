"""Where each part of the GRU lives inside its stacked weights Wx (D, 3H), Wh (H, 3H), bx, bh (3H,).

A GRU step has two gates and a candidate. Their weights are stacked side by side in column
blocks of width H, in the order of GRU_GATES:

    r  reset gate       how much of the previous hidden state the candidate may read
    z  update gate      how much of the previous hidden state to keep as it is
    n  candidate        the new hidden state on offer ("new gate")

This is PyTorch's order for torch.nn.GRU (and cuDNN's), so its weights load as they are
(see lstm.torch_layout). Unlike the LSTM, the GRU keeps its two biases apart: bx is added
to x Wx and bh to prev_h Wh, because the reset gate multiplies prev_h Wh_n + bh_n alone.
The two sigmoid gates come first, side by side: columns 0 .. 2H of every stacked array.
"""

from lstm.gate_layout import gate_block, gate_columns

GRU_GATES = ("r", "z", "n")


def gru_gate_columns(name, hidden_size):
    """The column slice of part `name` ('r', 'z' or 'n') in a (..., 3H) array."""
    return gate_columns(name, hidden_size, GRU_GATES)


def gru_gate_block(stacked, name):
    """The block of part `name` from stacked GRU weights or activations.

    stacked: (..., 3H), e.g. Wx (D, 3H), Wh (H, 3H), bx (3H,) or a (N, 3H). Returns a view (..., H).
    """
    return gate_block(stacked, name, GRU_GATES)


def gru_gate_weights(Wx, Wh, bx, bh, name):
    """The four weights of one part: Wx (D, H), Wh (H, H), bx (H,), bh (H,), as views."""
    return tuple(gru_gate_block(stacked, name) for stacked in (Wx, Wh, bx, bh))


def gru_sigmoid_columns(hidden_size):
    """The columns of the two sigmoid gates, r and z, which sit side by side: slice(0, 2H)."""
    return slice(gru_gate_columns("r", hidden_size).start, gru_gate_columns("z", hidden_size).stop)
