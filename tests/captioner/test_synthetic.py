import math
import re
from collections import Counter

import numpy as np
import pytest
from PIL import Image

from captioner import synthetic
from captioner.flickr_captions import load_captions
from captioner.metrics import corpus_bleu
from captioner.synthetic import (
    COLOURS,
    SHAPES,
    SIZES,
    make_split,
    make_synthetic_dataset,
)
from captioner.text import tokenize

OBJECT = rf"a ({'|'.join(SIZES)}) ({'|'.join(COLOURS)}) ({'|'.join(SHAPES)})"
# The canonical captions, written out again here to parse them back.
CANONICAL_FORMS = {
    "single": re.compile(rf"{OBJECT}"),
    "side_by_side": re.compile(rf"{OBJECT} to the left of {OBJECT}"),
    "one_above": re.compile(rf"{OBJECT} above {OBJECT}"),
    "row": re.compile(rf"{OBJECT} , {OBJECT} and {OBJECT}"),
}
# Share of its bounding box that each shape fills, from its geometry: a circle pi/4; the square is its
# box; triangle and diamond half; the cross two arms 2r long and 0.7r wide: (2 * 1.4 - 0.49) / 4.
FILL_SHARE = {"circle": math.pi / 4, "square": 1.0, "triangle": 0.5, "diamond": 0.5, "cross": 2.31 / 4}
# Area of the upper half of the box over the lower half: the triangle points up, its top half is a
# triangle of a quarter of its area; the other shapes are symmetric.
UPPER_OVER_LOWER = {"circle": 1.0, "square": 1.0, "triangle": 1 / 3, "diamond": 1.0, "cross": 1.0}


@pytest.fixture(scope="module")
def dataset():
    return make_synthetic_dataset(300, 40, 40, image_size=64, seed=3)


def parse_canonical(caption):
    """(arrangement, [(size, colour, shape), ...] in the order named) of a canonical caption."""
    for arrangement, form in CANONICAL_FORMS.items():
        match = form.fullmatch(caption)
        if match:
            groups = match.groups()
            return arrangement, [groups[start : start + 3] for start in range(0, len(groups), 3)]
    raise AssertionError(f"not a canonical caption: {caption!r}")


def expected_naming(objects):
    """The arrangement and naming order the module docstring promises, from the centres alone."""
    if len(objects) == 1:
        return "single", objects
    if len(objects) == 3:
        return "row", sorted(objects, key=lambda item: item.centre[0])
    (x_a, y_a), (x_b, y_b) = (item.centre for item in objects)
    if abs(x_a - x_b) > abs(y_a - y_b):
        return "side_by_side", sorted(objects, key=lambda item: item.centre[0])
    return "one_above", sorted(objects, key=lambda item: item.centre[1])


def chroma(pixels):
    """max - min over the colour channels: 0 for grey, large for saturated colours."""
    return pixels.max(axis=-1).astype(int) - pixels.min(axis=-1).astype(int)


def nearest_colour(pixel):
    return min(COLOURS, key=lambda name: np.sum((np.asarray(COLOURS[name]) - pixel.astype(int)) ** 2))


def test_same_seed_same_data_other_seed_other_data():
    first = make_synthetic_dataset(12, 3, 3, image_size=48, seed=7)
    again = make_synthetic_dataset(12, 3, 3, image_size=48, seed=7)
    other = make_synthetic_dataset(12, 3, 3, image_size=48, seed=8)
    for name in ("train", "val", "test"):
        np.testing.assert_array_equal(first[name].images, again[name].images)
        assert first[name].captions == again[name].captions
        assert first[name].objects == again[name].objects
        assert not np.array_equal(first[name].images, other[name].images)
        assert first[name].captions != other[name].captions


def test_a_picture_does_not_depend_on_how_many_are_made():
    short, long = make_split("val", 4, seed=1), make_split("val", 9, seed=1)
    np.testing.assert_array_equal(short.images, long.images[:4])
    assert short.captions == long.captions[:4]


def test_pictures_drawn_by_several_processes_are_those_one_draws(monkeypatch):
    # A few pictures per process, so that this small split is shared out between three.
    monkeypatch.setattr(synthetic, "PICTURES_PER_PROCESS", 4)
    alone, shared = make_split("train", 14, seed=2), make_split("train", 14, seed=2, workers=3)
    np.testing.assert_array_equal(shared.images, alone.images)
    assert (shared.captions, shared.objects, shared.image_names) == (alone.captions, alone.objects,
                                                                    alone.image_names)


def test_splits_are_disjoint(dataset):
    names = [set(dataset[split].image_names) for split in ("train", "val", "test")]
    assert not (names[0] & names[1] or names[0] & names[2] or names[1] & names[2])
    pictures = [{image.tobytes() for image in dataset[split].images} for split in ("train", "val", "test")]
    assert not (pictures[0] & pictures[1] or pictures[0] & pictures[2] or pictures[1] & pictures[2])


def test_split_layout(dataset):
    train = dataset["train"]
    assert len(train) == 300 and train.images.shape == (300, 64, 64, 3) and train.images.dtype == np.uint8
    assert len(train.captions) == len(train.objects) == 300
    assert all(len(captions) == 5 and len(set(captions)) == 5 for captions in train.captions)
    assert train.image_names[:2] == ["train_000000.png", "train_000001.png"]


def test_every_shape_colour_size_count_and_arrangement_occurs_about_uniformly(dataset):
    objects = [item for scene in dataset["train"].objects for item in scene]
    for attribute, names in (("shape", SHAPES), ("colour", COLOURS), ("size", SIZES)):
        counts = Counter(getattr(item, attribute) for item in objects)
        assert set(counts) == set(names)
        # Uniform draws: each value near len(objects) / len(names) (about 600 / 5 for shapes).
        assert min(counts.values()) > 0.6 * len(objects) / len(names), (attribute, counts)
    assert Counter(len(scene) for scene in dataset["train"].objects).keys() == {1, 2, 3}
    arrangements = Counter(expected_naming(scene)[0] for scene in dataset["train"].objects)
    assert arrangements.keys() == set(CANONICAL_FORMS)


def test_canonical_caption_follows_from_the_annotations(dataset):
    for captions, objects in zip(dataset["train"].captions, dataset["train"].objects):
        arrangement, named = parse_canonical(captions[0])
        expected_arrangement, ordered = expected_naming(objects)
        assert arrangement == expected_arrangement
        assert named == [(item.size, item.colour, item.shape) for item in ordered]


def test_every_caption_names_every_object_and_is_short(dataset):
    for captions, objects in zip(dataset["train"].captions, dataset["train"].objects):
        wanted = Counter((item.size, item.colour, item.shape) for item in objects)
        for caption in captions:
            named = Counter(match.groups() for match in re.finditer(OBJECT, caption))
            assert named == wanted, caption
            assert len(tokenize(caption)) <= 16


def test_objects_are_listed_left_to_right_and_their_order_is_plain_to_see(dataset):
    for objects in dataset["train"].objects:
        xs = [item.centre[0] for item in objects]
        assert xs == sorted(xs)
        if len(objects) == 3:
            assert min(b - a for a, b in zip(xs, xs[1:])) >= 0.08 * 64
        if len(objects) == 2:
            dx, dy = abs(xs[1] - xs[0]), abs(objects[1].centre[1] - objects[0].centre[1])
            assert max(dx, dy) >= 1.3 * min(dx, dy)


def test_object_colour_at_each_centre_and_grey_background_elsewhere(dataset):
    split = dataset["train"]
    for image, objects in zip(split.images, split.objects):
        covered = np.zeros(image.shape[:2], dtype=bool)
        for item in objects:
            x, y = item.centre
            centre_pixel = image[math.floor(y), math.floor(x)]
            assert nearest_colour(centre_pixel) == item.colour
            assert chroma(centre_pixel) > 90
            left, top, right, bottom = item.box
            covered[
                max(0, math.floor(top) - 2) : math.ceil(bottom) + 3,
                max(0, math.floor(left) - 2) : math.ceil(right) + 3,
            ] = True
        # Backgrounds are grey with a faint tint (channels at most 24 apart); objects are far more saturated.
        assert chroma(image[~covered]).max() <= 24


def test_each_shape_fills_its_box_as_its_geometry_says(dataset):
    shares = {shape: [] for shape in SHAPES}
    upper_over_lower = {shape: [] for shape in SHAPES}
    for image, objects in zip(dataset["train"].images, dataset["train"].objects):
        if len(objects) != 1:
            continue
        item = objects[0]
        left, top, right, bottom = item.box
        saturated = chroma(image) > 60  # only one object, so every saturated pixel is it
        # Pillow also fills the pixels that the outline passes through, half a pixel beyond each edge on
        # average: a shape w wide covers about w + 1 pixels across.
        shares[item.shape].append(saturated.sum() / ((right - left + 1) * (bottom - top + 1)))
        middle = math.floor(item.centre[1])  # the row of the centre pixel, left out of both halves
        upper_over_lower[item.shape].append(saturated[:middle].sum() / saturated[middle + 1 :].sum())
    for shape in SHAPES:
        assert shares[shape], shape
        assert np.mean(shares[shape]) == pytest.approx(FILL_SHARE[shape], abs=0.04), shape
        assert np.mean(upper_over_lower[shape]) == pytest.approx(UPPER_OVER_LOWER[shape], abs=0.15), shape


def test_large_objects_are_larger(dataset):
    widths = {
        size: [
            item.box[2] - item.box[0]
            for scene in dataset["train"].objects
            for item in scene
            if item.size == size and item.shape != "square"
        ]
        for size in SIZES
    }
    assert min(widths["large"]) > 1.5 * max(widths["small"])


@pytest.mark.needs_exercises(17, 18)  # corpus_bleu
def test_a_fixed_guess_scores_far_below_the_canonical_caption(dataset):
    references = [[tokenize(caption) for caption in captions] for captions in dataset["test"].captions]
    assert corpus_bleu(references, [tokens[0] for tokens in references])[4] == pytest.approx(1.0)
    # Whatever single caption a model that ignores the picture settles on, it cannot read the objects.
    for guess in {captions[0] for captions in dataset["train"].captions[:20]}:
        assert corpus_bleu(references, [tokenize(guess)] * len(references))[4] < 0.3, guess


def test_saved_split_reads_back_through_the_kaggle_loader(tmp_path):
    from captioner.synthetic import save_split_as_kaggle_flickr8k

    split = make_split("val", 3, image_size=32, seed=5)
    path = save_split_as_kaggle_flickr8k(split, tmp_path / "synthetic")
    assert path == tmp_path / "synthetic" / "captions.txt"
    assert load_captions(path) == split.captions_by_name()
    for name, image in zip(split.image_names, split.images):
        np.testing.assert_array_equal(np.asarray(Image.open(tmp_path / "synthetic" / "Images" / name)), image)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"name": "dev", "count": 1}, "split name must be one of"),
        ({"name": "train", "count": -1}, "number of train images must be an int >= 0, got -1"),
        ({"name": "train", "count": 1, "image_size": 16}, "image_size must be an int >= 32, got 16"),
        (
            {"name": "train", "count": 1, "captions_per_image": 6},
            "captions_per_image must be an int in 1..5, got 6",
        ),
        ({"name": "train", "count": 1, "workers": 0}, "workers must be an int >= 1, got 0"),
    ],
)
def test_bad_arguments_are_named(arguments, message):
    with pytest.raises(ValueError, match=message):
        make_split(**arguments)
