"""The GRU's update gate: how much of the previous hidden state to keep as it is.

    z = sigmoid(x Wx_z + bx_z + prev_h Wh_z + bh_z)

Each entry of z lies in (0, 1). The new hidden state is a blend,
h = (1 - z) * n + z * prev_h (see lstm.gru_hidden_state): near 1 a unit keeps its
old value and ignores the candidate n, near 0 it takes the candidate. One gate does
the work of the LSTM's forget and input gates together: whatever is kept (z) is
exactly what is not written (1 - z).
"""

# Each gate is its own lesson, so each has its own file, and their code has the same shape on
# purpose: a student compares them side by side (lstm/__init__.py gives the reading order).

from lstm.activations import sigmoid_backward, sigmoid_forward
from lstm.gate_affine import gate_affine_backward, gate_affine_forward


def update_gate_forward(x, prev_h, Wx_z, Wh_z, bx_z, bh_z):
    """z = sigmoid(x Wx_z + bx_z + prev_h Wh_z + bh_z).

    x: (N, D); prev_h: (N, H); Wx_z: (D, H); Wh_z: (H, H); bx_z, bh_z: (H,).
    Returns z: (N, H) and cache = ((x, prev_h, Wx_z, Wh_z), z) for update_gate_backward.
    """
    # BEGIN EXERCISE 19
    a_z, affine_cache = gate_affine_forward(x, prev_h, Wx_z, Wh_z, bx_z + bh_z)
    z, sigmoid_cache = sigmoid_forward(a_z)
    return z, (affine_cache, sigmoid_cache)
    # END EXERCISE 19


def update_gate_backward(dz, cache):
    """Gradients of z = sigmoid(a_z) with a_z = x Wx_z + bx_z + prev_h Wh_z + bh_z.

    dz: (N, H). Returns dx (N, D), dprev_h (N, H), dWx_z (D, H), dWh_z (H, H),
    dbx_z (H,), dbh_z (H,); the two bias gradients are equal.
    """
    affine_cache, sigmoid_cache = cache
    da_z = sigmoid_backward(dz, sigmoid_cache)
    dx, dprev_h, dWx_z, dWh_z, db_z = gate_affine_backward(da_z, affine_cache)
    return dx, dprev_h, dWx_z, dWh_z, db_z, db_z.copy()
