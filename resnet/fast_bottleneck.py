"""The conv + batch norm unit and the bottleneck block as the model runs them.

The same numbers as resnet/conv_bn.py and resnet/bottleneck.py, computed faster:

- convolutions of resnet.fast_conv, batch norms of resnet.fast_batchnorm;
- eval mode folds batch norm into the convolution (resnet.conv_bn.fold_batchnorm): one
  product with a bias, the bias and the ReLU applied while each chunk of output is in
  cache; the backward pass goes through the fold exactly, so eval-mode gradients of w,
  gamma and beta are still right (fine-tuning with frozen statistics);
- every array this pass made itself and no longer needs is written over (in place): the
  ReLU over the batch norm's output, the block's sum over the main path's output, and in
  the backward pass each gradient over the one it came from.
"""

from dataclasses import dataclass

from numerics import array_module
from resnet import fast_batchnorm, fast_conv
from resnet.bottleneck import (
    MAIN_PATH,
    SHORTCUT_BN,
    SHORTCUT_CONV,
    add_unit_gradients,
    check_block_input,
    check_identity_shortcut,
    unit_arrays,
)
from resnet.channels import column_dots
from resnet.conv import gemm_matrix
from resnet.conv_bn import fold_batchnorm


@dataclass(frozen=True)
class TrainUnitCache:
    """A train-mode unit's caches: conv (ConvCache), norm (BatchNormCache), relu_out (the
    unit's output when it ends in a ReLU, else None)."""

    conv: object
    norm: object
    relu_out: object


@dataclass(frozen=True)
class FoldedUnitCache:
    """An eval-mode unit's: conv (ConvCache of the folded weight and bias), the unfolded
    w: (C_out, C_in, kH, kW), gamma, running_mean, inv_std: (C_out,), and relu_out as above."""

    conv: object
    w: object
    gamma: object
    running_mean: object
    inv_std: object
    relu_out: object


def relu_in_place(x):
    """resnet.relu.relu_forward written over x (for callers that own x). Returns out, its own cache."""
    return array_module(x).maximum(x, 0, out=x)


def relu_backward(dout, cache, in_place=False):
    """resnet.relu.relu_backward; in_place: written over dout (for callers that own dout)."""
    # Multiplying by the boolean mask is several times faster than a masked assignment.
    return array_module(dout).multiply(dout, cache > 0, out=dout if in_place else None)


def conv_bn_forward(
    x, w, gamma, beta, running_mean, running_var, stride=1, padding=0, train=False, relu=True,
    momentum=0.1, eps=1e-5
):
    """resnet.conv_bn.conv_bn_forward: arguments, shapes and numbers alike.

    Returns out: (N, H_out, W_out, C_out) and a TrainUnitCache or FoldedUnitCache.
    """
    if not train:
        w_folded, bias, inv_std = fold_batchnorm(w, gamma, beta, running_mean, running_var, eps)
        convolve = fast_conv.conv2d_relu_forward if relu else fast_conv.conv2d_forward
        out, conv_cache = convolve(x, w_folded, bias, stride, padding)
        return out, FoldedUnitCache(conv_cache, w, gamma, running_mean, inv_std, out if relu else None)
    y, conv_cache = fast_conv.conv2d_forward(x, w, None, stride, padding)
    out, norm_cache = fast_batchnorm.batchnorm_forward(
        y, gamma, beta, running_mean, running_var, True, momentum, eps
    )
    if relu:
        relu_in_place(out)
    return out, TrainUnitCache(conv_cache, norm_cache, out if relu else None)


def conv_bn_backward(dout, cache, in_place=False, input_gradient=True):
    """Gradients of conv_bn_forward with respect to x, w, gamma and beta.

    dout: (N, H_out, W_out, C_out). in_place: dout may be overwritten (for callers that
    own it). input_gradient: False skips dx (None), see fast_conv.conv2d_backward.
    Returns dx: (N, H, W, C_in), dw: (C_out, C_in, kH, kW), dgamma, dbeta: (C_out,).
    """
    if cache.relu_out is not None:
        dout, in_place = relu_backward(dout, cache.relu_out, in_place), True
    if isinstance(cache, FoldedUnitCache):
        return _folded_backward(dout, cache, input_gradient)
    dy, dgamma, dbeta = fast_batchnorm.batchnorm_backward(dout, cache.norm, in_place)
    dx, dw, _ = fast_conv.conv2d_backward(dy, cache.conv, input_gradient)
    return dx, dw, dgamma, dbeta


def _folded_backward(dout, cache, input_gradient):
    """Back through conv(x, w * s) + (beta - running_mean * s) with s = gamma * inv_std."""
    dx, dw_folded, dbias = fast_conv.conv2d_backward(dout, cache.conv, input_gradient)
    dscale = column_dots(gemm_matrix(dw_folded), gemm_matrix(cache.w)) - cache.running_mean * dbias
    dw_folded *= (cache.gamma * cache.inv_std)[:, None, None, None]
    return dx, dw_folded, dscale * cache.inv_std, dbias


def bottleneck_forward(x, params, buffers, stride=1, train=False):
    """resnet.bottleneck.bottleneck_forward: arguments, shapes and numbers alike; its cache is
    a dict of this module's unit caches keyed by conv name, and the block's output ("relu")."""
    check_block_input(x, params)
    h, caches = x, {}
    for conv, bn, padding, strided, relu in MAIN_PATH:
        arrays = unit_arrays(params, buffers, conv, bn)
        h, caches[conv] = conv_bn_forward(h, *arrays, stride if strided else 1, padding, train, relu)
    if f"{SHORTCUT_CONV}.weight" in params:
        shortcut, caches[SHORTCUT_CONV] = conv_bn_forward(
            x, *unit_arrays(params, buffers, SHORTCUT_CONV, SHORTCUT_BN), stride, 0, train, relu=False
        )
    else:
        check_identity_shortcut(x, h)
        shortcut = x
    h += shortcut
    caches["relu"] = relu_in_place(h)
    return h, caches


def bottleneck_backward(dout, cache, in_place=False):
    """Gradients of bottleneck_forward, as resnet.bottleneck.bottleneck_backward.

    dout: (N, H_out, W_out, 4 * width). in_place: dout may be overwritten (for callers
    that own it). Returns dx: (N, H, W, C_in) and {name: gradient} keyed like params.
    """
    caches = cache
    d = relu_backward(dout, caches["relu"], in_place)
    # BEGIN EXERCISE 15
    grads = {}
    projection = SHORTCUT_CONV in caches
    if projection:
        dshortcut, *unit_grads = conv_bn_backward(d, caches[SHORTCUT_CONV])
        add_unit_gradients(grads, SHORTCUT_CONV, SHORTCUT_BN, unit_grads)
    else:
        dshortcut = d
    dh = d
    for conv, bn, *_ in reversed(MAIN_PATH):
        dh, *unit_grads = main_path_unit_backward(dh, caches, conv)
        add_unit_gradients(grads, conv, bn, unit_grads)
    dh += dshortcut
    return dh, grads
    # END EXERCISE 15


def main_path_unit_backward(dh, caches, conv):
    """conv_bn_backward of the main path's unit `conv`, written over dh wherever nothing else reads it.

    conv3 receives the block's own gradient d, which the shortcut reads too: with a projection
    shortcut (whose backward runs first) conv3 may write over it, with the identity it may not.
    conv2 and conv1 receive the gradient the unit after them made, which no one else reads.
    dh: (N, H_out, W_out, C_out) of that unit; caches: the block's (bottleneck_forward's); conv: the
    unit's name. Returns conv_bn_backward's dx, dw, dgamma, dbeta.
    """
    overwrite = SHORTCUT_CONV in caches or conv != "conv3"
    return conv_bn_backward(dh, caches[conv], in_place=overwrite)
