"""Recurrent layers written by hand: the LSTM and the GRU gate by gate and fused, the
vanilla RNN, and the sequence layers a captioner needs.

Read in this order: activations, gate_layout, gate_affine, forget_gate,
input_gate, candidate_gate, output_gate, cell_state, hidden_output, step,
fused, sequence; then rnn, embedding, temporal_affine, softmax_loss.
The GRU after the LSTM: gru_layout, reset_gate, update_gate, gru_candidate,
gru_hidden_state, gru_step, gru_fused, gru_sequence; torch_layout converts
both cells' weights to and from PyTorch's.

Beside the layers: checks (the shape and dtype checks of their entry points) and
gradient_reach (backpropagation through time keeping every step's gradient, to see how
far back one reaches). The pictures of the notebooks and the book: colours (one per
gate), figures, cell_diagram and animations for the LSTM, gru_figures and gru_animation
for the GRU. demo and __main__: `python -m lstm demo`, a toy task that needs memory,
learned by a vanilla RNN, a GRU and an LSTM.
"""

from lstm.activations import sigmoid, sigmoid_backward, sigmoid_forward, tanh_backward, tanh_forward
from lstm.candidate_gate import candidate_gate_backward, candidate_gate_forward
from lstm.cell_state import cell_state_backward, cell_state_forward
from lstm.embedding import word_embedding_backward, word_embedding_forward
from lstm.forget_gate import forget_gate_backward, forget_gate_forward
from lstm.fused import lstm_step_backward_fused, lstm_step_forward_fused
from lstm.gate_affine import gate_affine_backward, gate_affine_forward
from lstm.gate_layout import GATES, gate_block, gate_columns, gate_weights
from lstm.gru_candidate import gru_candidate_backward, gru_candidate_forward
from lstm.gru_fused import gru_step_backward_fused, gru_step_forward_fused
from lstm.gru_hidden_state import gru_hidden_state_backward, gru_hidden_state_forward
from lstm.gru_layout import GRU_GATES, gru_gate_block, gru_gate_columns, gru_gate_weights
from lstm.gru_sequence import gru_backward, gru_forward
from lstm.gru_step import gru_step_backward, gru_step_forward
from lstm.hidden_output import hidden_output_backward, hidden_output_forward
from lstm.input_gate import input_gate_backward, input_gate_forward
from lstm.output_gate import output_gate_backward, output_gate_forward
from lstm.reset_gate import reset_gate_backward, reset_gate_forward
from lstm.rnn import rnn_backward, rnn_forward, rnn_step_backward, rnn_step_forward
from lstm.sequence import lstm_backward, lstm_backward_with_cell, lstm_forward, lstm_forward_with_cell
from lstm.softmax_loss import temporal_softmax_loss
from lstm.step import lstm_step_backward, lstm_step_forward
from lstm.temporal_affine import temporal_affine_backward, temporal_affine_forward
from lstm.torch_layout import from_torch_gru, from_torch_lstm, to_torch_gru, to_torch_lstm
from lstm.update_gate import update_gate_backward, update_gate_forward

__all__ = [
    "GATES",
    "GRU_GATES",
    "candidate_gate_backward",
    "candidate_gate_forward",
    "cell_state_backward",
    "cell_state_forward",
    "forget_gate_backward",
    "forget_gate_forward",
    "from_torch_gru",
    "from_torch_lstm",
    "gate_affine_backward",
    "gate_affine_forward",
    "gate_block",
    "gate_columns",
    "gate_weights",
    "gru_backward",
    "gru_candidate_backward",
    "gru_candidate_forward",
    "gru_forward",
    "gru_gate_block",
    "gru_gate_columns",
    "gru_gate_weights",
    "gru_hidden_state_backward",
    "gru_hidden_state_forward",
    "gru_step_backward",
    "gru_step_backward_fused",
    "gru_step_forward",
    "gru_step_forward_fused",
    "hidden_output_backward",
    "hidden_output_forward",
    "input_gate_backward",
    "input_gate_forward",
    "lstm_backward",
    "lstm_backward_with_cell",
    "lstm_forward",
    "lstm_forward_with_cell",
    "lstm_step_backward",
    "lstm_step_backward_fused",
    "lstm_step_forward",
    "lstm_step_forward_fused",
    "output_gate_backward",
    "output_gate_forward",
    "reset_gate_backward",
    "reset_gate_forward",
    "rnn_backward",
    "rnn_forward",
    "rnn_step_backward",
    "rnn_step_forward",
    "sigmoid",
    "sigmoid_backward",
    "sigmoid_forward",
    "tanh_backward",
    "tanh_forward",
    "temporal_affine_backward",
    "temporal_affine_forward",
    "temporal_softmax_loss",
    "to_torch_gru",
    "to_torch_lstm",
    "update_gate_backward",
    "update_gate_forward",
    "word_embedding_backward",
    "word_embedding_forward",
]
