"""How the decoder sees the picture: a choice recorded in its config ("pooled" or "attention").

A context owns its parameters and the decoder's walk through the words, because that walk is
where the two differ: a pooled vector is the same at every step, so the whole sequence goes
through the cell at once; attention looks again at every step, from the state of the last one.

    params(rng, xp, dtype)                  -> {name: array}
    start(features, p)                      -> state (the cell's, and what the context keeps), cache
    start_backward(dstate, cache)           -> dfeatures, grads
    run(embedded, state, p)                 -> top (N, T, O): what the output layer reads, cache
    penalty(cache, mask)                    -> a term added to the loss (attention's), its gradient
    run_backward(dtop, cache, dpenalty)     -> dembedded, dstate, grads
    step(embedded, state, p)                -> top (N, O), next state, recorded activations
    recorded(cache)                         -> {name: (N, T, ...)}: every gate (and attention) per step
"""

import math

from captioner.attention import (
    attention_step_backward,
    attention_step_forward,
    doubly_stochastic_backward,
    doubly_stochastic_forward,
    project_grid_backward,
    project_grid_forward,
)
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

    def __init__(self, cell, feature_size, embedding_size, hidden_size, penalty_weight=0.0):
        # penalty_weight: every context takes it; a pooled vector has no attention to regularise.
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
        state, state_cache = initial_state(self.cell, features, p)
        state["context"], context_cache = linear_forward(features, p["W_context"], p["b_context"])
        return state, (state_cache, context_cache)

    def start_backward(self, dstate, cache):
        """dstate: gradients of start's state. Returns dfeatures (N, F) and the grads of W_*, b_*."""
        state_cache, context_cache = cache
        dfeatures, grads = initial_state_backward(self.cell, dstate, state_cache)
        dfeatures_from_context, grads["W_context"], grads["b_context"] = linear_backward(
            dstate["context"], context_cache)
        return dfeatures + dfeatures_from_context, grads

    def run(self, embedded, state, p):
        """embedded: (N, T, E). Returns the hidden states (N, T, H) and the cache."""
        cell_state = {name: state[name] for name in self.cell.state_names}
        return self.cell.sequence_forward(with_context(embedded, state["context"]), cell_state, p)

    def penalty(self, cache, mask):
        return 0.0, None

    def run_backward(self, dtop, cache, dpenalty=None):
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


class AttentionContext:
    """A grid of cells per picture, features (N, L, F), looked at anew before every word
    (Show, Attend and Tell; captioner.attention):

        [h0, c0] = mean_l(features) W_init^T + b_init        the whole picture sets the starting state
        grid     = [features, row, column]  (N, L, F + 2)    each cell also says where it is
        at step t: context_t, alpha_t = attention(grid, h_{t-1})   (N, F + 2), (N, L)
                   the cell reads [word embedding, context_t]; the output layer reads [h_t, context_t]

    and the loss adds the doubly stochastic penalty on the alphas (weight penalty_weight), which
    asks every cell to be looked at about once over the caption. The attention's inner size is H.

    Why the row and column: a weighted sum over the cells forgets which cell each share came from,
    and a convolution's features say what is in a cell far more than where the cell is. A caption
    orders its objects by position ("to the left of", "above"), so each cell carries its place on
    the grid, from -1 (top, left) to 1 (bottom, right), into the context.
    """

    name = "attention"

    def __init__(self, cell, feature_size, embedding_size, hidden_size, penalty_weight=1.0):
        self.cell, self.F, self.E, self.H = cell, feature_size, embedding_size, hidden_size
        self.penalty_weight = penalty_weight
        self.input_size = embedding_size + feature_size + POSITION_CHANNELS
        self.top_size = hidden_size + feature_size + POSITION_CHANNELS

    def params(self, rng, xp, dtype):
        S, F, H = len(self.cell.state_names) * self.H, self.F, self.H
        cell_size = F + POSITION_CHANNELS
        return {
            "W_init": scaled_normal(rng, (S, F), F, xp, dtype),
            "b_init": xp.zeros(S, dtype=dtype),
            "W_attend_grid": scaled_normal(rng, (cell_size, H), cell_size, xp, dtype),
            "b_attend": xp.zeros(H, dtype=dtype),
            "W_attend_h": scaled_normal(rng, (H, H), H, xp, dtype),
            "w_attend": scaled_normal(rng, (H,), H, xp, dtype),
            "W_beta": scaled_normal(rng, (H, 1), H, xp, dtype),
            "b_beta": xp.zeros(1, dtype=dtype),
        }

    def check_features(self, features):
        check_shape("features", features, ("N", "L", self.F))

    def start(self, features, p):
        """features: (N, L, F). Returns the state {h, (c,) grid, projected} and the cache."""
        self.check_features(features)
        state, state_cache = initial_state(self.cell, features.mean(axis=1), p)
        state["grid"] = with_positions(features)
        state["projected"], projection_cache = project_grid_forward(state["grid"], p["W_attend_grid"],
                                                                    p["b_attend"])
        return state, (state_cache, projection_cache, features.shape[1])

    def start_backward(self, dstate, cache):
        """dstate: gradients of start's state (grid and projected too). Returns dfeatures (N, L, F), grads."""
        state_cache, projection_cache, L = cache
        dmean, grads = initial_state_backward(self.cell, dstate, state_cache)
        dgrid, grads["W_attend_grid"], grads["b_attend"] = project_grid_backward(dstate["projected"],
                                                                               projection_cache)
        dgrid += dstate["grid"]
        # The positions are constants: their gradient stops here. The mean shares its gradient
        # among the L cells.
        dfeatures = dgrid[:, :, : self.F] + dmean[:, None, :] / L
        return dfeatures, grads

    def _step(self, embedded, state, p):
        """One word: attend, then the cell reads [embedding, context]. embedded: (N, E).
        Returns top (N, H + F), the next state, alpha (N, L) and the step's caches."""
        xp = array_module(embedded)
        context, alpha, attention_cache = attention_step_forward(
            state["projected"], state["grid"], state["h"], p["W_attend_h"], p["w_attend"], p["W_beta"],
            p["b_beta"])
        cell_state = {name: state[name] for name in self.cell.state_names}
        next_state, cell_cache = self.cell.step_forward(xp.concatenate([embedded, context], axis=1),
                                                        cell_state, p)
        top = xp.concatenate([next_state["h"], context], axis=1)
        return top, {**state, **next_state}, alpha, (attention_cache, cell_cache)

    def step(self, embedded, state, p):
        """embedded: (N, E). Returns top (N, H + F), the next state, the activations (with 'alpha')."""
        top, next_state, alpha, (_, cell_cache) = self._step(embedded, state, p)
        return top, next_state, {**self.cell.recorded(cell_cache), "alpha": alpha}

    def run(self, embedded, state, p):
        """embedded: (N, T, E). Returns top (N, T, H + F) and the cache: one step at a time, since
        each step looks where the last one's hidden state asks."""
        xp = array_module(embedded)
        N, T, _ = embedded.shape
        top = xp.empty((N, T, self.top_size), dtype=embedded.dtype)
        alphas = xp.empty((N, T, state["grid"].shape[1]), dtype=embedded.dtype)
        steps = []
        for t in range(T):
            top[:, t], state, alphas[:, t], caches = self._step(embedded[:, t], state, p)
            steps.append(caches)
        return top, {"steps": steps, "alphas": alphas}

    def penalty(self, cache, mask):
        """The doubly stochastic penalty of the run's alphas; mask: (N, T) the real words."""
        value, penalty_cache = doubly_stochastic_forward(cache["alphas"], mask, self.penalty_weight)
        return value, doubly_stochastic_backward(1.0, penalty_cache)

    def run_backward(self, dtop, cache, dalphas=None):
        """dtop: (N, T, H + F); dalphas: (N, T, L) from the penalty, or None.
        Returns dembedded (N, T, E), dstate (grid and projected included), grads."""
        xp = array_module(dtop)
        N, T, _ = dtop.shape
        dembedded = xp.empty((N, T, self.E), dtype=dtop.dtype)
        dstate = {name: xp.zeros((N, self.H), dtype=dtop.dtype) for name in self.cell.state_names}
        dgrid, dprojected, grads = 0, 0, {}
        L = cache["alphas"].shape[2]
        no_dalpha = xp.zeros((N, L), dtype=dtop.dtype)
        for t in reversed(range(T)):
            attention_cache, cell_cache = cache["steps"][t]
            dstate["h"] = dstate["h"] + dtop[:, t, : self.H]
            dx, dstate, cell_grads = self.cell.step_backward(dstate, cell_cache)
            dembedded[:, t] = dx[:, : self.E]
            dcontext = dx[:, self.E :] + dtop[:, t, self.H :]
            dalpha = no_dalpha if dalphas is None else dalphas[:, t]
            dprojected_t, dgrid_t, dh, *attention_grads = attention_step_backward(dcontext, dalpha,
                                                                                attention_cache)
            dstate["h"] = dstate["h"] + dh
            dgrid, dprojected = dgrid + dgrid_t, dprojected + dprojected_t
            names = ("W_attend_h", "w_attend", "W_beta", "b_beta")
            for name, grad in (*cell_grads.items(), *zip(names, attention_grads)):
                grads[name] = grads[name] + grad if name in grads else grad
        dstate.update(grid=dgrid, projected=dprojected)
        return dembedded, dstate, grads

    def recorded(self, cache):
        xp = array_module(cache["alphas"])
        per_step = [self.cell.recorded(cell_cache) for _, cell_cache in cache["steps"]]
        recorded = {name: xp.stack([step[name] for step in per_step], axis=1) for name in per_step[0]}
        recorded["alpha"] = cache["alphas"]
        return recorded


POSITION_CHANNELS = 2  # a cell's row and column


def with_positions(features):
    """Each cell's features followed by its row and column on the grid, each from -1 to 1.

    features: (N, L, F) with L = g^2 cells in row-major order (as resnet's grid pooling lays
    them out). Returns (N, L, F + 2).
    """
    xp = array_module(features)
    N, L, F = features.shape
    side = math.isqrt(L)
    if side * side != L:
        raise ValueError(f"features must be a square grid of cells, got L = {L}")
    steps = xp.linspace(-1, 1, side, dtype=features.dtype) if side > 1 else xp.zeros(1, dtype=features.dtype)
    rows, columns = xp.meshgrid(steps, steps, indexing="ij")
    positions = xp.stack([rows.reshape(L), columns.reshape(L)], axis=1)
    return xp.concatenate([features, xp.broadcast_to(positions, (N, L, POSITION_CHANNELS))], axis=2)


def initial_state(cell, features, p):
    """The cell's starting state from a picture's vector: [h0, (c0)] = features W_init^T + b_init.

    features: (N, F). Returns {name: (N, H)} for cell.state_names, and the cache.
    """
    stacked, cache = linear_forward(features, p["W_init"], p["b_init"])
    H = stacked.shape[1] // len(cell.state_names)
    return {name: stacked[:, k * H : (k + 1) * H] for k, name in enumerate(cell.state_names)}, cache


def initial_state_backward(cell, dstate, cache):
    """dstate: {name: (N, H)}. Returns dfeatures (N, F) and {"W_init", "b_init"} gradients."""
    xp = array_module(dstate["h"])
    dstacked = xp.concatenate([dstate[name] for name in cell.state_names], axis=1)
    grads = {}
    dfeatures, grads["W_init"], grads["b_init"] = linear_backward(dstacked, cache)
    return dfeatures, grads


def with_context(embedded, context):
    """Each step's input: the word embedding beside the picture's context.

    embedded: (N, T, E); context: (N, C). Returns (N, T, E + C).
    """
    xp = array_module(embedded)
    N, T, _ = embedded.shape
    return xp.concatenate([embedded, xp.broadcast_to(context[:, None, :], (N, T, context.shape[1]))], axis=2)


CONTEXTS = {context.name: context for context in (PooledContext, AttentionContext)}


def context_named(name):
    """The context class called `name`; ValueError lists the choices otherwise."""
    if name not in CONTEXTS:
        raise ValueError(f"unknown image context {name!r}; expected one of {tuple(CONTEXTS)}")
    return CONTEXTS[name]
