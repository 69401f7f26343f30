"""README's table of bad input, row by row: each gets one line naming the problem (exit status 2),
never a traceback, and never a silently wrong result. The fault-injection rows (Ctrl-C, SIGKILL)
are in test_faults.py; 16-bit and float pictures in test_picture.py.
"""

import json
import os
import pathlib
import subprocess
import sys
import tempfile

import numpy as np
import pytest

from captioner.checkpoint import CheckpointError, load_checkpoint
from captioner.cli import main
from captioner.demo import SHIPPED_MODEL
from captioner.flickr_splits import load_splits
from numerics.files import load_npz, save_npz
from tests.captioner.tiny_flickr import SMALL_RUN, data_arguments, write_tiny_flickr

ROOT = pathlib.Path(__file__).resolve().parents[2]

# Training runs lstm_backward_with_cell (course exercise 12); validation, corpus BLEU (17, 18).
TRAINING = pytest.mark.needs_exercises(12, 17, 18)


def run(arguments, capsys):
    """main() on these arguments: (exit status, stdout, stderr); a parse error's SystemExit included."""
    try:
        status = main([str(a) for a in arguments])
    except SystemExit as exit:
        status = exit.code
    out, err = capsys.readouterr()
    return status, out, err


def refused(arguments, capsys, *named):
    """Run; the command must fail with status 2 and one line of error naming every `named` text."""
    status, _, err = run(arguments, capsys)
    assert status == 2, err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    for text in named:
        assert str(text) in err, (text, err)
    return err


@pytest.fixture(scope="module")
def flickr(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tiny_flickr")
    write_tiny_flickr(folder)
    return folder


@pytest.fixture(scope="module")
def trained(flickr):
    """The folder of a finished small run (its checkpoint.npz)."""
    out = flickr / "trained"
    assert main([str(a) for a in ["train", *data_arguments(flickr), *SMALL_RUN, "--out", out]]) == 0
    return out


# Arguments out of range: refused as they are parsed, before any file is read or written.
ARGUMENTS = [
    ("train", "--beam", "0", "an int >= 1"),
    ("train", "--batch-size", "0", "an int >= 1"),
    ("train", "--epochs", "0", "an int >= 1"),
    ("train", "--max-length", "0", "an int >= 1"),
    ("train", "--min-count", "0", "an int >= 1"),
    ("train", "--embedding", "0", "an int >= 1"),
    ("train", "--hidden", "-3", "an int >= 1"),
    ("train", "--val-images", "-1", "an int >= 0"),
    ("train", "--test-images", "-2", "an int >= 0"),
    ("train", "--seed", "-1", "an int >= 0"),
    ("train", "--learning-rate", "0", "a number > 0"),
    ("train", "--learning-rate", "nan", "a number > 0"),
    ("train", "--epochs", "2.5", "an int >= 1"),
    ("evaluate", "--beam", "0", "an int >= 1"),
    ("evaluate", "--show", "-1", "an int >= 0"),
    ("caption", "--beam", "0", "an int >= 1"),
    ("caption", "--max-length", "0", "an int >= 1"),
    ("caption", "--length-penalty", "inf", "a finite number"),
    ("extract-features", "--batch-size", "0", "an int >= 1"),
    ("demo", "--seed", "-1", "an int >= 0"),
]


@pytest.mark.parametrize("command, argument, value, expected", ARGUMENTS,
                         ids=[f"{c} {a} {v}" for c, a, v, _ in ARGUMENTS])
def test_an_argument_out_of_range_is_refused_as_it_is_parsed(tmp_path, capsys, command, argument, value,
                                                              expected):
    needed = {"train": ["--captions", "c.txt", "--features", "f.npy", "--out", tmp_path / "out"],
              "evaluate": ["--captions", "c.txt", "--features", "f.npy", "--checkpoint", "c.npz"],
              "caption": ["picture.png", "--checkpoint", "c.npz"],
              "extract-features": ["Images", "--weights", "w.npz", "--out", tmp_path / "f.npy"],
              "demo": ["--out", tmp_path / "out"]}[command]
    refused([command, *needed, argument, value], capsys, f"argument {argument}: expected {expected}",
            repr(value))
    assert not list(tmp_path.iterdir())  # nothing made


@pytest.mark.parametrize("counts", [{"val_images": -1}, {"test_images": -5}, {"val_images": 1.5}])
def test_the_library_refuses_negative_split_sizes_too(flickr, counts):
    with pytest.raises(ValueError, match=f"{next(iter(counts))} must be an int >= 0"):
        load_splits(flickr / "captions.txt", names=["a.png", "b.png", "c.png"], **counts)


def test_a_bug_in_the_library_keeps_its_traceback(monkeypatch, tmp_path):
    """Only the user's own mistakes (InputError, missing or unreadable files) become one line."""
    import captioner.cli

    def broken(*args, **kwargs):  # what a shape bug inside the library raises
        raise ValueError("operands could not be broadcast together with shapes (2,3) (4,)")

    monkeypatch.setattr(captioner.cli, "load_checkpoint", broken)
    with pytest.raises(ValueError, match="could not be broadcast"):
        main(["caption", str(tmp_path / "picture.png"), "--checkpoint", str(SHIPPED_MODEL)])


def test_extract_features_into_an_unwritable_folder_is_refused_before_any_picture(tmp_path, capsys):
    (tmp_path / "notes").write_text("a file")
    # No images, no weights: the folder of --out is checked first, before either is looked for.
    out = tmp_path / "notes" / "f.npy"
    refused(["extract-features", tmp_path / "Images", "--weights", "w.npz", "--out", out],
            capsys, f"the folder of --out {tmp_path / 'notes'} is a file, not a folder")


def test_out_is_a_file(flickr, tmp_path, capsys):
    (tmp_path / "notes").write_text("a file")
    refused(["train", *data_arguments(flickr), "--out", tmp_path / "notes"], capsys,
            "--out", "notes is a file, not a folder")
    refused(["train", *data_arguments(flickr), "--out", tmp_path / "notes" / "run"], capsys,
            "--out", "cannot be written")


@pytest.fixture
def unwritable(tmp_path, monkeypatch):
    """A folder in which no file can be made. Root is not bound by permissions, so for root the
    refusal the OS would give is simulated."""
    folder = tmp_path / "read_only"
    folder.mkdir()
    folder.chmod(0o500)
    if os.geteuid() == 0:
        real = tempfile.TemporaryFile

        def refuse_there(*args, dir=None, **kwargs):
            if dir is not None and pathlib.Path(dir) == folder:
                raise PermissionError(13, "Permission denied", str(folder))
            return real(*args, dir=dir, **kwargs)

        monkeypatch.setattr(tempfile, "TemporaryFile", refuse_there)
    yield folder
    folder.chmod(0o700)


def test_an_unwritable_out_is_refused_before_training(flickr, unwritable, capsys):
    refused(["train", *data_arguments(flickr), *SMALL_RUN, "--out", unwritable], capsys,
            f"--out {unwritable} cannot be written: Permission denied")
    refused(["demo", "--quick", "--out", unwritable], capsys, "cannot be written")


@TRAINING
def test_an_unwritable_or_folder_gates_picture_is_refused_before_captioning(trained, unwritable, tmp_path,
                                                                           capsys):
    picture = tmp_path / "picture.png"
    picture.write_bytes(b"")  # never read: the output is checked first
    refused(["caption", picture, "--checkpoint", trained / "checkpoint.npz", "--gates",
             unwritable / "gates.png"], capsys, "--gates", "cannot be written")
    refused(["caption", picture, "--checkpoint", trained / "checkpoint.npz", "--gates", tmp_path], capsys,
            "--gates", "is a folder")


@TRAINING
def test_out_holding_a_checkpoint_needs_resume(flickr, trained, capsys):
    before = (trained / "checkpoint.npz").read_bytes()
    refused(["train", *data_arguments(flickr), *SMALL_RUN, "--out", trained], capsys,
            "checkpoint.npz exists: add --resume")
    assert (trained / "checkpoint.npz").read_bytes() == before


@TRAINING
@pytest.mark.parametrize("changed, named", [
    (["--batch-size", "4"], "batch_size 16 (now 4)"),
    (["--epochs", "3"], "epochs 2 (now 3)"),
    (["--learning-rate", "0.01"], "learning_rate 0.002 (now 0.01)"),
    (["--optimizer", "sgd"], "optimizer 'adam' (now 'sgd')"),
    (["--hidden", "32", "--embedding", "4"], "embedding_size 8 (now 4), hidden_size 16 (now 32)"),
    (["--val-images", "3"], "train_images 20 (now 19)"),
    (["--workers", "2"], "workers 1 (now 2)"),
], ids=["batch size", "epochs", "learning rate", "optimizer", "model size", "training images", "workers"])
def test_resume_with_other_settings_is_refused_naming_them(flickr, trained, capsys, changed, named):
    before = (trained / "checkpoint.npz").read_bytes()
    refused(["train", *data_arguments(flickr), *SMALL_RUN, "--out", trained, "--resume", *changed], capsys,
            "was trained with other settings", named)
    assert (trained / "checkpoint.npz").read_bytes() == before


@TRAINING
def test_resume_with_another_vocabulary_or_no_checkpoint(flickr, trained, tmp_path, capsys):
    refused(["train", *data_arguments(flickr), *SMALL_RUN, "--out", trained, "--resume", "--min-count", "3"],
            capsys, "another vocabulary")
    refused(["train", *data_arguments(flickr), *SMALL_RUN, "--out", tmp_path / "new", "--resume"], capsys,
            "checkpoint.npz does not exist")


def flickr8k_lists(folder, names, train, val, test):
    """Flickr_8k.{train,dev,test}Images.txt listing names[i] for i in each list."""
    for split, chosen in (("train", train), ("dev", val), ("test", test)):
        (folder / f"Flickr_8k.{split}Images.txt").write_text("".join(f"{names[i]}\n" for i in chosen))


def karpathy(flickr, folder, split_of):
    """folder/dataset.json, a Karpathy file of the tiny set's captions; split_of: [(image, split), ...]."""
    captions = {}
    for line in (flickr / "captions.txt").read_text().splitlines()[1:]:
        image, caption = line.split(",", 1)
        captions.setdefault(image, []).append(caption)
    images = [{"filename": image, "split": split, "sentences": [{"raw": c} for c in captions[image]]}
              for image, split in split_of]
    (folder / "dataset.json").write_text(json.dumps({"images": images}))
    return folder / "dataset.json"


def test_an_image_in_two_splits_is_refused(flickr, tmp_path, capsys):
    names = (flickr / "features.txt").read_text().split()
    features = ["--features", flickr / "features.npy"]
    common = ["--captions", flickr / "captions.txt", *features, "--splits", tmp_path]
    out = ["--out", tmp_path / "out"]
    flickr8k_lists(tmp_path, names, range(0, 16), range(16, 20), [19, 20, 21])
    refused(["train", *common, *out], capsys, f"image {names[19]}", "in the val and the test split",
            "Flickr_8k.devImages.txt, line 4", "Flickr_8k.testImages.txt, line 1")
    flickr8k_lists(tmp_path, names, [*range(0, 16), 3], range(16, 20), range(20, 24))
    refused(["train", *common, *out], capsys, f"image {names[3]}", "twice in the train split",
            "line 4 and", "line 17")
    split_of = [(n, "train") for n in names[:20]] + [(names[20], "val"), (names[0], "test")]
    refused(["train", "--captions", karpathy(flickr, tmp_path, split_of), *features, *out], capsys,
            f"image {names[0]}", "in the train and the test split", "images[0]", "images[21]")


def test_a_feature_table_naming_an_image_twice_is_refused(flickr, tmp_path, capsys):
    names = (flickr / "features.txt").read_text().split()
    np.save(tmp_path / "features.npy", np.load(flickr / "features.npy"))
    (tmp_path / "features.txt").write_text("\n".join([*names[:-1], names[5]]) + "\n")
    refused(["train", "--captions", flickr / "captions.txt", "--features", tmp_path / "features.npy",
             "--out", tmp_path / "out"], capsys, "features.txt names image", names[5], "rows 5 and 23")


def test_non_finite_features_are_refused(flickr, tmp_path, capsys):
    features = np.load(flickr / "features.npy")
    features[7, 3] = np.nan
    np.save(tmp_path / "features.npy", features)
    (tmp_path / "features.txt").write_bytes((flickr / "features.txt").read_bytes())
    name = (flickr / "features.txt").read_text().split()[7]
    refused(["train", "--captions", flickr / "captions.txt", "--features", tmp_path / "features.npy",
             "--out", tmp_path / "out"], capsys, "features.npy, row 7", name, "NaN or infinite")


def test_a_caption_row_given_twice_is_refused(flickr, tmp_path, capsys):
    rows = (flickr / "captions.txt").read_text().splitlines()[1:]
    names = [row.split(",", 1)[0] for row in rows]
    numbered = [f"{name}#{names[:k].count(name)}\t{row.split(',', 1)[1]}" for k, (name, row)
                in enumerate(zip(names, rows))]
    (tmp_path / "Flickr8k.token.txt").write_text("\n".join(numbered + numbered[:1]) + "\n")
    refused(["train", "--captions", tmp_path / "Flickr8k.token.txt", "--features", flickr / "features.npy",
             "--out", tmp_path / "out"], capsys, "Flickr8k.token.txt, line", f"caption 0 of {names[0]}",
            "already given at line 1")


@TRAINING
@pytest.mark.parametrize("split, command", [("val", "train"), ("test", "evaluate")])
def test_an_empty_split_that_a_command_needs_is_refused(flickr, trained, tmp_path, capsys, split, command):
    names = (flickr / "features.txt").read_text().split()
    other = "test" if split == "val" else "val"
    split_of = [(n, "train") for n in names[:20]] + [(n, other) for n in names[20:]]
    json_path = karpathy(flickr, tmp_path, split_of)
    if command == "train":
        arguments = ["--out", tmp_path / "out"]
    else:
        arguments = ["--checkpoint", trained / "checkpoint.npz"]
    refused([command, "--captions", json_path, "--features", flickr / "features.npy", *arguments], capsys,
            f"the {split} split is empty (from {json_path})")
    refused([command, *data_arguments(flickr, val_images=0, test_images=0), *arguments], capsys,
            f"the {split} split is empty (from --{split}-images)")


@pytest.mark.parametrize("split", [["train"], None, 3, "dev"])
def test_a_karpathy_split_that_is_no_split_name_is_refused(flickr, tmp_path, capsys, split):
    names = (flickr / "features.txt").read_text().split()
    json_path = karpathy(flickr, tmp_path, [(names[0], split)] + [(n, "train") for n in names[1:]])
    refused(["train", "--captions", json_path, "--features", flickr / "features.npy", "--out",
             tmp_path / "out"], capsys, "images[0]", f"has split {split!r}, expected one of")


@pytest.fixture
def unreadable(monkeypatch):
    """Make a file unreadable. Root is not bound by permissions, so for root the refusal the OS
    would give is simulated."""
    def make(path):
        path.chmod(0)
        if os.geteuid() == 0:
            real = pathlib.Path.read_text

            def refuse(self, *args, **kwargs):
                if self == path:
                    raise PermissionError(13, "Permission denied", str(path))
                return real(self, *args, **kwargs)

            monkeypatch.setattr(pathlib.Path, "read_text", refuse)
        return path

    return make


def test_an_unreadable_file_is_named(flickr, tmp_path, capsys, unreadable):
    captions = tmp_path / "captions.txt"
    captions.write_bytes((flickr / "captions.txt").read_bytes())
    unreadable(captions)
    refused(["train", "--captions", captions, "--features", flickr / "features.npy", "--out", tmp_path / "o"],
            capsys, f"{captions}: Permission denied")


def edited_checkpoint(trained, tmp_path, edit):
    """A copy of the trained checkpoint whose metadata `edit` (a function of the dict) changed."""
    arrays, metadata = load_npz(trained / "checkpoint.npz")
    edit(metadata)
    save_npz(tmp_path / "edited.npz", arrays, metadata)
    return tmp_path / "edited.npz"


EDITS = [
    ("progress as a string", lambda m: m.update(progress="epoch 2"), "field 'progress' must be an object"),
    ("a negative epoch", lambda m: m["progress"].update(epoch=-1), "progress.epoch must be an int >= 0"),
    ("optimizer without steps", lambda m: m["optimizer"].pop("steps"), "field 'optimizer' must be null or"),
    ("no training", lambda m: m.pop("training"), "field 'training' must be an object"),
    ("a huge hidden size", lambda m: m["decoder"].update(hidden_size=10**12),
     "decoder.hidden_size must be an int"),
    ("a vocabulary size that disagrees", lambda m: m["decoder"].update(vocabulary_size=7),
     "decoder.vocabulary_size must be the vocabulary's length"),
    ("words that are not strings", lambda m: m.update(vocabulary=[1, 2]),
     "'vocabulary' must be a list of words"),
]


@TRAINING
@pytest.mark.parametrize("edit, named", [row[1:] for row in EDITS], ids=[row[0] for row in EDITS])
def test_hand_edited_checkpoint_metadata_is_named(flickr, trained, tmp_path, capsys, edit, named):
    path = edited_checkpoint(trained, tmp_path, edit)
    refused(["caption", "picture.png", "--checkpoint", path], capsys, f"checkpoint {path}", named)


@TRAINING
def test_a_checkpoint_describing_more_than_its_parameters_is_refused(flickr, trained, tmp_path, capsys):
    arrays, _ = load_npz(trained / "checkpoint.npz")
    saved = sum(array.size for name, array in arrays.items() if name.startswith("params:"))
    # Each size alone fits the count of parameters saved; the H x H recurrent weights would not.
    path = edited_checkpoint(trained, tmp_path, lambda m: m["decoder"].update(hidden_size=saved))
    refused(["caption", "picture.png", "--checkpoint", path], capsys, f"checkpoint {path}",
            "decoder.hidden_size must be small enough", f"the {saved} parameters saved")


def test_a_small_resnet_wider_than_its_parameters_is_refused_before_it_is_built(tmp_path):
    arrays, metadata = load_npz(SHIPPED_MODEL)
    saved = sum(array.size for name, array in arrays.items() if name.startswith("params:"))
    widths = metadata["encoder"]["resnet"]["widths"]
    metadata["encoder"]["resnet"]["widths"] = [*widths[:-1], saved]  # a 3x3 conv of saved^2 weights
    save_npz(tmp_path / "wide.npz", arrays, metadata)
    with pytest.raises(CheckpointError, match="encoder.resnet.widths must be small enough"):
        load_checkpoint(tmp_path / "wide.npz")


@TRAINING
def test_resuming_a_checkpoint_whose_progress_does_not_fit_is_refused(flickr, trained, tmp_path, capsys):
    (tmp_path / "run").mkdir()
    edited = edited_checkpoint(trained, tmp_path, lambda m: m["progress"].update(step=3))
    edited.rename(tmp_path / "run" / "checkpoint.npz")
    refused(["train", *data_arguments(flickr), *SMALL_RUN, "--out", tmp_path / "run", "--resume"], capsys,
            "its progress (epoch 2, batch 0, step 3) does not fit")


@TRAINING
def test_non_finite_parameters_are_refused(flickr, trained, tmp_path, capsys):
    arrays, metadata = load_npz(trained / "checkpoint.npz")
    arrays["params:decoder.W_vocab"][0, 0] = np.inf
    save_npz(tmp_path / "inf.npz", arrays, metadata)
    refused(["evaluate", *data_arguments(flickr), "--checkpoint", tmp_path / "inf.npz"], capsys,
            "inf.npz: parameter decoder.W_vocab holds NaN or infinite values")


def test_an_encoder_that_gives_non_finite_features_is_refused(tmp_path, capsys):
    from PIL import Image

    arrays, metadata = load_npz(ROOT / "captioner" / "demo_model.npz")  # a small ResNet inside
    arrays["buffers:encoder.bn1.running_var"][0] = np.nan  # not a parameter: only the features show it
    save_npz(tmp_path / "nan_encoder.npz", arrays, metadata)
    Image.new("RGB", (40, 40), (200, 30, 30)).save(tmp_path / "red.png")
    refused(["caption", tmp_path / "red.png", "--checkpoint", tmp_path / "nan_encoder.npz"], capsys,
            "the features of", "red.png", "NaN or infinite", "nan_encoder.npz")


def test_an_unusable_backend_leaves_help_working_and_names_itself(flickr, tmp_path):
    environment = {**os.environ, "PYTHONPATH": str(ROOT), "CAPTIONER_BACKEND": "nonsense"}

    def captioner(*arguments):
        return subprocess.run([sys.executable, "-m", "captioner", *map(str, arguments)], env=environment,
                              capture_output=True, text=True, timeout=120)

    helped = captioner("train", "--help")
    assert helped.returncode == 0 and "--resume" in helped.stdout, helped.stderr
    failed = captioner("train", *data_arguments(flickr), *SMALL_RUN, "--out", tmp_path / "out")
    assert failed.returncode == 2 and failed.stderr.count("\n") == 1, failed.stderr
    assert "CAPTIONER_BACKEND='nonsense' cannot be used: unknown array backend 'nonsense'" in failed.stderr


def test_ctrl_c_outside_training_is_one_line(monkeypatch, capsys):
    def interrupted(path):
        raise KeyboardInterrupt

    monkeypatch.setattr("captioner.cli.load_checkpoint", interrupted)
    status, _, err = run(["caption", "picture.png", "--checkpoint", "c.npz"], capsys)
    assert status == 130 and err == "interrupted\n"
