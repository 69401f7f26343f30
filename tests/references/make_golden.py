"""Write tests/golden/values.npz: the golden values of the recurrent cells and of attention.

    python -m tests.references.make_golden

Every value comes from the naive references of this folder, which share no code with the
project, on the fixed inputs of tests/golden/inputs.py; every gradient from central differences
of those same references. (The attention decoder's starting weights come from the project's
own initialisation, then are stored: they are inputs, not results.) The tests read the stored
numbers (tests/golden/__init__.py). The student edition ships the numbers and not this folder:
a reference forward pass is the answer to a forward exercise.
test_golden_values.py checks that the stored file is what this script computes, and, where
PyTorch is installed, that torch agrees with it.
"""

from pathlib import Path

import numpy as np

from captioner.decoder import CaptionDecoder, DecoderConfig
from tests.golden.inputs import (
    ATTENTION_CAPTIONS,
    ATTENTION_DECODER,
    GRID_POSITIONS,
    linspace_attention_arrays,
    linspace_gru_inputs,
    linspace_lstm_inputs,
)
from tests.references.naive_attention import naive_attention, naive_attention_decoder_loss, naive_scores
from tests.references.naive_gru import naive_candidate, naive_gru, naive_gru_step
from tests.references.naive_lstm import naive_gate, naive_lstm, naive_lstm_step, naive_rnn

GOLDEN_FILE = Path(__file__).resolve().parents[1] / "golden" / "values.npz"
STEP = 1  # the golden single steps read the inputs' time step 1
EPSILON = 1e-5  # central differences of float64 functions this smooth are good to about 1e-10


def central_differences(loss, arrays):
    """{name: d loss / d array} by central differences, one entry at a time.

    loss: a function of no arguments reading the arrays, which are nudged in place and restored.
    """
    gradients = {}
    for name, array in arrays.items():
        gradient = np.zeros_like(array)
        for index in np.ndindex(array.shape):
            kept = array[index]
            array[index] = kept + EPSILON
            above = loss()
            array[index] = kept - EPSILON
            below = loss()
            array[index] = kept
            gradient[index] = (above - below) / (2 * EPSILON)
        gradients[name] = gradient
    return gradients


def upstream(shape, seed):
    """A fixed upstream gradient of the given shape."""
    return np.random.default_rng(seed).uniform(-1, 1, shape)


def block(H, k):
    """The columns of the k-th gate block."""
    return slice(k * H, (k + 1) * H)


def lstm_values():
    x, h0, c0, Wx, Wh, b = linspace_lstm_inputs()
    H = h0.shape[1]
    x_t = np.ascontiguousarray(x[:, STEP])
    values = {}
    h, c, gates = naive_lstm_step(x_t, h0, c0, Wx, Wh, b)
    values.update(lstm_step_h=h, lstm_step_c=c, **{f"lstm_step_{name}": gate for name, gate in gates.items()})
    values["lstm_h"], values["lstm_c"] = naive_lstm(x, h0, c0, Wx, Wh, b)
    values["lstm_h_from_zero_c"], _ = naive_lstm(x, h0, np.zeros_like(c0), Wx, Wh, b)
    rnn_x, rnn_h0, _, rnn_Wx, rnn_Wh, rnn_b = linspace_lstm_inputs(blocks=1)
    values["rnn_h"] = naive_rnn(rnn_x, rnn_h0, rnn_Wx, rnn_Wh, rnn_b)
    # Each gate on its own: its block of the weights, an upstream gradient, and the gradients it sends back.
    values["lstm_gate_upstream"] = d_gate = upstream((x_t.shape[0], H), 0)
    for k, name in enumerate(("i", "f", "g", "o")):
        gate = {"x": x_t.copy(), "prev_h": h0.copy(), "Wx": Wx[:, block(H, k)].copy(),
                "Wh": Wh[:, block(H, k)].copy(), "b": b[block(H, k)].copy()}
        gradients = central_differences(lambda: np.sum(d_gate * naive_gate(name, *gate.values())), gate)  # noqa: B023
        values.update({f"lstm_gate_{name}_d{grad}": gradient for grad, gradient in gradients.items()})
    return values


def gru_values():
    x, h0, Wx, Wh, bx, bh = linspace_gru_inputs()
    H = h0.shape[1]
    x_t = np.ascontiguousarray(x[:, STEP])
    values = {}
    h, parts = naive_gru_step(x_t, h0, Wx, Wh, bx, bh)
    values.update(gru_step_h=h, **{f"gru_step_{name}": part for name, part in parts.items()})
    values["gru_h"], sequence_parts = naive_gru(x, h0, Wx, Wh, bx, bh)
    values.update({f"gru_{name}": part for name, part in sequence_parts.items() if name != "hn"})
    # The whole step's gradients.
    values["gru_upstream"] = d_h = upstream((x_t.shape[0], H), 1)
    step = {"x": x_t.copy(), "prev_h": h0.copy(), "Wx": Wx.copy(), "Wh": Wh.copy(), "bx": bx.copy(),
            "bh": bh.copy()}
    gradients = central_differences(lambda: np.sum(d_h * naive_gru_step(*step.values())[0]), step)
    values.update({f"gru_step_d{name}": gradient for name, gradient in gradients.items()})
    # The candidate on its own, with the step's reset gate as an input.
    n_block = block(H, 2)
    candidate = {"x": x_t.copy(), "prev_h": h0.copy(), "r": parts["r"].copy(), "Wx_n": Wx[:, n_block].copy(),
                 "Wh_n": Wh[:, n_block].copy(), "bx_n": bx[n_block].copy(), "bh_n": bh[n_block].copy()}
    gradients = central_differences(lambda: np.sum(d_h * naive_candidate(*candidate.values())), candidate)
    values.update({f"gru_candidate_d{name}": gradient for name, gradient in gradients.items()})
    closed = {**candidate, "r": np.zeros_like(parts["r"])}
    values["gru_candidate_closed_n"] = naive_candidate(*closed.values())
    # The new hidden state on its own: next_h = (1 - z) * n + z * prev_h.
    blend = {"z": parts["z"].copy(), "n": parts["n"].copy(), "prev_h": h0.copy()}
    gradients = central_differences(
        lambda: np.sum(d_h * ((1 - blend["z"]) * blend["n"] + blend["z"] * blend["prev_h"])), blend)
    values.update({f"gru_blend_d{name}": gradient for name, gradient in gradients.items()})
    return values


def attention_values():
    p = linspace_attention_arrays()
    step = naive_attention(p)
    values = {f"attention_{name}": value for name, value in step.items()}
    # The scores on their own, from the projected grid: the cache's t and the gradients.
    h_projected = p["h"] @ p["W_h"]
    values["attention_t"] = np.tanh(step["A_projected"] + h_projected[:, None, :])
    values["attention_upstream"] = d_e = upstream(step["e"].shape, 2)
    scores = {"A_projected": step["A_projected"].copy(), "h": p["h"].copy(), "W_h": p["W_h"].copy(),
              "w": p["w"].copy()}
    gradients = central_differences(lambda: np.sum(d_e * naive_scores(*scores.values())), scores)
    values.update({f"attention_scores_d{name}": gradient for name, gradient in gradients.items()})
    return values


def attention_decoder_values():
    """The attention decoder's weights (the project's initialisation, nudged off zero), a grid of
    features, and the loss the naive reference gives them."""
    config = DecoderConfig(**ATTENTION_DECODER, dtype="float64", context="attention")
    params = {name: np.array(value) for name, value in CaptionDecoder(config, seed=0).params.items()}
    rng = np.random.default_rng(1)
    for value in params.values():  # off the zero biases, so that every term matters
        value += rng.standard_normal(value.shape) * 0.3
    features = np.random.default_rng(3).standard_normal((len(ATTENTION_CAPTIONS), len(GRID_POSITIONS),
                                                         ATTENTION_DECODER["feature_size"]))
    loss = naive_attention_decoder_loss(params, features, ATTENTION_CAPTIONS, GRID_POSITIONS,
                                        ATTENTION_DECODER["attention_penalty"])
    return {**{f"attention_decoder_{name}": value for name, value in params.items()},
            "attention_decoder_features": features, "attention_decoder_loss": np.array(loss)}


def golden_values():
    """{name: float64 array}: everything values.npz holds."""
    return {**lstm_values(), **gru_values(), **attention_values(), **attention_decoder_values()}


def main():
    np.savez(GOLDEN_FILE, **golden_values())
    print(f"wrote {GOLDEN_FILE}")


if __name__ == "__main__":
    main()
