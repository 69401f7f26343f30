"""Convolution, batch norm and (optionally) ReLU: the unit every ResNet layer is made of.

Train mode runs the three layers one after another (the ReLU in place on the batch
norm's output).

Eval mode batch norm is a fixed per-channel affine map, so it folds into the convolution:

    bn(conv(x, w)) = conv(x, w * s) + (beta - running_mean * s),   s = gamma / sqrt(running_var + eps)

one matrix product with a bias instead of a product and two more passes over the
activations; bias and ReLU are applied to each chunk of the product's output while it is
still in cache (conv2d_relu_forward). The backward pass goes through the fold exactly, so
eval-mode gradients of w, gamma and beta are still right (fine-tuning with frozen
statistics).
"""

from resnet.batchnorm import batchnorm_backward, batchnorm_forward, scale_and_shift
from resnet.channels import column_dots
from resnet.conv import conv2d_backward, conv2d_forward, conv2d_relu_forward, gemm_matrix
from resnet.relu import relu_backward, relu_forward


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
    running_var are updated in place) or the running ones, folded into the conv.
    Returns out: (N, H_out, W_out, C_out) and a cache for conv_bn_backward.
    """
    if not train:
        w_folded, bias, inv_std = fold_batchnorm(w, gamma, beta, running_mean, running_var, eps)
        convolve = conv2d_relu_forward if relu else conv2d_forward
        out, conv_cache = convolve(x, w_folded, bias, stride, padding)
        return out, (False, conv_cache, (w, gamma, running_mean, inv_std), out if relu else None)
    y, conv_cache = conv2d_forward(x, w, None, stride, padding)
    out, norm_cache = batchnorm_forward(y, gamma, beta, running_mean, running_var, True, momentum, eps)
    relu_cache = relu_forward(out, in_place=True)[1] if relu else None
    return out, (True, conv_cache, norm_cache, relu_cache)


def conv_bn_backward(dout, cache, in_place=False, input_gradient=True):
    """Gradients of conv_bn_forward with respect to x, w, gamma and beta.

    dout: (N, H_out, W_out, C_out). in_place: dout may be overwritten (for callers that
    own it). input_gradient: False skips dx (None), see conv2d_backward.
    Returns dx: (N, H, W, C_in), dw: (C_out, C_in, kH, kW), dgamma, dbeta: (C_out,).
    """
    train, conv_cache, norm_cache, relu_cache = cache
    if relu_cache is not None:
        dout, in_place = relu_backward(dout, relu_cache, in_place), True
    if train:
        dy, dgamma, dbeta = batchnorm_backward(dout, norm_cache, in_place)
        dx, dw = conv2d_backward(dy, conv_cache, input_gradient)
        return dx, dw, dgamma, dbeta
    return _folded_backward(dout, conv_cache, norm_cache, input_gradient)


def _folded_backward(dout, conv_cache, norm_cache, input_gradient):
    """Back through conv(x, w * s) + (beta - running_mean * s) with s = gamma * inv_std."""
    w, gamma, running_mean, inv_std = norm_cache
    dx, dw_folded, dbias = conv2d_backward(dout, conv_cache, input_gradient)
    dscale = column_dots(gemm_matrix(dw_folded), gemm_matrix(w)) - running_mean * dbias
    dw_folded *= (gamma * inv_std)[:, None, None, None]
    return dx, dw_folded, dscale * inv_std, dbias
