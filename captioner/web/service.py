"""The model behind the page: what the page and the JSON API may ask of it.

One CaptionService wraps one checkpoint. The HTTP server (captioner.web.server) turns requests
into calls of its methods; the benchmark of drawn scenes goes through the same server. The
model is used by one request at a time (a lock): its forward pass keeps no per-request state
outside its arguments, but the encoder and the backend are not written for threads, and one
picture takes a fraction of a second.
"""

import threading

from matplotlib import colormaps, colors

from captioner.synthetic import COLOURS, MIN_IMAGE_SIZE, SHAPES, SIZES, canonical_caption, make_split
from captioner.text import tokenize
from captioner.web.explain import explain_caption, png_bytes
from captioner.web.scenes import render_drawn_scene, scene_to_json
from captioner.web.uploads import MAX_PIXELS, read_picture
from lstm.colours import COLOUR_MAPS, LINE_COLOURS, NAMES, SIGNED

MAX_BEAM = 10
TEST_PICTURES = 12  # the first pictures of the synthetic test split, regenerated from its seed
COLOUR_STOPS = 64  # colours sent for each colour map; the page interpolates between them
OTHER_MAPS = {"sequential": "Greys", "diverging": "PuOr_r"}  # for activations lstm.colours does not name



class RequestError(ValueError):
    """A request the page or a script got wrong (HTTP 400); the message says what, in one line."""


class CaptionService:
    """checkpoint: a captioner.checkpoint.Checkpoint whose captioner has its encoder; source: what
    to call the model on the page; max_length: the most words of a caption."""

    def __init__(self, checkpoint, source, max_length=20, max_pixels=MAX_PIXELS):
        if isinstance(max_length, bool) or not isinstance(max_length, int) or max_length < 1:
            raise ValueError(f"max_length must be an int >= 1, got {max_length!r}")
        if checkpoint.captioner.encoder is None:
            raise ValueError("the captioner has no encoder: attach one (ResNet50 weights) before serving it")
        self.captioner, self.vocabulary = checkpoint.captioner, checkpoint.vocabulary
        self.source, self.max_length, self.max_pixels = source, max_length, max_pixels
        self.image_size = self.captioner.encoder_config.picture.size
        self.draws_scenes = knows_the_synthetic_world(self.captioner, self.vocabulary)
        self._lock = threading.Lock()
        self._test_pictures = []
        if self.draws_scenes:
            split = make_split("test", TEST_PICTURES, self.image_size, seed=0)
            self._test_pictures = [png_bytes(pixels) for pixels in split.images]
        self._info = self._describe()

    def info(self):
        """What the page needs to know before the first picture: the model, the drawable world, colours."""
        return self._info

    def _describe(self):
        config = self.captioner.decoder.config
        return {
            "model": {"source": self.source, "cell": config.cell, "context": config.context,
                      "hidden_size": config.hidden_size, "vocabulary_size": len(self.vocabulary),
                      "picture_size": self.image_size, "grid": self.captioner.encoder_config.grid},
            "max_beam": MAX_BEAM,
            "test_pictures": len(self._test_pictures),
            "world": _world() if self.draws_scenes else None,
            "gate_colours": _gate_colours(),
        }

    def caption_upload(self, body, beam=1):
        """The caption of an uploaded picture (its file's bytes) and why; RequestError for a bad one."""
        picture = read_picture(body, self.max_pixels)
        return self._explain(picture, beam)

    def caption_scene(self, payload, beam=1):
        """The caption of a drawn scene (see captioner.web.scenes), rendered by the synthetic world.

        Returns explain_caption's dict and "scene" (the objects as placed), "expected" (the
        scene's canonical caption, as words joined by spaces) and "right" (caption == expected).
        """
        if not self.draws_scenes:
            raise RequestError("this model was not trained on the synthetic world: give it a photo instead")
        scene, pixels = render_drawn_scene(payload, self.image_size)
        result = self._explain(pixels, beam)
        expected = " ".join(tokenize(canonical_caption(scene)))
        result.update(scene=scene_to_json(scene, self.image_size), expected=expected,
                      right=result["caption"] == expected)
        return result

    def test_picture(self, index):
        """The PNG bytes of test picture `index`; IndexError when there is none."""
        if not 0 <= index < len(self._test_pictures):
            raise IndexError(f"there are {len(self._test_pictures)} test pictures, no picture {index}")
        return self._test_pictures[index]

    def _explain(self, picture, beam):
        check_beam(beam)
        with self._lock:
            return explain_caption(self.captioner, self.vocabulary, picture, beam, self.max_length)


def check_beam(beam):
    if isinstance(beam, bool) or not isinstance(beam, int) or not 1 <= beam <= MAX_BEAM:
        raise RequestError(f"beam must be an int in 1..{MAX_BEAM} (1: greedy), got {beam!r}")


def knows_the_synthetic_world(captioner, vocabulary):
    """Whether the model reads square pictures and knows every shape, colour and size word."""
    picture = captioner.encoder_config.picture
    words = (*SHAPES, *COLOURS, *SIZES)
    known = all(word in vocabulary for word in words)
    return picture.recipe == "square" and picture.size >= MIN_IMAGE_SIZE and known


def _world():
    return {"shapes": list(SHAPES), "sizes": dict(SIZES),
            "colours": {name: colors.to_hex([value / 255 for value in rgb]) for name, rgb in COLOURS.items()}}


def _gate_colours():
    """{name: {"title", "line": hex, "map": [hex, ...], "diverging": bool}} from lstm.colours, and
    "sequential" / "diverging" maps for activations it does not name (a GRU's r, z, n)."""
    maps = {**COLOUR_MAPS, **OTHER_MAPS}
    return {name: {"title": NAMES.get(name, name), "line": colors.to_hex(LINE_COLOURS.get(name, "tab:gray")),
                   "map": _stops(colour_map), "diverging": name in (*SIGNED, "diverging")}
            for name, colour_map in maps.items()}


def _stops(colour_map):
    """colour_map: a matplotlib colour map or its registered name."""
    if isinstance(colour_map, str):
        colour_map = colormaps[colour_map]
    colour_map = colour_map.resampled(COLOUR_STOPS)
    return [colors.to_hex(colour_map(index)) for index in range(COLOUR_STOPS)]

