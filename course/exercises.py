"""The course's graded exercises: the function bodies a student writes.

Each body sits between a `# BEGIN EXERCISE N` and an `# END EXERCISE N` comment line in
the function(s) named here; an exercise may span several functions (exercise 23 is both
derivatives of notebook 03). The student edition (python -m course edition) replaces each
body with raise NotImplementedError("Exercise N (title): hint"). The tests that grade N
are marked @pytest.mark.exercise(N) and live in the files named by `tests`; they depend on
no other exercise, so that one wrong exercise costs its own points only. A plan
(course/plans/*.json) says in which week each exercise is due and what it is worth.

Kept to plain data so that anything (the book's pages, CI, the gradebook) can import it.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Exercise:
    """number: as the student sees it; places: (source file relative to the project root,
    function) for every marked body; tests: the test files that hold its grading tests."""

    number: int
    title: str
    places: tuple
    hint: str
    tests: tuple

    @property
    def paths(self):
        """The source files holding the exercise's bodies, in order, each once."""
        return tuple(dict.fromkeys(path for path, _ in self.places))

    @property
    def functions(self):
        return tuple(function for _, function in self.places)


GATE_FORWARD_HINT = ("a = x Wx + prev_h Wh + b with two matrix products, then {squash}; keep in the "
                     "cache exactly what the docstring lists: the backward pass reads nothing else")
GATE_BACKWARD_HINT = ("the chain rule in two steps, from the cache alone: first da, {slope}; then "
                      "a = x Wx + prev_h Wh + b gives each factor 'da times the other factor', "
                      "transposed so that the shapes fit, and db sums da over the batch")

EXERCISES = [
    Exercise(1, "forget gate forward", (("lstm/forget_gate.py", "forget_gate_forward"),),
             GATE_FORWARD_HINT.format(squash="lstm.sigmoid"), ("tests/lstm/test_gates.py",)),
    Exercise(2, "input gate forward", (("lstm/input_gate.py", "input_gate_forward"),),
             GATE_FORWARD_HINT.format(squash="lstm.sigmoid"), ("tests/lstm/test_gates.py",)),
    Exercise(3, "candidate gate forward", (("lstm/candidate_gate.py", "candidate_gate_forward"),),
             GATE_FORWARD_HINT.format(squash="tanh, into (-1, 1)"), ("tests/lstm/test_gates.py",)),
    Exercise(4, "output gate forward", (("lstm/output_gate.py", "output_gate_forward"),),
             GATE_FORWARD_HINT.format(squash="lstm.sigmoid"), ("tests/lstm/test_gates.py",)),
    Exercise(5, "forget gate backward", (("lstm/forget_gate.py", "forget_gate_backward"),),
             GATE_BACKWARD_HINT.format(slope="the sigmoid's slope written with its output f"),
             ("tests/lstm/test_gates.py",)),
    Exercise(6, "input gate backward", (("lstm/input_gate.py", "input_gate_backward"),),
             GATE_BACKWARD_HINT.format(slope="the sigmoid's slope written with its output i"),
             ("tests/lstm/test_gates.py",)),
    Exercise(7, "candidate gate backward", (("lstm/candidate_gate.py", "candidate_gate_backward"),),
             GATE_BACKWARD_HINT.format(slope="tanh's slope written with its output g"),
             ("tests/lstm/test_gates.py",)),
    Exercise(8, "output gate backward", (("lstm/output_gate.py", "output_gate_backward"),),
             GATE_BACKWARD_HINT.format(slope="the sigmoid's slope written with its output o"),
             ("tests/lstm/test_gates.py",)),
    Exercise(9, "cell state backward", (("lstm/cell_state.py", "cell_state_backward"),),
             "c is a sum of two products: the sum passes dc to both, and each factor of a product "
             "gets dc times the other factor", ("tests/lstm/test_gates.py",)),
    Exercise(10, "hidden output backward", (("lstm/hidden_output.py", "hidden_output_backward"),),
             "h = o * t with t = tanh(c) kept in the cache: do is dh times the other factor, and "
             "dc goes on through tanh, whose slope is written with its output t",
             ("tests/lstm/test_gates.py",)),
    Exercise(11, "LSTM step backward", (("lstm/step.py", "lstm_step_backward"),),
             "walk the step backwards from the cache's values alone: h = o * tanh(c) first; next_c feeds "
             "both h and the next step, so its gradient is a sum; then c = f * prev_c + i * g; then each "
             "gate's slope, giving the pre-activation gradient da (N, 4H) in the order lstm.GATES; x and "
             "prev_h feed every gate, so one product each with Wx and Wh gives their gradients",
             ("tests/lstm/test_step.py",)),
    Exercise(12, "backprop through time", (("lstm/fused.py", "state_update_backward"),
                                           ("lstm/fused.py", "activation_derivatives"),
                                           ("lstm/sequence.py", "lstm_backward_with_cell")),
             "state_update_backward: one step's elementwise backward from the gates (N, 4H) down to "
             "da (N, 4H), through every gate's slope at once (activation_derivatives: see activate_gates); "
             "lstm_backward_with_cell: walk t = T-1 .. 0 carrying dnext_h and dnext_c (h[t] gets dh[:, t] "
             "plus what came back from step t+1), keep each step's da; after the loop dx, dWx, dWh and db "
             "are one matrix product or sum each over all steps",
             ("tests/lstm/test_sequence.py",)),
    Exercise(13, "col2im for conv2d backward", (("resnet/conv.py", "col2im"),),
             "the reverse of im2col: start from zeros shaped x_shape and, for each kernel offset of "
             "kernel_taps, add dcols[:, out_rows, out_cols, i, j, :] onto dx[:, in_rows, in_cols, :] "
             "(im2col copies the other way)",
             ("tests/resnet/test_conv.py",)),
    Exercise(14, "batch norm backward", (("resnet/batchnorm.py", "batchnorm_backward"),
                                         ("resnet/fast_batchnorm.py", "backward_coefficients")),
             "dbeta sums dout over the rows, dgamma sums dout * x_hat (x_hat from rows, mean and inv_std); "
             "dx as the docstring says, for train and eval mode (cache.train). The model runs the fast "
             "twin in resnet/fast_batchnorm.py, whose backward_coefficients gives dgamma, dbeta and the "
             "per-channel scale, k and c of dx = scale * d - k * x + c: expand x_hat in your dx to find them",
             ("tests/resnet/test_batchnorm.py",)),
    Exercise(15, "bottleneck block backward", (("resnet/bottleneck.py", "bottleneck_backward"),
                                               ("resnet/fast_bottleneck.py", "bottleneck_backward")),
             "relu_backward first; that gradient feeds the shortcut (the projection's conv_bn_backward, "
             "or the identity) and the main path (conv_bn_backward of conv3, conv2, conv1); dx is the sum "
             "of both; grads keyed like params (add_unit_gradients). The model runs the fast twin in "
             "resnet/fast_bottleneck.py: the same steps from d (its ReLU's gradient), with its own "
             "conv_bn_backward for the shortcut and main_path_unit_backward for the main path",
             ("tests/resnet/test_bottleneck_composition.py",)),
    Exercise(16, "beam search", (("captioner/decoding.py", "_search_one"),
                                 ("captioner/batched_beam_search.py", "batched_beam_search"),
                                 ("captioner/batched_beam_search.py", "_read_back")),
             "step every live beam at once with decoder.step; each beam's score plus the log_softmax "
             "(numerics.softmax) of its scores rates every (beam, word); keep the beam_width best; one that "
             "picks END_ID is finished, ranked by score / length ** length_penalty; return every finished "
             "(rank, words), best first (the live beams if none finished). beam_search runs the batched "
             "twin in captioner/batched_beam_search.py: it may simply return, for each image n, "
             "_search_one(decoder, features[n : n + 1], ...) (import it inside the function); "
             "_read_back is then not needed",
             ("tests/captioner/test_decoding.py",)),
    Exercise(17, "clipped n-gram matches", (("captioner/metrics.py", "clipped_ngram_matches"),),
             "ngram_counts counts the n-grams; a hypothesis n-gram matches at most as often as it occurs "
             "in the one reference that has it most (Counter's | keeps the larger count, & the smaller)",
             ("tests/captioner/test_metrics.py",)),
    Exercise(18, "corpus BLEU", (("captioner/metrics.py", "corpus_bleu"),),
             "add up clipped matches and hypothesis n-grams over all images before dividing; BLEU-n is "
             "brevity_penalty(c, r), r summed from closest_reference_length, times the geometric mean of "
             "p_1 .. p_n, and 0 once some p_k is 0", ("tests/captioner/test_corpus_bleu.py",)),
    Exercise(19, "GRU step forward", (("lstm/reset_gate.py", "reset_gate_forward"),
                                      ("lstm/update_gate.py", "update_gate_forward"),
                                      ("lstm/gru_candidate.py", "gru_candidate_forward"),
                                      ("lstm/gru_hidden_state.py", "gru_hidden_state_forward"),
                                      ("lstm/gru_step.py", "gru_step_forward"),
                                      ("lstm/gru_fused.py", "activate_gru_gates")),
             "r and z are sigmoids of x Wx + bx + prev_h Wh + bh, each with its own block of the weights "
             "(gru_gate_weights); n = tanh(x Wx_n + bx_n + r * hn) with hn = prev_h Wh_n + bh_n; next_h = "
             "(1 - z) * n + z * prev_h (write it into out when out is given). Each part returns the cache "
             "its docstring lists; gru_step_forward calls the four parts. activate_gru_gates does the same "
             "for the stacked blocks, in place: the sigmoid columns (gru_sigmoid_columns) of ax + ah, then "
             "the n block of ax plus r times the n block of ah, through tanh",
             ("tests/lstm/test_gru_step.py", "tests/lstm/test_gru_gates.py")),
    Exercise(20, "GRU step backward", (("lstm/gru_step.py", "gru_step_backward"),
                                       ("lstm/gru_fused.py", "gru_cell_backward"),
                                       ("lstm/gru_hidden_state.py", "gru_hidden_state_backward"),
                                       ("lstm/gru_candidate.py", "gru_candidate_backward")),
             "walk next_h = (1 - z) * n + z * prev_h backwards to dn, dz and the direct part of dprev_h; "
             "through tanh to n's pre-activation, which reaches r and prev_h W_hn; then the sigmoids of r "
             "and z; prev_h gathers three paths. The same steps, one part each, in "
             "gru_hidden_state_backward and gru_candidate_backward, and for the stacked blocks in "
             "gru_cell_backward", ("tests/lstm/test_gru_step.py", "tests/lstm/test_gru_gates.py")),
    Exercise(21, "attention scores forward", (("captioner/attention_scores.py", "attention_scores_forward"),),
             "h W_h is one row per picture: give it an axis for the cells so that it is added to each of "
             "the L cells of A_projected; tanh_forward squashes the sum into t (N, L, K), and each cell's "
             "score is its row of t times w. Return e and the cache the backward unpacks",
             ("tests/captioner/test_attention.py",)),
    Exercise(22, "attention scores backward",
             (("captioner/attention_scores.py", "attention_scores_backward"),),
             "e = t w: dw adds up de[n, l] t[n, l] over every picture and cell, and dt is de times w "
             "along K; tanh_backward takes dt to dA_projected. h W_h was added to all L cells, so its "
             "gradient is the sum over the cells; from it dh and dW_h follow as for any matrix product",
             ("tests/captioner/test_attention.py",)),
    Exercise(23, "sigmoid and tanh backward", (("lstm/activations.py", "sigmoid_backward"),
                                               ("lstm/activations.py", "tanh_backward")),
             "the derivatives written with the outputs the forward pass cached: sigmoid' = s (1 - s), "
             "tanh' = 1 - t^2; multiply the upstream gradient by the slope, entry by entry",
             ("tests/lstm/test_activations.py",)),
    Exercise(24, "gate affine backward", (("lstm/gate_affine.py", "gate_affine_backward"),),
             "a = x Wx + prev_h Wh + b: each factor of a product gets 'da times the other factor', "
             "transposed so that the shapes fit (dx = da Wx^T, dWx = x^T da); db sums da over the batch",
             ("tests/lstm/test_gates.py",)),
]

BY_NUMBER = {exercise.number: exercise for exercise in EXERCISES}

def label(number):
    """'exercise 5 (forget gate backward)', as failures and the gradebook name it."""
    return f"exercise {number} ({BY_NUMBER[number].title})"
