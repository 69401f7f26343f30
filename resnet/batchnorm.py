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
shift = beta - mean * scale: that is how it is computed, and x_hat is never stored; the
backward pass works from x, mean and 1/std. The model runs resnet/fast_batchnorm.py, the
same numbers a cache-sized block of rows at a time.
"""

from dataclasses import dataclass

from numerics import array_module, check_float, check_same_dtype, check_shapes
from resnet.channels import column_dots, column_sums


@dataclass(frozen=True)
class BatchNormCache:
    """What batchnorm_backward needs: the input as rows (M, C), the statistics used, gamma.

    rows: (M, C); mean, inv_std (1 / sqrt(var + eps)), gamma: (C,); train: whether mean and
    inv_std were the batch's own (then they depend on x).
    """

    rows: object
    mean: object
    inv_std: object
    gamma: object
    train: bool


def check_batchnorm_arguments(x, gamma, beta, running_mean, running_var):
    """Raise ValueError naming the argument unless the shapes and dtypes fit."""
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
    every digit when the mean is large against the spread).
    """
    mean = column_sums(rows) / rows.shape[0]
    deviation = rows - mean
    return mean, column_dots(deviation, deviation) / rows.shape[0]


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
    Returns out: x.shape and a BatchNormCache for batchnorm_backward.
    """
    check_batchnorm_arguments(x, gamma, beta, running_mean, running_var)
    rows = x.reshape(-1, x.shape[-1])
    if train:
        mean, var = mean_and_variance(rows)
        update_running_stats(running_mean, running_var, mean, var, rows.shape[0], momentum)
    else:
        mean, var = running_mean, running_var
    scale, shift, inv_std = scale_and_shift(gamma, beta, mean, var, eps)
    out = rows * scale + shift
    return out.reshape(x.shape), BatchNormCache(rows, mean, inv_std, gamma, train)


def batchnorm_backward(dout, cache):
    """Gradients of batchnorm_forward with respect to x, gamma and beta.

    dout: x.shape. Returns dx: x.shape, dgamma: (C,), dbeta: (C,), with M rows per channel:
        dbeta = sum(dout)    dgamma = sum(dout * x_hat)    (sums over the M rows)
    In train mode the batch mean and variance depend on x, which adds the two mean terms:
        dx = gamma / std * (dout - dbeta / M - x_hat * dgamma / M)
    In eval mode they are constants and dx = gamma / std * dout.
    """
    # BEGIN EXERCISE 14
    d = dout.reshape(cache.rows.shape)
    x_hat = (cache.rows - cache.mean) * cache.inv_std
    dbeta = column_sums(d)
    dgamma = column_dots(d, x_hat)
    scale = cache.gamma * cache.inv_std
    if cache.train:
        count = d.shape[0]
        dx = scale * (d - dbeta / count - x_hat * (dgamma / count))
    else:
        dx = scale * d
    return dx.reshape(dout.shape), dgamma, dbeta
    # END EXERCISE 14
