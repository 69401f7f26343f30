"""The whole captioner, ResNet encoder included: every parameter's gradient of the loss."""

import numpy as np
import pytest
from PIL import Image

from captioner.decoder import CaptionDecoder, DecoderConfig
from captioner.encoder import EncoderConfig
from captioner.model import Captioner
from captioner.picture import PictureInput
from numerics import array_module, numerical_gradient, rel_error, to_host
from resnet import resnet

ENCODER = EncoderConfig({"blocks_per_stage": (1,), "widths": (2,), "stem_width": 3}, PictureInput(16), grid=2,
                        trainable=True)


def tiny_captioner(xp):
    encoder = resnet((1,), (2,), stem_width=3, num_classes=1, dtype=np.float64, rng=0, pool_grid=2)
    config = DecoderConfig(vocabulary_size=7, feature_size=encoder.feature_size, embedding_size=3,
                           hidden_size=4, dtype="float64")
    return Captioner(CaptionDecoder(config, seed=0, xp=xp), ENCODER, encoder)


# None: one caption per image; [1, 0, 1]: two captions share image 1, one encoder pass for both.
@pytest.mark.needs_exercises(12)  # the decoder's backward (the encoder runs resnet's fast path)
@pytest.mark.parametrize("image_of_caption", [None, [1, 0, 1]])
def test_every_parameter_of_encoder_and_decoder(xp, image_of_caption):
    captioner = tiny_captioner(xp)
    rng = np.random.default_rng(1)
    shape = (3 if image_of_caption is None else 2, 16, 16, 3)
    pictures = xp.asarray(rng.integers(0, 256, shape, dtype=np.uint8))
    captions = xp.asarray([[1, 4, 5, 2, 0], [1, 6, 2, 0, 0], [1, 5, 5, 6, 2]])
    if image_of_caption is not None:
        image_of_caption = xp.asarray(image_of_caption)

    def loss():
        return captioner.loss(pictures, captions, image_of_caption)

    loss()
    analytic = {name: grad.copy() for name, grad in captioner.grads.items()}
    assert any(name.startswith("encoder.conv1") for name in analytic)
    assert set(analytic) == set(captioner.params)
    for name, value in captioner.params.items():
        numeric = numerical_gradient(loss, value)
        assert rel_error(analytic[name], numeric) < 1e-6, name


def test_host_pictures_and_picture_files_reach_an_encoder_on_the_device(xp, tmp_path):
    captioner = tiny_captioner(xp)  # built on xp, the selected backend
    pictures = np.random.default_rng(2).integers(0, 256, (2, 16, 16, 3), dtype=np.uint8)
    Image.fromarray(pictures[0]).save(tmp_path / "first.png")
    expected = to_host(captioner.features(xp.asarray(pictures)))
    for inputs, rows in ((pictures, 2), ([tmp_path / "first.png"], 1)):
        features = captioner.features(inputs)
        assert array_module(features) is xp
        np.testing.assert_array_equal(to_host(features), expected[:rows])
