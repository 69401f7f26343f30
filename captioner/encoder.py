"""The image encoder, as a checkpoint records it: which ResNet, how a picture reaches it, what it hands on.

Two kinds:
- a small ResNet (resnet.resnet) trained together with the decoder, end to end: the synthetic
  pictures' encoder;
- torchvision's ResNet50, frozen, whose weights the user brings: its features are usually
  computed once and cached (`python -m captioner extract-features`), and it is built only to
  caption new photos.

The last feature map (N, h, w, C) is average-pooled onto grid x grid cells. The decoder reads
them either as one vector of grid^2 C values (its "pooled" context) or as L = grid^2 cells of C
values each (its "attention" context, which chooses where to look at every word).
"""

from dataclasses import dataclass

from captioner.picture import IMAGENET_INPUT, PictureInput
from numerics.validation import InputError
from resnet import resnet, resnet50


@dataclass(frozen=True)
class EncoderConfig:
    """resnet: keyword arguments of resnet.resnet for a small ResNet, or None for torchvision's
    ResNet50; picture: a PictureInput; grid: the side of the grid of cells the last map is pooled
    to; trainable: trained with the decoder (else frozen, its features usually cached)."""

    resnet: dict | None
    picture: PictureInput
    grid: int = 1
    trainable: bool = False

    def to_dict(self):
        return {"resnet": self.resnet, "picture": self.picture.to_dict(), "grid": self.grid,
                "trainable": self.trainable}

    @classmethod
    def from_dict(cls, values):
        """The inverse of to_dict; raises ValueError naming what is missing or wrong."""
        if not isinstance(values, dict) or not {"resnet", "picture"} <= set(values):
            raise InputError(f"an encoder configuration needs 'resnet' and 'picture', got {values!r}")
        resnet_arguments = values["resnet"]
        if resnet_arguments is not None:
            resnet_arguments = {k: tuple(v) if isinstance(v, list) else v
                                for k, v in resnet_arguments.items()}
        return cls(resnet_arguments, PictureInput(**values["picture"]), values.get("grid", 1),
                   bool(values.get("trainable", False)))


def frozen_resnet50_config(grid=1):
    """The encoder behind features cached by extract-features: ResNet50 reading ImageNet-style input."""
    return EncoderConfig(None, IMAGENET_INPUT, grid)


def build_encoder(config, weights=None, seed=0, dtype="float32"):
    """The ResNet an EncoderConfig describes.

    weights: for ResNet50, torchvision's .pth or the project's .npz (required); seed: the
    initialisation of a small ResNet; dtype: a small ResNet's. Returns a resnet.ResNet whose
    `features(x, grid=config.grid)` gives (N, grid^2 C).
    """
    if config.resnet is not None:
        return resnet(**config.resnet, pool_grid=config.grid, num_classes=1, dtype=dtype, rng=seed)
    if weights is None:
        raise FileNotFoundError("this captioner reads ResNet50 features: "
                                "give the ResNet50 weights (--weights)")
    return resnet50(weights=weights)
