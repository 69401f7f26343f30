"""The fully connected layer, out = x w^T + b, with w in PyTorch's (out, in) layout."""

from dataclasses import dataclass

from numerics import check_float, check_same_dtype, check_shapes
from resnet.channels import column_sums


@dataclass(frozen=True)
class LinearCache:
    """x: (N, D_in) and w: (D_out, D_in), what linear_backward needs."""

    x: object
    w: object


def linear_forward(x, w, b):
    """out = x @ w.T + b.

    x: (N, D_in); w: (D_out, D_in) as in torch.nn.Linear; b: (D_out,).
    Returns out: (N, D_out) and a LinearCache for linear_backward.
    """
    check_shapes({"x": (x, ("N", "D_in")), "w": (w, ("D_out", "D_in")), "b": (b, ("D_out",))})
    for name, array in {"x": x, "w": w, "b": b}.items():
        check_float(name, array)
    check_same_dtype({"x": x, "w": w, "b": b})
    out = x @ w.T
    out += b
    return out, LinearCache(x, w)


def linear_backward(dout, cache):
    """Gradients of linear_forward.

    dout: (N, D_out). Returns dx: (N, D_in), dw: (D_out, D_in), db: (D_out,).
    """
    x, w = cache.x, cache.w
    check_shapes({"dout": (dout, (x.shape[0], w.shape[0]))})
    return dout @ w, dout.T @ x, column_sums(dout)
