"""Fixed inputs of the golden values (tests/golden/values.npz).

Non-symmetric ramps with non-zero biases that differ per gate block: a wrong gate order,
or a bias added in the wrong place, changes every output.
"""

import numpy as np


def linspace_lstm_inputs(N=3, T=4, D=5, H=6, blocks=4):
    """Fixed, non-symmetric inputs with non-zero biases: a wrong gate order changes every output."""
    x = np.linspace(-0.8, 1.3, N * T * D).reshape(N, T, D)
    h0 = np.linspace(-0.4, 0.9, N * H).reshape(N, H)
    c0 = np.linspace(0.6, -0.5, N * H).reshape(N, H)
    Wx = np.linspace(-0.9, 0.7, D * blocks * H).reshape(D, blocks * H)
    Wh = np.linspace(0.8, -0.6, H * blocks * H).reshape(H, blocks * H)
    b = np.linspace(-0.3, 0.5, blocks * H)
    return x, h0, c0, Wx, Wh, b


def linspace_gru_inputs(N=3, T=4, D=5, H=6):
    """Fixed, non-symmetric inputs; both biases non-zero and different in every gate block.

    Returns x (N, T, D), h0 (N, H), Wx (D, 3H), Wh (H, 3H), bx (3H,), bh (3H,).
    """
    x = np.linspace(-0.8, 1.3, N * T * D).reshape(N, T, D)
    h0 = np.linspace(-0.4, 0.9, N * H).reshape(N, H)
    Wx = np.linspace(-0.9, 0.7, D * 3 * H).reshape(D, 3 * H)
    Wh = np.linspace(0.8, -0.6, H * 3 * H).reshape(H, 3 * H)
    bx = np.linspace(-0.3, 0.5, 3 * H)
    bh = np.linspace(0.6, -0.4, 3 * H)
    return x, h0, Wx, Wh, bx, bh


ATTENTION_SIZES = {"N": 2, "L": 4, "F": 3, "H": 5, "K": 6}


def linspace_attention_arrays():
    """Every input and parameter of one attention step: A (N, L, F), h (N, H), W_a (F, K), b (K,),
    W_h (H, K), w (K,), W_beta (H, 1), b_beta (1,); non-zero biases."""
    N, L, F, H, K = ATTENTION_SIZES.values()
    return {
        "A": np.linspace(-1.0, 1.2, N * L * F).reshape(N, L, F),
        "h": np.linspace(0.7, -0.5, N * H).reshape(N, H),
        "W_a": np.linspace(-0.6, 0.9, F * K).reshape(F, K),
        "b": np.linspace(0.3, -0.2, K),
        "W_h": np.linspace(0.4, -0.8, H * K).reshape(H, K),
        "w": np.linspace(-1.1, 1.3, K),
        "W_beta": np.linspace(-0.3, 0.6, H).reshape(H, 1),
        "b_beta": np.array([0.25]),
    }

# The attention decoder of tests/captioner/test_attention_decoder.py: its sizes, the captions it
# learns (1 = <start>, 2 = <end>, 0 = padding), and where each cell of its 2 x 2 grid is.
ATTENTION_DECODER = {"vocabulary_size": 9, "feature_size": 5, "embedding_size": 4, "hidden_size": 3,
                     "attention_penalty": 0.7}
ATTENTION_CAPTIONS = np.array([[1, 5, 6, 7, 2, 0], [1, 4, 4, 2, 0, 0], [1, 8, 2, 0, 0, 0]])
GRID_POSITIONS = np.array([[-1.0, -1.0], [-1.0, 1.0], [1.0, -1.0], [1.0, 1.0]])  # (row, column), -1 to 1
