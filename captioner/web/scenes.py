"""A scene drawn on the page, placed and rendered by the synthetic world's own code.

The page sends the objects it drew, not its pixels: a flat shape on a flat background is not a
picture the synthetic world ever makes (its backgrounds are never flat), and a model trained on
it may see things that are not there. The scene is placed by captioner.synthetic.place_objects,
which refuses the layouts that world never generates, and rendered by its render_scene, so the
model reads a picture in its own world's style; the page then shows that rendering.

The page's JSON (centres as fractions of the picture's side, x to the right, y down):

    {"objects": [{"shape": "circle", "colour": "red", "size": "large", "centre": [0.5, 0.3]}, ...],
     "seed": 0}

`seed` (an int, default 0) chooses the background, the shades and the speckle.
"""

import numpy

from captioner.synthetic import place_objects, render_scene
from numerics.validation import InputError

OBJECT_KEYS = ("shape", "colour", "size", "centre")
MAX_SEED = 2**32 - 1


class SceneError(ValueError):
    """A drawn scene that cannot be rendered; the message says why, in one line."""


def render_drawn_scene(payload, image_size):
    """The scene the page drew, as the synthetic world places and renders it.

    payload: the decoded JSON (see the module docstring); image_size: the picture's side in pixels.
    Returns (scene, pixels): list[SceneObject] left to right, (image_size, image_size, 3) uint8.
    Raises SceneError naming what is wrong with the payload or why the layout is never generated.
    """
    objects, seed = _parse(payload)
    try:
        scene = place_objects([(item["shape"], item["colour"], item["size"],
                                tuple(value * image_size for value in item["centre"])) for item in objects],
                              image_size)
    except InputError as refused:
        raise SceneError(f"the synthetic world never draws this scene: {refused}") from None
    return scene, render_scene(scene, numpy.random.default_rng(seed), image_size)


def scene_to_json(scene, image_size):
    """scene: list[SceneObject]. Returns the objects as the page draws them (centres as fractions)."""
    return [{"shape": item.shape, "colour": item.colour, "size": item.size,
             "centre": [item.centre[0] / image_size, item.centre[1] / image_size]} for item in scene]


def _parse(payload):
    """(objects, seed) from the page's JSON, each object a dict with OBJECT_KEYS; SceneError otherwise."""
    if not isinstance(payload, dict) or not isinstance(payload.get("objects"), list):
        raise SceneError('a scene is a JSON object {"objects": [...], "seed": int}')
    seed = payload.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= MAX_SEED:
        raise SceneError(f"seed must be an int in 0..{MAX_SEED}, got {seed!r}")
    for number, item in enumerate(payload["objects"], start=1):
        if not isinstance(item, dict) or set(item) != set(OBJECT_KEYS):
            raise SceneError(f"object {number} must have exactly the keys {OBJECT_KEYS}, got {item!r}")
        if not all(isinstance(item[key], str) for key in OBJECT_KEYS[:3]):
            raise SceneError(f"object {number}: shape, colour and size must be names (strings), got {item!r}")
        centre = item["centre"]
        if not (isinstance(centre, list) and len(centre) == 2 and all(map(_is_fraction, centre))):
            raise SceneError(f"object {number}: centre must be [x, y], fractions of the side in 0..1, "
                             f"got {centre!r}")
    return payload["objects"], seed


def _is_fraction(value):
    """A JSON number in [0, 1] (not a boolean, not NaN)."""
    return isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value <= 1
