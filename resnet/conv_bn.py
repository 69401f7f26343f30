"""Convolution, batch norm and (optionally) ReLU: the unit every ResNet layer is made of.

The three layers run one after another, in train and in eval mode alike.

In eval mode batch norm is a fixed per-channel affine map, so it folds into the convolution:

    bn(conv(x, w)) = conv(x, w * s) + (beta - running_mean * s),   s = gamma / sqrt(running_var + eps)

one matrix product with a bias instead of a product and two more passes over the
activations. `fold_batchnorm` computes that weight and bias; the model's eval mode runs
it (resnet/fast_bottleneck.py).
"""

from dataclasses import dataclass

from resnet.batchnorm import batchnorm_backward, batchnorm_forward, scale_and_shift
from resnet.conv import conv2d_backward, conv2d_forward, gemm_matrix
from resnet.relu import relu_backward, relu_forward


@dataclass(frozen=True)
class ConvBNCache:
    """The caches of the unit's layers: conv (ConvCache), norm (BatchNormCache) and relu
    (the ReLU's cache, or None for a unit without ReLU)."""

    conv: object
    norm: object
    relu: object


def fold_batchnorm(w, gamma, beta, running_mean, running_var, eps=1e-5):
    """Eval-mode batch norm after a bias-free conv, as that conv's weight and bias.

    w: (C_out, C_in, kH, kW); gamma, beta, running_mean, running_var: (C_out,).
    Returns w_folded (w.shape, its memory in GEMM order), bias (C_out,) and inv_std (C_out,).
    """
    scale, shift, inv_std = scale_and_shift(gamma, beta, running_mean, running_var, eps)
    # Scale the columns of the (kH*kW*C_in, C_out) product matrix: a contiguous pass.
    C_out, C_in, kH, kW = w.shape
    w_folded = (gemm_matrix(w) * scale).reshape(kH, kW, C_in, C_out).transpose(3, 2, 0, 1)
    return w_folded, shift, inv_std


def conv_bn_forward(
    x, w, gamma, beta, running_mean, running_var, stride=1, padding=0, train=False, relu=True,
    momentum=0.1, eps=1e-5
):
    """out = relu(batchnorm(conv2d(x, w))), the ReLU optional.

    x: (N, H, W, C_in); w: (C_out, C_in, kH, kW); gamma, beta, running_mean, running_var:
    (C_out,); stride, padding: the conv's. train: batch statistics (running_mean and
    running_var are updated in place) or the running ones.
    Returns out: (N, H_out, W_out, C_out) and a ConvBNCache for conv_bn_backward.
    """
    y, conv_cache = conv2d_forward(x, w, None, stride, padding)
    out, norm_cache = batchnorm_forward(y, gamma, beta, running_mean, running_var, train, momentum, eps)
    relu_cache = None
    if relu:
        out, relu_cache = relu_forward(out)
    return out, ConvBNCache(conv_cache, norm_cache, relu_cache)


def conv_bn_backward(dout, cache):
    """Gradients of conv_bn_forward with respect to x, w, gamma and beta.

    dout: (N, H_out, W_out, C_out). Returns dx: (N, H, W, C_in), dw: (C_out, C_in, kH, kW),
    dgamma, dbeta: (C_out,).
    """
    if cache.relu is not None:
        dout = relu_backward(dout, cache.relu)
    dy, dgamma, dbeta = batchnorm_backward(dout, cache.norm)
    dx, dw, _ = conv2d_backward(dy, cache.conv)
    return dx, dw, dgamma, dbeta
