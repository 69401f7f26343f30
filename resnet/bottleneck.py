"""The bottleneck residual block of ResNet50 (torchvision's "v1.5").

    x ─┬─ conv1 1x1 ─ bn1 ─ relu ─ conv2 3x3, stride s ─ bn2 ─ relu ─ conv3 1x1 ─ bn3 ─┐
       │                                                                              + ─ relu ─ out
       └──────────── shortcut: x itself, or downsample.0 (1x1, stride s) ─ downsample.1 ┘

The 1x1 conv1 squeezes the channels to `width`, the 3x3 conv2 does the spatial work on
that narrow tensor (and carries the stride: this is what "v1.5" changed from the paper,
which strided conv1), and conv3 expands to 4 * width. The shortcut adds the block's input
back, so the block only has to learn a correction to it; where the shape changes (stride
or channel count) a 1x1 projection conv with batch norm brings x to the output's shape.

Parameter and buffer names are torchvision's, relative to the block: "conv1.weight",
"bn1.weight", "bn1.bias", "bn1.running_mean", "bn1.running_var", ..., "downsample.0.weight",
"downsample.1.weight", ...
"""

from numerics import check_shape
from resnet.conv_bn import conv_bn_backward, conv_bn_forward
from resnet.relu import relu_backward, relu_forward

EXPANSION = 4
SHORTCUT_CONV, SHORTCUT_BN = "downsample.0", "downsample.1"
# (conv name, bn name, padding, carries the stride, ends in ReLU) along the main path.
MAIN_PATH = (
    ("conv1", "bn1", 0, False, True),
    ("conv2", "bn2", 1, True, True),
    ("conv3", "bn3", 0, False, False),
)


def has_projection(in_channels, width, stride):
    """Whether the block needs a projection shortcut (its output shape differs from x's)."""
    return stride != 1 or in_channels != EXPANSION * width


def bottleneck_layers(in_channels, width, stride):
    """The block's conv + batch-norm pairs in torchvision's order: [(conv name, bn name, w shape)].

    in_channels: C_in of the block's input; width: the narrow channel count (out: 4 * width);
    the projection pair ("downsample.0", "downsample.1") is last, present when needed.
    """
    out_channels = EXPANSION * width
    layers = [
        ("conv1", "bn1", (width, in_channels, 1, 1)),
        ("conv2", "bn2", (width, width, 3, 3)),
        ("conv3", "bn3", (out_channels, width, 1, 1)),
    ]
    if has_projection(in_channels, width, stride):
        layers.append((SHORTCUT_CONV, SHORTCUT_BN, (out_channels, in_channels, 1, 1)))
    return layers


def unit_arrays(params, buffers, conv, bn):
    """The arrays conv_bn_forward takes for one conv + bn pair: w, gamma, beta, mean, var."""
    return (
        params[f"{conv}.weight"],
        params[f"{bn}.weight"],
        params[f"{bn}.bias"],
        buffers[f"{bn}.running_mean"],
        buffers[f"{bn}.running_var"],
    )


def check_block_input(x, params):
    """Raise ValueError unless x: (N, H, W, C_in) has the channels conv1 takes."""
    check_shape("x", x, ("N", "H", "W", params["conv1.weight"].shape[1]))


def check_identity_shortcut(x, h):
    """Raise ValueError unless x can be added to the main path's output h as it is."""
    if h.shape != x.shape:
        raise ValueError(f"identity shortcut needs x of the output's shape {h.shape}, got {x.shape}")


def bottleneck_forward(x, params, buffers, stride=1, train=False):
    """out = relu(main_path(x) + shortcut(x)).

    x: (N, H, W, C_in) channels-last; params: {name: array}, "conv1.weight",
    "bn1.weight", "bn1.bias", ... for the layers of bottleneck_layers (with a projection
    shortcut when "downsample.0.weight" is present);
    buffers: {"bn1.running_mean": (C,), "bn1.running_var": (C,), ...}, updated in place in
    train mode; stride: 1 or 2, applied by conv2 and the projection.
    Returns out: (N, H_out, W_out, 4 * width) and a cache for bottleneck_backward: a dict
    of the conv_bn caches keyed by conv name ("conv1", ..., "downsample.0") and the final
    ReLU's ("relu").
    """
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
    out, caches["relu"] = relu_forward(h + shortcut)
    return out, caches


def add_unit_gradients(grads, conv, bn, unit_grads):
    """Store one conv_bn unit's dw, dgamma, dbeta in grads under the parameters' names."""
    grads[f"{conv}.weight"], grads[f"{bn}.weight"], grads[f"{bn}.bias"] = unit_grads


def bottleneck_backward(dout, cache):
    """Gradients of bottleneck_forward.

    dout: (N, H_out, W_out, 4 * width). Returns dx: (N, H, W, C_in) and {name: gradient}
    for every parameter in params, keyed alike.
    """
    # BEGIN EXERCISE 15
    caches, grads = cache, {}
    d = relu_backward(dout, caches["relu"])
    if SHORTCUT_CONV in caches:
        dshortcut, *unit_grads = conv_bn_backward(d, caches[SHORTCUT_CONV])
        add_unit_gradients(grads, SHORTCUT_CONV, SHORTCUT_BN, unit_grads)
    else:
        dshortcut = d
    dh = d
    for conv, bn, *_ in reversed(MAIN_PATH):
        dh, *unit_grads = conv_bn_backward(dh, caches[conv])
        add_unit_gradients(grads, conv, bn, unit_grads)
    return dh + dshortcut, grads
    # END EXERCISE 15
