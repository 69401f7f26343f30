"""python -m captioner: the demo smoke test, the Flickr path in every caption format, user errors."""

import json

import numpy as np
import pytest
from PIL import Image

import resnet
from captioner.cli import main
from captioner.synthetic import make_split, save_split_as_kaggle_flickr8k
from numerics.files import save_npz


def run(arguments, capsys):
    status = main([str(a) for a in arguments])
    out, err = capsys.readouterr()
    return status, out, err


# training end to end with attention, and BLEU
@pytest.mark.needs_exercises(12, 14, 15, 17, 18, 21, 22, 23, 24)
def test_quick_demo_writes_every_output(tmp_path, capsys):
    status, out, _ = run(["demo", "--quick", "--quiet", "--out", tmp_path], capsys)
    assert status == 0
    for name in ("checkpoint.npz", "metrics.json", "loss_curve.png", "test_captions.png", "gates.png"):
        assert (tmp_path / name).stat().st_size > 0, name
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert set(metrics["test_bleu"]) == {"1", "2", "3", "4"}
    for key in ("blind_test_bleu", "colour_shape_named", "training_seconds"):
        assert key in metrics
    assert "test BLEU-4" in out
    picture = tmp_path / "picture.png"
    Image.fromarray(make_split("test", 1, seed=5).images[0]).save(picture)
    status, out, err = run(["caption", picture, "--checkpoint", tmp_path / "checkpoint.npz", "--beam", 3,
                            "--gates", tmp_path / "picture_gates.png"], capsys)
    assert status == 0, err
    assert out.startswith(str(picture)) and (tmp_path / "picture_gates.png").stat().st_size > 0


@pytest.fixture(scope="module")
def flickr_folder(tmp_path_factory):
    """Eight synthetic pictures laid out like Flickr8k, random ResNet50 weights, cached features."""
    folder = tmp_path_factory.mktemp("flickr")
    split = make_split("train", 8, image_size=64, seed=3)
    save_split_as_kaggle_flickr8k(split, folder)
    weights = folder / "random_resnet50.npz"
    save_npz(weights, resnet.resnet50(rng=0).state_dict())
    arguments = ["extract-features", folder / "Images", "--weights", weights,
                 "--out", folder / "features.npy"]
    assert main([str(a) for a in [*arguments, "--quiet"]]) == 0
    return folder, split


def write_caption_files(folder, split):
    """The same captions in the four formats people have."""
    names, captions = split.image_names, split.captions
    token = "".join(f"{n}#{k}\t{c}\n" for n, cs in zip(names, captions) for k, c in enumerate(cs))
    (folder / "Flickr8k.token.txt").write_text(token)
    rows = "".join(f"{n}| {k}| {c}\n" for n, cs in zip(names, captions) for k, c in enumerate(cs))
    (folder / "results.csv").write_text("image_name| comment_number| comment\n" + rows)
    splits = ["train"] * 4 + ["restval", "val", "test", "test"]
    karpathy = {"images": [
        {"filename": n, "split": s, "sentences": [{"raw": c, "tokens": c.split()} for c in cs]}
        for n, s, cs in zip(names, splits, captions)
    ]}
    (folder / "dataset_flickr8k.json").write_text(json.dumps(karpathy))
    lists = {"train": names[:5], "dev": names[5:6], "test": names[6:]}
    for split_name, chosen in lists.items():
        (folder / f"Flickr_8k.{split_name}Images.txt").write_text("\n".join(chosen) + "\n")
    return {"token": ["--captions", folder / "Flickr8k.token.txt", "--splits", folder],
            "kaggle8k": ["--captions", folder / "captions.txt", "--val-images", 1, "--test-images", 2],
            "kaggle30k": ["--captions", folder / "results.csv", "--val-images", 1, "--test-images", 2],
            "karpathy": ["--captions", folder / "dataset_flickr8k.json"]}


@pytest.mark.needs_exercises(12, 17, 18)  # training the decoder and BLEU
def test_flickr_path_in_every_format(flickr_folder, tmp_path, capsys):
    folder, split = flickr_folder
    features = np.load(folder / "features.npy")
    assert features.shape == (8, 2048) and features.dtype == np.float32
    for name, data_arguments in write_caption_files(folder, split).items():
        out = tmp_path / name
        common = [*data_arguments, "--features", folder / "features.npy", "--max-length", 16]
        status, _, err = run(["train", *common, "--out", out, "--epochs", 1, "--batch-size", 8,
                              "--min-count", 1, "--embedding", 8, "--hidden", 16, "--quiet"], capsys)
        assert status == 0, (name, err)
        status, printed, err = run(["evaluate", *common, "--checkpoint", out / "checkpoint.npz"], capsys)
        assert status == 0, (name, err)
        assert json.loads(printed[: printed.rindex("}") + 1])["split"] == "test"
    status, printed, err = run(["caption", folder / "Images" / split.image_names[0], "--checkpoint",
                                tmp_path / "karpathy" / "checkpoint.npz", "--weights",
                                folder / "random_resnet50.npz", "--beam", 2, "--gates", tmp_path / "g.png"],
                               capsys)
    assert status == 0, err
    assert split.image_names[0] in printed and (tmp_path / "g.png").stat().st_size > 0
    karpathy = [*write_caption_files(folder, split)["karpathy"], "--features", folder / "features.npy",
                "--out", tmp_path / "karpathy", "--batch-size", 8, "--min-count", 1, "--embedding", 8,
                "--hidden", 16, "--resume", "--quiet"]
    status, _, err = run(["train", *karpathy, "--max-length", 16, "--epochs", 1], capsys)
    assert status == 0, err  # a finished run resumed with its own settings: nothing left to do
    status, _, err = run(["train", *karpathy, "--epochs", 2], capsys)
    assert status == 2 and err.count("\n") == 1
    assert "other settings: epochs 1 (now 2), max_length 16 (now 20)" in err


@pytest.mark.needs_exercises(12, 14, 15, 17, 18, 21, 22, 23, 24)  # it trains before it errs
def test_user_mistakes_name_the_file(flickr_folder, tmp_path, capsys):
    folder, split = flickr_folder
    captions = folder / "captions.txt"
    status, _, err = run(["caption", folder / "none.png", "--checkpoint", tmp_path / "missing.npz"], capsys)
    assert status == 2 and "missing.npz" in err and "Traceback" not in err
    not_an_image = tmp_path / "notes.png"
    not_an_image.write_text("hello")
    run(["demo", "--quick", "--quiet", "--out", tmp_path / "demo"], capsys)
    demo_checkpoint = tmp_path / "demo" / "checkpoint.npz"
    status, _, err = run(["caption", not_an_image, "--checkpoint", demo_checkpoint], capsys)
    assert status == 2 and "notes.png" in err
    # a checkpoint that does not fit: the demo's, resumed on these captions
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "checkpoint.npz").write_bytes((tmp_path / "demo" / "checkpoint.npz").read_bytes())
    status, _, err = run(["train", "--captions", captions, "--features", folder / "features.npy",
                          "--val-images", 1, "--test-images", 2, "--out", tmp_path / "run", "--resume",
                          "--quiet"], capsys)
    assert status == 2 and "was trained with other settings" in err and "checkpoint.npz" in err
    # features that do not fit the checkpoint's decoder
    status, _, err = run(["evaluate", "--captions", captions, "--features", folder / "features.npy",
                          "--val-images", 1, "--test-images", 2, "--checkpoint",
                          tmp_path / "demo" / "checkpoint.npz"], capsys)
    assert status == 2 and "features.npy" in err
    status, _, err = run(["train", "--captions", captions, "--features", tmp_path / "none.npy",
                          "--out", tmp_path / "x"], capsys)
    assert status == 2 and "none.npy" in err


@pytest.mark.needs_exercises(19, 20, 21, 22, 23)  # the GRU, the attention scores
def test_attention_over_cached_resnet50_grids(flickr_folder, tmp_path, capsys):
    folder, split = flickr_folder
    grids = tmp_path / "grids.npy"
    weights = folder / "random_resnet50.npz"
    arguments = ["extract-features", folder / "Images", "--weights", weights, "--out", grids, "--grid", 7]
    assert main([str(a) for a in [*arguments, "--quiet"]]) == 0
    cells = np.load(grids)
    assert cells.shape == (8, 49, 2048)
    # the mean of the 49 cells is the pooled vector of the same pictures
    np.testing.assert_allclose(cells.mean(axis=1), np.load(folder / "features.npy"), rtol=1e-4, atol=1e-6)
    captions = write_caption_files(folder, split)["karpathy"]
    common = [*captions, "--features", grids, "--max-length", 16]
    status, _, err = run(["train", *common, "--out", tmp_path / "run", "--epochs", 1, "--batch-size", 8,
                          "--min-count", 1, "--embedding", 8, "--hidden", 16, "--cell", "gru", "--quiet"],
                         capsys)
    assert status == 0, err
    status, printed, err = run(["caption", folder / "Images" / split.image_names[0], "--checkpoint",
                                tmp_path / "run" / "checkpoint.npz", "--weights", weights], capsys)
    assert status == 0, err
    assert split.image_names[0] in printed
