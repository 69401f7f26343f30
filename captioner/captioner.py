"""The whole captioner: an optional trainable image encoder in front of the caption decoder.

Two ways to use the encoder:
- frozen: ResNet50 features are extracted once (resnet.features) and cached; the captioner
  reads those vectors and only the decoder learns (encoder=None);
- end to end: a small ResNet is part of the model; the loss's gradient flows from the words
  through the LSTM and the initial-state affine into the ResNet's pooled features, and on
  through every block down to the first convolution.

Parameters are exposed under one dict with prefixes, "decoder.Wx", "encoder.layer1.0.conv1.weight",
so that one optimizer and one checkpoint serve both.
"""

from numerics import array_module, scatter_add

ENCODER_PREFIX, DECODER_PREFIX = "encoder.", "decoder."


class Captioner:
    """decoder: a CaptionDecoder; encoder: a resnet.ResNet trained with it, or None."""

    def __init__(self, decoder, encoder=None):
        self.decoder, self.encoder = decoder, encoder
        if encoder is not None and encoder.feature_size != decoder.config.feature_size:
            raise ValueError(
                f"the encoder's features have {encoder.feature_size} values but the decoder "
                f"expects {decoder.config.feature_size}"
            )

    def _encoder_names(self):
        # The classifier head (fc) of the ResNet is not used: the decoder has its own affine.
        return [name for name in self.encoder.params if not name.startswith("fc.")] if self.encoder else []

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
        return {ENCODER_PREFIX + k: v for k, v in (self.encoder.buffers if self.encoder else {}).items()}

    def features(self, inputs, train=False):
        """inputs: (N, F) cached features, or (N, 3, H, W) images for an encoder. Returns (N, F)."""
        if self.encoder is None:
            return inputs
        return self.encoder.features(inputs, train=train, keep_cache=train)

    def loss(self, inputs, captions, image_of_caption=None):
        """Teacher-forced loss of a batch; fills the gradients (see `grads`).

        inputs: as for `features`, B images; captions: (P, T + 1) int ids; image_of_caption: (P,)
        ints in [0, B), the image each caption describes, or None when P = B and caption k
        describes image k. Several captions of one image share one pass through the encoder:
        their feature gradients add up. Returns the loss (float).
        """
        features = self.features(inputs, train=True)
        if image_of_caption is not None:
            features = features[image_of_caption]
        loss, dfeatures = self.decoder.loss(features, captions)
        if self.encoder is not None:
            if image_of_caption is not None:
                xp = array_module(dfeatures)
                per_image = xp.zeros((len(inputs), dfeatures.shape[1]), dtype=dfeatures.dtype)
                dfeatures = scatter_add(per_image, image_of_caption, dfeatures)
            self.encoder.backward_features(dfeatures, input_gradient=False)
        return loss

