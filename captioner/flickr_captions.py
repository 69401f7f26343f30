"""Caption files of Flickr8k and Flickr30k, read in the formats people actually download.

Every caption loader returns {image file name: [raw caption, ...]} with the captions in file order;
split loaders return lists of image file names. The formats:

    Flickr8k.token.txt       "1000268201_693b08cb0e.jpg#0<TAB>A child in a pink dress ..."
    captions.txt (Kaggle 8k) header "image,caption", then "1000268201_693b08cb0e.jpg,A child in ..."
    results.csv (Kaggle 30k) header "image_name| comment_number| comment", then
                             "1000092795.jpg| 0| Two young guys with shaggy hair ..."
    dataset_flickr8k.json / dataset_flickr30k.json (Karpathy's splits)
                             {"images": [{"filename", "split", "sentences": [{"raw", "tokens"}]}]}

`load_captions(path)` recognises the format from the file name and first line. Broken rows raise
ValueError naming the file and the line, and so does a caption row given twice (the same image and
caption number) or an image listed twice in the splits (`check_disjoint_splits`: an image in two
splits would be tested on what it was trained on), except the two known defects of the published files,
which are handled: Flickr8k's captions for a non-existent image "2258277193_586949ec62.jpg.1"
are dropped with a warning, and the Kaggle Flickr30k row of "2199200615.jpg" that lacks its
second "|" is repaired.
"""

import json
import re
import warnings
from pathlib import Path

from numerics.validation import InputError

# Flickr8k.token.txt holds five captions for this name, which is no image of the data set
# (its ".1" suffix is a stray copy of a real image's name): dropping them loses nothing.
FLICKR8K_STRAY_IMAGES = ("2258277193_586949ec62.jpg.1",)

# The one row of Kaggle's results.csv with a space instead of "| " after the comment number.
FLICKR30K_ROWS_MISSING_SEPARATOR = ("2199200615.jpg",)

FLICKR8K_SPLIT_FILES = {
    "train": "Flickr_8k.trainImages.txt",
    "val": "Flickr_8k.devImages.txt",
    "test": "Flickr_8k.testImages.txt",
}

KARPATHY_SPLITS = {"train": "train", "restval": "train", "val": "val", "test": "test"}

KAGGLE_FLICKR8K_HEADER = "image,caption"
KAGGLE_FLICKR30K_HEADER = "image_name| comment_number| comment"

_FLICKR8K_ROW = re.compile(r"(?P<image>[^\t#]+)#(?P<number>\d+)\t(?P<caption>.*)")
_NUMBER_THEN_CAPTION = re.compile(r"\s*(?P<number>\d+)\s+(?P<caption>\S.*)")


def load_captions(path):
    """Captions of any supported caption file, recognised by its name and first line.

    path: a Flickr8k.token.txt, a Kaggle captions.txt or results.csv, or a Karpathy .json file.
    Returns {image file name: [raw caption, ...]}.
    """
    path = _existing_file(path, "caption file")
    if path.suffix.lower() == ".json":
        return load_karpathy(path)[0]
    lines = _numbered_lines(path)
    first = lines[0][1] if lines else ""
    if _same_header(first, KAGGLE_FLICKR8K_HEADER):
        return _parse_kaggle_flickr8k(path, lines)
    if _same_header(first, KAGGLE_FLICKR30K_HEADER):
        return _parse_kaggle_flickr30k(path, lines)
    if _FLICKR8K_ROW.fullmatch(first):
        return _parse_flickr8k_tokens(path, lines)
    raise InputError(
        f"{path}: unrecognised caption file; its first line is {first!r}, expected a Flickr8k.token.txt row "
        f"('image.jpg#0<TAB>caption'), the header {KAGGLE_FLICKR8K_HEADER!r} (Kaggle Flickr8k captions.txt), "
        f"the header {KAGGLE_FLICKR30K_HEADER!r} (Kaggle Flickr30k results.csv), or a Karpathy .json file"
    )


def load_flickr8k_tokens(path):
    """Captions of Flickr8k.token.txt (or Flickr8k.lemma.token.txt) as released.

    path: the file, rows "image.jpg#k<TAB>caption". Returns {image file name: [raw caption, ...]}.
    """
    path = _existing_file(path, "Flickr8k token file")
    return _parse_flickr8k_tokens(path, _numbered_lines(path))


def load_kaggle_flickr8k(path):
    """Captions of Kaggle's Flickr8k captions.txt: header "image,caption", then "image.jpg,caption".

    Returns {image file name: [raw caption, ...]}; quotes in captions are kept as they appear.
    """
    path = _existing_file(path, "Kaggle Flickr8k captions.txt")
    return _parse_kaggle_flickr8k(path, _numbered_lines(path))


def load_kaggle_flickr30k(path):
    """Captions of Kaggle's Flickr30k results.csv: header "image_name| comment_number| comment".

    Returns {image file name: [raw caption, ...]}.
    """
    path = _existing_file(path, "Kaggle Flickr30k results.csv")
    return _parse_kaggle_flickr30k(path, _numbered_lines(path))


def load_karpathy(path):
    """Captions and splits of Karpathy's dataset_flickr8k.json / dataset_flickr30k.json.

    Returns (captions, splits): captions {image file name: [raw caption, ...]}, splits
    {"train": [...], "val": [...], "test": [...]} of image file names; "restval" counts as train.
    """
    path = _existing_file(path, "Karpathy split file")
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InputError(f"{path} is not a UTF-8 JSON file: {error}") from error
    images = document.get("images") if isinstance(document, dict) else None
    if not isinstance(images, list):
        raise InputError(f"{path}: expected a JSON object with an 'images' list")
    captions = {}
    splits = {"train": [], "val": [], "test": []}
    entry_of = {"train": [], "val": [], "test": []}  # each split name's index in "images"
    for index, entry in enumerate(images):
        name, split, raw_captions = _karpathy_entry(path, index, entry)
        captions.setdefault(name, []).extend(raw_captions)
        splits[KARPATHY_SPLITS[split]].append(name)
        entry_of[KARPATHY_SPLITS[split]].append(index)
    check_disjoint_splits(splits, lambda split, k: f"{path}: images[{entry_of[split][k]}]")
    return captions, splits


def load_image_list(path):
    """Image file names listed one per line (e.g. Flickr_8k.trainImages.txt); blank lines are skipped."""
    return _numbered_image_list(path)[1]


def load_flickr8k_splits(directory):
    """The official Flickr8k splits from the folder holding Flickr_8k.{train,dev,test}Images.txt.

    Returns {"train": [...], "val": [...], "test": [...]} of image file names ("dev" is "val").
    An image in two lists, or twice in one, raises ValueError naming the files and lines.
    """
    directory = Path(directory)
    missing = [name for name in FLICKR8K_SPLIT_FILES.values() if not (directory / name).is_file()]
    if missing:
        raise FileNotFoundError(f"Flickr8k split files not found in {directory}: {', '.join(missing)}")
    lines, splits = {}, {}
    for split, name in FLICKR8K_SPLIT_FILES.items():
        lines[split], splits[split] = _numbered_image_list(directory / name)
    check_disjoint_splits(
        splits, lambda split, k: f"{directory / FLICKR8K_SPLIT_FILES[split]}, line {lines[split][k]}")
    return splits


def check_disjoint_splits(splits, where):
    """Refuse an image listed twice, in two splits or twice in one: every split source calls this.

    splits: {split name: [image name, ...]}; where(split, k): the file and line (or entry) that
    lists splits[split][k], for the message. Raises ValueError naming both places.
    """
    first_seen = {}
    for split, names in splits.items():
        for k, name in enumerate(names):
            if name not in first_seen:
                first_seen[name] = (split, k)
                continue
            earlier = first_seen[name]
            splits_named = (f"twice in the {split} split" if earlier[0] == split
                            else f"in the {earlier[0]} and the {split} split")
            raise InputError(f"image {name} is listed {splits_named}: {where(*earlier)} and "
                             f"{where(split, k)}; an image must be in one split, once")


def _numbered_image_list(path):
    """([line number, ...], [image name, ...]) of an image list, one name per line."""
    numbered = _numbered_lines(_existing_file(path, "image list"))
    return [number for number, _ in numbered], [line.strip() for _, line in numbered]


def _parse_flickr8k_tokens(path, lines):
    captions = {}
    dropped = set()
    row_line = {}
    for number, line in lines:
        row = _FLICKR8K_ROW.fullmatch(line)
        if row is None:
            raise InputError(f"{path}, line {number}: expected 'image.jpg#k<TAB>caption', got {line!r}")
        if row["image"] in FLICKR8K_STRAY_IMAGES:
            dropped.add(row["image"])
            continue
        _refuse_repeated_row(path, number, (row["image"], int(row["number"])), row_line)
        captions.setdefault(row["image"], []).append(row["caption"])
    if dropped:
        warnings.warn(
            f"{path}: dropped the captions of {', '.join(sorted(dropped))}, which names no image",
            stacklevel=3,
        )
    return captions


def _parse_kaggle_flickr8k(path, lines):
    _expect_header(path, lines, KAGGLE_FLICKR8K_HEADER)
    captions = {}
    for number, line in lines[1:]:
        # Captions contain commas; the image name never does, so only the first comma separates.
        image, comma, caption = line.partition(",")
        if not comma or not image.strip():
            raise InputError(f"{path}, line {number}: expected 'image.jpg,caption', got {line!r}")
        captions.setdefault(image.strip(), []).append(caption.strip())
    return captions


def _parse_kaggle_flickr30k(path, lines):
    _expect_header(path, lines, KAGGLE_FLICKR30K_HEADER)
    captions = {}
    row_line = {}
    for number, line in lines[1:]:
        image, caption_number, caption = _flickr30k_row(path, number, line)
        _refuse_repeated_row(path, number, (image, caption_number), row_line)
        captions.setdefault(image, []).append(caption)
    return captions


def _refuse_repeated_row(path, number, key, row_line):
    """key: (image, caption number) of the row at line `number`; row_line: {key: line} seen so far.

    A caption file given twice (or pasted into itself) would count its captions twice.
    """
    if key in row_line:
        raise InputError(f"{path}, line {number}: caption {key[1]} of {key[0]} was already given at line "
                         f"{row_line[key]}")
    row_line[key] = number


def _flickr30k_row(path, number, line):
    """(image name, caption number, caption) of one results.csv row, repairing the known row that
    lacks a separator."""
    fields = [field.strip() for field in line.split("|", 2)]
    if len(fields) == 3 and fields[0] and fields[1].isdigit():
        return fields[0], int(fields[1]), fields[2]
    if len(fields) == 2 and fields[0] in FLICKR30K_ROWS_MISSING_SEPARATOR:
        repaired = _NUMBER_THEN_CAPTION.fullmatch(fields[1])
        if repaired is not None:
            return fields[0], int(repaired["number"]), repaired["caption"].strip()
    raise InputError(f"{path}, line {number}: expected 'image.jpg| k| caption', got {line!r}")


def _karpathy_entry(path, index, entry):
    """(file name, split, raw captions) of images[index], or ValueError saying what is wrong with it."""
    where = f"{path}: images[{index}]"
    if not isinstance(entry, dict) or not isinstance(entry.get("filename"), str):
        raise InputError(f"{where} has no 'filename' string")
    split = entry.get("split")
    if not isinstance(split, str) or split not in KARPATHY_SPLITS:
        raise InputError(
            f"{where} ({entry['filename']}) has split {split!r}, expected one of {list(KARPATHY_SPLITS)}"
        )
    sentences = entry.get("sentences")
    if not isinstance(sentences, list) or not all(
        isinstance(sentence, dict) and isinstance(sentence.get("raw"), str) for sentence in sentences
    ):
        raise InputError(
            f"{where} ({entry['filename']}) needs a 'sentences' list of objects with a 'raw' string"
        )
    return entry["filename"], split, [sentence["raw"] for sentence in sentences]


def _existing_file(path, what):
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{what} not found: {path}")
    return path


def _numbered_lines(path):
    """[(line number from 1, line without its line ending), ...], skipping blank lines."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise InputError(f"{path} is not UTF-8 text: {error}") from error
    # split("\n") rather than splitlines(): captions may hold characters that splitlines breaks on.
    lines = (line.rstrip("\r") for line in text.split("\n"))
    return [(number, line) for number, line in enumerate(lines, start=1) if line.strip()]


def _same_header(line, header):
    """Whether `line` is `header`, up to whitespace (editors and exports shift the spaces around)."""
    return "".join(line.split()) == "".join(header.split())


def _expect_header(path, lines, header):
    first = lines[0] if lines else (1, "")
    if not _same_header(first[1], header):
        raise InputError(f"{path}, line {first[0]}: expected the header {header!r}, got {first[1]!r}")
