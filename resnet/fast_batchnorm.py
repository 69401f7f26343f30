"""The batch norm the model runs: resnet/batchnorm.py's numbers, with fewer passes over memory.

Elementwise formulas of several steps are applied one cache-sized block of rows at a time
(resnet.channels.row_blocks), so each block is read from memory once rather than once per
step, and x_hat is never formed. The backward pass can write dx over dout (in_place) when
its caller owns dout, saving an array as large as the activations. Train-mode dx, with
x_hat = (x - mean) * inv_std expanded, is one multiply-add per element:

    dx = scale * dout - k * x + c,   k = scale * inv_std * dgamma / M,
                                     c = k * mean - scale * dbeta / M

The caches are resnet.batchnorm's BatchNormCache, so either module's backward takes either's.
"""

from numerics import array_module
from resnet.batchnorm import BatchNormCache, check_batchnorm_arguments, scale_and_shift, update_running_stats
from resnet.channels import column_dots, column_sums, row_blocks


def mean_and_variance(rows):
    """resnet.batchnorm.mean_and_variance, the deviations formed one block of rows at a time."""
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


def batchnorm_forward(x, gamma, beta, running_mean, running_var, train=False, momentum=0.1, eps=1e-5):
    """resnet.batchnorm.batchnorm_forward, out = x * scale + shift one block of rows at a time.

    Arguments, shapes and cache as there (running_mean and running_var updated in place in
    train mode).
    """
    check_batchnorm_arguments(x, gamma, beta, running_mean, running_var)
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
    return out.reshape(x.shape), BatchNormCache(rows, mean, inv_std, gamma, train)


def batchnorm_backward(dout, cache, in_place=False):
    """resnet.batchnorm.batchnorm_backward, one block of rows at a time.

    dout: x.shape. in_place: write dx over dout (for callers that own dout).
    Returns dx: x.shape, dgamma: (C,), dbeta: (C,).
    """
    xp = array_module(dout)
    rows = cache.rows
    d = dout.reshape(rows.shape)
    dgamma, dbeta, scale, k, c = backward_coefficients(d, cache)
    dx = d if in_place else xp.empty_like(d)
    if k is None:  # eval mode
        return xp.multiply(d, scale, out=dx).reshape(dout.shape), dgamma, dbeta
    buffer = None
    for block in row_blocks(rows):
        part = rows[block]
        buffer = xp.empty_like(part) if buffer is None else buffer
        scaled_x = xp.multiply(part, k, out=buffer[: part.shape[0]])
        dx_block = xp.multiply(d[block], scale, out=dx[block])
        dx_block -= scaled_x
        dx_block += c
    return dx.reshape(dout.shape), dgamma, dbeta


def backward_coefficients(d, cache):
    """dgamma, dbeta and the per-channel numbers of dx = scale * d - k * x + c.

    d: (M, C), dout as rows; cache: a BatchNormCache. Returns dgamma, dbeta, scale, k, c, each
    (C,); k and c are None in eval mode, where dx = scale * d.
    """
    # BEGIN EXERCISE 14
    rows, mean, inv_std = cache.rows, cache.mean, cache.inv_std
    dbeta = column_sums(d)
    # sum(dout * x_hat) with x_hat = (x - mean) * inv_std, from x itself.
    dgamma = (column_dots(d, rows) - mean * dbeta) * inv_std
    scale = cache.gamma * inv_std
    if not cache.train:
        return dgamma, dbeta, scale, None, None
    count = rows.shape[0]
    k = scale * inv_std * dgamma / count
    c = k * mean - scale * dbeta / count
    return dgamma, dbeta, scale, k, c
    # END EXERCISE 14
