"""The stage table and the stage outputs of resnet.summary, against published and measured numbers."""

import numpy as np
import pytest

from numerics import rel_error, to_host
from resnet import resnet, resnet50
from resnet.summary import conv_layers, stage_outputs, stage_table


@pytest.fixture(scope="module")
def resnet50_table():
    return stage_table(resnet50(), image_size=224)


def test_resnet50_totals_are_torchvisions(resnet50_table):
    # torchvision's model card for resnet50: 25,557,032 parameters, "GFLOPS 4.09" (multiply-adds).
    assert sum(row.parameters for row in resnet50_table) == 25_557_032
    assert round(sum(row.multiply_adds for row in resnet50_table) / 1e9, 2) == 4.09


def test_resnet50_stage_shapes_are_the_papers(resnet50_table):
    # He et al. 2015, Table 1: conv2_x .. conv5_x at 56, 28, 14, 7 pixels; 3, 4, 6, 3 blocks.
    assert [(row.name, row.blocks, row.output_shape) for row in resnet50_table] == [
        ("stem", 0, (64, 56, 56)),
        ("layer1", 3, (256, 56, 56)),
        ("layer2", 4, (512, 28, 28)),
        ("layer3", 6, (1024, 14, 14)),
        ("layer4", 3, (2048, 7, 7)),
        ("head", 0, (1000,)),
    ]


def test_resnet50_stem_and_head_counted_by_hand(resnet50_table):
    stem, head = resnet50_table[0], resnet50_table[-1]
    # conv1: 64 filters of 3 x 7 x 7 at 112 x 112 positions; bn1: 64 scales and 64 shifts.
    assert stem.multiply_adds == 64 * 3 * 7 * 7 * 112 * 112
    assert stem.parameters == 64 * 3 * 7 * 7 + 2 * 64
    assert head.parameters == 2048 * 1000 + 1000
    assert head.multiply_adds == 2048 * 1000


def test_strided_layers_of_resnet50_are_v1_5():
    layers = {layer.name: layer for layer in conv_layers(resnet50(), 224)}
    # v1.5: the 3x3 conv2 carries the stride, conv1 of the block does not.
    def stride_and_sizes(name):
        return layers[name].stride, layers[name].input_size, layers[name].output_size

    assert stride_and_sizes("conv1") == (2, (224, 224), (112, 112))
    assert stride_and_sizes("layer1.0.conv1") == (1, (56, 56), (56, 56))  # after the max pooling
    assert stride_and_sizes("layer2.0.conv1") == (1, (56, 56), (56, 56))
    assert stride_and_sizes("layer2.0.conv2") == (2, (56, 56), (28, 28))
    assert stride_and_sizes("layer2.0.downsample.0") == (2, (56, 56), (28, 28))
    assert stride_and_sizes("layer2.1.conv1") == (1, (28, 28), (28, 28))
    assert "layer2.1.downsample.0" not in layers
    assert len(layers) == 53  # 1 stem conv + 16 blocks x 3 + 4 projection shortcuts


def small_model(**options):
    return resnet((1, 2), (2, 3), stem_width=4, num_classes=5, dtype=np.float64, rng=0, **options)


@pytest.mark.parametrize("options", [{}, {"stem_kernel": 5, "stem_pool": False, "pool_grid": 2},
                                     {"stem_kernel": 4, "stem_stride": 4, "stem_pool": False}])
def test_table_shapes_match_a_real_run(xp, options):
    model = small_model(**options)
    images = xp.asarray(np.random.default_rng(1).standard_normal((2, 3, 24, 24)))
    outputs = stage_outputs(model, images)
    table = stage_table(model, image_size=24)
    assert [row.name for row in table] == list(outputs)
    for row in table:
        assert outputs[row.name].shape == (2, *row.output_shape)
    assert sum(row.parameters for row in table) == sum(int(v.size) for v in model.params.values())


def test_stage_outputs_end_in_the_models_logits(xp):
    model = small_model()
    images = xp.asarray(np.random.default_rng(2).standard_normal((3, 3, 20, 20)))
    outputs = stage_outputs(model, images)
    logits = to_host(model.forward(images))
    assert rel_error(outputs["head"], logits) < 1e-12
    assert isinstance(outputs["layer2"], np.ndarray)


def test_stage_outputs_reject_a_wrong_image_shape():
    with pytest.raises(ValueError, match="x"):
        stage_outputs(small_model(), np.zeros((1, 1, 20, 20)))


def test_the_last_stage_averaged_is_the_feature_vector(xp):
    model = small_model()
    images = xp.asarray(np.random.default_rng(3).standard_normal((2, 3, 20, 20)))
    maps, _ = model.feature_maps(images)
    last = to_host(maps[list(maps)[-1]])  # (N, C, H', W'), channels first
    assert list(maps)[0] == "stem"
    assert rel_error(last.mean(axis=(2, 3)), to_host(model.features(images))) < 1e-12
