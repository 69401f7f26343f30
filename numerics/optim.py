"""Optimizers written out: SGD with momentum and Adam, gradient clipping, a learning-rate schedule.

An optimizer holds a reference to the model's parameter dict and updates the
arrays in it in place, so the model sees the new values without copying.
Its state (velocities, moments, step count) is a dict of arrays that can be
saved in a checkpoint and loaded back to resume training exactly.
"""

import math

from numerics.backend import array_module
from numerics.state_dicts import check_state_fits, strip_prefix


class SGD:
    """Stochastic gradient descent with (heavy-ball) momentum, as torch.optim.SGD computes it:

        v = momentum * v + grad          (v = grad on the first step)
        param -= learning_rate * v
    """

    def __init__(self, params, learning_rate=0.01, momentum=0.9):
        self.params, self.learning_rate, self.momentum = params, learning_rate, momentum
        self.velocity = {}
        self.steps = 0

    def step(self, grads):
        """Update every parameter from grads: dict with the params' keys and shapes."""
        for name, grad in grads.items():
            if name in self.velocity:
                self.velocity[name] *= self.momentum
                self.velocity[name] += grad
            else:
                self.velocity[name] = grad.copy()
            self.params[name] -= self.learning_rate * self.velocity[name]
        self.steps += 1

    def state_dict(self):
        """{'steps': int, 'velocity.<name>': array, ...}"""
        return {"steps": self.steps, **{f"velocity.{k}": v for k, v in self.velocity.items()}}

    def load_state_dict(self, state):
        self.steps = int(state["steps"])
        self.velocity = _load_prefixed(state, "velocity.", self.params)


class Adam:
    """Adam (Kingma & Ba, 2015) with bias correction, as torch.optim.Adam computes it:

        m = beta1 m + (1 - beta1) grad            running mean of the gradient
        v = beta2 v + (1 - beta2) grad^2          running mean of its square
        param -= lr * (m / (1 - beta1^t)) / (sqrt(v / (1 - beta2^t)) + eps)

    Dividing by sqrt(v) gives every parameter a step of about lr, whatever the
    scale of its gradient; the corrections undo the zero start of m and v.
    """

    def __init__(self, params, learning_rate=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
        self.params, self.learning_rate = params, learning_rate
        self.beta1, self.beta2, self.eps = beta1, beta2, eps
        self.first_moment, self.second_moment = {}, {}
        self.steps = 0

    def step(self, grads):
        """Update every parameter from grads: dict with the params' keys and shapes."""
        self.steps += 1
        correction1 = 1 - self.beta1**self.steps
        correction2 = 1 - self.beta2**self.steps
        for name, grad in grads.items():
            xp = array_module(grad)
            m = self.first_moment.setdefault(name, xp.zeros_like(grad))
            v = self.second_moment.setdefault(name, xp.zeros_like(grad))
            m *= self.beta1
            m += (1 - self.beta1) * grad
            v *= self.beta2
            v += (1 - self.beta2) * grad * grad
            denominator = xp.sqrt(v / correction2)
            denominator += self.eps
            self.params[name] -= (self.learning_rate / correction1) * m / denominator

    def state_dict(self):
        """{'steps': int, 'first_moment.<name>': array, 'second_moment.<name>': array, ...}"""
        state = {"steps": self.steps}
        state.update({f"first_moment.{k}": v for k, v in self.first_moment.items()})
        state.update({f"second_moment.{k}": v for k, v in self.second_moment.items()})
        return state

    def load_state_dict(self, state):
        self.steps = int(state["steps"])
        self.first_moment = _load_prefixed(state, "first_moment.", self.params)
        self.second_moment = _load_prefixed(state, "second_moment.", self.params)


def _load_prefixed(state, prefix, params):
    """The entries of state whose key starts with prefix, as arrays on the params' device.

    A parameter may have none (it had no gradient yet); any other disagreement is an error.
    """
    loaded = strip_prefix(state, prefix)
    check_state_fits(params, loaded, f"optimizer state {prefix}*", optional=params)
    return {name: array_module(params[name]).asarray(value) for name, value in loaded.items()}


def clip_by_global_norm(grads, max_norm):
    """Scale all gradients together so that their joint L2 norm is at most max_norm.

    grads: dict of arrays, modified in place; max_norm: positive. Returns the norm before
    clipping (a Python float). One shared factor keeps the update's direction.

    The norm and the factor, min(1, max_norm / norm), stay on the arrays' device and every
    gradient is scaled (by exactly 1 when the norm is small enough): reading the norm before
    deciding would wait for the device once per parameter. The returned float is the one wait.
    """
    if not max_norm > 0:
        raise ValueError(f"max_norm must be positive, got {max_norm}")
    if not grads:
        return 0.0
    xp = array_module(*grads.values())
    norm = xp.sqrt(sum((g * g).sum() for g in grads.values()))
    factor = max_norm / xp.maximum(norm, max_norm)
    for grad in grads.values():
        grad *= factor
    return float(norm)


def cosine_learning_rate(step, total_steps, base_rate, warmup_steps=0, final_fraction=0.05):
    """Linear warm-up to base_rate, then cosine decay to final_fraction * base_rate at total_steps."""
    if step < warmup_steps:
        return base_rate * (step + 1) / warmup_steps
    progress = min(1.0, (step - warmup_steps) / max(1, total_steps - warmup_steps))
    final = final_fraction * base_rate
    return final + (base_rate - final) * 0.5 * (1 + math.cos(math.pi * progress))
