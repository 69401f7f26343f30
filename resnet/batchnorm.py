"""Batch normalisation of channels-last activations, train and eval mode.

Each channel c is normalised over every pixel of every image (M = N*H*W values), then
scaled and shifted by two learned numbers:

    x_hat = (x - mean_c) / sqrt(var_c + eps)         out = gamma_c * x_hat + beta_c

Train mode uses the batch's own mean and (biased) variance, and keeps exponential running
averages for later, as torchvision does (momentum 0.1; the running variance uses the
UNBIASED batch variance, var * M / (M - 1)):

    running_mean <- (1 - momentum) * running_mean + momentum * mean
    running_var  <- (1 - momentum) * running_var  + momentum * var * M / (M - 1)

Eval mode normalises with the running averages instead, so one image's output does not
depend on the rest of the batch.

Either way the layer is, per channel, out = x * scale + shift with scale = gamma / std and
shift = beta - mean * scale: that is how it is computed (one pass over x), and x_hat is
never stored; the backward pass works from x, mean and 1/std.
"""

from numerics import array_module, check_float, check_same_dtype, check_shapes
from resnet.channels import column_dots, column_sums, row_blocks


def _check_batchnorm_arguments(x, gamma, beta, running_mean, running_var):
    arrays = {"x": x, "gamma": gamma, "beta": beta, "running_mean": running_mean, "running_var": running_var}
    expected = {"x": ("M", "C")} if x.ndim == 2 else {"x": ("N", "H", "W", "C")}
    expected.update({name: ("C",) for name in arrays if name != "x"})
    check_shapes({name: (arrays[name], shape) for name, shape in expected.items()})
    for name, array in arrays.items():
        check_float(name, array)
    check_same_dtype(arrays)


def scale_and_shift(gamma, beta, mean, var, eps=1e-5):
    """Batch norm as a per-channel affine map: out = x * scale + shift.

    gamma, beta, mean, var: (C,). Returns scale, shift and inv_std = 1 / sqrt(var + eps), all (C,).
    """
    xp = array_module(gamma)
    inv_std = 1 / xp.sqrt(var + eps)
    scale = gamma * inv_std
    return scale, beta - mean * scale, inv_std


def mean_and_variance(rows):
    """rows: (M, C) -> per-channel mean and biased variance, both (C,).

    The variance is the mean of squared deviations (not E[x^2] - mean^2, which loses
    every digit when the mean is large against the spread), computed block by block.
    """
    xp = array_module(rows)
    mean = column_sums(rows) / rows.shape[0]
    squares = xp.zeros_like(mean)
    buffer = None
    for block in row_blocks(rows):
        part = rows[block]
        buffer = xp.empty_like(part) if buffer is None else buffer
        deviation = xp.subtract(part, mean, out=buffer[: part.shape[0]])
        squares += column_dots(deviation, deviation)
    return mean, squares / rows.shape[0]


def update_running_stats(running_mean, running_var, mean, var, count, momentum):
    """Move the running averages towards one batch's statistics, in place.

    running_mean, running_var, mean, var: (C,), var the biased batch variance over `count`
    values per channel. The running variance takes the unbiased var * count / (count - 1).
    """
    unbiased = var * (count / max(count - 1, 1))
    running_mean *= 1 - momentum
    running_mean += momentum * mean
    running_var *= 1 - momentum
    running_var += momentum * unbiased


def batchnorm_forward(x, gamma, beta, running_mean, running_var, train=False, momentum=0.1, eps=1e-5):
    """out = gamma * (x - mean) / sqrt(var + eps) + beta, per channel.

    x: (N, H, W, C) or (M, C), channels last; gamma, beta, running_mean, running_var: (C,).
    train: use the batch statistics and update running_mean and running_var IN PLACE
    (the buffers are the layer's state, as in PyTorch); otherwise use the running ones.
    Returns out: x.shape and a cache for batchnorm_backward.
    """
    _check_batchnorm_arguments(x, gamma, beta, running_mean, running_var)
    xp = array_module(x)
    rows = x.reshape(-1, x.shape[-1])
    if train:
        mean, var = mean_and_variance(rows)
        update_running_stats(running_mean, running_var, mean, var, rows.shape[0], momentum)
    else:
        mean, var = running_mean, running_var
    scale, shift, inv_std = scale_and_shift(gamma, beta, mean, var, eps)
    out = xp.empty_like(rows)
    for block in row_blocks(rows):
        xp.multiply(rows[block], scale, out=out[block])
        out[block] += shift
    return out.reshape(x.shape), (rows, mean, inv_std, gamma, train)


def batchnorm_backward(dout, cache, in_place=False):
    """Gradients of batchnorm_forward with respect to x, gamma and beta.

    dout: x.shape. in_place: reuse dout's memory for dx (dout is overwritten).
    Returns dx: x.shape, dgamma: (C,), dbeta: (C,). In train mode the batch mean and
    variance depend on x, which adds the two mean terms:
        dx = gamma / std * (dout - mean(dout) - x_hat * mean(dout * x_hat))
    In eval mode they are constants and dx = gamma / std * dout.
    """
    # BEGIN EXERCISE 14
    rows, mean, inv_std, gamma, train = cache
    xp = array_module(dout)
    shape = dout.shape
    d = dout.reshape(rows.shape)
    dx = d if in_place else xp.empty_like(d)
    dbeta = column_sums(d)
    # sum(dout * x_hat) with x_hat = (x - mean) * inv_std, from x itself.
    dgamma = (column_dots(d, rows) - mean * dbeta) * inv_std
    scale = gamma * inv_std
    if not train:
        return xp.multiply(d, scale, out=dx).reshape(shape), dgamma, dbeta
    # Expanding x_hat, dx = scale * dout - k * x + c, one block of rows at a time.
    count = rows.shape[0]
    k = scale * inv_std * dgamma / count
    c = k * mean - scale * dbeta / count
    buffer = None
    for block in row_blocks(rows):
        part = rows[block]
        buffer = xp.empty_like(part) if buffer is None else buffer
        scaled_x = xp.multiply(part, k, out=buffer[: part.shape[0]])
        dx_block = xp.multiply(d[block], scale, out=dx[block])
        dx_block -= scaled_x
        dx_block += c
    return dx.reshape(shape), dgamma, dbeta
    # END EXERCISE 14
