"""The JSON API without a browser: captions, bad uploads and scenes refused in one line, and the
server still answering after each; limits, concurrency, and nothing served from elsewhere."""

import http.client
import io
import json
import re
import socket
import threading
from html.parser import HTMLParser
from importlib import resources

import numpy as np
import pytest
from PIL import Image

from captioner.synthetic import make_split
from captioner.web.server import STATIC
from captioner.web.service import MAX_BEAM
from tests.web.serving import demo_service, photo_service, png, png_declaring, request, running

TEST_SPLIT = make_split("test", 12, 64, seed=0)


@pytest.fixture(scope="module")
def server():
    with running(demo_service(), max_upload_bytes=2**20) as server:
        yield server


def still_serving(server):
    status, info = request(server, "/api/info")
    assert status == 200 and info["model"]["picture_size"] == 64


def caption(server, body, query=""):
    return request(server, "/api/caption" + query, body, headers={"Content-Type": "application/octet-stream"})


def test_a_test_picture_is_captioned_with_its_objects(server):
    """Single-object test pictures: the demo model names their colour and shape."""
    singles = [i for i, scene in enumerate(TEST_SPLIT.objects) if len(scene) == 1]
    assert singles, "the first test pictures hold no single object"
    for index in singles:
        status, result = caption(server, png(TEST_SPLIT.images[index]))
        assert status == 200, result
        item = TEST_SPLIT.objects[index][0]
        assert f"{item.colour} {item.shape}" in result["caption"]


@pytest.mark.needs_exercises(16)  # beam search
def test_the_answer_lines_up_with_the_words(server):
    status, result = caption(server, png(TEST_SPLIT.images[0]), "?beam=3")
    assert status == 200, result
    words = result["words"]
    assert result["caption"] == " ".join(words)
    assert len(result["probabilities"]) == len(words)
    assert all(0 < p <= 1 for p in [*result["probabilities"], result["end_probability"]])
    assert np.isclose(result["log_probability"],
                      np.log([*result["probabilities"], result["end_probability"]]).sum(), atol=1e-3)
    assert len(result["top_words"]) == len(words) + 1
    for t, word in enumerate([*words, "<end>"]):
        assert word in [w for w, _ in result["top_words"][t]]  # greedy choices lead their step
    assert set(result["gates"]) == {"f", "i", "g", "o", "c"}
    assert all(np.shape(rows) == (len(words) + 1, 192) for rows in result["gates"].values())
    cells = result["grid"] ** 2  # the demo model attends over a grid of picture cells
    assert np.shape(result["attention"]) == (len(words) + 1, cells)
    assert np.allclose(np.sum(result["attention"], axis=1), 1, atol=1e-3)  # each step's weights sum to one
    assert 1 <= len(result["alternatives"]) <= 3
    assert result["alternatives"][0]["caption"] == result["caption"]
    assert result["picture"].startswith("data:image/png;base64,")


def test_a_jpeg_photo_of_any_size_is_read(server):
    buffer = io.BytesIO()
    Image.fromarray(np.repeat(np.repeat(TEST_SPLIT.images[2], 5, axis=0), 7, axis=1)).save(buffer, "JPEG")
    status, result = caption(server, buffer.getvalue())
    assert status == 200 and result["words"], result


def test_test_pictures_are_the_synthetic_test_split(server):
    status, body = request(server, "/api/test-pictures/3.png")
    assert status == 200
    assert np.array_equal(np.asarray(Image.open(io.BytesIO(body))), TEST_SPLIT.images[3])
    status, answer = request(server, "/api/test-pictures/12.png")
    assert status == 404 and answer["error"] == "there are 12 test pictures, no picture 12"


BAD_UPLOADS = {
    "empty": (b"", "empty"),
    "not an image": (b"GIF? no: just some text, certainly not a picture", "not a picture"),
    "truncated PNG": (png(TEST_SPLIT.images[0])[:300], "truncated"),
    "PNG cut inside its header": (png(TEST_SPLIT.images[0])[:30], "not a picture"),
    "bomb, 8000 x 8000": (png_declaring(8000, 8000), "8000 x 8000 pixels"),
    "bomb, 50000 x 50000": (png_declaring(50000, 50000), "too many pixels"),
}


@pytest.mark.parametrize("name", BAD_UPLOADS)
def test_a_bad_upload_is_refused_in_one_line(server, name):
    body, words = BAD_UPLOADS[name]
    status, answer = caption(server, body)
    assert status == 400
    assert words in answer["error"] and "\n" not in answer["error"]
    still_serving(server)


def test_a_truncated_jpeg_is_refused(server):
    buffer = io.BytesIO()
    noise = np.random.default_rng(0).integers(0, 255, (200, 200, 3), dtype=np.uint8)
    Image.fromarray(noise).save(buffer, "JPEG")
    status, answer = caption(server, buffer.getvalue()[:2000])
    assert status == 400 and "truncated" in answer["error"]
    still_serving(server)


def test_an_upload_over_the_cap_is_refused(server):
    status, answer = caption(server, b"\x89PNG" + bytes(2**20))
    assert status == 400 and "too large" in answer["error"]
    still_serving(server)


def test_a_body_without_a_length_is_refused(server):
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    connection.request("POST", "/api/caption", body=iter([png(TEST_SPLIT.images[0])]),
                       headers={"Transfer-Encoding": "chunked"})
    response = connection.getresponse()
    assert response.status == 411 and b"Content-Length" in response.read()
    connection.close()
    still_serving(server)


def test_a_client_that_hangs_up_mid_upload_leaves_the_server_serving(server):
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as connection:
        connection.sendall(b"POST /api/caption HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100000\r\n\r\n"
                           + png(TEST_SPLIT.images[0])[:500])
        connection.shutdown(socket.SHUT_WR)
        answer = b"".join(iter(lambda: connection.recv(4096), b""))  # until the server closes
    assert answer.startswith(b"HTTP/1.0 400") and b"ended after 500" in answer
    still_serving(server)


@pytest.mark.parametrize("query", ["?beam=0", f"?beam={MAX_BEAM + 1}", "?beam=two", "?beam=2&beam=3"])
def test_a_bad_beam_width_is_refused(server, query):
    status, answer = caption(server, png(TEST_SPLIT.images[0]), query)
    assert status == 400 and "beam" in answer["error"]


def test_concurrent_requests_all_get_their_caption(server):
    expected = {index: caption(server, png(TEST_SPLIT.images[index]))[1]["caption"] for index in range(4)}
    answers = {}

    def ask(index):
        answers[index] = caption(server, png(TEST_SPLIT.images[index % 4]))

    threads = [threading.Thread(target=ask, args=(index,)) for index in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(answers) == list(range(8))
    for index, (status, result) in answers.items():
        assert status == 200 and result["caption"] == expected[index % 4]


@pytest.mark.needs_exercises(16)  # beam search
def test_scenes_are_captioned_and_judged(server):
    scene = drawn(("square", "blue", "large", 0.3, 0.5), ("circle", "red", "small", 0.75, 0.45))
    status, result = request(server, "/api/scene?beam=2", scene)
    assert status == 200, result
    assert result["expected"] == "a large blue square to the left of a small red circle"
    assert result["right"] == (result["caption"] == result["expected"])
    assert [item["shape"] for item in result["scene"]] == ["square", "circle"]


def drawn(*objects, seed=0):
    """A scene's JSON body; objects: (shape, colour, size, x, y) with x, y fractions of the side."""
    return json.dumps({"objects": [{"shape": shape, "colour": colour, "size": size, "centre": [x, y]}
                                   for shape, colour, size, x, y in objects], "seed": seed}).encode()


BAD_SCENES = {
    "overlap": (drawn(("circle", "red", "large", 0.5, 0.5), ("cross", "blue", "small", 0.6, 0.55)),
                "overlap"),
    "diagonal": (drawn(("circle", "red", "small", 0.25, 0.25), ("cross", "blue", "small", 0.7, 0.75)),
                 "diagonal"),
    "three in a column": (drawn(("circle", "red", "small", 0.2, 0.2), ("cross", "blue", "small", 0.6, 0.5),
                                ("square", "green", "small", 0.22, 0.8)), "not apart from left to right"),
    "edge": (drawn(("circle", "red", "large", 0.02, 0.5)), "too near the edge"),
    "no objects": (drawn(), "1 to 3 objects"),
    "unknown colour": (drawn(("circle", "pink", "large", 0.5, 0.5)), "colour must be one of"),
    "centre outside": (drawn(("circle", "red", "large", 1.5, 0.5)), "centre must be"),
    "bad seed": (drawn(("circle", "red", "large", 0.5, 0.5), seed=-1), "seed must be"),
    "not JSON": (b"{objects: circle}", "JSON"),
    "not UTF-8": (b"\xff\xfe{}", "JSON"),
    "missing objects": (b'{"seed": 3}', "a scene is a JSON object"),
}


@pytest.mark.parametrize("name", BAD_SCENES)
def test_a_scene_the_world_never_draws_is_refused_in_one_line(server, name):
    body, words = BAD_SCENES[name]
    status, answer = request(server, "/api/scene", body)
    assert status == 400
    assert words in answer["error"] and "\n" not in answer["error"]
    still_serving(server)


@pytest.mark.parametrize("host", ["captioner.example.com", "captioner.example.com:8000", "[::1"])
def test_requests_for_another_host_name_are_refused(server, host):
    status, answer = request(server, "/api/info", headers={"Host": host})
    assert status == 403 and "127.0.0.1" in answer["error"]
    assert request(server, "/api/info", headers={"Host": f"localhost:{server.port}"})[0] == 200


@pytest.mark.parametrize(("method", "path", "status"), [
    ("GET", "/nothing-here", 404), ("GET", "/api/caption", 405), ("POST", "/", 405),
    ("GET", "/static/../server.py", 404), ("POST", "/api/info", 404)])
def test_other_paths_get_a_json_error(server, method, path, status):
    answer_status, answer = request(server, path, b"" if method == "POST" else None, method=method)
    assert answer_status == status and answer["error"]


class _References(HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls = []

    def handle_starttag(self, tag, attributes):
        self.urls += [value for name, value in attributes if name in ("src", "href")]


def test_the_page_refers_only_to_its_own_files(server):
    status, page = request(server, "/")
    assert status == 200
    references = _References()
    references.feed(page.decode("utf-8"))
    assert sorted(references.urls) == ["/static/app.js", "/static/style.css"]
    for path, (name, _) in STATIC.items():
        text = (resources.files("captioner.web") / "static" / name).read_text(encoding="utf-8")
        assert not re.search(r"https?://|//[a-z]|@import|url\(", text), f"{name} refers to another site"
        assert request(server, path)[0] == 200


def test_a_model_of_photos_gets_photos_only():
    with running(photo_service()) as server:
        status, info = request(server, "/api/info")
        assert status == 200 and info["world"] is None and info["test_pictures"] == 0
        status, answer = request(server, "/api/scene", drawn(("circle", "red", "large", 0.5, 0.5)))
        assert status == 400 and "not trained on the synthetic world" in answer["error"]
        assert request(server, "/api/test-pictures/0.png")[0] == 404
        status, result = caption(server, png(TEST_SPLIT.images[0]))
        assert status == 200 and set(result["words"]) <= {"<pad>", "<start>", "<end>", "<unk>", "a", "dog",
                                                          "on", "grass"}
