"""`python -m resnet`: classify, features, convert, and what a user sees when something is wrong.

The checkpoint is a randomly initialised ResNet50 whose classifier is replaced by zero
weights and a chosen bias, so its logits are the bias whatever the image: the printed
classes and probabilities can then be worked out by hand.
"""

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import resnet
from numerics.files import load_npz, save_npz
from resnet.__main__ import main
from resnet.preprocess import imagenet_class_names, load_image
from resnet.weights import read_pth

REPOSITORY = Path(__file__).resolve().parents[2]
TINY_PTH = Path(__file__).with_name("fixtures") / "tiny_state_dict.pth"
# logit of each favoured class; every other class gets 0.
FAVOURED = {281: 4.0, 207: 3.0, 1: 2.0, 999: 1.5, 0: 1.0}
PRINTED_LINE = re.compile(r"^\s+(\d+\.\d\d)%\s+(.+)$")


@pytest.fixture(scope="module")
def trunk_model():
    return resnet.resnet50(rng=0)


@pytest.fixture(scope="module")
def checkpoint(trunk_model, tmp_path_factory):
    state = trunk_model.state_dict()
    state["fc.weight"] = np.zeros_like(state["fc.weight"])
    state["fc.bias"] = np.zeros_like(state["fc.bias"])
    for index, logit in FAVOURED.items():
        state["fc.bias"][index] = logit
    path = tmp_path_factory.mktemp("weights") / "random_resnet50.npz"
    save_npz(path, state, {"note": "random weights for tests"})
    return path


@pytest.fixture
def photo(tmp_path):
    columns, rows = np.meshgrid(np.arange(64), np.arange(48))
    pixels = np.stack([columns * 4, rows * 5, (columns + rows) * 2], axis=-1).astype(np.uint8)
    path = tmp_path / "photo.png"
    Image.fromarray(pixels).save(path)
    return path


def run_module(*arguments):
    return subprocess.run(
        [sys.executable, "-m", "resnet", *map(str, arguments)],
        capture_output=True,
        text=True,
        cwd=REPOSITORY,
        timeout=120,
    )


def expected_top5():
    """Softmax over the bias by hand: exp(b_k) / (sum of exp over favoured + 995 * exp(0))."""
    total = sum(np.exp(logit) for logit in FAVOURED.values()) + (1000 - len(FAVOURED))
    names = imagenet_class_names()
    return [(names[index], 100 * np.exp(logit) / total) for index, logit in FAVOURED.items()]


def test_classify_prints_the_top_five_classes(checkpoint, photo):
    finished = run_module("classify", photo, "--weights", checkpoint)
    assert finished.returncode == 0, finished.stderr
    lines = finished.stdout.splitlines()
    assert lines[0] == str(photo)
    printed = [PRINTED_LINE.match(line).groups() for line in lines[1:]]
    expected_names = ["tabby", "golden retriever", "goldfish", "toilet tissue", "tench"]
    assert [name for _, name in printed] == expected_names
    for (percent, _), (_, expected_percent) in zip(printed, expected_top5()):
        assert float(percent) == pytest.approx(expected_percent, abs=0.006)


def test_classify_top_option_and_several_images(checkpoint, photo, capsys):
    assert main(["classify", str(photo), str(photo), "--weights", str(checkpoint), "--top", "2"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 6
    assert [PRINTED_LINE.match(line).group(2) for line in lines[1:3]] == ["tabby", "golden retriever"]


def test_without_weights_explains_where_to_get_them():
    finished = run_module("classify", "any.jpg")
    assert finished.returncode == 2
    assert "resnet50-0676ba61.pth" in finished.stderr
    assert "IMAGENET1K_V1" in finished.stderr
    assert "~/.cache/torch/hub/checkpoints/" in finished.stderr
    assert "Traceback" not in finished.stderr


def test_missing_weights_file_is_named_and_explained(tmp_path, photo, capsys):
    assert main(["features", str(tmp_path), "--weights", str(tmp_path / "gone.pth"), "--out", "f.npy"]) == 2
    error = capsys.readouterr().err
    assert f"weights file not found: {tmp_path / 'gone.pth'}" in error
    assert "IMAGENET1K_V1" in error


def test_non_image_is_one_line_naming_the_file(tmp_path):
    text = tmp_path / "holiday.jpg"
    text.write_text("not a picture")
    finished = run_module("classify", text, "--weights", TINY_PTH)
    assert finished.returncode == 1
    assert finished.stdout == ""
    assert len(finished.stderr.splitlines()) == 1
    assert str(text) in finished.stderr
    assert "Traceback" not in finished.stderr


@pytest.mark.parametrize("weights", ["text", "other-model"])
def test_bad_weights_are_one_line_naming_the_file(tmp_path, photo, capsys, weights):
    path = TINY_PTH if weights == "other-model" else tmp_path / "weights.pth"
    if weights == "text":
        path.write_text("not weights")
    assert main(["classify", str(photo), "--weights", str(path)]) == 1
    printed = capsys.readouterr()
    assert printed.out == ""
    assert len(printed.err.splitlines()) == 1
    assert str(path) in printed.err


def test_features_writes_the_npy_and_the_file_names(checkpoint, trunk_model, tmp_path, photo, capsys):
    folder = tmp_path / "pictures"
    folder.mkdir()
    Image.open(photo).save(folder / "b.png")
    Image.open(photo).transpose(Image.Transpose.FLIP_LEFT_RIGHT).save(folder / "a.JPG")
    out = tmp_path / "features.npy"
    assert main(["features", str(folder), "--weights", str(checkpoint), "--out", str(out), "--quiet"]) == 0
    features = np.load(out, mmap_mode="r")
    assert features.shape == (2, 2048)
    assert features.dtype == np.float32
    assert (tmp_path / "features.txt").read_text().splitlines() == ["a.JPG", "b.png"]
    expected = trunk_model.features(load_image(folder / "b.png")[None])
    np.testing.assert_allclose(features[1], expected[0], rtol=1e-4, atol=1e-5)
    assert "wrote 2 x 2048 features" in capsys.readouterr().out


def test_features_output_must_be_npy(tmp_path, capsys):
    with pytest.raises(SystemExit) as exited:
        main(["features", str(tmp_path), "--weights", str(TINY_PTH), "--out", str(tmp_path / "f.txt")])
    assert exited.value.code == 2
    assert "must end in .npy" in capsys.readouterr().err


def test_features_into_a_folder_that_cannot_be_written_is_refused_before_any_picture(tmp_path, capsys):
    (tmp_path / "notes").write_text("a file")
    out = tmp_path / "notes" / "f.npy"
    assert main(["features", str(tmp_path / "Images"), "--weights", str(TINY_PTH), "--out", str(out)]) == 1
    error = capsys.readouterr().err
    assert f"the folder of --out {tmp_path / 'notes'} is a file, not a folder" in error
    assert error.count("\n") == 1


def test_features_of_a_folder_without_images(tmp_path, capsys):
    assert main(["features", str(tmp_path), "--weights", str(TINY_PTH), "--out", "f.npy"]) == 1
    assert str(tmp_path) in capsys.readouterr().err


def test_convert_writes_our_npz(tmp_path, capsys):
    out = tmp_path / "tiny.npz"
    assert main(["convert", str(TINY_PTH), str(out)]) == 0
    state, metadata = load_npz(out)
    assert metadata == {"converted_from": "tiny_state_dict.pth"}
    for name, array in read_pth(TINY_PTH).items():
        np.testing.assert_array_equal(state[name], array)


def test_convert_of_a_missing_file_is_one_line(tmp_path, capsys):
    assert main(["convert", str(tmp_path / "none.pth"), str(tmp_path / "out.npz")]) == 1
    assert capsys.readouterr().err.strip() == f"error: weights file not found: {tmp_path / 'none.pth'}"


@pytest.mark.parametrize("command", [[], ["classify"], ["features"], ["convert"]])
def test_every_command_has_help(command, capsys):
    with pytest.raises(SystemExit) as exited:
        main([*command, "--help"])
    assert exited.value.code == 0
    assert "usage: python -m resnet" in capsys.readouterr().out
