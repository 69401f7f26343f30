"""ResNet50 (torchvision's) and its layers, forward and backward written by hand.

Layers work on channels-last activations x: (N, H, W, C) (convolutions become matrix
products with no transposes); the models take torchvision's (N, 3, H, W) input and use
torchvision's parameter names and layouts, so its weights load as they are.

    import resnet
    model = resnet.resnet50(weights="resnet50.pth")      # or weights=None: random init
    logits = model.forward(images)                       # images: (N, 3, 224, 224) float32
    vectors = model.features(images)                     # (N, 2048)

The modules (layers are forward/backward pairs of functions):

    conv.py             convolution as im2col, one matrix product and col2im: the definition
    fast_conv.py        the same convolution as the model runs it: chunks, reused buffers, fused ReLU
    winograd.py         a stride-1 3x3 convolution by Winograd's F(2x2, 3x3), 2.25x fewer multiplies
    batchnorm.py        batch normalisation, train and eval mode, and its running statistics
    fast_batchnorm.py   the same batch norm a cache-sized block of rows at a time, dx in place
    relu.py             the rectified linear unit
    conv_bn.py          conv + batch norm + ReLU, the unit every layer is, and eval batch norm folded
    bottleneck.py       the residual bottleneck block (torchvision's v1.5) and its parameter names
    fast_bottleneck.py  the unit and the block as the model runs them: folded, in place
    pooling.py          max pooling and (grid) average pooling
    linear.py           the fully connected layer
    channels.py         per-channel sums and cache-sized blocks of rows of (M, C) data
    model.py            ResNet50 and smaller ResNets: forward, backward, features, state dicts
    summary.py          the stage-by-stage table of shapes, parameters and multiply-adds
    weights.py          torchvision .pth files read without torch, the project's .npz files
    preprocess.py       an image file to ImageNet input, and the 1000 class names
    features.py         pooled feature vectors of a folder of images, for the captioner
    figures.py          pictures of im2col: which pixels each patch row holds
    __main__.py         the command line: classify, features, convert
"""

from resnet.batchnorm import batchnorm_backward, batchnorm_forward, update_running_stats
from resnet.bottleneck import bottleneck_backward, bottleneck_forward, bottleneck_layers
from resnet.conv import col2im, conv2d_backward, conv2d_forward, im2col, output_size
from resnet.conv_bn import conv_bn_backward, conv_bn_forward, fold_batchnorm
from resnet.fast_conv import conv2d_relu_forward, gemm_ordered
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
