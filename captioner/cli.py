"""python -m captioner: demo, train, evaluate, caption, extract-features.

User mistakes (a missing file, a file that is not an image, a checkpoint that does not fit the
data) print one line naming the file and exit with status 2, without a traceback.
"""

import argparse
import json
import math
import sys
from pathlib import Path

import numpy

from captioner.cells import CELLS
from captioner.checkpoint import CheckpointError, load_checkpoint
from captioner.decoder import CaptionDecoder, DecoderConfig
from captioner.decoding import beam_search, caption_all, caption_gates, greedy_decode
from captioner.demo import run_demo
from captioner.encoder import build_encoder, frozen_resnet50_config
from captioner.figures import save_gate_picture
from captioner.flickr_splits import flickr_splits
from captioner.metrics import corpus_bleu, corpus_cider, corpus_rouge_l
from captioner.model import Captioner
from captioner.picture import as_rgb_image
from captioner.training import (
    TrainConfig,
    TrainingDivergedError,
    TrainingInterruptedError,
    train,
)
from captioner.vocabulary import Vocabulary
from captioner.web.server import add_serve_command
from resnet.features import extract_features, list_images, write_file_list
from resnet.weights import WeightsFileError

USER_ERRORS = (FileNotFoundError, IsADirectoryError, CheckpointError, WeightsFileError, ValueError)


def command_demo(args):
    run_demo(args.out, quick=args.quick, seed=args.seed, progress=not args.quiet)


def command_extract_features(args):
    from resnet import resnet50

    paths = list_images(args.images)
    if not paths:
        raise FileNotFoundError(f"no images (.jpg, .jpeg, .png, .bmp, .webp) in {args.images}")
    model = resnet50(weights=_existing(args.weights, "ResNet50 weights"))
    extract_features(model, paths, args.batch_size, progress=not args.quiet, out=args.out)
    write_file_list(args.out, paths)
    print(f"wrote {args.out} ({len(paths)} x {model.feature_size}) and its image list")


def command_train(args):
    data, _ = flickr_splits(args.captions, args.features, args.splits, args.val_images, args.test_images,
                            args.seed)
    vocabulary = Vocabulary.build((c for refs in data["train"].references for c in refs), args.min_count)
    config = TrainConfig(epochs=args.epochs, batch_size=args.batch_size, optimizer=args.optimizer,
                         learning_rate=args.learning_rate, max_length=args.max_length, seed=args.seed,
                         val_beam_width=args.beam)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    checkpoint_path = out / "checkpoint.npz"
    resume = None
    if args.resume:
        resume = load_checkpoint(checkpoint_path)
        if resume.vocabulary != vocabulary:
            raise CheckpointError(f"checkpoint {checkpoint_path} was trained with another vocabulary "
                                  f"({len(resume.vocabulary)} words, these captions give {len(vocabulary)})")
        _check_feature_size(resume, data["train"].inputs.table.shape[-1], args.features)
        captioner = resume.captioner
    else:
        table = data["train"].inputs.table
        context = "attention" if table.ndim == 3 else "pooled"
        decoder_config = DecoderConfig(len(vocabulary), table.shape[-1], args.embedding, args.hidden,
                                       cell=args.cell, context=context)
        grid = math.isqrt(table.shape[1]) if table.ndim == 3 else 1
        captioner = Captioner(CaptionDecoder(decoder_config, seed=args.seed), frozen_resnet50_config(grid))
    print(f"{len(data['train'])} training images, vocabulary of {len(vocabulary)} words")
    train(captioner, vocabulary, data["train"], data["val"], config, checkpoint_path, resume=resume,
          progress=not args.quiet)


def command_evaluate(args):
    checkpoint = load_checkpoint(args.checkpoint)
    data, _ = flickr_splits(args.captions, args.features, args.splits, args.val_images, args.test_images,
                            args.seed)
    split = data[args.split]
    _check_feature_size(checkpoint, split.inputs.table.shape[-1], args.features)
    captions = caption_all(checkpoint.captioner, split, checkpoint.vocabulary, args.max_length, args.beam)
    result = {"split": args.split, "images": len(split), "beam": args.beam,
              "bleu": corpus_bleu(split.references, captions),
              "rouge_l": corpus_rouge_l(split.references, captions),
              "cider": corpus_cider(split.references, captions)}
    print(json.dumps(result, indent=2))
    for name, caption in list(zip(split.names, captions))[: args.show]:
        print(f"{name}: {' '.join(caption)}")


def command_caption(args):
    checkpoint = load_checkpoint(args.checkpoint)
    captioner = checkpoint.captioner
    paths = [_existing(path, "image") for path in args.images]
    if captioner.encoder is None:
        weights = _existing(args.weights, "ResNet50 weights (--weights)")
        encoder = build_encoder(captioner.encoder_config, weights)
        _check_feature_size(checkpoint, encoder.feature_size, args.weights)
        captioner.attach_encoder(encoder)
    features = captioner.features(paths)
    if args.beam > 1:
        ids = beam_search(captioner.decoder, features, args.beam, args.max_length, args.length_penalty)
    else:
        ids = greedy_decode(captioner.decoder, features, args.max_length)
    for path, row in zip(paths, ids):
        print(f"{path}: {' '.join(checkpoint.vocabulary.decode(numpy.asarray(row, dtype=numpy.int64)))}")
    if args.gates:
        words = checkpoint.vocabulary.decode(numpy.asarray(ids[0], dtype=numpy.int64))
        gates = caption_gates(captioner.decoder, features[:1], ids[0])
        save_gate_picture(args.gates, numpy.asarray(as_rgb_image(paths[0])), words, gates)
        print(f"wrote the gates of {paths[0]}'s caption to {args.gates}")


def _existing(path, what):
    if path is None:
        raise FileNotFoundError(f"no {what} given")
    if not Path(path).is_file():
        raise FileNotFoundError(f"{what} not found: {path}")
    return path


def _check_feature_size(checkpoint, feature_size, source):
    expected = checkpoint.captioner.decoder.config.feature_size
    if feature_size != expected:
        raise CheckpointError(f"checkpoint {checkpoint.path} expects {expected}-value image features, "
                              f"but {source} gives {feature_size}")


def build_parser():
    parser = argparse.ArgumentParser(prog="python -m captioner", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)

    demo = commands.add_parser("demo", help="train end to end on the synthetic data set (offline)")
    demo.add_argument("--out", default="runs/demo", help="output folder (default runs/demo)")
    demo.add_argument("--quick", action="store_true", help="a tiny run (under a minute): a smoke test")
    demo.add_argument("--seed", type=int, default=0)
    demo.add_argument("--quiet", action="store_true", help="no progress bars")
    demo.set_defaults(run=command_demo)

    extract = commands.add_parser("extract-features", help="ResNet50 features of a folder of images")
    extract.add_argument("images", help="folder of images")
    extract.add_argument("--weights", required=True, help="torchvision resnet50-0676ba61.pth or our .npz")
    extract.add_argument("--out", required=True, help="features .npy (image names go to a .txt beside it)")
    extract.add_argument("--batch-size", type=int, default=16)
    extract.add_argument("--quiet", action="store_true")
    extract.set_defaults(run=command_extract_features)

    def data_arguments(command):
        command.add_argument("--captions", required=True,
                             help="Flickr8k.token.txt, Kaggle captions.txt / results.csv, or Karpathy .json")
        command.add_argument("--features", required=True, help="features .npy from extract-features")
        command.add_argument("--splits", help="folder with Flickr_8k.{train,dev,test}Images.txt")
        command.add_argument("--val-images", type=int, default=500, help="without split files")
        command.add_argument("--test-images", type=int, default=500, help="without split files")
        command.add_argument("--seed", type=int, default=0)
        command.add_argument("--max-length", type=int, default=20, help="longest caption in words")
        command.add_argument("--beam", type=int, default=1, help="beam width (1: greedy)")

    trainer = commands.add_parser("train", help="train the decoder on cached features")
    data_arguments(trainer)
    trainer.add_argument("--out", required=True, help="folder for checkpoint.npz")
    trainer.add_argument("--epochs", type=int, default=10)
    trainer.add_argument("--batch-size", type=int, default=64)
    trainer.add_argument("--optimizer", choices=("adam", "sgd"), default="adam")
    trainer.add_argument("--learning-rate", type=float, default=2e-3)
    trainer.add_argument("--min-count", type=int, default=5, help="rarer words become <unk>")
    trainer.add_argument("--embedding", type=int, default=256)
    trainer.add_argument("--hidden", type=int, default=512)
    trainer.add_argument("--cell", choices=tuple(CELLS), default="lstm", help="the decoder's recurrent cell")
    trainer.add_argument("--resume", action="store_true", help="continue from OUT/checkpoint.npz")
    trainer.add_argument("--quiet", action="store_true")
    trainer.set_defaults(run=command_train)

    evaluator = commands.add_parser("evaluate",
                                    help="BLEU-1..4, ROUGE-L and CIDEr-D of a checkpoint on a split")
    data_arguments(evaluator)
    evaluator.add_argument("--checkpoint", required=True)
    evaluator.add_argument("--split", choices=("train", "val", "test"), default="test")
    evaluator.add_argument("--show", type=int, default=5, help="captions to print")
    evaluator.set_defaults(run=command_evaluate)

    captioner = commands.add_parser("caption", help="caption image files")
    captioner.add_argument("images", nargs="+")
    captioner.add_argument("--checkpoint", required=True)
    captioner.add_argument("--weights", help="ResNet50 weights, for checkpoints trained on cached features")
    captioner.add_argument("--beam", type=int, default=1, help="beam width (1: greedy)")
    captioner.add_argument("--length-penalty", type=float, default=0.0)
    captioner.add_argument("--max-length", type=int, default=20)
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
    except TrainingDivergedError as diverged:
        print(f"error: {diverged}", file=sys.stderr)
        return 1
    except USER_ERRORS as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0
