import pytest

import lstm
from numerics import check_layer, rel_error
from numerics.gradcheck import assert_gradients_close
from tests.golden import golden
from tests.golden.inputs import linspace_lstm_inputs


def rnn_inputs(xp, **sizes):
    x, h0, _, Wx, Wh, b = linspace_lstm_inputs(blocks=1, **sizes)
    arrays = {"x": x, "h0": h0, "Wx": Wx, "Wh": Wh, "b": b}
    return {name: xp.asarray(value) for name, value in arrays.items()}


# The vanilla RNN step is the candidate gate (course exercises 3 and 7).
@pytest.mark.needs_exercises(3)
def test_rnn_golden_values(xp):
    inputs = rnn_inputs(xp)
    h, _ = lstm.rnn_forward(*inputs.values())
    assert rel_error(h, golden("rnn_h")) < 1e-14
    step_h, _ = lstm.rnn_step_forward(inputs["x"][:, 0], *list(inputs.values())[1:])
    assert rel_error(step_h, h[:, 0]) == 0.0


@pytest.mark.needs_exercises(3, 7)
def test_rnn_step_gradients(xp):
    inputs = rnn_inputs(xp)
    inputs["x"] = xp.ascontiguousarray(inputs["x"][:, 0])
    errors = check_layer(lstm.rnn_step_forward, lstm.rnn_step_backward, inputs)
    assert len(errors) == 5
    assert_gradients_close(errors, 1e-7)


@pytest.mark.needs_exercises(3, 7)
def test_rnn_sequence_gradients(xp):
    errors = check_layer(lstm.rnn_forward, lstm.rnn_backward, rnn_inputs(xp, N=2, T=4, D=3, H=4))
    assert len(errors) == 5
    assert_gradients_close(errors, 1e-7)
