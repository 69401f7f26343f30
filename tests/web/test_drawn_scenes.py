"""Drawn scenes: placed by the synthetic world's own rules (hand-computed cases), refused in one
line where that world never draws them, and rendered in its style."""

import numpy as np
import pytest

from captioner.synthetic import (
    COLOURS,
    SIZES,
    canonical_caption,
    layout_problem,
    make_split,
    place_objects,
)
from captioner.web.scenes import SceneError, render_drawn_scene, scene_to_json

SIDE = 64  # pixels: a large object's radius is 0.18 * 64 = 11.52, a small one's 0.10 * 64 = 6.4


def test_an_object_moves_to_its_pixel_centre_and_takes_its_nominal_extent():
    assert SIZES == {"small": 0.10, "large": 0.18}  # what the hand computations here assume
    (circle,) = place_objects([("circle", "red", "large", (32.7, 20.2))], SIDE)
    assert circle.centre == (32.5, 20.5)
    assert np.allclose(circle.box, (32.5 - 11.52, 20.5 - 11.52, 32.5 + 11.52, 20.5 + 11.52))
    (square,) = place_objects([("square", "blue", "large", (32.0, 32.0))], SIDE)
    half = 0.85 * 11.52  # a square's half side is 0.85 of its radius
    assert np.allclose(square.box, (32.5 - half, 32.5 - half, 32.5 + half, 32.5 + half))


def test_the_edge_keeps_a_pixel_outside_the_object():
    # A large object's radius rounds up to 12 pixels: its centre pixel lies in 13..64 - 2 - 12 = 50.
    for x in (13.0, 50.9):
        place_objects([("circle", "red", "large", (x, 32))], SIDE)
    for x in (12.9, 51.0):
        with pytest.raises(ValueError, match="object 1 \\(a large red circle\\) is too near the edge"):
            place_objects([("circle", "red", "large", (x, 32))], SIDE)


def test_two_objects_need_their_radii_between_their_centres():
    # Two small objects: 6.4 + 6.4 = 12.8 pixels.
    place_objects([("circle", "red", "small", (20, 30)), ("cross", "blue", "small", (33, 30))], SIDE)
    with pytest.raises(ValueError, match="objects 1 and 2 overlap: their centres are 12.0 pixels apart"):
        place_objects([("circle", "red", "small", (20, 30)), ("cross", "blue", "small", (32, 30))], SIDE)


def test_two_objects_near_the_diagonal_are_refused():
    # |dx| = 20: |dy| = 15 is clear (20 >= 1.3 * 15 = 19.5), |dy| = 16 is not (20 < 20.8).
    scene = place_objects([("circle", "red", "small", (40, 15)), ("cross", "blue", "small", (20, 30))], SIDE)
    assert canonical_caption(scene) == "a small blue cross to the left of a small red circle"
    with pytest.raises(ValueError, match="objects 1 and 2 are near the diagonal"):
        place_objects([("circle", "red", "small", (40, 15)), ("cross", "blue", "small", (20, 31))], SIDE)


def test_one_above_the_other_is_named_top_first():
    scene = place_objects([("cross", "green", "small", (30, 50)), ("diamond", "yellow", "large", (33, 18))],
                          SIDE)
    assert canonical_caption(scene) == "a large yellow diamond above a small green cross"


def test_three_objects_must_be_apart_from_left_to_right():
    # 0.08 of the side: 5.12 pixels across between every two centres.
    row = [("circle", "red", "small", (10, 10)), ("square", "blue", "small", (30, 30)),
           ("cross", "green", "small", (16, 50))]
    scene = place_objects(row, SIDE)
    assert [item.shape for item in scene] == ["circle", "cross", "square"]  # left to right
    with pytest.raises(ValueError, match="objects 1 and 3 are not apart from left to right"):
        place_objects([*row[:2], ("cross", "green", "small", (15, 50))], SIDE)


@pytest.mark.parametrize(("objects", "message"), [
    ([], "a scene holds 1 to 3 objects, got 0"),
    ([("circle", "red", "small", (10 + 14 * k, 32)) for k in range(4)], "1 to 3 objects, got 4"),
    ([("hexagon", "red", "small", (32, 32))], "object 1: shape must be one of"),
    ([("circle", "pink", "small", (32, 32))], "object 1: colour must be one of"),
    ([("circle", "red", "medium", (32, 32))], "object 1: size must be one of"),
])
def test_what_the_world_does_not_know_is_refused(objects, message):
    with pytest.raises(ValueError, match=message.replace("(", "\\(")):
        place_objects(objects, SIDE)


def test_every_generated_layout_passes_the_check():
    """sample_scene keeps only layouts layout_problem accepts: the same check for both."""
    split = make_split("test", 40, SIDE, seed=3)
    for scene in split.objects:
        radii = [(item.box[2] - item.box[0]) / 2 / (0.85 if item.shape == "square" else 1) for item in scene]
        assert layout_problem([item.centre for item in scene], radii, SIDE) is None


def drawn(*objects, seed=0):
    return {"objects": [{"shape": s, "colour": c, "size": z, "centre": [x, y]} for s, c, z, x, y in objects],
            "seed": seed}


def test_a_drawn_scene_is_rendered_in_the_worlds_style():
    scene, pixels = render_drawn_scene(drawn(("square", "orange", "large", 0.3, 0.5)), SIDE)
    assert pixels.shape == (SIDE, SIDE, 3) and pixels.dtype == np.uint8
    x, y = (int(value) for value in scene[0].centre)
    centre = pixels[y - 3 : y + 4, x - 3 : x + 4].reshape(-1, 3).mean(axis=0)
    assert np.abs(centre - COLOURS["orange"]).max() < 20  # the colour, up to its jitter and the speckle
    background = pixels[:, 50:].astype(float)
    assert background.std(axis=(0, 1)).max() > 3  # speckled, not flat
    assert np.abs(background.mean(axis=(0, 1)) - background.mean()).max() < 15  # and near grey
    assert np.array_equal(pixels, render_drawn_scene(drawn(("square", "orange", "large", 0.3, 0.5)), SIDE)[1])
    other = render_drawn_scene(drawn(("square", "orange", "large", 0.3, 0.5), seed=1), SIDE)[1]
    assert not np.array_equal(pixels, other)


def test_the_scene_comes_back_as_the_page_draws_it():
    scene, _ = render_drawn_scene(drawn(("circle", "red", "small", 0.75, 0.5),
                                        ("cross", "blue", "large", 0.25, 0.5)), SIDE)
    assert scene_to_json(scene, SIDE) == [
        {"shape": "cross", "colour": "blue", "size": "large", "centre": [16.5 / SIDE, 32.5 / SIDE]},
        {"shape": "circle", "colour": "red", "size": "small", "centre": [48.5 / SIDE, 32.5 / SIDE]}]


@pytest.mark.parametrize(("payload", "message"), [
    ([], "a scene is a JSON object"),
    ({"objects": "circle"}, "a scene is a JSON object"),
    ({"objects": [], "seed": True}, "seed must be an int"),
    ({"objects": [], "seed": 2.5}, "seed must be an int"),
    ({"objects": [{"shape": "circle"}]}, "object 1 must have exactly the keys"),
    ({"objects": [{"shape": 1, "colour": "red", "size": "small", "centre": [0.5, 0.5]}]}, "must be names"),
    ({"objects": [{"shape": "circle", "colour": "red", "size": "small", "centre": [0.5]}]}, "centre must be"),
    ({"objects": [{"shape": "circle", "colour": "red", "size": "small", "centre": [0.5, True]}]},
     "centre must be"),
    ({"objects": [{"shape": "circle", "colour": "red", "size": "small", "centre": [0.5, 0.5]},
                  {"shape": "circle", "colour": "red", "size": "small", "centre": [0.55, 0.5]}]},
     "the synthetic world never draws this scene: objects 1 and 2 overlap"),
])
def test_a_bad_scene_is_refused_in_one_line(payload, message):
    with pytest.raises(SceneError, match=message) as refused:
        render_drawn_scene(payload, SIDE)
    assert "\n" not in str(refused.value)

