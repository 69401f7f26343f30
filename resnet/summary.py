"""What a ResNet is made of, stage by stage: output shapes, parameters and multiply-adds.

    stem      conv1 7x7 stride 2 + bn1 + relu + max pool        (64, 56, 56) at 224 x 224
    layer1 .. layer4: the stages of bottleneck blocks
    head      average pooling + fc                                (num_classes,)

Everything is read off the model the project builds (its parameter shapes and its blocks'
strides), so the table describes that model and no other. Multiply-adds count the
convolutions and the fully connected layer (one multiply-add per weight per output
position), the convention under which torchvision quotes 4.09 billion for ResNet50 at
224 x 224; batch norm, ReLU and pooling are left out (a few per cent more, all elementwise).

`stage_outputs` runs the model in eval mode and keeps every stage's activations (for
pictures of feature maps) and the logits.
"""

from collections import Counter
from dataclasses import dataclass

from numerics import to_host
from resnet.bottleneck import MAIN_PATH, SHORTCUT_CONV
from resnet.conv import output_size
from resnet.model import POOL_KERNEL, POOL_PADDING, POOL_STRIDE

STEM, HEAD = "stem", "head"


@dataclass(frozen=True)
class ConvLayer:
    """One convolution of the model: its parameter name, weight shape (C_out, C_in, kH, kW),
    stride, padding, and its input and output sizes (H, W) for the image size given."""

    name: str
    weight_shape: tuple
    stride: int
    padding: int
    input_size: tuple
    output_size: tuple

    @property
    def multiply_adds(self):
        """C_out * C_in * kH * kW multiply-adds at each of H_out * W_out positions (one image)."""
        C_out, C_in, kH, kW = self.weight_shape
        return C_out * C_in * kH * kW * self.output_size[0] * self.output_size[1]


@dataclass(frozen=True)
class StageSummary:
    """One row of the table. output_shape: (C, H, W) of one image's output, (num_classes,) for
    the head; parameters: learned numbers (batch-norm running statistics are not learned);
    multiply_adds: per image."""

    name: str
    blocks: int
    output_shape: tuple
    parameters: int
    multiply_adds: int


def stage_of(name):
    """The stage a parameter or layer name belongs to: "stem", "layer1", ..., or "head" (fc)."""
    if name.startswith("layer"):
        return name.split(".")[0]
    return HEAD if name.startswith("fc.") else STEM


def stem_sizes(model, image_size):
    """(side after conv1, side after the stem) for square images of side image_size."""
    after_conv = output_size(image_size, model.stem_kernel, model.stem_stride, model.stem_padding)
    if not model.stem_pool:
        return after_conv, after_conv
    return after_conv, output_size(after_conv, POOL_KERNEL, POOL_STRIDE, POOL_PADDING)


def conv_layers(model, image_size):
    """Every convolution of `model` in the order it runs, for square images of side image_size.

    model: a resnet.ResNet; image_size: int. Returns a list of ConvLayer.
    """
    after_conv, size = stem_sizes(model, image_size)
    stem = tuple(model.params["conv1.weight"].shape)
    layers = [ConvLayer("conv1", stem, model.stem_stride, model.stem_padding, (image_size, image_size),
                        (after_conv, after_conv))]
    # The model's own list of blocks, (name prefix, stride), in the order they run.
    for prefix, stride in model.blocks:
        block_input = size
        for conv, _, padding, strided, _ in MAIN_PATH:
            shape = tuple(model.params[f"{prefix}{conv}.weight"].shape)
            step = stride if strided else 1
            layer_input, size = size, output_size(size, shape[2], step, padding)
            layers.append(ConvLayer(prefix + conv, shape, step, padding, (layer_input,) * 2, (size, size)))
        if f"{prefix}{SHORTCUT_CONV}.weight" in model.params:
            shape = tuple(model.params[f"{prefix}{SHORTCUT_CONV}.weight"].shape)
            shortcut_size = output_size(block_input, 1, stride, 0)
            layers.append(ConvLayer(prefix + SHORTCUT_CONV, shape, stride, 0, (block_input,) * 2,
                                    (shortcut_size,) * 2))
    return layers


def stage_table(model, image_size=224):
    """The model stage by stage: a list of StageSummary, stem first and head last.

    model: a resnet.ResNet; image_size: side of the square input image in pixels.
    """
    layers = conv_layers(model, image_size)
    stages = [STEM, *dict.fromkeys(stage_of(prefix) for prefix, _ in model.blocks), HEAD]
    blocks = Counter(stage_of(prefix) for prefix, _ in model.blocks)
    parameters = Counter()
    for name, value in model.params.items():
        parameters[stage_of(name)] += int(value.size)
    multiply_adds = Counter()
    for layer in layers:
        multiply_adds[stage_of(layer.name)] += layer.multiply_adds
    fc = model.params["fc.weight"]
    multiply_adds[HEAD] = int(fc.size)  # one multiply-add per weight for the one pooled vector
    # A stage's output is its last block's conv3 (the shortcut is added to it, same shape).
    shapes = {stage_of(layer.name): (layer.weight_shape[0], *layer.output_size)
              for layer in layers if not layer.name.endswith(SHORTCUT_CONV)}
    stem_side = stem_sizes(model, image_size)[1]
    shapes[STEM] = (layers[0].weight_shape[0], stem_side, stem_side)
    shapes[HEAD] = (fc.shape[0],)
    return [StageSummary(stage, blocks[stage], shapes[stage], parameters[stage], multiply_adds[stage])
            for stage in stages]


def stage_outputs(model, images):
    """Run `model` in eval mode, keeping the output of the stem, of every stage and of the head.

    model: a resnet.ResNet; images: (N, in_channels, H, W) of the model's dtype and backend.
    Returns {"stem": ..., "layer1": ..., ..., "head": logits}: host arrays, the feature maps
    (N, C, H', W') channels first like torchvision's, the logits (N, num_classes), equal to
    model.forward(images).
    """
    maps, logits = model.feature_maps(images)
    outputs = {name: to_host(value) for name, value in maps.items()}
    outputs[HEAD] = to_host(logits)
    return outputs
