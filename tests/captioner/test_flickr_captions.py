"""Caption loaders on small files written here in the exact layout of the published files."""

import json
import re

import pytest

from captioner.flickr_captions import (
    check_disjoint_splits,
    load_captions,
    load_flickr8k_splits,
    load_flickr8k_tokens,
    load_image_list,
    load_kaggle_flickr8k,
    load_kaggle_flickr30k,
    load_karpathy,
)

# Rows as they stand in Flickr8k.token.txt, including the five captions of the stray ".jpg.1" id.
FLICKR8K_TOKEN_ROWS = [
    "1000268201_693b08cb0e.jpg#0\tA child in a pink dress is climbing up a set of stairs in an entry way .",
    "1000268201_693b08cb0e.jpg#1\tA girl going into a wooden building .",
    "2258277193_586949ec62.jpg.1#0\tA man in a black jacket is standing in a doorway .",
    "2258277193_586949ec62.jpg.1#1\tA man stands in the doorway of a building .",
    "1001773457_577c3a7d70.jpg#0\tA black dog and a spotted dog are fighting",
    "1000268201_693b08cb0e.jpg#2\tA little girl climbing into a wooden playhouse .",
]


def write(path, lines, ending="\n"):
    path.write_text(ending.join(lines) + ending, encoding="utf-8")
    return path


def test_flickr8k_tokens_keep_file_order_and_drop_the_stray_id_with_a_warning(tmp_path):
    path = write(tmp_path / "Flickr8k.token.txt", FLICKR8K_TOKEN_ROWS)
    with pytest.warns(UserWarning, match=r"2258277193_586949ec62\.jpg\.1") as record:
        captions = load_flickr8k_tokens(path)
    assert len(record) == 1  # one warning for the file, not one per dropped row
    assert captions == {
        "1000268201_693b08cb0e.jpg": [
            "A child in a pink dress is climbing up a set of stairs in an entry way .",
            "A girl going into a wooden building .",
            "A little girl climbing into a wooden playhouse .",
        ],
        "1001773457_577c3a7d70.jpg": ["A black dog and a spotted dog are fighting"],
    }
    assert list(captions) == ["1000268201_693b08cb0e.jpg", "1001773457_577c3a7d70.jpg"]


def test_flickr8k_tokens_accept_windows_line_endings_and_a_trailing_blank_line(tmp_path):
    path = write(tmp_path / "Flickr8k.token.txt", FLICKR8K_TOKEN_ROWS[:2] + [""], ending="\r\n")
    assert load_flickr8k_tokens(path) == {
        "1000268201_693b08cb0e.jpg": [
            "A child in a pink dress is climbing up a set of stairs in an entry way .",
            "A girl going into a wooden building .",
        ]
    }


def test_kaggle_flickr8k_splits_on_the_first_comma_and_keeps_quotes(tmp_path):
    path = write(
        tmp_path / "captions.txt",
        [
            "image,caption",
            "1000268201_693b08cb0e.jpg,A child in a pink dress is climbing up a set of stairs .",
            '1002674143_1b742ab4b8.jpg,"A little girl , covered in paint , sits in front of a rainbow ."',
            "1002674143_1b742ab4b8.jpg,There is a girl with pigtails sitting in front of a painting .",
        ],
    )
    assert load_kaggle_flickr8k(path) == {
        "1000268201_693b08cb0e.jpg": ["A child in a pink dress is climbing up a set of stairs ."],
        "1002674143_1b742ab4b8.jpg": [
            '"A little girl , covered in paint , sits in front of a rainbow ."',
            "There is a girl with pigtails sitting in front of a painting .",
        ],
    }


def test_kaggle_flickr8k_wrong_header_is_named(tmp_path):
    wrong_header = write(tmp_path / "other.txt", ["name,text", "a.jpg,fine"])
    with pytest.raises(ValueError, match=r"other\.txt, line 1: expected the header 'image,caption'"):
        load_kaggle_flickr8k(wrong_header)


FLICKR30K_ROWS = [
    "image_name| comment_number| comment",
    "1000092795.jpg| 0| Two young guys with shaggy hair look at their hands while hanging out in the yard .",
    "1000092795.jpg| 1| Two young , White males are outside near many bushes .",
    "2199200615.jpg| 3| A black and white dog is running through a grassy field .",
    "2199200615.jpg| 4   A dog runs across the grass .",
]


def test_kaggle_flickr30k_parses_fields_and_repairs_the_known_broken_row(tmp_path):
    path = write(tmp_path / "results.csv", FLICKR30K_ROWS)
    assert load_kaggle_flickr30k(path) == {
        "1000092795.jpg": [
            "Two young guys with shaggy hair look at their hands while hanging out in the yard .",
            "Two young , White males are outside near many bushes .",
        ],
        "2199200615.jpg": [
            "A black and white dog is running through a grassy field .",
            "A dog runs across the grass .",
        ],
    }


@pytest.mark.parametrize(
    ("file_name", "good_rows", "broken", "loader"),
    [
        (
            "Flickr8k.token.txt",
            FLICKR8K_TOKEN_ROWS[:2],
            "a.jpg#3 A row with no tab after the id .",
            load_flickr8k_tokens,
        ),
        ("Flickr8k.token.txt", FLICKR8K_TOKEN_ROWS[:2], "a.jpg\tA row with no #k .", load_flickr8k_tokens),
        (
            "Flickr8k.token.txt",
            FLICKR8K_TOKEN_ROWS[:2],
            "a.jpg#x\tA row with a letter for k .",
            load_flickr8k_tokens,
        ),
        ("captions.txt", ["image,caption", "a.jpg,A dog ."], "b.jpg has no comma", load_kaggle_flickr8k),
        (
            "results.csv",
            FLICKR30K_ROWS[:2],
            "1000092795.jpg| 2   Like the known broken row, another image .",
            load_kaggle_flickr30k,
        ),
        (
            "results.csv",
            FLICKR30K_ROWS[:2],
            "1000092795.jpg| two| A comment number that is no number .",
            load_kaggle_flickr30k,
        ),
        ("results.csv", FLICKR30K_ROWS[:2], "1000092795.jpg", load_kaggle_flickr30k),
    ],
)
def test_a_malformed_row_is_named_by_file_and_line(tmp_path, file_name, good_rows, broken, loader):
    path = write(tmp_path / file_name, good_rows + [broken])
    with pytest.raises(ValueError, match=rf"{re.escape(file_name)}, line 3: expected"):
        loader(path)
    with pytest.raises(ValueError, match=rf"{re.escape(file_name)}, line 3: expected"):
        load_captions(path)


def karpathy_document():
    def image(filename, split, *raws):
        return {
            "filename": filename,
            "split": split,
            "sentences": [{"raw": raw, "tokens": raw.lower().rstrip(" .").split()} for raw in raws],
        }

    return {
        "dataset": "flickr8k",
        "images": [
            image("a.jpg", "train", "A dog runs .", "A brown dog ."),
            image("b.jpg", "restval", "A cat sleeps ."),
            image("c.jpg", "val", "Two birds ."),
            image("d.jpg", "test", "A red car ."),
        ],
    }


def test_karpathy_returns_captions_and_splits_with_restval_in_train(tmp_path):
    path = tmp_path / "dataset_flickr8k.json"
    path.write_text(json.dumps(karpathy_document()), encoding="utf-8")
    captions, splits = load_karpathy(path)
    assert captions == {
        "a.jpg": ["A dog runs .", "A brown dog ."],
        "b.jpg": ["A cat sleeps ."],
        "c.jpg": ["Two birds ."],
        "d.jpg": ["A red car ."],
    }
    assert splits == {"train": ["a.jpg", "b.jpg"], "val": ["c.jpg"], "test": ["d.jpg"]}


def test_karpathy_rejects_an_unknown_split_naming_the_image(tmp_path):
    document = karpathy_document()
    document["images"][2]["split"] = "holdout"
    path = tmp_path / "dataset_flickr8k.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(ValueError, match=r"images\[2\] \(c\.jpg\) has split 'holdout'"):
        load_karpathy(path)


def test_load_captions_recognises_every_format(tmp_path):
    token_file = write(tmp_path / "Flickr8k.token.txt", FLICKR8K_TOKEN_ROWS[:2])
    kaggle8k = write(tmp_path / "captions.txt", ["image,caption", "a.jpg,A dog , running ."])
    kaggle30k = write(tmp_path / "results.csv", FLICKR30K_ROWS)
    karpathy = tmp_path / "dataset_flickr8k.json"
    karpathy.write_text(json.dumps(karpathy_document()), encoding="utf-8")
    assert load_captions(token_file) == load_flickr8k_tokens(token_file)
    assert load_captions(kaggle8k) == {"a.jpg": ["A dog , running ."]}
    assert load_captions(kaggle30k) == load_kaggle_flickr30k(kaggle30k)
    assert load_captions(karpathy) == load_karpathy(karpathy)[0]


def test_load_captions_reads_utf8(tmp_path):
    path = write(tmp_path / "captions.txt", ["image,caption", "a.jpg,A café in Zürich ."])
    assert load_captions(path) == {"a.jpg": ["A café in Zürich ."]}
    latin1 = tmp_path / "latin1.txt"
    latin1.write_bytes("image,caption\na.jpg,A café .\n".encode("latin-1"))
    with pytest.raises(ValueError, match=r"latin1\.txt is not UTF-8"):
        load_captions(latin1)


def test_load_captions_names_a_missing_or_unrecognised_file(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"caption file not found: .*nowhere\.txt"):
        load_captions(tmp_path / "nowhere.txt")
    unknown = write(tmp_path / "notes.txt", ["just some text"])
    with pytest.raises(ValueError, match=r"notes\.txt: unrecognised caption file"):
        load_captions(unknown)


def test_flickr8k_splits_read_the_three_lists(tmp_path):
    write(tmp_path / "Flickr_8k.trainImages.txt", ["a.jpg", "b.jpg"])
    write(tmp_path / "Flickr_8k.devImages.txt", ["c.jpg"])
    write(tmp_path / "Flickr_8k.testImages.txt", ["d.jpg", ""], ending="\r\n")
    assert load_flickr8k_splits(tmp_path) == {
        "train": ["a.jpg", "b.jpg"],
        "val": ["c.jpg"],
        "test": ["d.jpg"],
    }
    assert load_image_list(tmp_path / "Flickr_8k.trainImages.txt") == ["a.jpg", "b.jpg"]


def test_flickr8k_splits_name_the_missing_files(tmp_path):
    write(tmp_path / "Flickr_8k.trainImages.txt", ["a.jpg"])
    with pytest.raises(FileNotFoundError, match=r"Flickr_8k\.devImages\.txt, Flickr_8k\.testImages\.txt"):
        load_flickr8k_splits(tmp_path)


def test_karpathy_refuses_an_image_named_twice(tmp_path):
    document = karpathy_document()
    document["images"][3]["filename"] = "b.jpg"  # restval (train) and test
    path = tmp_path / "dataset_flickr8k.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(ValueError, match=r"image b\.jpg is listed in the train and the test split: "
                                         r".*images\[1\] and .*images\[3\]"):
        load_karpathy(path)


def test_flickr8k_splits_refuse_an_image_in_two_lists_naming_the_lines(tmp_path):
    write(tmp_path / "Flickr_8k.trainImages.txt", ["a.jpg", "", "b.jpg"])
    write(tmp_path / "Flickr_8k.devImages.txt", ["c.jpg"])
    write(tmp_path / "Flickr_8k.testImages.txt", ["d.jpg", "b.jpg"])
    with pytest.raises(ValueError, match=r"b\.jpg is listed in the train and the test split: "
                                         r".*trainImages\.txt, line 3 and .*testImages\.txt, line 2"):
        load_flickr8k_splits(tmp_path)


def test_the_split_check_names_an_image_twice_in_one_split():
    with pytest.raises(ValueError, match="x.jpg is listed twice in the val split: val 1 and val 3"):
        check_disjoint_splits({"train": ["a.jpg"], "val": ["b.jpg", "x.jpg", "c.jpg", "x.jpg"]},
                              lambda split, k: f"{split} {k}")
    check_disjoint_splits({"train": ["a.jpg"], "val": ["b.jpg"], "test": []}, lambda split, k: "")


@pytest.mark.parametrize("loader, rows", [
    (load_flickr8k_tokens, ["a.jpg#0\tA dog .", "a.jpg#1\tA cat .", "a.jpg#0\tA dog ."]),
    (load_kaggle_flickr30k,
     [FLICKR30K_ROWS[0], "a.jpg| 0| A dog .", "a.jpg| 1| A cat .", "a.jpg| 0| A dog ."]),
], ids=["Flickr8k.token.txt", "results.csv"])
def test_a_caption_row_given_twice_is_named(tmp_path, loader, rows):
    path = write(tmp_path / "captions", rows)
    first = 1 if loader is load_flickr8k_tokens else 2
    with pytest.raises(ValueError,
                       match=rf"line {first + 2}: caption 0 of a\.jpg was already given at line {first}"):
        loader(path)


@pytest.mark.parametrize("split", [["train"], None, 3])
def test_karpathy_refuses_a_split_that_is_no_name(tmp_path, split):
    document = karpathy_document()
    document["images"][0]["split"] = split
    path = tmp_path / "dataset_flickr8k.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(ValueError, match=r"images\[0\] \(a\.jpg\) has split"):
        load_karpathy(path)
