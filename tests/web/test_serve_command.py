"""python -m captioner serve: it serves the page until Ctrl+C, and refuses what it cannot serve
in one line with status 2, as the other commands do."""

import os
import signal
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from captioner.checkpoint import save_checkpoint
from captioner.cli import main
from captioner.decoder import CaptionDecoder, DecoderConfig
from captioner.encoder import frozen_resnet50_config
from captioner.model import Captioner
from captioner.vocabulary import Vocabulary

ROOT = Path(__file__).resolve().parents[2]


def test_serve_answers_until_interrupted():
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    server = subprocess.Popen([sys.executable, "-m", "captioner", "serve", "--port", "0", "--quiet"],
                              cwd=ROOT, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True)
    try:
        line = server.stdout.readline()
        assert line.startswith("serving the demo model shipped with the package at http://127.0.0.1:"), line
        url = line.split(" at ", 1)[1].split()[0]
        with urllib.request.urlopen(url + "api/info", timeout=60) as response:
            assert response.status == 200 and b'"picture_size": 64' in response.read()
        server.send_signal(signal.SIGINT)
        out, err = server.communicate(timeout=60)
    finally:
        if server.poll() is None:
            server.kill()
            server.communicate()
    assert server.returncode == 0, err
    assert out.strip() == "stopped"


def cached_features_checkpoint(path):
    """A captioner of cached ResNet50 features: to caption a picture it needs the ResNet50 weights."""
    vocabulary = Vocabulary(["<pad>", "<start>", "<end>", "<unk>", "a", "dog"])
    decoder = CaptionDecoder(DecoderConfig(len(vocabulary), feature_size=16, embedding_size=4, hidden_size=4))
    save_checkpoint(path, Captioner(decoder, frozen_resnet50_config()), vocabulary)
    return path


def test_what_cannot_be_served_is_refused_in_one_line(tmp_path, capsys):
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen()
    cases = [
        (["--checkpoint", str(tmp_path / "missing.npz")], "does not exist"),
        (["--checkpoint", str(cached_features_checkpoint(tmp_path / "cached.npz"))], "(--weights)"),
        (["--port", str(busy.getsockname()[1])], "choose another port with --port"),
    ]
    try:
        for arguments, message in cases:
            assert main(["serve", *arguments]) == 2
            error = capsys.readouterr().err
            assert error.startswith("error: ") and message in error and error.count("\n") == 1, error
    finally:
        busy.close()


@pytest.mark.parametrize("arguments, named", [
    (["--port", "eighty"], "argument --port: expected a port number in 0..65535, got 'eighty'"),
    (["--port", "70000"], "argument --port: expected a port number in 0..65535, got '70000'"),
    (["--max-length", "x"], "argument --max-length: expected an int >= 1, got 'x'"),
    (["--max-length", "0"], "argument --max-length: expected an int >= 1, got '0'"),
])
def test_arguments_out_of_range_are_refused_as_they_are_parsed(arguments, named, capsys):
    with pytest.raises(SystemExit) as stopped:  # before the model is loaded
        main(["serve", *arguments])
    error = capsys.readouterr().err
    assert stopped.value.code == 2 and named in error and error.count("\n") == 1, error
