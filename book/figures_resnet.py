"""The ResNet chapters' figures: convolution as im2col, batch norm, the shape of ResNet50.

Every number comes from the resnet package's functions run on the synthetic pictures of
captioner.synthetic (or, for ResNet50's sizes, from resnet.summary on the model that
resnet.resnet50 builds); the im2col picture is resnet.figures' (notebook 10 draws it too).
"""

import numpy
from figure_tools import plt, save_figure, write_table

from captioner.picture import PictureInput, to_encoder_input
from captioner.synthetic import make_synthetic_dataset
from resnet import batchnorm_forward, bottleneck_layers, conv2d_forward, resnet50
from resnet.figures import draw_input_patches, draw_patch_matrix, numbered_image
from resnet.summary import stage_table


def synthetic_pictures(count, image_size=64):
    """count test pictures of the synthetic data set: uint8 (N, H, W, 3) and float NHWC in [0, 1]."""
    split = make_synthetic_dataset(0, 0, count, image_size=image_size, seed=0)["test"]
    floats = to_encoder_input(split.images, PictureInput(image_size), dtype=numpy.float64)
    channels_last = floats.transpose(0, 2, 3, 1)
    return split.images, numpy.ascontiguousarray(channels_last)


def draw_im2col(out):
    """A 4x4 one-channel image numbered 1 to 16 and its patch matrix: 3x3 kernel, stride 1, padding 1."""
    image, kernel, stride, padding = numbered_image(4, 4), (3, 3), 1, 1
    chosen = [(0, 0), (1, 2)]  # two output pixels, their patches and rows outlined alike
    figure, (image_axis, matrix_axis) = plt.subplots(1, 2, figsize=(11, 5), width_ratios=(1, 1.1))
    draw_input_patches(image_axis, image, kernel, stride, padding, chosen)
    draw_patch_matrix(matrix_axis, image, kernel, stride, padding, chosen)
    save_figure(figure, out / "im2col.png")


def draw_edge_filters(out):
    """Two hand-set 3x3 filters (vertical and horizontal edges) applied with conv2d_forward."""
    pictures, x = synthetic_pictures(1)
    sobel = numpy.array([[-1.0, 0, 1], [-2, 0, 2], [-1, 0, 1]]) / 3  # /3: averaged over R, G, B
    w = numpy.zeros((2, 3, 3, 3))  # (C_out, C_in, kH, kW)
    w[0, :] = sobel
    w[1, :] = sobel.T
    edges, _ = conv2d_forward(x, w, None, stride=1, padding=1)
    strided, _ = conv2d_forward(x, w, None, stride=2, padding=1)
    figure, axes = plt.subplots(1, 4, figsize=(12, 3.3))
    axes[0].imshow(pictures[0])
    axes[0].set_title(f"x: {x.shape[1]}x{x.shape[2]}x3")
    panels = ((edges[0, :, :, 0], "out[..., 0]: vertical edges"),
              (edges[0, :, :, 1], "out[..., 1]: horizontal edges"),
              (strided[0, :, :, 0], f"stride 2: {strided.shape[1]}x{strided.shape[2]}"))
    for axis, (values, title) in zip(axes[1:], panels):
        shown = axis.imshow(values, cmap="PuOr_r", vmin=-2, vmax=2)
        axis.set_title(title)
    figure.colorbar(shown, ax=list(axes), fraction=0.02, label="filter response")
    for axis in axes:
        axis.set(xticks=[], yticks=[])
    figure.savefig(out / "edge_filters.png", dpi=80)
    plt.close(figure)


def draw_batchnorm(out):
    """Three channels of a random conv's output on 16 pictures, before and after batch norm."""
    _, x = synthetic_pictures(16)
    w = numpy.random.default_rng(0).standard_normal((8, 3, 3, 3))
    w[:, :, :, :] += numpy.arange(8)[:, None, None, None] * 0.3  # channels with different means
    y, _ = conv2d_forward(x, w, None, stride=1, padding=1)
    C = y.shape[-1]
    ones, zeros = numpy.ones(C), numpy.zeros(C)
    normalised, _ = batchnorm_forward(y, ones, zeros, zeros.copy(), ones.copy(), train=True)
    figure, axes = plt.subplots(1, 2, figsize=(10, 3.2), sharey=True)
    for axis, values, title in ((axes[0], y, "conv output y, per channel"),
                                (axes[1], normalised, "batchnorm_forward(y), gamma = 1, beta = 0")):
        for channel, colour in zip((0, 3, 7), ("tab:blue", "tab:green", "tab:red")):
            axis.hist(values[..., channel].ravel(), bins=60, histtype="step", color=colour,
                      label=f"channel {channel}", density=True)
        axis.set(title=title, xlabel="activation value")
    axes[0].set(ylabel="density")
    axes[1].legend(fontsize=8)
    save_figure(figure, out / "batchnorm_histograms.png")


# What the "blocks" column says for the two stages that have no bottleneck blocks.
NOT_BLOCKS = {"stem": "conv 7x7 + max pool", "head": "global average pooling + fc"}


def draw_resnet50(out):
    """ResNet50 stage by stage (resnet.summary.stage_table): a table and two bar charts."""
    table = stage_table(resnet50(weights=None), image_size=224)
    header = ["stage", "bottleneck blocks", "output (C, H, W)", "parameters", "multiply-adds per image"]
    write_table(out / "resnet50_stages.md", header,
                [[row.name, NOT_BLOCKS.get(row.name, row.blocks), row.output_shape, f"{row.parameters:,}",
                  f"{row.multiply_adds / 1e9:.3f} G"] for row in table])
    names = [row.name for row in table]
    figure, (params_axis, values_axis) = plt.subplots(1, 2, figsize=(10, 3.2))
    params_axis.bar(names, [row.parameters / 1e6 for row in table], color="tab:blue")
    total = sum(row.parameters for row in table)
    params_axis.set(ylabel="parameters (millions)", title=f"ResNet50: {total / 1e6:.1f} M parameters")
    values_axis.bar(names, [numpy.prod(row.output_shape) / 1e3 for row in table], color="tab:orange")
    values_axis.set(ylabel="output values per image (thousands)",
                    title="Activations after each stage (224x224 input)")
    save_figure(figure, out / "resnet50_stages.png")


def write_bottleneck_layers(out):
    """The convolutions of layer2's first two blocks (the first with a projection shortcut)."""
    layers = [("first block of layer2", 256, 128, 2), ("second block of layer2", 512, 128, 1)]
    table = []
    for label, in_channels, width, stride in layers:
        for conv, bn, shape in bottleneck_layers(in_channels, width, stride):
            table.append([label, f"`{conv}` + `{bn}`", f"{shape}", f"{int(numpy.prod(shape)):,}"])
    header = ["block", "layer", "weight (C_out, C_in, kH, kW)", "weights"]
    write_table(out / "bottleneck_layers.md", header, table)


FIGURES = {
    "im2col": draw_im2col,
    "edge_filters": draw_edge_filters,
    "batchnorm_histograms": draw_batchnorm,
    "resnet50": draw_resnet50,
    "bottleneck_layers": write_bottleneck_layers,
}
