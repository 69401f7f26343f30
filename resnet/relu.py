"""The rectified linear unit, out = max(x, 0), and its gradient.

ReLU passes positive numbers through and zeroes the rest. Its gradient is 1 where the
output is positive and 0 elsewhere, including at exactly 0 (PyTorch's choice too), so the
backward pass needs only the output: out > 0 says where the gradient flows.
"""

from numerics import array_module


def relu_forward(x):
    """out = max(x, 0), elementwise.

    x: any shape, floating point. Returns out: x.shape and a cache (out itself) for relu_backward.
    """
    xp = array_module(x)
    out = xp.maximum(x, 0)
    return out, out


def relu_backward(dout, cache):
    """dx = dout where out > 0, else 0.

    dout: the output's shape. Returns dx: dout.shape.
    """
    out = cache
    if dout.shape != out.shape:
        raise ValueError(f"dout must have the output's shape {tuple(out.shape)}, got {tuple(dout.shape)}")
    return dout * (out > 0)
