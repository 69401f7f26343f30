"""Soft attention (Show, Attend and Tell, Xu et al. 2015): one step, composed from its parts.

A decoder that reads one pooled vector of the picture has to describe every object from the
same numbers. With attention it reads, before each word, a different blend of the picture's grid
cells, weighted by how well each cell fits what the caption needs next:

    A_projected = A W_a + b                       attention_scores.project_grid_forward, once
    e     = tanh(A_projected + h W_h) w   (N, L)  attention_scores.attention_scores_forward
    alpha = softmax(e) over the L cells   (N, L)  attention_weights.attention_weights_forward
    z     = sum_l alpha_l A_l             (N, F)  attention_context.attention_context_forward
    beta  = sigmoid(h W_beta + b_beta)    (N, 1)  attention_gate.context_gate_forward
    context = beta * z                    (N, F)  attention_gate.gated_context_forward

and, over the whole caption, the doubly stochastic penalty on the alphas
(attention_regulariser.doubly_stochastic_forward).

The decoder owns the loop over words. Per caption it calls project_grid_forward once; at each
step it calls attention_step_forward with the hidden state h of the step before, and feeds the
context into the recurrent cell beside the word. Backward, step by step in reverse, it calls
attention_step_backward, adds up the returned dA_projected and dA over the steps, and finally
calls project_grid_backward once with the summed dA_projected (adding its dA to the sum).
"""

from captioner.attention_context import attention_context_backward, attention_context_forward
from captioner.attention_gate import (
    context_gate_backward,
    context_gate_forward,
    gated_context_backward,
    gated_context_forward,
)
from captioner.attention_regulariser import doubly_stochastic_backward, doubly_stochastic_forward
from captioner.attention_scores import (
    attention_scores_backward,
    attention_scores_forward,
    project_grid_backward,
    project_grid_forward,
)
from captioner.attention_weights import attention_weights_backward, attention_weights_forward
from numerics import check_same_dtype, check_shapes

__all__ = [
    "attention_context_backward",
    "attention_context_forward",
    "attention_scores_backward",
    "attention_scores_forward",
    "attention_step_backward",
    "attention_step_forward",
    "attention_weights_backward",
    "attention_weights_forward",
    "context_gate_backward",
    "context_gate_forward",
    "doubly_stochastic_backward",
    "doubly_stochastic_forward",
    "gated_context_backward",
    "gated_context_forward",
    "project_grid_backward",
    "project_grid_forward",
]


def attention_step_forward(A_projected, A, h, W_h, w, W_beta, b_beta):
    """The gated context the decoder reads at one step, and where it looked.

    A_projected: (N, L, K) = A W_a + b from project_grid_forward; A: (N, L, F) grid features;
    h: (N, H) the decoder's hidden state before this step's word; W_h: (H, K); w: (K,);
    W_beta: (H, 1); b_beta: (1,).
    Returns context: (N, F) (= beta * sum_l alpha_l A_l), alpha: (N, L) (each row sums to 1),
    and a cache for attention_step_backward; cache["beta"] (N, 1) holds the gate's values.
    """
    check_shapes({"A_projected": (A_projected, ("N", "L", "K")), "A": (A, ("N", "L", "F")),
                  "h": (h, ("N", "H"))})
    check_same_dtype({"A_projected": A_projected, "A": A, "h": h, "W_h": W_h, "w": w,
                      "W_beta": W_beta, "b_beta": b_beta})
    cache = {}
    e, cache["scores"] = attention_scores_forward(A_projected, h, W_h, w)
    alpha, cache["weights"] = attention_weights_forward(e)
    z, cache["context"] = attention_context_forward(alpha, A)
    cache["beta"], cache["gate"] = context_gate_forward(h, W_beta, b_beta)
    context, cache["gated"] = gated_context_forward(z, cache["beta"])
    return context, alpha, cache


def attention_step_backward(dcontext, dalpha, cache):
    """Backward through one attention step.

    dcontext: (N, F), from the recurrent cell that read the context; dalpha: (N, L), from
    whatever else read alpha (the doubly stochastic penalty's gradient for this step, or zeros).
    Returns dA_projected (N, L, K), dA (N, L, F), dh (N, H), dW_h (H, K), dw (K,),
    dW_beta (H, 1), db_beta (1,).
    """
    dz, dbeta = gated_context_backward(dcontext, cache["gated"])
    dh_gate, dW_beta, db_beta = context_gate_backward(dbeta, cache["gate"])
    dalpha_context, dA = attention_context_backward(dz, cache["context"])
    # alpha went both into the context and out of the step: the two gradients add up.
    de = attention_weights_backward(dalpha + dalpha_context, cache["weights"])
    dA_projected, dh_scores, dW_h, dw = attention_scores_backward(de, cache["scores"])
    # h chose both the scores and the gate.
    return dA_projected, dA, dh_scores + dh_gate, dW_h, dw, dW_beta, db_beta
