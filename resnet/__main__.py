"""Command line: classify images, extract features, convert weights.

    python -m resnet classify IMAGE... --weights resnet50-0676ba61.pth [--top 5]
    python -m resnet features FOLDER --weights resnet50.npz --out features.npy
    python -m resnet convert resnet50-0676ba61.pth resnet50.npz

A user's mistake (a missing file, a file that is not an image, unreadable weights)
prints one line naming the file and exits with status 1; missing weights print where
to get them and exit with status 2.
"""

import argparse
import sys
from pathlib import Path

import numpy

from numerics import to_host
from numerics.files import check_writable_folder, save_npz
from numerics.softmax import softmax
from numerics.validation import InputError
from resnet.features import (
    IMAGE_EXTENSIONS,
    check_features_path,
    extract_features,
    file_list_path,
    list_images,
    to_model_device,
    write_file_list,
)
from resnet.model import resnet50
from resnet.preprocess import ImageLoadError, imagenet_class_names, load_image
from resnet.weights import WeightsFileError, read_pth

EXIT_USER_ERROR = 1
EXIT_NO_WEIGHTS = 2
MAX_REASON_LENGTH = 300
WEIGHTS_FILE_NAME = "resnet50-0676ba61.pth"
WEIGHTS_HELP = f"""\
ResNet50 needs pretrained weights, which this project does not ship.
Use torchvision's ResNet50 IMAGENET1K_V1 weights, the file {WEIGHTS_FILE_NAME}.
On a machine with network access, either download
    https://download.pytorch.org/models/{WEIGHTS_FILE_NAME}
or let torchvision fetch it:
    python -c "import torchvision; torchvision.models.resnet50(weights='IMAGENET1K_V1')"
which stores it as ~/.cache/torch/hub/checkpoints/{WEIGHTS_FILE_NAME}.
Copy that file here and pass it with --weights {WEIGHTS_FILE_NAME}
(optionally convert it first: python -m resnet convert {WEIGHTS_FILE_NAME} resnet50.npz)."""


class MissingWeightsError(Exception):
    """No usable weights path was given; the user needs WEIGHTS_HELP."""


def top_classes(logits, class_names, top):
    """The `top` most probable classes per row of logits (N, K): N lists of (name, probability)."""
    probabilities = softmax(numpy.asarray(logits, dtype=numpy.float64), axis=1)
    best = numpy.argsort(-probabilities, axis=1, kind="stable")[:, :top]
    return [[(class_names[k], float(row[k])) for k in indices] for row, indices in zip(probabilities, best)]


def check_weights_given(weights):
    """Raise MissingWeightsError unless `weights` names an existing file."""
    if weights is None or not Path(weights).is_file():
        raise MissingWeightsError(weights)


def build_model(weights):
    """ResNet50 with the weights at path `weights` (a torchvision .pth or our .npz)."""
    try:
        return resnet50(weights=weights)
    except WeightsFileError:
        raise
    except InputError as error:
        # A readable file whose arrays do not fit ResNet50; the full list of names can be long.
        reason = str(error)
        if len(reason) > MAX_REASON_LENGTH:
            reason = reason[:MAX_REASON_LENGTH] + " ..."
        raise WeightsFileError(f"{weights} does not hold ResNet50 weights: {reason}") from error


def run_classify(args):
    check_weights_given(args.weights)
    # Read every image before loading the model, so that a bad file fails at once; classify
    # is meant for a handful of images (features handles folders, in batches).
    images = [load_image(path)[None] for path in args.images]
    model = build_model(args.weights)
    names = imagenet_class_names()
    for path, x in zip(args.images, images):
        logits = to_host(model.forward(to_model_device(model, x), train=False, keep_cache=False))
        print(path)
        for name, probability in top_classes(logits, names, args.top)[0]:
            print(f"  {probability:7.2%}  {name}")
    return 0


def run_features(args):
    check_weights_given(args.weights)
    check_writable_folder(Path(args.out).parent, "the folder of --out")
    images = list_images(args.folder)
    if not images:
        raise ImageLoadError(f"no image files ({' '.join(IMAGE_EXTENSIONS)}) in {args.folder}")
    model = build_model(args.weights)
    features = extract_features(model, images, args.batch_size, progress=not args.quiet, out=args.out)
    write_file_list(args.out, images)
    print(f"wrote {features.shape[0]} x {features.shape[1]} features to {args.out}")
    print(f"and their file names to {file_list_path(args.out)}")
    return 0


def run_convert(args):
    state = read_pth(args.source)
    save_npz(args.destination, state, {"converted_from": Path(args.source).name})
    print(f"wrote {len(state)} arrays to {args.destination}")
    return 0


def positive_int(text):
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text}")
    return value


def npy_path(text):
    try:
        check_features_path(text)
    except InputError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    return text


def build_parser():
    parser = argparse.ArgumentParser(
        prog="python -m resnet",
        description="ResNet50 in NumPy: classify images, extract features, convert weights.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    weights_help = f"torchvision {WEIGHTS_FILE_NAME} or a .npz made by 'convert'"

    classify = commands.add_parser("classify", help="print the top ImageNet classes of images")
    classify.add_argument("images", nargs="+", metavar="IMAGE", help="image files")
    classify.add_argument("--weights", help=weights_help)
    classify.add_argument("--top", type=positive_int, default=5, help="how many classes to print (default 5)")
    classify.set_defaults(run=run_classify)

    features = commands.add_parser("features", help="write one 2048-d feature vector per image of a folder")
    features.add_argument("folder", metavar="FOLDER", help="folder of .jpg/.jpeg/.png/.bmp/.webp images")
    features.add_argument("--weights", help=weights_help)
    features.add_argument(
        "--out",
        required=True,
        type=npy_path,
        help="output .npy of shape (N, 2048); the file names go beside it, in a .txt",
    )
    features.add_argument("--batch-size", type=positive_int, default=16, help="images per forward pass")
    features.add_argument("--quiet", action="store_true", help="no progress bar")
    features.set_defaults(run=run_features)

    convert = commands.add_parser("convert", help="convert a torchvision .pth into the project's .npz")
    convert.add_argument("source", metavar="IN.pth", help="file written by torch.save")
    convert.add_argument("destination", metavar="OUT.npz", help="where to write the .npz")
    convert.set_defaults(run=run_convert)
    return parser


def main(argv=None):
    """Run the command line with `argv` (default: sys.argv[1:]); returns the exit status."""
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except MissingWeightsError as missing:
        if missing.args[0] is not None:
            print(f"error: weights file not found: {missing.args[0]}", file=sys.stderr)
        print(WEIGHTS_HELP, file=sys.stderr)
        return EXIT_NO_WEIGHTS
    except (InputError, OSError) as error:  # ImageLoadError and WeightsFileError among them
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USER_ERROR


if __name__ == "__main__":
    sys.exit(main())
