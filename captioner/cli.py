"""python -m captioner: demo, train, evaluate, caption, extract-features.

User mistakes (an argument out of range, a missing or unreadable file, a file that is not an
image, an output folder that cannot be written, a checkpoint that does not fit the data or the
settings) print one line naming the argument or the file and exit with status 2, without a
traceback. Arguments are checked as they are parsed and output folders before any work starts,
so that no mistake waits for the end of an epoch to show. README's table lists what each bad
input gets.
"""

import argparse
import json
import math
import sys
from dataclasses import replace
from pathlib import Path

import numpy

from captioner.arguments import finite_float, non_negative_int, positive_float, positive_int
from captioner.cells import CELLS
from captioner.checkpoint import CheckpointError, load_checkpoint
from captioner.decoder import CaptionDecoder, DecoderConfig
from captioner.decoding import beam_search, caption_all, caption_gates, greedy_decode
from captioner.encoder import build_encoder, frozen_resnet50_config
from captioner.flickr_splits import flickr_splits
from captioner.image_context import CONTEXTS
from captioner.metrics import corpus_bleu, corpus_cider, corpus_rouge_l
from captioner.model import Captioner
from captioner.picture import as_rgb_image, to_encoder_input
from captioner.training import (
    OPTIMIZERS,
    TrainConfig,
    TrainingDivergedError,
    TrainingInterruptedError,
    check_same_settings,
    train,
)
from captioner.vocabulary import Vocabulary
from captioner.web.server import add_serve_command
from numerics import to_host
from numerics.files import check_writable_folder
from numerics.validation import InputError
from resnet.features import check_features_path, extract_features, list_images, write_file_list

# Errors that user input causes, each with a message naming the file or argument. Nothing broader:
# a bug in the library must still show its traceback.
# (InputError covers the checkpoint's, the weights file's and every other file format's errors.)
USER_ERRORS = (FileNotFoundError, IsADirectoryError, NotADirectoryError, PermissionError, InputError)


def command_demo(args):
    from captioner.demo import FULL, QUICK, run_demo  # matplotlib: imported only by the commands that draw

    size = QUICK if args.quick else FULL
    size = replace(size, cell=args.cell or size.cell, context=args.context or size.context)
    run_demo(check_writable_folder(args.out, "--out"), seed=args.seed, progress=not args.quiet, size=size)


def command_extract_features(args):
    check_features_path(args.out)
    check_writable_folder(Path(args.out).parent, "the folder of --out")
    paths = list_images(args.images)
    if not paths:
        raise FileNotFoundError(f"no images (.jpg, .jpeg, .png, .bmp, .webp) in {args.images}")
    config = frozen_resnet50_config(args.grid)
    encoder = build_encoder(config, _existing(args.weights, "ResNet50 weights"))

    def encode(batch_paths):  # the captioner's own way in: the ImageNet recipe, then the grid
        features = encoder.features(to_encoder_input(batch_paths, config.picture), grid=config.grid)
        return features if args.grid == 1 else features.reshape(len(batch_paths), args.grid ** 2, -1)

    features = extract_features(None, paths, args.batch_size, progress=not args.quiet, out=args.out,
                                encode=encode)
    write_file_list(args.out, paths)
    print(f"wrote {args.out} ({' x '.join(map(str, features.shape))}) and its image list")


def command_train(args):
    checkpoint_path = check_writable_folder(args.out, "--out") / "checkpoint.npz"
    if not args.resume and checkpoint_path.exists():
        raise InputError(f"{checkpoint_path} exists: add --resume to continue that run, or choose another "
                         f"--out")
    resume = _load_model(checkpoint_path) if args.resume else None
    data = _splits(args, ("train", "val"))
    vocabulary = Vocabulary.build((c for refs in data["train"].references for c in refs), args.min_count)
    config = TrainConfig(epochs=args.epochs, batch_size=args.batch_size, optimizer=args.optimizer,
                         learning_rate=args.learning_rate, max_length=args.max_length, seed=args.seed,
                         val_beam_width=args.beam, workers=args.workers)
    table = data["train"].inputs.table
    if resume is not None:
        _check_resumable(resume, args, config, vocabulary, data["train"])
        captioner = resume.captioner
    else:
        context = "attention" if table.ndim == 3 else "pooled"
        decoder_config = DecoderConfig(len(vocabulary), table.shape[-1], args.embedding, args.hidden,
                                       cell=args.cell, context=context)
        grid = math.isqrt(table.shape[1]) if table.ndim == 3 else 1
        captioner = Captioner(CaptionDecoder(decoder_config, seed=args.seed), frozen_resnet50_config(grid))
    print(f"{len(data['train'])} training images, vocabulary of {len(vocabulary)} words")
    train(captioner, vocabulary, data["train"], data["val"], config, checkpoint_path, resume=resume,
          progress=not args.quiet)


def _check_resumable(resume, args, config, vocabulary, train_data):
    """Refuse to resume with other settings, naming each, or with data the checkpoint does not fit."""
    decoder = resume.captioner.decoder.config
    asked = {"embedding_size": args.embedding, "hidden_size": args.hidden, "cell": args.cell}
    check_same_settings(resume, config, len(train_data),
                        [f"{name} {getattr(decoder, name)!r} (now {value!r})" for name, value in asked.items()
                         if getattr(decoder, name) != value])
    if resume.vocabulary != vocabulary:
        raise CheckpointError(f"checkpoint {resume.path} was trained with another vocabulary "
                              f"({len(resume.vocabulary)} words, these captions give {len(vocabulary)})")
    _check_feature_size(resume, train_data.inputs.table.shape[-1], args.features)


def command_evaluate(args):
    checkpoint = _load_model(args.checkpoint)
    split = _splits(args, (args.split,))[args.split]
    _check_feature_size(checkpoint, split.inputs.table.shape[-1], args.features)
    captions = caption_all(checkpoint.captioner, split, checkpoint.vocabulary, args.max_length, args.beam)
    result = {"split": args.split, "images": len(split), "beam": args.beam,
              "bleu": corpus_bleu(split.references, captions),
              "rouge_l": corpus_rouge_l(split.references, captions),
              "cider": corpus_cider(split.references, captions)}
    print(json.dumps(result, indent=2))
    for name, caption in list(zip(split.names, captions))[: args.show]:
        print(f"{name}: {' '.join(caption)}")


def _splits(args, needed):
    """CaptionData of every split; each split in `needed` must hold images."""
    data, _ = flickr_splits(args.captions, args.features, args.splits, args.val_images, args.test_images,
                            args.seed)
    for split in needed:
        if len(data[split]) == 0:
            source = (args.captions if Path(args.captions).suffix.lower() == ".json" else
                      args.splits if args.splits else f"--{split}-images")
            raise InputError(f"the {split} split is empty (from {source}); this command needs its images")
    return data


def command_caption(args):
    if args.gates:
        _check_output_file(args.gates, "--gates")
    checkpoint = _load_model(args.checkpoint)
    captioner = checkpoint.captioner
    paths = [_existing(path, "image") for path in args.images]
    source = args.checkpoint
    if captioner.encoder is None:
        weights = _existing(args.weights, "ResNet50 weights (--weights)")
        encoder = build_encoder(captioner.encoder_config, weights)
        _check_feature_size(checkpoint, encoder.feature_size, args.weights)
        captioner.attach_encoder(encoder)
        source = args.weights
    features = captioner.features(paths)
    finite = numpy.isfinite(to_host(features).reshape(len(paths), -1)).all(axis=1)
    if not finite.all():
        raise InputError(f"the features of {paths[int(numpy.argmin(finite))]} hold NaN or infinite values: "
                         f"{source} holds values that make them so")
    if args.beam > 1:
        ids = beam_search(captioner.decoder, features, args.beam, args.max_length, args.length_penalty)
    else:
        ids = greedy_decode(captioner.decoder, features, args.max_length)
    for path, row in zip(paths, ids):
        print(f"{path}: {' '.join(checkpoint.vocabulary.decode(numpy.asarray(row, dtype=numpy.int64)))}")
    if args.gates:
        words = checkpoint.vocabulary.decode(numpy.asarray(ids[0], dtype=numpy.int64))
        gates = caption_gates(captioner.decoder, features[:1], ids[0])
        from captioner.figures import save_gate_picture  # matplotlib: only for the picture

        save_gate_picture(args.gates, numpy.asarray(as_rgb_image(paths[0])), words, gates)
        print(f"wrote the gates of {paths[0]}'s caption to {args.gates}")


def _existing(path, what):
    if path is None:
        raise FileNotFoundError(f"no {what} given")
    if not Path(path).is_file():
        raise FileNotFoundError(f"{what} not found: {path}")
    return path


def _load_model(path):
    """A checkpoint whose parameters are all finite (a NaN would decode to empty captions)."""
    checkpoint = load_checkpoint(path)
    for name, value in checkpoint.captioner.params.items():
        if not bool(numpy.isfinite(to_host(value)).all()):
            raise CheckpointError(f"checkpoint {path}: parameter {name} holds NaN or infinite values")
    return checkpoint


def _check_output_file(path, argument):
    """An output file's folder must take files, and the path must not be a folder."""
    path = Path(path)
    check_writable_folder(path.parent, f"the folder of {argument}")
    if path.is_dir():
        raise InputError(f"{argument} {path} is a folder, not a file")


def _check_feature_size(checkpoint, feature_size, source):
    expected = checkpoint.captioner.decoder.config.feature_size
    if feature_size != expected:
        raise CheckpointError(f"checkpoint {checkpoint.path} expects {expected}-value image features, "
                              f"but {source} gives {feature_size}")


class OneLineParser(argparse.ArgumentParser):
    """Usage mistakes in one line, naming the argument (exit status 2); --help shows the usage."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def build_parser():
    parser = OneLineParser(prog="python -m captioner", description=__doc__,
                           formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)

    demo = commands.add_parser("demo", help="train end to end on the synthetic data set (offline)")
    demo.add_argument("--out", default="runs/demo", help="output folder (default runs/demo)")
    demo.add_argument("--quick", action="store_true", help="a tiny run (under a minute): a smoke test")
    demo.add_argument("--seed", type=non_negative_int, default=0)
    demo.add_argument("--quiet", action="store_true", help="no progress bars")
    demo.add_argument("--cell", choices=tuple(CELLS), help="the decoder's recurrent cell (default lstm)")
    demo.add_argument("--context", choices=tuple(CONTEXTS),
                      help="how the decoder sees the picture: attention over its grid of cells (the "
                           "default), or one pooled vector")
    demo.set_defaults(run=command_demo)

    extract = commands.add_parser("extract-features", help="ResNet50 features of a folder of images")
    extract.add_argument("images", help="folder of images")
    extract.add_argument("--weights", required=True, help="torchvision resnet50-0676ba61.pth or our .npz")
    extract.add_argument("--out", required=True, help="features .npy (image names go to a .txt beside it)")
    extract.add_argument("--batch-size", type=positive_int, default=16)
    extract.add_argument("--grid", type=positive_int, default=1,
                         help="1: one vector per picture; 7: the 7 x 7 cells of ResNet50's last map, "
                              "for a decoder with attention")
    extract.add_argument("--quiet", action="store_true")
    extract.set_defaults(run=command_extract_features)

    def data_arguments(command):
        command.add_argument("--captions", required=True,
                             help="Flickr8k.token.txt, Kaggle captions.txt / results.csv, or Karpathy .json")
        command.add_argument("--features", required=True, help="features .npy from extract-features")
        command.add_argument("--splits", help="folder with Flickr_8k.{train,dev,test}Images.txt")
        command.add_argument("--val-images", type=non_negative_int, default=500, help="without split files")
        command.add_argument("--test-images", type=non_negative_int, default=500, help="without split files")
        command.add_argument("--seed", type=non_negative_int, default=0)
        command.add_argument("--max-length", type=positive_int, default=20, help="longest caption in words")
        command.add_argument("--beam", type=positive_int, default=1, help="beam width (1: greedy)")

    trainer = commands.add_parser("train", help="train the decoder on cached features")
    data_arguments(trainer)
    trainer.add_argument("--out", required=True, help="folder for checkpoint.npz")
    trainer.add_argument("--epochs", type=positive_int, default=10)
    trainer.add_argument("--batch-size", type=positive_int, default=64)
    trainer.add_argument("--optimizer", choices=OPTIMIZERS, default="adam")
    trainer.add_argument("--learning-rate", type=positive_float, default=2e-3)
    trainer.add_argument("--min-count", type=positive_int, default=5, help="rarer words become <unk>")
    trainer.add_argument("--embedding", type=positive_int, default=256)
    trainer.add_argument("--hidden", type=positive_int, default=512)
    trainer.add_argument("--cell", choices=tuple(CELLS), default="lstm", help="the decoder's recurrent cell")
    trainer.add_argument("--workers", type=positive_int, default=1,
                         help="processes that share each batch, one CPU core each (NumPy backend only)")
    trainer.add_argument("--resume", action="store_true",
                         help="continue from OUT/checkpoint.npz, with the same settings")
    trainer.add_argument("--quiet", action="store_true")
    trainer.set_defaults(run=command_train)

    evaluator = commands.add_parser("evaluate",
                                    help="BLEU-1..4, ROUGE-L and CIDEr-D of a checkpoint on a split")
    data_arguments(evaluator)
    evaluator.add_argument("--checkpoint", required=True)
    evaluator.add_argument("--split", choices=("train", "val", "test"), default="test")
    evaluator.add_argument("--show", type=non_negative_int, default=5, help="captions to print")
    evaluator.set_defaults(run=command_evaluate)

    captioner = commands.add_parser("caption", help="caption image files")
    captioner.add_argument("images", nargs="+")
    captioner.add_argument("--checkpoint", required=True)
    captioner.add_argument("--weights", help="ResNet50 weights, for checkpoints trained on cached features")
    captioner.add_argument("--beam", type=positive_int, default=1, help="beam width (1: greedy)")
    captioner.add_argument("--length-penalty", type=finite_float, default=0.0)
    captioner.add_argument("--max-length", type=positive_int, default=20)
    captioner.add_argument("--gates", help="write the first caption's gate picture to this PNG")
    captioner.set_defaults(run=command_caption)
    add_serve_command(commands)
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    try:
        args.run(args)
    except TrainingInterruptedError as stopped:
        print(stopped, file=sys.stderr)
        return 130
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except TrainingDivergedError as diverged:
        print(f"error: {diverged}", file=sys.stderr)
        return 1
    except USER_ERRORS as error:
        print(f"error: {_one_line(error)}", file=sys.stderr)
        return 2
    return 0


def _one_line(error):
    """The message of a user error; an OS error names its file first ("x.txt: Permission denied")."""
    if isinstance(error, OSError) and error.filename is not None and error.strerror:
        return f"{error.filename}: {error.strerror}"
    return str(error)
