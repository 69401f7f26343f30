"""Numerical gradient checking by central differences.

A backward pass is right when it agrees with the slope measured by nudging
each input a little each way:

    df/dx[k]  ~  (L(x + h e_k) - L(x - h e_k)) / 2h,    L = sum(f(x) * dout)

with a random upstream gradient `dout`, so every output element counts.
Use float64: in float32 the rounding error of the difference swamps the slope.

Two entry points:
- `numerical_gradient(f, x, dout)` for any function of your own;
- `check_layer(forward, backward, inputs)` for a forward/backward pair that
  follows the project's convention (forward returns outputs..., cache; backward
  takes douts..., cache and returns one gradient per floating-point input).
`assert_gradients_close(errors, tolerance)` turns check_layer's answer into a
pass or a failure that names the worst gradient.
"""

import math

import numpy

from numerics.backend import array_module, to_host


def rel_error(a, b):
    """max|a - b| / max(1e-8, max(|a| + |b|)): 0 for equal arrays, ~1 for unrelated ones.

    a, b: arrays of the same shape (any backend). Returns a Python float.
    Normalising by the largest magnitude (not element by element) keeps entries
    that are nearly zero from dominating the error.
    """
    a = to_host(a).astype(numpy.float64)
    b = to_host(b).astype(numpy.float64)
    if a.shape != b.shape:
        raise ValueError(f"rel_error: shapes differ, {a.shape} vs {b.shape}")
    if a.size == 0:
        return 0.0
    scale = max(1e-8, float(numpy.max(numpy.abs(a) + numpy.abs(b))))
    return float(numpy.max(numpy.abs(a - b))) / scale


def _weighted_sum(outputs, douts):
    """sum_k sum(outputs[k] * douts[k]), or the scalar itself when douts is None."""
    if douts is None:
        return float(outputs)
    if not isinstance(outputs, (tuple, list)):
        outputs, douts = (outputs,), (douts,)
    return sum(float((out * dout).sum()) for out, dout in zip(outputs, douts, strict=True))


def numerical_gradient(f, x, douts=None, h=1e-6):
    """The gradient of sum(f() * douts) with respect to x, by central differences.

    f: callable with no arguments that reads x (x is modified in place and restored).
       It returns an array, a tuple of arrays, or (when douts is None) a scalar.
    x: floating-point array of any shape; douts: array(s) shaped like f's output(s).
    Returns an array shaped like x.
    """
    grad = array_module(x).zeros(x.shape, dtype=x.dtype)
    for index in numpy.ndindex(*x.shape):  # any memory layout: x is indexed, never reshaped
        original = x[index].copy()
        x[index] = original + h
        plus = _weighted_sum(f(), douts)
        x[index] = original - h
        minus = _weighted_sum(f(), douts)
        x[index] = original
        grad[index] = (plus - minus) / (2 * h)
    return grad


def _is_differentiable(value):
    return hasattr(value, "dtype") and value.dtype.kind == "f"


def check_layer(forward, backward, inputs, rng=0, h=1e-6):
    """Compare backward's gradients with numerical ones for every float input.

    forward(*inputs.values()) -> (output, ..., cache)
    backward(doutput, ..., cache) -> gradients of the float inputs, in order
    inputs: dict of name -> array in forward's argument order (integer and
            boolean arrays, such as word indices or masks, are passed through
            and not differentiated).
    rng: seed or numpy Generator for the random upstream gradients.
    Returns {name: rel_error} for every float input.
    """
    rng = numpy.random.default_rng(rng)
    values = list(inputs.values())
    *outputs, cache = forward(*values)
    douts = [
        array_module(out).asarray(rng.standard_normal(out.shape)).astype(out.dtype)
        for out in outputs
    ]
    grads = backward(*douts, cache)
    if not isinstance(grads, tuple):
        grads = (grads,)
    names = [name for name, value in inputs.items() if _is_differentiable(value)]
    if len(grads) != len(names):
        raise ValueError(f"backward returned {len(grads)} gradients for {len(names)} inputs {names}")
    errors = {}
    for name, grad in zip(names, grads, strict=True):
        numeric = numerical_gradient(lambda: tuple(forward(*values)[:-1]), inputs[name], douts, h)
        errors[name] = rel_error(grad, numeric)
    return errors


def assert_gradients_close(errors, tolerance):
    """Pass when every relative error is below tolerance, else name the worst gradient.

    errors: {input name: rel_error}, as check_layer returns it; tolerance: float.
    Raises AssertionError("gradient check failed, rel. error 3e-2 on dWh (tolerance 1e-7)").
    A NaN error counts as the worst of all.
    """
    if not errors:
        raise ValueError("assert_gradients_close: no gradients to check")
    name, worst = max(errors.items(), key=lambda item: math.inf if math.isnan(item[1]) else item[1])
    if not worst < tolerance:
        raise AssertionError(
            f"gradient check failed, rel. error {_short_number(worst)} on d{name} "
            f"(tolerance {_short_number(tolerance)})"
        )


def _short_number(value):
    """One significant digit, exponent without padding: 0.0312 -> '3e-2', 1e-07 -> '1e-7'."""
    text = f"{value:.0e}"
    if "e" not in text:  # nan, inf
        return text
    mantissa, exponent = text.split("e")
    return f"{mantissa}e{int(exponent)}"
