"""How the decoder sees the picture: a choice recorded in its config ("pooled" or "attention").

A context owns its parameters and the decoder's walk through the words, because that walk is
where the two differ: a pooled vector is the same at every step, so the whole sequence goes
through the cell at once; attention looks again at every step, from the state of the last one.

    params(rng, xp, dtype)                  -> {name: array}
    start(features, p)                      -> state (the cell's, and what the context keeps), cache
    start_backward(dstate, cache)           -> dfeatures, grads
    run(embedded, state, p)                 -> top (N, T, O): what the output layer reads, cache
    run_backward(dtop, cache)               -> dembedded, dstate, grads
    step(embedded, state, p)                -> top (N, O), next state, recorded activations
    recorded(cache)                         -> {name: (N, T, ...)}: every gate (and attention) per step
"""

from captioner.cells import scaled_normal
from numerics import array_module, check_shape
from resnet.linear import linear_backward, linear_forward


class PooledContext:
    """One vector per picture, features (N, F):

        [h0, c0] = features W_init^T + b_init       the picture sets the cell's starting state
        context  = features W_context^T + b_context  (N, E), shown beside every word's embedding

    Showing the picture at every step spares the cell from carrying every detail of it from the
    first word to the last, and gives the picture a short path for its gradient.
    """

    name = "pooled"

    def __init__(self, cell, feature_size, embedding_size, hidden_size):
        self.cell, self.F, self.E, self.H = cell, feature_size, embedding_size, hidden_size
        self.input_size = 2 * embedding_size  # each step reads [word embedding, context]
        self.top_size = hidden_size

    def params(self, rng, xp, dtype):
        S = len(self.cell.state_names) * self.H
        return {  # torch.nn.Linear's (out, in) layout
            "W_init": scaled_normal(rng, (S, self.F), self.F, xp, dtype),
            "b_init": xp.zeros(S, dtype=dtype),
            "W_context": scaled_normal(rng, (self.E, self.F), self.F, xp, dtype),
            "b_context": xp.zeros(self.E, dtype=dtype),
        }

    def check_features(self, features):
        check_shape("features", features, ("N", self.F))

    def start(self, features, p):
        """features: (N, F). Returns the state {h, (c,) context: (N, E)} and the cache."""
        self.check_features(features)
        stacked, state_cache = linear_forward(features, p["W_init"], p["b_init"])
        state = {name: stacked[:, k * self.H : (k + 1) * self.H]
                 for k, name in enumerate(self.cell.state_names)}
        state["context"], context_cache = linear_forward(features, p["W_context"], p["b_context"])
        return state, (state_cache, context_cache)

    def start_backward(self, dstate, cache):
        """dstate: gradients of start's state. Returns dfeatures (N, F) and the grads of W_*, b_*."""
        state_cache, context_cache = cache
        xp = array_module(dstate["context"])
        dstacked = xp.concatenate([dstate[name] for name in self.cell.state_names], axis=1)
        grads = {}
        dfeatures, grads["W_init"], grads["b_init"] = linear_backward(dstacked, state_cache)
        dfeatures_from_context, grads["W_context"], grads["b_context"] = linear_backward(
            dstate["context"], context_cache)
        return dfeatures + dfeatures_from_context, grads

    def run(self, embedded, state, p):
        """embedded: (N, T, E). Returns the hidden states (N, T, H) and the cache."""
        cell_state = {name: state[name] for name in self.cell.state_names}
        return self.cell.sequence_forward(with_context(embedded, state["context"]), cell_state, p)

    def run_backward(self, dtop, cache):
        """dtop: (N, T, H). Returns dembedded (N, T, E), dstate, the cell's grads."""
        dinputs, dstate, grads = self.cell.sequence_backward(dtop, cache)
        # the context is every step's input: its gradient is the sum over the steps
        dstate["context"] = dinputs[:, :, self.E :].sum(axis=1)
        return dinputs[:, :, : self.E], dstate, grads

    def step(self, embedded, state, p):
        """embedded: (N, E), one word per picture. Returns top (N, H), the next state, the activations."""
        cell_state = {name: state[name] for name in self.cell.state_names}
        xp = array_module(embedded)
        next_state, cache = self.cell.step_forward(xp.concatenate([embedded, state["context"]], axis=1),
                                                   cell_state, p)
        return next_state["h"], {**next_state, "context": state["context"]}, self.cell.recorded(cache)

    def recorded(self, cache):
        return self.cell.recorded(cache)


def with_context(embedded, context):
    """Each step's input: the word embedding beside the picture's context.

    embedded: (N, T, E); context: (N, C). Returns (N, T, E + C).
    """
    xp = array_module(embedded)
    N, T, _ = embedded.shape
    return xp.concatenate([embedded, xp.broadcast_to(context[:, None, :], (N, T, context.shape[1]))], axis=2)


CONTEXTS = {context.name: context for context in (PooledContext,)}


def context_named(name):
    """The context class called `name`; ValueError lists the choices otherwise."""
    if name not in CONTEXTS:
        raise ValueError(f"unknown image context {name!r}; expected one of {tuple(CONTEXTS)}")
    return CONTEXTS[name]
