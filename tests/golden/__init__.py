"""Golden values of the recurrent cells and of attention: numbers stored in values.npz.

They come from naive references that share no code with the project (tests/references/, for
instructors), on the fixed inputs of tests/golden/inputs.py; the gradients from central
differences of those references. Storing the numbers rather than the references keeps every
forward pass the course asks for out of the tests a student reads.
"""

from functools import cache
from pathlib import Path

import numpy as np

from numerics import rel_error

GOLDEN_FILE = Path(__file__).with_name("values.npz")


@cache
def _stored():
    with np.load(GOLDEN_FILE) as stored:
        return {name: stored[name] for name in stored.files}


def golden(name):
    """A fresh float64 copy of one stored array, e.g. golden('lstm_step_h')."""
    return _stored()[name].copy()


def golden_gradient_errors(gradients, prefix, names):
    """{name: rel_error} of each gradient against the stored golden f'{prefix}d{name}'.

    gradients: what a backward pass returned, in the order of names.
    """
    if len(gradients) != len(names):
        raise AssertionError(f"the backward pass returned {len(gradients)} gradients, "
                             f"not {len(names)}: {names}")
    return {name: rel_error(gradient, golden(f"{prefix}d{name}"))
            for name, gradient in zip(names, gradients, strict=True)}


def logistic(z):
    """1 / (1 + exp(-z)), the sigmoid as written in the textbooks, for values the tests choose."""
    return 1.0 / (1.0 + np.exp(-z))
