"""The built-in data set: pictures of coloured shapes with captions, generated from a seed.

Each picture holds 1 to 3 objects, each a shape (circle, square, triangle, diamond, cross) in one
of six saturated colours and one of two sizes, placed at random so that none covers another's
centre, on a grey background with a random brightness, a faint tint, a gradient and speckle noise.
Backgrounds are never saturated and objects always are, so no background can pass for an object.

Each picture comes with several reference captions, all naming the size, colour and shape of
every object. The FIRST is the canonical caption, a deterministic function of the picture that a
model can learn exactly:

    1 object                 "a small red circle"
    2 objects side by side   "a small red circle to the left of a large blue square"  (left one first)
    2 objects one above      "a large green cross above a small yellow diamond"       (top one first)
    3 objects                "a small red circle , a large blue square and a small green triangle"
                             (left to right)

Two objects are "side by side" when their horizontal distance exceeds their vertical distance;
layouts near the diagonal, and three objects not clearly apart from left to right, are never
generated, so the canonical order and relation can always be read off the picture. The other
references are paraphrases drawn at random ("a large blue square to the right of a small red
circle", "a small red circle next to a large blue square", ...).

Count, shape, colour and size are drawn uniformly and independently, so a model that ignores the
picture can only learn the grammar and scores far below one that reads it. Picture `index` of a
split depends only on (seed, split, index): growing one split changes nothing in the others.
"""

import math
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy
from PIL import Image, ImageDraw

from numerics.files import write_text
from numerics.lanes import piece_bounds
from numerics.validation import InputError

SHAPES = ("circle", "square", "triangle", "diamond", "cross")
COLOURS = {
    "red": (215, 35, 35),
    "green": (35, 160, 55),
    "blue": (40, 80, 220),
    "yellow": (235, 205, 25),
    "purple": (135, 50, 185),
    "orange": (245, 135, 25),
}
SIZES = {"small": 0.10, "large": 0.18}  # half the object's extent, as a fraction of the image side
SPLIT_NAMES = ("train", "val", "test")
MAX_OBJECTS = 3
MAX_CAPTIONS_PER_IMAGE = 5
MIN_IMAGE_SIZE = 32  # below this a small object is too few pixels to tell its shape

SIZE_JITTER = 0.06  # relative; keeps small and large far apart (0.094..0.106 vs 0.169..0.191)
COLOUR_JITTER = 12  # per channel, so a colour name covers a little range of shades
NOISE_STD = 6.0  # speckle on every pixel, objects included
BACKGROUND_LEVELS = (30.0, 220.0)  # grey level from dark to light
BACKGROUND_TINT = 12.0  # per channel: backgrounds stay near grey, far less saturated than any object
GRADIENT_AMPLITUDE = 20.0
AXIS_DOMINANCE = 1.3  # two objects: one of |dx|, |dy| must exceed the other by this factor
ROW_GAP = 0.08  # three objects: the least horizontal distance between two, as a fraction of the side
LAYOUT_TRIES = 1000
SQUARE_HALF_SIDE = 0.85  # times the radius: a square as wide as the circle looks much bigger
CROSS_ARM_HALF_WIDTH = 0.35  # times the radius

_CANONICAL = {
    "single": "{0}",
    "side_by_side": "{0} to the left of {1}",
    "one_above": "{0} above {1}",
    "row": "{0} , {1} and {2}",
}
_PARAPHRASES = {
    "single": ("there is {0}", "{0} on its own", "a picture of {0}", "an image with {0}"),
    # At least four paraphrases stay distinct even when the objects are identical.
    "side_by_side": (
        "{1} to the right of {0}",
        "{0} next to {1}",
        "{1} next to {0}",
        "{0} and {1}",
        "{0} beside {1}",
        "{0} on the left and {1} on the right",
    ),
    "one_above": (
        "{1} below {0}",
        "{1} under {0}",
        "{0} over {1}",
        "{0} and {1}",
        "{1} and {0}",
        "{0} at the top and {1} at the bottom",
    ),
    "row": (
        "{1} between {0} and {2}",
        "{0} next to {1} and {2}",
        "{2} , {1} and {0}",
        "three shapes : {0} , {1} and {2}",
        "left to right : {0} , {1} and {2}",
    ),
}


@dataclass(frozen=True)
class SceneObject:
    """One object of a picture. Coordinates are in pixels, x to the right, y down; pixel (row i, column j)
    is the square [j, j + 1) x [i, i + 1), so its centre is (j + 0.5, i + 0.5), as Pillow draws.

    shape, colour, size: names from SHAPES, COLOURS, SIZES. centre: (x, y). box: (x_min, y_min,
    x_max, y_max), the extent of the drawn shape.
    """

    shape: str
    colour: str
    size: str
    centre: tuple
    box: tuple


@dataclass
class SyntheticSplit:
    """One split: images (N, H, W, 3) uint8; captions: N lists of raw captions (canonical first);
    objects: N lists of SceneObject, left to right; image_names: N file names ("train_000000.png")."""

    name: str
    images: numpy.ndarray
    captions: list
    objects: list
    image_names: list

    def __len__(self):
        return len(self.image_names)

    def captions_by_name(self):
        """{image file name: [raw caption, ...]}, the shape of what the Flickr loaders return."""
        return dict(zip(self.image_names, self.captions))


def make_synthetic_dataset(n_train, n_val, n_test, image_size=64, seed=0, captions_per_image=5, workers=1):
    """Train, validation and test splits of the synthetic data set.

    n_train, n_val, n_test: ints >= 0; image_size: int >= MIN_IMAGE_SIZE (pictures are square);
    seed: int; captions_per_image: 1..MAX_CAPTIONS_PER_IMAGE; workers: processes that draw the
    pictures of a large split (see make_split).
    Returns {"train": SyntheticSplit, "val": ..., "test": ...}; same arguments, same pixels and captions.
    """
    counts = {"train": n_train, "val": n_val, "test": n_test}
    return {name: make_split(name, count, image_size, seed, captions_per_image, workers)
            for name, count in counts.items()}


# Each process draws at least this many pictures (about a second's work): starting one takes about as long.
PICTURES_PER_PROCESS = 2000


def make_split(name, count, image_size=64, seed=0, captions_per_image=5, workers=1):
    """One split ("train", "val" or "test") of `count` pictures; see make_synthetic_dataset.

    workers: the most processes, this one included, that draw the pictures, each a run of
    consecutive ones into memory they share; every picture is the same whichever process draws it.
    """
    _check_arguments(name, count, image_size, captions_per_image, workers)
    processes = max(1, min(workers, count // PICTURES_PER_PROCESS))
    runs = [(name, first, end, image_size, seed, captions_per_image)
            for first, end in piece_bounds(count, processes)]
    shape = (count, image_size, image_size, 3)
    if processes == 1:
        images = numpy.empty(shape, dtype=numpy.uint8)
        drawn = [_draw(images, *run) for run in runs]  # none for an empty split
    else:  # fresh interpreters (spawn), as captioner.data_parallel's helpers
        context = multiprocessing.get_context("spawn")
        memory = context.RawArray("B", math.prod(shape))
        images = numpy.frombuffer(memory, dtype=numpy.uint8).reshape(shape)
        with ProcessPoolExecutor(processes - 1, mp_context=context, initializer=_share_pictures,
                                 initargs=(memory, shape)) as pool:
            others = [pool.submit(_draw_shared, *run) for run in runs[1:]]
            drawn = [_draw(images, *runs[0])] + [other.result() for other in others]
    captions = [caption for run_captions, _ in drawn for caption in run_captions]
    objects = [scene for _, scenes in drawn for scene in scenes]
    image_names = [f"{name}_{index:06d}.png" for index in range(count)]
    return SyntheticSplit(name, images, captions, objects, image_names)


def _draw(images, name, first, end, image_size, seed, captions_per_image):
    """Draw pictures first..end - 1 of a split into images[first:end]; returns their captions and scenes."""
    captions, objects = [], []
    for index in range(first, end):
        # One generator per picture, keyed by (seed, split, index): pictures never depend on each other.
        rng = numpy.random.default_rng([seed, SPLIT_NAMES.index(name), index])
        scene = sample_scene(rng, image_size)
        images[index] = render_scene(scene, rng, image_size)
        captions.append(describe(scene, rng, captions_per_image))
        objects.append(scene)
    return captions, objects


_shared_pictures = None  # in a process that helps make_split: the split's pictures, in shared memory


def _share_pictures(memory, shape):
    global _shared_pictures
    _shared_pictures = numpy.frombuffer(memory, dtype=numpy.uint8).reshape(shape)


def _draw_shared(*run):
    return _draw(_shared_pictures, *run)


def sample_scene(rng, image_size):
    """1..MAX_OBJECTS objects with random shape, colour, size and a clear layout, left to right.

    rng: numpy Generator; image_size: int. Returns list[SceneObject] sorted by centre x.
    """
    count = int(rng.integers(1, MAX_OBJECTS + 1))
    shapes = rng.choice(SHAPES, count).tolist()
    colours = rng.choice(list(COLOURS), count).tolist()
    sizes = rng.choice(list(SIZES), count).tolist()
    radii = [SIZES[size] * image_size * rng.uniform(1 - SIZE_JITTER, 1 + SIZE_JITTER) for size in sizes]
    centres = _sample_centres(rng, radii, image_size)
    scene = [
        SceneObject(shape, colour, size, centre, _extent(shape, centre, radius))
        for shape, colour, size, centre, radius in zip(shapes, colours, sizes, centres, radii)
    ]
    return sorted(scene, key=lambda item: item.centre[0])


def render_scene(scene, rng, image_size):
    """The picture of `scene`: (image_size, image_size, 3) uint8. rng: numpy Generator (background, noise)."""
    canvas = Image.fromarray(_background(rng, image_size))
    draw = ImageDraw.Draw(canvas)
    for item in scene:
        shade = numpy.clip(COLOURS[item.colour] + rng.integers(-COLOUR_JITTER, COLOUR_JITTER + 1, 3), 0, 255)
        _draw_shape(draw, item, tuple(shade.tolist()))
    pixels = numpy.asarray(canvas, dtype=numpy.float32)
    # Grey speckle, the same on all three channels: it varies brightness but adds no colour.
    pixels += rng.standard_normal((image_size, image_size, 1), dtype=numpy.float32) * NOISE_STD
    return numpy.clip(numpy.rint(pixels), 0, 255).astype(numpy.uint8)


def canonical_caption(scene):
    """The caption that the picture of `scene` determines (see the module docstring). Returns str."""
    arrangement, ordered = arrange(scene)
    return _CANONICAL[arrangement].format(*(_phrase(item) for item in ordered))


def describe(scene, rng, count):
    """`count` distinct captions of `scene`: the canonical one, then count - 1 random paraphrases."""
    arrangement, ordered = arrange(scene)
    phrases = [_phrase(item) for item in ordered]
    canonical = _CANONICAL[arrangement].format(*phrases)
    # Two identical objects make some paraphrases coincide ("X next to Y" and "Y next to X"): keep one.
    candidates = [
        text
        for text in dict.fromkeys(template.format(*phrases) for template in _PARAPHRASES[arrangement])
        if text != canonical
    ]
    return [canonical] + [
        candidates[index] for index in rng.choice(len(candidates), count - 1, replace=False)
    ]


def arrange(scene):
    """How the canonical caption names the objects of `scene` (list of 1..3 SceneObject).

    Returns (arrangement, objects in naming order): "single"; "side_by_side" (left one first) or
    "one_above" (top one first) for two; "row" (left to right) for three.
    """
    if len(scene) == 1:
        return "single", list(scene)
    if len(scene) == 3:
        return "row", sorted(scene, key=lambda item: item.centre[0])
    (x_a, y_a), (x_b, y_b) = scene[0].centre, scene[1].centre
    if abs(x_a - x_b) > abs(y_a - y_b):
        return "side_by_side", sorted(scene, key=lambda item: item.centre[0])
    return "one_above", sorted(scene, key=lambda item: item.centre[1])


def place_objects(objects, image_size):
    """A scene of chosen objects, placed as sample_scene would place them.

    objects: 1..MAX_OBJECTS tuples (shape, colour, size, (x, y)): names from SHAPES, COLOURS and
    SIZES, the centre in pixels (x to the right, y down); image_size: int >= MIN_IMAGE_SIZE.
    Each centre moves to the centre of its pixel and each object takes its size's nominal radius.
    Returns list[SceneObject] sorted by centre x, ready for render_scene and canonical_caption.
    Raises ValueError, in one line naming the object and the rule, for what sample_scene never
    makes: an unknown name, an object too near the edge, or an unclear layout (layout_problem).
    """
    if not isinstance(image_size, int) or image_size < MIN_IMAGE_SIZE:
        raise InputError(f"image_size must be an int >= {MIN_IMAGE_SIZE}, got {image_size!r}")
    if not 1 <= len(objects) <= MAX_OBJECTS:
        raise InputError(f"a scene holds 1 to {MAX_OBJECTS} objects, got {len(objects)}")
    scene = []
    for number, (shape, colour, size, (x, y)) in enumerate(objects, start=1):
        named = (("shape", shape, SHAPES), ("colour", colour, COLOURS), ("size", size, SIZES))
        for kind, name, names in named:
            if name not in names:
                raise InputError(f"object {number}: {kind} must be one of {tuple(names)}, got {name!r}")
        radius = SIZES[size] * image_size
        low, high = _centre_range(radius, image_size)
        column, row = math.floor(x), math.floor(y)
        if not (low <= column <= high and low <= row <= high):
            raise InputError(f"object {number} ({_phrase_of(size, colour, shape)}) is too near the edge: "
                             f"its centre must lie within {low}..{high + 1} pixels on both axes, "
                             f"got ({x:.1f}, {y:.1f})")
        centre = (column + 0.5, row + 0.5)
        scene.append(SceneObject(shape, colour, size, centre, _extent(shape, centre, radius)))
    radii = [SIZES[item.size] * image_size for item in scene]
    problem = layout_problem([item.centre for item in scene], radii, image_size)
    if problem is not None:
        raise InputError(problem)
    return sorted(scene, key=lambda item: item.centre[0])


def layout_problem(centres, radii, image_size):
    """Why sample_scene would never generate this layout, or None when it could.

    centres: list of (x, y) in pixels; radii: the objects' radii in pixels; image_size: int.
    No object may cover another's centre region, and the naming order must be plain to see:
    two objects clearly side by side or one above the other, three apart from left to right.
    """
    pairs = [(a, b) for a in range(len(centres)) for b in range(a + 1, len(centres))]
    for a, b in pairs:
        # Centres at least r_a + r_b apart: even a square's corner cannot reach the other centre.
        distance = math.dist(centres[a], centres[b])
        if distance < radii[a] + radii[b]:
            return (f"objects {a + 1} and {b + 1} overlap: their centres are {distance:.1f} pixels apart, "
                    f"they need {radii[a] + radii[b]:.1f}")
    if len(centres) == 2:
        dx, dy = abs(centres[0][0] - centres[1][0]), abs(centres[0][1] - centres[1][1])
        if max(dx, dy) < AXIS_DOMINANCE * min(dx, dy):
            return (f"objects 1 and 2 are near the diagonal ({dx:.1f} pixels apart across, {dy:.1f} down): "
                    f"one distance must be {AXIS_DOMINANCE} times the other to tell beside from above")
    gap = ROW_GAP * image_size
    for a, b in pairs if len(centres) == 3 else ():
        if abs(centres[a][0] - centres[b][0]) < gap:
            return (f"objects {a + 1} and {b + 1} are not apart from left to right: three objects need "
                    f"{gap:.1f} pixels between their centres across")
    return None


def save_split_as_kaggle_flickr8k(split, folder):
    """Write `split` the way Kaggle's Flickr8k is laid out: folder/Images/<name>.png and folder/captions.txt.

    split: SyntheticSplit; folder: a path (created if missing). Returns the path of captions.txt.
    """
    folder = Path(folder)
    (folder / "Images").mkdir(parents=True, exist_ok=True)
    for name, image in zip(split.image_names, split.images):
        Image.fromarray(image).save(folder / "Images" / name)
    rows = ["image,caption"] + [
        f"{name},{caption}"
        for name, captions in zip(split.image_names, split.captions)
        for caption in captions
    ]
    path = folder / "captions.txt"
    write_text(path, "\n".join(rows) + "\n")  # atomic: a reader never sees half a file
    return path


def _phrase(item):
    return _phrase_of(item.size, item.colour, item.shape)


def _phrase_of(size, colour, shape):
    return f"a {size} {colour} {shape}"


def _sample_centres(rng, radii, image_size):
    """(x, y) centres keeping every object inside the picture and the layout clear.

    Each centre is the centre of a pixel (index + 0.5), so that every shape is drawn symmetric
    about that pixel.
    """
    for _ in range(LAYOUT_TRIES):
        centres = []
        for radius in radii:
            low, high = _centre_range(radius, image_size)
            centres.append((int(rng.integers(low, high + 1)) + 0.5, int(rng.integers(low, high + 1)) + 0.5))
        if layout_problem(centres, radii, image_size) is None:
            return centres
    raise RuntimeError(f"no clear layout of objects with radii {radii} in {image_size}x{image_size} pixels")


def _centre_range(radius, image_size):
    """The first and last pixel index a centre may take: the whole object stays a pixel inside."""
    return math.ceil(radius) + 1, image_size - 2 - math.ceil(radius)


def _extent(shape, centre, radius):
    half = SQUARE_HALF_SIDE * radius if shape == "square" else radius
    x, y = centre
    return (x - half, y - half, x + half, y + half)


def _draw_shape(draw, item, rgb):
    x, y = item.centre
    left, top, right, bottom = item.box
    if item.shape == "circle":
        draw.ellipse(item.box, fill=rgb)
    elif item.shape == "square":
        draw.rectangle(item.box, fill=rgb)
    elif item.shape == "triangle":
        draw.polygon([(x, top), (right, bottom), (left, bottom)], fill=rgb)
    elif item.shape == "diamond":
        draw.polygon([(x, top), (right, y), (x, bottom), (left, y)], fill=rgb)
    else:
        arm = CROSS_ARM_HALF_WIDTH * (right - left) / 2
        draw.rectangle((left, y - arm, right, y + arm), fill=rgb)
        draw.rectangle((x - arm, top, x + arm, bottom), fill=rgb)


def _background(rng, image_size):
    """A near-grey (image_size, image_size, 3) uint8 background: random level, tint and gradient."""
    level = rng.uniform(*BACKGROUND_LEVELS) + rng.uniform(-BACKGROUND_TINT, BACKGROUND_TINT, 3)
    angle = rng.uniform(0, 2 * math.pi)
    coordinates = (numpy.arange(image_size, dtype=numpy.float32) - (image_size - 1) / 2) / (image_size / 2)
    ramp = math.cos(angle) * coordinates[None, :] + math.sin(angle) * coordinates[:, None]
    gradient = rng.uniform(0, GRADIENT_AMPLITUDE) * ramp
    return numpy.clip(level[None, None, :] + gradient[:, :, None], 0, 255).astype(numpy.uint8)


def _check_arguments(name, count, image_size, captions_per_image, workers):
    if name not in SPLIT_NAMES:
        raise InputError(f"split name must be one of {SPLIT_NAMES}, got {name!r}")
    if not isinstance(count, int) or count < 0:
        raise InputError(f"the number of {name} images must be an int >= 0, got {count!r}")
    if not isinstance(image_size, int) or image_size < MIN_IMAGE_SIZE:
        raise InputError(f"image_size must be an int >= {MIN_IMAGE_SIZE}, got {image_size!r}")
    if not isinstance(captions_per_image, int) or not 1 <= captions_per_image <= MAX_CAPTIONS_PER_IMAGE:
        raise InputError(
            f"captions_per_image must be an int in 1..{MAX_CAPTIONS_PER_IMAGE}, got {captions_per_image!r}"
        )
    if not isinstance(workers, int) or isinstance(workers, bool) or workers < 1:
        raise InputError(f"workers must be an int >= 1, got {workers!r}")
