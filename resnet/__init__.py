"""ResNet50 (torchvision's) and its layers, forward and backward written by hand.

Layers work on channels-last activations x: (N, H, W, C) (convolutions become matrix
products with no transposes); the models take torchvision's (N, 3, H, W) input and use
torchvision's parameter names and layouts, so its weights load as they are.

    import resnet
    model = resnet.resnet50(weights="resnet50.pth")      # or weights=None: random init
    logits = model.forward(images)                       # images: (N, 3, 224, 224) float32
    vectors = model.features(images)                     # (N, 2048)

Layers (each a forward/backward pair): conv2d (and conv2d_relu_forward, the two fused),
batchnorm, relu, maxpool, global_avgpool, linear, conv_bn (conv + batch norm + ReLU,
eval-mode batch norm folded into the conv), bottleneck (the residual block).
"""

from resnet.batchnorm import batchnorm_backward, batchnorm_forward, update_running_stats
from resnet.bottleneck import bottleneck_backward, bottleneck_forward, bottleneck_layers
from resnet.conv import (
    col2im,
    conv2d_backward,
    conv2d_forward,
    conv2d_relu_forward,
    gemm_ordered,
    im2col,
    output_size,
)
from resnet.conv_bn import conv_bn_backward, conv_bn_forward, fold_batchnorm
from resnet.linear import linear_backward, linear_forward
from resnet.model import ResNet, resnet, resnet50
from resnet.pooling import (
    global_avgpool_backward,
    global_avgpool_forward,
    maxpool_backward,
    maxpool_forward,
)
from resnet.relu import relu_backward, relu_forward

__all__ = [
    "ResNet",
    "batchnorm_backward",
    "batchnorm_forward",
    "bottleneck_backward",
    "bottleneck_forward",
    "bottleneck_layers",
    "col2im",
    "conv2d_backward",
    "conv2d_forward",
    "conv2d_relu_forward",
    "conv_bn_backward",
    "conv_bn_forward",
    "fold_batchnorm",
    "gemm_ordered",
    "global_avgpool_backward",
    "global_avgpool_forward",
    "im2col",
    "linear_backward",
    "linear_forward",
    "maxpool_backward",
    "maxpool_forward",
    "output_size",
    "relu_backward",
    "relu_forward",
    "resnet",
    "resnet50",
    "update_running_stats",
]
