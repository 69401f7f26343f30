"""A page server started in a thread for the tests, and plain HTTP calls to it (urllib).

The server binds to 127.0.0.1 on a free port chosen by the system. The models: the demo model
shipped with the package (it knows the synthetic world but reads one pooled vector), and a small
untrained attention captioner with the same vocabulary, whose attention maps the page must show.
"""

import io
import json
import struct
import threading
import urllib.error
import urllib.request
import zlib
from contextlib import contextmanager

import numpy
from PIL import Image

from captioner.checkpoint import Checkpoint, save_checkpoint
from captioner.decoder import CaptionDecoder, DecoderConfig
from captioner.demo import load_demo_model
from captioner.encoder import EncoderConfig, build_encoder
from captioner.model import Captioner
from captioner.picture import PictureInput
from captioner.vocabulary import Vocabulary
from captioner.web.server import CaptionServer
from captioner.web.service import CaptionService

ATTENTION_GRID = 4


@contextmanager
def running(service, **options):
    """A CaptionServer of `service` serving in a thread; yields it, shuts it down after."""
    server = CaptionServer(service, port=0, quiet=True, **options)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def demo_service():
    return CaptionService(load_demo_model(), "the demo model", max_length=16)


def attention_checkpoint(path):
    """Save an untrained attention captioner over a 4 x 4 grid, with the demo's vocabulary, to `path`."""
    vocabulary = load_demo_model().vocabulary
    encoder = EncoderConfig({"blocks_per_stage": (1,), "widths": (8,), "stem_width": 8}, PictureInput(64),
                            grid=ATTENTION_GRID, trainable=True)
    per_cell = build_encoder(encoder).feature_size // ATTENTION_GRID**2
    decoder = CaptionDecoder(DecoderConfig(len(vocabulary), per_cell, 16, 24, context="attention"), seed=1)
    decoder.params["w_attend"] *= 30  # sharper maps than an untrained model's near-uniform ones
    save_checkpoint(path, Captioner(decoder, encoder, seed=1), vocabulary)
    return path


def photo_service():
    """An untrained captioner of another world (its words know no shapes): it gets photos only."""
    vocabulary = Vocabulary(["<pad>", "<start>", "<end>", "<unk>", "a", "dog", "on", "grass"])
    encoder = EncoderConfig({"blocks_per_stage": (1,), "widths": (8,), "stem_width": 8}, PictureInput(64))
    decoder = CaptionDecoder(DecoderConfig(len(vocabulary), build_encoder(encoder).feature_size, 8, 8))
    checkpoint = Checkpoint(Captioner(decoder, encoder, build_encoder(encoder)), vocabulary, {}, {}, {}, None)
    return CaptionService(checkpoint, "a photo model", max_length=5)


def request(server, path, body=None, method=None, headers=None):
    """(status, decoded JSON or raw bytes) of one request; errors are answers too, not exceptions."""
    call = urllib.request.Request(server.url.rstrip("/") + path, data=body, method=method,
                                  headers=headers or {})
    try:
        with urllib.request.urlopen(call, timeout=60) as response:
            status, kind, content = response.status, response.headers["Content-Type"], response.read()
    except urllib.error.HTTPError as error:
        status, kind, content = error.code, error.headers["Content-Type"], error.read()
    return status, json.loads(content) if kind == "application/json" else content


def png(pixels):
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    return buffer.getvalue()


def png_declaring(width, height):
    """A small valid PNG whose header is rewritten to declare width x height pixels (a bomb's header)."""
    original = png(numpy.zeros((8, 8, 3), dtype=numpy.uint8))
    chunk = b"IHDR" + struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    header = struct.pack(">I", 13) + chunk + struct.pack(">I", zlib.crc32(chunk))
    return original[:8] + header + original[8 + len(header):]
