"""The course's exercises: the function bodies a student writes, in the order the notebooks teach them.

Each body sits between a `# BEGIN EXERCISE N` and an `# END EXERCISE N` comment line in
the function named here. The student edition (python -m tests.course.student_edition)
replaces it with raise NotImplementedError("Exercise N (title): hint"). Tests marked
@pytest.mark.exercise(N) grade it, tests marked @pytest.mark.needs_exercises(N, ...) can
only pass once it is written; python -m tests.course.gradebook prints the table.
Kept to plain data so that anything (the book's instructor page) can import it.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Exercise:
    """number: as the student sees it; path: the source file, relative to the project root."""

    number: int
    title: str
    path: str
    function: str
    hint: str


EXERCISES = [
    Exercise(1, "forget gate forward", "lstm/forget_gate.py", "forget_gate_forward",
             "gate_affine_forward gives a_f = x Wx_f + prev_h Wh_f + b_f, sigmoid_forward squashes it; "
             "return f and both caches, which the backward pass needs"),
    Exercise(2, "input gate forward", "lstm/input_gate.py", "input_gate_forward",
             "the same two steps as the forget gate, with the input gate's weights"),
    Exercise(3, "candidate gate forward", "lstm/candidate_gate.py", "candidate_gate_forward",
             "like the forget gate, but squashed into (-1, 1) with tanh_forward"),
    Exercise(4, "output gate forward", "lstm/output_gate.py", "output_gate_forward",
             "gate_affine_forward, then sigmoid_forward, as for the forget gate"),
    Exercise(5, "forget gate backward", "lstm/forget_gate.py", "forget_gate_backward",
             "go back through the sigmoid with sigmoid_backward (its cache is f), then through the "
             "affine map with gate_affine_backward, which returns all five gradients"),
    Exercise(6, "input gate backward", "lstm/input_gate.py", "input_gate_backward",
             "sigmoid_backward, then gate_affine_backward, as for the forget gate"),
    Exercise(7, "candidate gate backward", "lstm/candidate_gate.py", "candidate_gate_backward",
             "tanh_backward (the slope is 1 - g^2), then gate_affine_backward"),
    Exercise(8, "output gate backward", "lstm/output_gate.py", "output_gate_backward",
             "sigmoid_backward, then gate_affine_backward"),
    Exercise(9, "cell state backward", "lstm/cell_state.py", "cell_state_backward",
             "c = f * prev_c + i * g is a product in each factor: df = dc * prev_c, dprev_c = dc * f, "
             "di = dc * g, dg = dc * i; write each into its array of `out` when one is given "
             "(xp.multiply(a, b, out=...))"),
    Exercise(10, "hidden output backward", "lstm/hidden_output.py", "hidden_output_backward",
             "h = o * tanh(c): do = dh * tanh(c) (into do_out when given), and dh * o goes back "
             "through the tanh with tanh_backward"),
    Exercise(11, "LSTM step backward", "lstm/step.py", "lstm_step_backward",
             "hidden_output_backward; the cell state's gradient is dnext_c plus what came through h; "
             "cell_state_backward; then each gate's backward (GATE_FUNCTIONS). x and prev_h feed all "
             "four gates, so their gradients add up; weight gradients side by side in the order GATES"),
    Exercise(12, "backprop through time", "lstm/sequence.py", "lstm_backward_with_cell",
             "walk t = T-1 .. 0 carrying dnext_h and dnext_c: h[t] gets dh[:, t] plus dnext_h; "
             "cell_backward writes step t's d(pre-activation) into da[t] and returns dprev_c; "
             "dprev_h = da[t] Wh^T. After the loop dx, dWx, dWh, db are one product or sum each"),
    Exercise(13, "col2im for conv2d backward", "resnet/conv.py", "col2im",
             "the reverse of im2col: start from zeros shaped x_shape (or zero `out` when given) and, for "
             "each kernel offset of kernel_taps, add dcols[:, out_rows, out_cols, i, j, :] onto "
             "out[:, in_rows, in_cols, :]"),
    Exercise(14, "batch norm backward", "resnet/batchnorm.py", "batchnorm_backward",
             "dbeta sums dout over the rows, dgamma sums dout * x_hat (x_hat from rows, mean and inv_std); "
             "dx as the docstring says, for train and eval mode. Leave dout as it is unless in_place"),
    Exercise(15, "bottleneck block backward", "resnet/bottleneck.py", "bottleneck_backward",
             "relu_backward first; that gradient feeds the shortcut (the projection's conv_bn_backward, "
             "or the identity) and the main path (conv_bn_backward of conv3, conv2, conv1); dx is the sum "
             "of both; grads keyed like params. Leave dout as it is unless in_place"),
    Exercise(16, "beam search", "captioner/decoding.py", "_search_one",
             "step every live beam at once with decoder.step; each beam's score plus the log_softmax "
             "(numerics.softmax) of its scores rates every (beam, word); keep the beam_width best; one that "
             "picks END_ID is finished, ranked by score / length ** length_penalty"),
    Exercise(17, "clipped n-gram matches", "captioner/metrics.py", "clipped_ngram_matches",
             "ngram_counts counts the n-grams; a hypothesis n-gram matches at most as often as it occurs "
             "in the one reference that has it most (Counter's | keeps the larger count, & the smaller)"),
    Exercise(18, "corpus BLEU", "captioner/metrics.py", "corpus_bleu",
             "add up clipped matches and hypothesis n-grams over all images before dividing; BLEU-n is "
             "brevity_penalty(c, r), r summed from closest_reference_length, times the geometric mean of "
             "p_1 .. p_n, and 0 once some p_k is 0"),
    Exercise(21, "attention scores forward", "captioner/attention_scores.py", "attention_scores_forward",
             "h W_h is one row per picture: give it an axis for the cells so that it is added to each of "
             "the L cells of A_projected; tanh_forward squashes the sum into t (N, L, K), and each cell's "
             "score is its row of t times w. Return e and the cache the backward unpacks"),
    Exercise(22, "attention scores backward", "captioner/attention_scores.py", "attention_scores_backward",
             "e = t w: dw adds up de[n, l] t[n, l] over every picture and cell, and dt is de times w "
             "along K; tanh_backward takes dt to dA_projected. h W_h was added to all L cells, so its "
             "gradient is the sum over the cells; from it dh and dW_h follow as for any matrix product"),
]

BY_NUMBER = {exercise.number: exercise for exercise in EXERCISES}


def label(number):
    """'exercise 5 (forget gate backward)', as failures and the gradebook name it."""
    return f"exercise {number} ({BY_NUMBER[number].title})"
