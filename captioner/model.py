"""The whole captioner: the image encoder in front of the caption decoder.

Two ways to use the encoder (captioner.encoder):
- frozen: ResNet50 features are extracted once (python -m captioner extract-features) and
  cached; the captioner reads those vectors and only the decoder learns. Its ResNet50 is built
  only to caption new photos (`attach_encoder` with the user's weights);
- end to end: a small ResNet is part of the model; the loss's gradient flows from the words
  through the decoder into the ResNet's features, and on through every block down to the
  first convolution.

Either way a picture reaches the encoder through captioner.picture.to_encoder_input, following
the encoder config that the checkpoint records.

Parameters are exposed under one dict with prefixes, "decoder.Wx", "encoder.layer1.0.conv1.weight",
so that one optimizer and one checkpoint serve both.
"""

import numpy

from captioner.encoder import build_encoder
from captioner.picture import to_encoder_input
from numerics import array_module
from numerics.validation import InputError

ENCODER_PREFIX, DECODER_PREFIX = "encoder.", "decoder."


class Captioner:
    """decoder: a CaptionDecoder; encoder_config: a captioner.encoder.EncoderConfig; encoder: the
    resnet.ResNet it describes (built from the config when trainable and not given)."""

    def __init__(self, decoder, encoder_config, encoder=None, seed=0):
        self.decoder, self.encoder_config = decoder, encoder_config
        if encoder is None and encoder_config.trainable:
            encoder = build_encoder(encoder_config, seed=seed)
        self.encoder = None
        if encoder is not None:
            self.attach_encoder(encoder)

    def attach_encoder(self, encoder):
        """Give the captioner its ResNet (a frozen one, to caption pictures rather than cached features)."""
        channels = encoder.feature_size // encoder.pool_grid ** 2
        cells = self.encoder_config.grid ** 2
        expected = channels if self.decoder.config.context == "attention" else cells * channels
        if expected != self.decoder.config.feature_size:
            raise InputError(
                f"the encoder's features have {expected} values but the decoder "
                f"expects {self.decoder.config.feature_size}"
            )
        self.encoder = encoder

    @property
    def trains_encoder(self):
        return self.encoder_config.trainable

    def _encoder_names(self):
        # The classifier head (fc) of the ResNet is not used: the decoder has its own affine.
        if not self.trains_encoder:
            return []
        return [name for name in self.encoder.params if not name.startswith("fc.")]

    @property
    def params(self):
        """{prefixed name: array}: the arrays themselves, so updating them updates the model."""
        params = {DECODER_PREFIX + k: v for k, v in self.decoder.params.items()}
        params.update({ENCODER_PREFIX + k: self.encoder.params[k] for k in self._encoder_names()})
        return params

    @property
    def grads(self):
        """{prefixed name: gradient} from the last call of `loss`."""
        grads = {DECODER_PREFIX + k: v for k, v in self.decoder.grads.items()}
        grads.update({ENCODER_PREFIX + k: self.encoder.grads[k] for k in self._encoder_names()})
        return grads

    @property
    def buffers(self):
        """{prefixed name: array}: the encoder's batch-norm running statistics."""
        buffers = self.encoder.buffers if self.trains_encoder else {}
        return {ENCODER_PREFIX + k: v for k, v in buffers.items()}

    def features(self, inputs, train=False):
        """What the decoder reads of each picture.

        inputs: (N, H, W, 3) uint8 pictures, on the host or the encoder's device, or a list of
        picture files, PIL images or arrays (see captioner.picture), or features cached from a
        frozen encoder ((N, F) or (N, L, F)).
        train: batch statistics in the encoder, and keep what the backward pass needs.
        Returns (N, F) for a pooled context, (N, L, F) for attention (L = grid^2 cells).
        """
        if is_cached_features(inputs):
            return inputs
        if self.encoder is None:
            raise InputError("this captioner reads cached ResNet50 features: give it the ResNet50 weights "
                             "(--weights) to caption pictures")
        train = train and self.trains_encoder
        # Pictures arrive from files or host arrays; the encoder takes them on its own device.
        encoder = self.encoder
        x = to_encoder_input(inputs, self.encoder_config.picture, dtype=encoder.dtype, xp=encoder.xp)
        features = encoder.features(x, train=train, keep_cache=train, grid=self.encoder_config.grid)
        if self.decoder.config.context == "attention":
            return features.reshape(len(features), self.encoder_config.grid ** 2, -1)
        return features

    def loss(self, inputs, captions, image_of_caption=None):
        """Teacher-forced loss of a batch; fills the gradients (see `grads`).

        inputs: as for `features`, B pictures; captions: (P, T + 1) int ids; image_of_caption: (P,)
        ints in [0, B), the image each caption describes, or None when P = B and caption k
        describes image k. Several captions of one image share one pass through the encoder:
        their feature gradients add up. Returns the loss (float).
        """
        features = self.features(inputs, train=True)
        if image_of_caption is not None:
            features = features[image_of_caption]
        loss, dfeatures = self.decoder.loss(features, captions)
        if self.trains_encoder:
            dfeatures = dfeatures.reshape(len(dfeatures), -1)
            if image_of_caption is not None:
                xp = array_module(dfeatures)
                per_image = xp.zeros((len(inputs), dfeatures.shape[1]), dtype=dfeatures.dtype)
                xp.add.at(per_image, image_of_caption, dfeatures)
                dfeatures = per_image
            self.encoder.backward_features(dfeatures, input_gradient=False)
        return loss



def is_cached_features(inputs):
    """True for float features cached from an encoder, False for pictures (uint8 pixels, files)."""
    return hasattr(inputs, "dtype") and numpy.dtype(inputs.dtype).kind == "f"
