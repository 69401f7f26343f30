"""The page's HTTP server: on 127.0.0.1 only, three static files and a small JSON API.

    GET  /                          the page (static/index.html), /static/app.js, /static/style.css
    GET  /api/info                  the model, the world a scene is drawn in, the gates' colours
    GET  /api/test-pictures/N.png   picture N of the synthetic test split (models of that world)
    POST /api/caption?beam=K        body: a picture file's bytes, any content type
    POST /api/scene?beam=K          body: a drawn scene as JSON (see captioner.web.scenes)

Both POSTs answer with captioner.web.explain's JSON (greedy without `beam`, else beam search of
width K). Every error is JSON {"error": "one line"}: 400 for a bad request, picture or scene,
403 for a request addressed to another host name (a web page elsewhere reaching this server
through DNS rebinding), 404, 405, 411 without a Content-Length, 500 for a bug (its traceback is
logged). After any of them the server goes on serving. Requests are handled in threads; the
model itself answers one at a time (captioner.web.service).
"""

import json
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from urllib.parse import parse_qs, urlsplit

from captioner.arguments import port_number, positive_int
from captioner.checkpoint import load_checkpoint
from captioner.demo import load_demo_model
from captioner.encoder import build_encoder
from captioner.web.scenes import SceneError
from captioner.web.service import CaptionService, RequestError
from captioner.web.uploads import UploadError
from numerics.validation import InputError

HOST = "127.0.0.1"
LOCAL_NAMES = ("127.0.0.1", "localhost")
MAX_UPLOAD_BYTES = 20 * 2**20  # a large phone photo is under 10 MB
MAX_SCENE_BYTES = 64 * 2**10
DRAIN_LIMIT = 256 * 2**20  # a refused body up to this size is read before answering, so the client
# hears the answer instead of a reset connection; a larger one is cut off
REQUEST_TIMEOUT = 60  # seconds a client may stay silent mid-request
STATIC = {  # path: (file in captioner/web/static, content type)
    "/": ("index.html", "text/html; charset=utf-8"),
    "/static/app.js": ("app.js", "text/javascript; charset=utf-8"),
    "/static/style.css": ("style.css", "text/css; charset=utf-8"),
}
# Everything the page loads comes from this server; pictures may also be data: and blob: URLs.
CONTENT_SECURITY_POLICY = ("default-src 'self'; img-src 'self' data: blob:; object-src 'none'; "
                           "base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
BAD_REQUESTS = (RequestError, UploadError, SceneError)


class CaptionServer(ThreadingHTTPServer):
    """service: a CaptionService; port: on 127.0.0.1 (0: any free one, see `port`); quiet: log no
    requests (errors are logged all the same)."""

    daemon_threads = True  # a client that stalls never keeps the server from stopping

    def __init__(self, service, port=8000, max_upload_bytes=MAX_UPLOAD_BYTES, quiet=False):
        if not isinstance(port, int) or not 0 <= port <= 65535:
            raise ValueError(f"port must be an int in 0..65535, got {port!r}")
        self.service, self.max_upload_bytes, self.quiet = service, max_upload_bytes, quiet
        folder = resources.files("captioner.web") / "static"
        self.static = {path: ((folder / name).read_bytes(), kind) for path, (name, kind) in STATIC.items()}
        try:
            super().__init__((HOST, port), CaptionHandler)
        except OSError as error:
            raise InputError(f"cannot listen on {HOST}:{port} ({error.strerror}): "
                             "choose another port with --port") from None

    @property
    def port(self):
        return self.server_address[1]

    @property
    def url(self):
        return f"http://{HOST}:{self.port}/"


class CaptionHandler(BaseHTTPRequestHandler):
    server_version = "captioner-web"
    timeout = REQUEST_TIMEOUT

    def do_GET(self):
        self._answer(self._get)

    def do_POST(self):
        self._answer(self._post)

    def _get(self, path, query):
        if path in self.server.static:
            return self.server.static[path]
        if path == "/api/info":
            return _json(self.server.service.info())
        number = path.removeprefix("/api/test-pictures/").removesuffix(".png")
        if path == f"/api/test-pictures/{number}.png" and number.isdigit():
            try:
                return self.server.service.test_picture(int(number)), "image/png"
            except IndexError as missing:
                raise _HttpError(404, str(missing)) from None
        if path in ("/api/caption", "/api/scene"):
            raise _HttpError(405, f"{path} takes a POST")
        raise _HttpError(404, f"nothing at {path}")

    def _post(self, path, query):
        service = self.server.service
        if path == "/api/caption":
            return _json(service.caption_upload(self._body(self.server.max_upload_bytes), _beam(query)))
        if path == "/api/scene":
            return _json(service.caption_scene(_scene_json(self._body(MAX_SCENE_BYTES)), _beam(query)))
        raise _HttpError(404 if path not in self.server.static else 405, f"nothing to POST to at {path}")

    def _answer(self, route):
        """Route the request; send what it returns (body, content type) or a JSON error."""
        try:
            self._check_host()
            parts = urlsplit(self.path)
            body, kind = route(parts.path, parts.query)
            status = 200
        except _HttpError as refused:
            status, body, kind = refused.status, *_json({"error": str(refused)})
        except BAD_REQUESTS as error:
            status, body, kind = 400, *_json({"error": str(error)})
        except Exception as error:  # a bug: its traceback goes to the log, the page hears a 500
            self.log_error("%s", traceback.format_exc())
            status, body, kind = 500, *_json({"error": f"the server failed: {type(error).__name__}: {error}"})
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        try:
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client hung up: no one is left to answer

    def _check_host(self):
        host = self.headers.get("Host")
        try:
            name = None if host is None else urlsplit(f"//{host}").hostname
        except ValueError:  # not a host name at all ("[::1")
            name = ""
        if host is not None and name not in LOCAL_NAMES:
            raise _HttpError(403, f"this server answers requests addressed to {HOST}, not to {host!r}")

    def _body(self, limit):
        """The request's body (bytes), at most `limit` bytes; _HttpError or RequestError otherwise."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            raise _HttpError(411, "send the body with a Content-Length: chunked uploads are not read")
        length = self.headers.get("Content-Length")
        if length is None:
            raise _HttpError(411, "send the body with a Content-Length header")
        if not length.isdigit():
            raise RequestError(f"Content-Length must be a number of bytes, got {length!r}")
        length = int(length)
        if length > limit:
            self._discard(length)
            raise RequestError(f"the upload is too large: {length:,} bytes, more than the {limit:,} accepted")
        try:
            body = self.rfile.read(length)
        except TimeoutError:
            self.close_connection = True
            raise RequestError(f"the upload stopped arriving for {REQUEST_TIMEOUT} s") from None
        if len(body) < length:
            raise RequestError(f"the upload ended after {len(body):,} of its {length:,} bytes")
        return body

    def _discard(self, length):
        """Read and drop a refused body, so that the client hears the answer rather than a reset."""
        self.close_connection = True
        left = min(length, DRAIN_LIMIT)
        while left > 0:
            chunk = self.rfile.read(min(left, 2**16))
            if not chunk:
                break
            left -= len(chunk)

    def log_request(self, code="-", size="-"):
        if not self.server.quiet:  # errors are logged all the same (log_error)
            super().log_request(code, size)


class _HttpError(Exception):
    """An answer other than 400: status and one line."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


def _json(value):
    return json.dumps(value, allow_nan=False).encode("utf-8"), "application/json"


def _beam(query):
    values = parse_qs(query).get("beam", ["1"])
    if len(values) != 1 or not values[0].isdigit():
        raise RequestError(f"beam must be one whole number (1: greedy), got {values}")
    return int(values[0])


def _scene_json(body):
    try:
        return json.loads(body.decode("utf-8"))
    except ValueError as error:  # not UTF-8, or not JSON
        raise RequestError(f"a scene must be sent as JSON: {error}") from None


def load_model(checkpoint=None, weights=None):
    """(Checkpoint, what to call it): the one at `checkpoint`, or the demo model shipped with the
    package; a captioner trained on cached ResNet50 features gets its encoder from `weights`."""
    if checkpoint is None:
        loaded, source = load_demo_model(), "the demo model shipped with the package"
    else:
        loaded, source = load_checkpoint(checkpoint), str(checkpoint)
    if loaded.captioner.encoder is None:
        if weights is None:
            raise FileNotFoundError(f"{source} reads cached ResNet50 features: give the ResNet50 weights "
                                    "(--weights) to caption pictures")
        loaded.captioner.attach_encoder(build_encoder(loaded.captioner.encoder_config, weights))
    return loaded, source


def serve(checkpoint=None, weights=None, port=8000, max_length=20, quiet=False):
    """Serve the page until interrupted (Ctrl+C). Arguments as for `python -m captioner serve`."""
    loaded, source = load_model(checkpoint, weights)
    server = CaptionServer(CaptionService(loaded, source, max_length), port, quiet=quiet)
    print(f"serving {source} at {server.url} (Ctrl+C stops)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("stopped")
    finally:
        server.server_close()


def add_serve_command(commands):
    """Add `serve` to python -m captioner's subcommands (commands: argparse's subparsers)."""
    command = commands.add_parser("serve", help="a local web page that captions a picture and shows why")
    command.add_argument("--checkpoint", help="a checkpoint .npz (default: the demo model in the package)")
    command.add_argument("--weights", help="ResNet50 weights, for a checkpoint trained on cached features")
    command.add_argument("--port", type=port_number, default=8000, help="port on 127.0.0.1 (0: any free one)")
    command.add_argument("--max-length", type=positive_int, default=20, help="longest caption in words")
    command.add_argument("--quiet", action="store_true", help="log no requests")
    command.set_defaults(run=lambda args: serve(args.checkpoint, args.weights, args.port, args.max_length,
                                                args.quiet))
