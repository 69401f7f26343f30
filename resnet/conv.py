"""2-D convolution as one matrix product (im2col), on channels-last activations.

Every output pixel of a convolution is a dot product between the kH x kW x C_in patch of
input under the kernel and each of the C_out filters. Copy every patch into one row of a
matrix (im2col) and the whole convolution is a single matrix product:

    cols:  (N*H_out*W_out, kH*kW*C_in)     one row per output pixel
    W:     (kH*kW*C_in, C_out)             one column per filter
    out =  cols @ W                         (N*H_out*W_out, C_out) = (N, H_out, W_out, C_out)

Activations are channels-last, x: (N, H, W, C): the product's output is already the next
layer's input, with no transposes. Weights stay in PyTorch's layout w: (C_out, C_in, kH, kW)
so a state dict loads as it is; W above is w.transpose(2, 3, 1, 0) flattened.

The backward pass is two more products, dW = cols^T @ dout and d(cols) = dout @ W^T, and
col2im, the reverse of im2col, which adds each row of d(cols) back onto the input pixels
it was copied from.

This module is the definition. The model runs resnet/fast_conv.py, which computes the same
numbers without ever building the whole patch matrix; tests hold the two equal.
"""

from dataclasses import dataclass

from numerics import array_module, check_float, check_same_dtype, check_shape, check_shapes
from resnet.channels import column_sums


@dataclass(frozen=True)
class ConvCache:
    """What the backward pass of a convolution needs from its forward pass.

    x: (N, H, W, C_in); w: (C_out, C_in, kH, kW); stride, padding: ints; has_bias: whether
    the forward added a bias (then the backward returns its gradient).
    """

    x: object
    w: object
    stride: int
    padding: int
    has_bias: bool


def output_size(size, kernel, stride, padding):
    """Number of kernel positions along one axis: (size + 2*padding - kernel) // stride + 1."""
    return (size + 2 * padding - kernel) // stride + 1


def _tap_slices(in_size, out_size, offset, stride, padding):
    """Where kernel offset `offset` reads along one axis, as (output slice, input slice).

    Output position o reads input position o*stride + offset - padding; the positions that
    fall into the zero padding are left out of both slices (they contribute zeros).
    """
    first = max(0, -((offset - padding) // stride))  # ceil((padding - offset) / stride)
    stop = min(out_size, (in_size - 1 + padding - offset) // stride + 1)
    if stop <= first:
        return slice(0, 0), slice(0, 0)
    start = first * stride + offset - padding
    return slice(first, stop), slice(start, start + (stop - first - 1) * stride + 1, stride)


def kernel_taps(x_shape, kernel, stride, padding):
    """Yield (i, j, out_rows, out_cols, in_rows, in_cols) for every kernel offset (i, j).

    x_shape: (N, H, W, C); kernel: (kH, kW). The slices pair each output pixel with the
    input pixel that offset (i, j) of the kernel sees from it, leaving out the padding;
    shared by im2col, col2im and max pooling so that arithmetic lives in one place.
    """
    _, H, W, _ = x_shape
    kH, kW = kernel
    H_out, W_out = output_size(H, kH, stride, padding), output_size(W, kW, stride, padding)
    for i in range(kH):
        out_rows, in_rows = _tap_slices(H, H_out, i, stride, padding)
        for j in range(kW):
            out_cols, in_cols = _tap_slices(W, W_out, j, stride, padding)
            yield i, j, out_rows, out_cols, in_rows, in_cols


def im2col(x, kernel, stride, padding):
    """Copy every kernel-sized patch of x into one row.

    x: (N, H, W, C); kernel: (kH, kW). Returns cols: (N, H_out, W_out, kH, kW, C), zero
    where a patch overlaps the padding; cols.reshape(-1, kH*kW*C) is the patch matrix.
    One strided slice of x per kernel offset, no loop over pixels.
    """
    xp = array_module(x)
    N, H, W, C = x.shape
    kH, kW = kernel
    H_out, W_out = output_size(H, kH, stride, padding), output_size(W, kW, stride, padding)
    cols = xp.zeros((N, H_out, W_out, kH, kW, C), dtype=x.dtype)
    for i, j, out_rows, out_cols, in_rows, in_cols in kernel_taps(x.shape, kernel, stride, padding):
        cols[:, out_rows, out_cols, i, j, :] = x[:, in_rows, in_cols, :]
    return cols


def col2im(dcols, x_shape, stride, padding):
    """The adjoint of im2col: add each patch row back onto the pixels it came from.

    dcols: (N, H_out, W_out, kH, kW, C); x_shape: (N, H, W, C). Returns dx: x_shape.
    Overlapping patches (stride < kernel) sum into the same pixel, one kernel offset at a time.
    """
    # BEGIN EXERCISE 13
    xp = array_module(dcols)
    dx = xp.zeros(x_shape, dtype=dcols.dtype)
    for i, j, out_rows, out_cols, in_rows, in_cols in kernel_taps(x_shape, dcols.shape[3:5], stride, padding):
        dx[:, in_rows, in_cols, :] += dcols[:, out_rows, out_cols, i, j, :]
    return dx
    # END EXERCISE 13


def gemm_matrix(w):
    """w: (C_out, C_in, kH, kW) as the product's right factor W: (kH*kW*C_in, C_out).

    Its rows are in the order of a patch row (kernel row, kernel column, channel).
    """
    return w.transpose(2, 3, 1, 0).reshape(-1, w.shape[0])


def check_conv_arguments(x, w, b, stride, padding):
    """Raise ValueError naming the argument unless the shapes, dtypes and geometry fit."""
    sizes = check_shapes({"x": (x, ("N", "H", "W", "C_in")), "w": (w, ("C_out", "C_in", "kH", "kW"))})
    arrays = {"x": x, "w": w}
    if b is not None:
        check_shape("b", b, (sizes["C_out"],))
        arrays["b"] = b
    for name, array in arrays.items():
        check_float(name, array)
    check_same_dtype(arrays)
    if not (isinstance(stride, int) and stride >= 1 and isinstance(padding, int) and padding >= 0):
        raise ValueError(f"stride must be an int >= 1 and padding an int >= 0, got {stride!r}, {padding!r}")
    H_out = output_size(sizes["H"], sizes["kH"], stride, padding)
    W_out = output_size(sizes["W"], sizes["kW"], stride, padding)
    if H_out < 1 or W_out < 1:
        raise ValueError(
            f"x of shape {tuple(x.shape)} is smaller than the {sizes['kH']}x{sizes['kW']} kernel "
            f"with padding {padding}: output would be {H_out}x{W_out}"
        )


def check_dout(dout, cache):
    """Raise ValueError unless dout: (N, H_out, W_out, C_out) fits the forward pass in cache."""
    N, H, W, _ = cache.x.shape
    C_out, _, kH, kW = cache.w.shape
    H_out, W_out = (output_size(size, k, cache.stride, cache.padding) for size, k in ((H, kH), (W, kW)))
    check_shape("dout", dout, (N, H_out, W_out, C_out))


def conv2d_forward(x, w, b=None, stride=1, padding=0):
    """out = conv2d(x, w) + b: im2col, then one matrix product.

    x: (N, H, W, C_in) channels-last; w: (C_out, C_in, kH, kW) PyTorch's layout;
    b: (C_out,) or None; stride, padding: ints, the same along both axes (zero padding).
    Returns out: (N, H_out, W_out, C_out) with H_out = (H + 2*padding - kH) // stride + 1
    (likewise W_out), and a ConvCache for conv2d_backward.
    """
    check_conv_arguments(x, w, b, stride, padding)
    C_out, _, kH, kW = w.shape
    cols = im2col(x, (kH, kW), stride, padding)
    out = cols.reshape(-1, kH * kW * x.shape[3]) @ gemm_matrix(w)
    if b is not None:
        out += b
    return out.reshape(*cols.shape[:3], C_out), ConvCache(x, w, stride, padding, b is not None)


def conv2d_backward(dout, cache):
    """Gradients of conv2d_forward.

    dout: (N, H_out, W_out, C_out). Returns (dx, dw, db): dx: (N, H, W, C_in),
    dw: (C_out, C_in, kH, kW) and db: (C_out,), or None when the forward had no bias.
    """
    check_dout(dout, cache)
    C_out, C_in, kH, kW = cache.w.shape
    cols = im2col(cache.x, (kH, kW), cache.stride, cache.padding)
    dout_rows = dout.reshape(-1, C_out)
    dw_matrix = cols.reshape(dout_rows.shape[0], -1).T @ dout_rows
    dw = dw_matrix.reshape(kH, kW, C_in, C_out).transpose(3, 2, 0, 1)
    dcols = dout_rows @ gemm_matrix(cache.w).T
    dx = col2im(dcols.reshape(cols.shape), cache.x.shape, cache.stride, cache.padding)
    db = column_sums(dout_rows) if cache.has_bias else None
    return dx, dw, db
