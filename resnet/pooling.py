"""Pooling on channels-last activations: max pooling and global average pooling.

Max pooling keeps the largest value of each kernel x kernel window (ResNet's stem uses
3x3 windows, stride 2, padding 1: it halves the image). Padding never wins: it acts as
minus infinity. Global average pooling averages each channel over the whole image, turning
the last feature map (N, H, W, C) into one vector per image (N, C) whatever H and W are.
"""

from dataclasses import dataclass

from numerics import array_module, check_float, check_shape
from resnet.conv import kernel_taps, output_size


@dataclass(frozen=True)
class MaxPoolCache:
    """x: (N, H, W, C), out: (N, H_out, W_out, C) and the window geometry (ints)."""

    x: object
    out: object
    kernel: int
    stride: int
    padding: int


@dataclass(frozen=True)
class GridPoolCache:
    """x_shape: (N, H, W, C) of the pooled map; grid: cells per side."""

    x_shape: tuple
    grid: int


def _check_pool_arguments(x, kernel, stride, padding):
    check_shape("x", x, ("N", "H", "W", "C"))
    check_float("x", x)
    if not (kernel >= 1 and stride >= 1 and 0 <= padding <= kernel // 2):
        raise ValueError(
            f"max pooling needs kernel >= 1, stride >= 1 and 0 <= padding <= kernel // 2, "
            f"got kernel {kernel}, stride {stride}, padding {padding}"
        )
    _, H, W, _ = x.shape
    if output_size(H, kernel, stride, padding) < 1 or output_size(W, kernel, stride, padding) < 1:
        raise ValueError(f"x of shape {tuple(x.shape)} is smaller than the {kernel}x{kernel} pooling window")


def maxpool_forward(x, kernel=3, stride=2, padding=1):
    """out[n, i, j, c] = the largest x[n, :, :, c] inside window (i, j).

    x: (N, H, W, C). kernel, stride, padding: ints (square windows, padding <= kernel // 2).
    Returns out: (N, H_out, W_out, C) with H_out = (H + 2*padding - kernel) // stride + 1,
    and a MaxPoolCache for maxpool_backward.
    """
    _check_pool_arguments(x, kernel, stride, padding)
    xp = array_module(x)
    N, H, W, C = x.shape
    H_out, W_out = output_size(H, kernel, stride, padding), output_size(W, kernel, stride, padding)
    out = xp.full((N, H_out, W_out, C), -xp.inf, dtype=x.dtype)
    for _, _, out_rows, out_cols, in_rows, in_cols in kernel_taps(x.shape, (kernel, kernel), stride, padding):
        window_part = out[:, out_rows, out_cols, :]
        xp.maximum(window_part, x[:, in_rows, in_cols, :], out=window_part)
    return out, MaxPoolCache(x, out, kernel, stride, padding)


def maxpool_backward(dout, cache):
    """Route each window's gradient to the element that won it.

    dout: (N, H_out, W_out, C). Returns dx: (N, H, W, C).
    Ties: when several elements of a window equal its maximum, the gradient goes to the
    first of them in row-major order (smallest row, then smallest column), as PyTorch's
    CPU kernel does; the others get none.
    """
    x, out, kernel, stride, padding = cache.x, cache.out, cache.kernel, cache.stride, cache.padding
    check_shape("dout", dout, out.shape)
    xp = array_module(dout)
    dx = xp.zeros_like(x)
    unclaimed = xp.ones(out.shape, dtype=bool)
    for _, _, out_rows, out_cols, in_rows, in_cols in kernel_taps(x.shape, (kernel, kernel), stride, padding):
        still_open = unclaimed[:, out_rows, out_cols, :]
        winner = (x[:, in_rows, in_cols, :] == out[:, out_rows, out_cols, :]) & still_open
        dx[:, in_rows, in_cols, :] += dout[:, out_rows, out_cols, :] * winner
        still_open &= ~winner
    return dx


def grid_avgpool_forward(x, grid=1):
    """Average pooling onto a grid x grid of equal cells, flattened.

    x: (N, H, W, C) with H and W divisible by grid.
    Returns out: (N, grid * grid * C), cell (row r, column q) at columns
    (r * grid + q) * C ... + C, and a GridPoolCache for grid_avgpool_backward.
    grid 1 is global average pooling; a larger grid keeps where things are
    (left or right, top or bottom), which a captioner naming positions needs.
    """
    check_shape("x", x, ("N", "H", "W", "C"))
    check_float("x", x)
    N, H, W, C = x.shape
    if H % grid or W % grid:
        raise ValueError(f"grid_avgpool: a {H}x{W} map does not split into {grid}x{grid} equal cells")
    cells = x.reshape(N, grid, H // grid, grid, W // grid, C).mean(axis=(2, 4))
    return cells.reshape(N, grid * grid * C), GridPoolCache(tuple(x.shape), grid)


def grid_avgpool_backward(dout, cache):
    """Each pixel gets an equal share of its cell's gradient.

    dout: (N, grid * grid * C). Returns dx: (N, H, W, C).
    """
    (N, H, W, C), grid = cache.x_shape, cache.grid
    check_shape("dout", dout, (N, grid * grid * C))
    xp = array_module(dout)
    dx = xp.empty((N, grid, H // grid, grid, W // grid, C), dtype=dout.dtype)
    dx[...] = (dout / (H // grid * (W // grid))).reshape(N, grid, 1, grid, 1, C)
    return dx.reshape(N, H, W, C)


def global_avgpool_forward(x):
    """out[n, c] = mean of x[n, :, :, c]: the grid average pool with one cell.

    x: (N, H, W, C). Returns out: (N, C) and a cache for global_avgpool_backward.
    """
    return grid_avgpool_forward(x, 1)


def global_avgpool_backward(dout, cache):
    """Each pixel gets an equal 1/(H*W) share of its channel's gradient.

    dout: (N, C). Returns dx: (N, H, W, C).
    """
    return grid_avgpool_backward(dout, cache)
