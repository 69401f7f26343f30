"""Where each gate lives inside the stacked weights Wx (D, 4H), Wh (H, 4H), b (4H,).

The four gates share one matrix multiply, so their weights are stacked side by
side in column blocks of width H, in the order of GATES:

    i  input gate       how much of the candidate to write
    f  forget gate      how much of the old cell state to keep
    g  candidate        the new values that could be written ("cell" gate)
    o  output gate      how much of the cell state to show as h

This is also PyTorch's order for torch.nn.LSTM, so its weights load as they are
(see lstm.torch_layout).
"""

GATES = ("i", "f", "g", "o")


def gate_columns(name, hidden_size, order=GATES):
    """The column slice of gate `name` ('i', 'f', 'g' or 'o') in a (..., 4H) array.

    order: the blocks' order, GATES for the LSTM (lstm.GRU_GATES for the GRU's (..., 3H)).
    """
    if name not in order:
        raise ValueError(f"unknown gate {name!r}; the gates are {order}")
    start = order.index(name) * hidden_size
    return slice(start, start + hidden_size)


def gate_block(stacked, name, order=GATES):
    """The block of gate `name` from stacked weights or activations.

    stacked: (..., 4H), e.g. Wx (D, 4H), Wh (H, 4H), b (4H,) or a (N, 4H);
    (..., 3H) with order=lstm.GRU_GATES for the GRU. Returns a view (..., H).
    """
    hidden_size = stacked.shape[-1] // len(order)
    return stacked[..., gate_columns(name, hidden_size, order)]


def gate_weights(Wx, Wh, b, name):
    """The three weights of one gate: Wx (D, H), Wh (H, H), b (H,), as views."""
    return gate_block(Wx, name), gate_block(Wh, name), gate_block(b, name)
