"""The page in headless Chromium with the network off, driven as a person would use it.

Upload a picture (and drop one) and read a caption naming its object; pick a test picture;
draw a scene and get it captioned, a refused layout taken back with its reason; hover a word
and see its attention map; read the beam's alternatives and the gates; upload a file that is
not a picture and see the reason while the server goes on answering. Everything the page
loads must come from the server on 127.0.0.1 (performance entries and the DevTools network log).
A screenshot after captioning is kept at book/_build/screenshots/web_page.png (a CI artifact).

Needs selenium (the book extra), Debian's chromium and chromium-driver; skipped without them
(WEB_TESTS=required, as in CI, turns those skips into failures).
"""

import json
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from captioner.checkpoint import load_checkpoint
from captioner.synthetic import make_split
from captioner.web.service import CaptionService
from tests.book.test_chapter_in_browser import NO_NETWORK as BOOK_NO_NETWORK
from tests.web.serving import attention_checkpoint, demo_service, png, request, running

SCREENSHOT = Path(__file__).resolve().parents[2] / "book" / "_build" / "screenshots" / "web_page.png"
WIDTH, HEIGHT = 1280, 1300
WAIT = 60  # seconds for an answer: the machine running the tests may be busy
TEST_SPLIT = make_split("test", 12, 64, seed=0)
# The book's way of cutting the network, except that 127.0.0.1, where the page is, stays reachable.
NO_NETWORK = [argument.replace("~NOTFOUND", "~NOTFOUND, EXCLUDE 127.0.0.1") for argument in BOOK_NO_NETWORK]


def unavailable(reason):
    """Skip the test, or fail it when CI requires the browser tests to run."""
    if os.environ.get("WEB_TESTS") == "required":
        pytest.fail(f"{reason} (WEB_TESTS=required)")
    pytest.skip(reason)


def executable(*names):
    for name in names:
        path = shutil.which(name)
        if path:
            return path
    unavailable(f"none of {names} is installed (apt-get install chromium chromium-driver)")


@pytest.fixture(scope="module")
def browser():
    try:
        from selenium import webdriver
    except ImportError:
        unavailable("selenium is not installed (pip install -e '.[book]')")
    chromium = executable("chromium", "chromium-browser")
    chromedriver = executable("chromedriver")
    profile = tempfile.mkdtemp(prefix="web-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for argument in ("--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={profile}",
                     f"--window-size={WIDTH},{HEIGHT}", *NO_NETWORK):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=webdriver.ChromeService(executable_path=chromedriver), options=options)
    driver.set_script_timeout(WAIT)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="module")
def demo_server():
    with running(demo_service()) as server:
        yield server


@pytest.fixture(scope="module")
def attention_server(tmp_path_factory):
    path = attention_checkpoint(tmp_path_factory.mktemp("attention") / "attention.npz")
    service = CaptionService(load_checkpoint(path), "an untrained attention model", max_length=8)
    with running(service) as server:
        yield server


def by(what):
    from selenium.webdriver.common.by import By

    return getattr(By, what)


def wait_until(driver, condition, message):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, WAIT).until(lambda _: condition(), message=message)


def open_page(driver, server):
    driver.get(server.url)
    wait_until(driver, lambda: driver.execute_script("return page.info !== null"), "the page did not start")


def shown(driver, element_id):
    return int(driver.find_element(by("ID"), element_id).get_attribute("data-shown") or 0)


def after(driver, action, element_id="caption"):
    """Do `action`, then wait until the page shows a new answer (element_id "caption") or error ("error")."""
    before = shown(driver, element_id)
    action()
    wait_until(driver, lambda: shown(driver, element_id) > before, f"no new {element_id} was shown")
    return driver.find_element(by("ID"), element_id)


def caption_of(driver):
    return driver.execute_script("return page.result.caption")


def upload(driver, path):
    driver.find_element(by("ID"), "file").send_keys(str(path))


def single_object_pictures():
    return [(index, scene[0]) for index, scene in enumerate(TEST_SPLIT.objects) if len(scene) == 1]


def test_an_uploaded_picture_is_captioned_with_its_object(browser, demo_server, tmp_path):
    open_page(browser, demo_server)
    index, item = single_object_pictures()[0]
    path = tmp_path / "picture.png"
    Image.fromarray(TEST_SPLIT.images[index]).save(path)
    caption = after(browser, lambda: upload(browser, path))
    words = [element.text for element in caption.find_elements(by("CSS_SELECTOR"), ".word .text")]
    assert f"{item.colour} {item.shape}" in " ".join(words)
    assert words[-1] == "<end>" and " ".join(words[:-1]) == caption_of(browser)
    shares = [element.text for element in caption.find_elements(by("CSS_SELECTOR"), ".word .probability")]
    assert len(shares) == len(words) and all(share.endswith("%") for share in shares)


def test_a_dropped_picture_is_captioned(browser, demo_server):
    open_page(browser, demo_server)
    index, item = single_object_pictures()[1]
    drop = f"""
        fetch("/api/test-pictures/{index}.png").then(response => response.blob()).then(blob => {{
            const files = new DataTransfer();
            files.items.add(new File([blob], "dropped.png", {{type: "image/png"}}));
            document.body.dispatchEvent(new DragEvent("drop", {{dataTransfer: files, bubbles: true}}));
        }});"""
    after(browser, lambda: browser.execute_script(drop))
    assert f"{item.colour} {item.shape}" in caption_of(browser)


def test_a_test_picture_is_captioned_as_the_api_captions_it(browser, demo_server):
    open_page(browser, demo_server)
    browser.find_element(by("ID"), "tab-test").click()
    thumbnails = browser.find_elements(by("CSS_SELECTOR"), "#thumbnails img")
    assert len(thumbnails) == 12
    after(browser, thumbnails[4].click)
    status, expected = request(demo_server, "/api/caption", png(TEST_SPLIT.images[4]))
    assert status == 200 and caption_of(browser) == expected["caption"]


def click_stage(driver, x, y):
    """Click the picture at (x, y), fractions of its side from its top left corner."""
    from selenium.webdriver import ActionChains

    stage = driver.find_element(by("ID"), "stage")
    size = stage.size
    ActionChains(driver).move_to_element_with_offset(
        stage, round((x - 0.5) * size["width"]), round((y - 0.5) * size["height"])).click().perform()


def choose(driver, **names):
    for kind, name in names.items():
        driver.find_element(by("CSS_SELECTOR"), f"button[data-{kind}='{name}']").click()


def test_a_drawn_scene_is_captioned_and_a_refused_one_taken_back(browser, demo_server):
    open_page(browser, demo_server)
    browser.find_element(by("ID"), "tab-draw").click()
    choose(browser, shape="square", colour="blue", size="large")
    after(browser, lambda: click_stage(browser, 0.3, 0.5))
    assert caption_of(browser) == "a large blue square"
    assert "right" in browser.find_element(by("ID"), "expected").text

    choose(browser, shape="circle", colour="red", size="small")
    error = after(browser, lambda: click_stage(browser, 0.5, 0.5), "error")  # too near the square
    assert "overlap" in error.text
    assert browser.execute_script("return page.scene.objects.length") == 1

    after(browser, lambda: click_stage(browser, 0.75, 0.45))
    assert not browser.find_element(by("ID"), "error").is_displayed()
    expected = "a large blue square to the left of a small red circle"
    assert browser.execute_script("return page.result.expected") == expected
    # The canvas shows the synthetic world's rendering, a noisy background and not a flat one.
    corner = browser.execute_script("return Array.from($('stage').getContext('2d')"
                                    ".getImageData(0, 0, 60, 60).data).filter((_, i) => i % 4 === 0)")
    assert np.std(corner) > 2


def test_hovering_a_word_shows_where_the_model_looked(browser, attention_server):
    from selenium.webdriver import ActionChains

    open_page(browser, attention_server)
    browser.find_element(by("ID"), "tab-test").click()
    after(browser, browser.find_elements(by("CSS_SELECTOR"), "#thumbnails img")[0].click)
    attention = browser.execute_script("return page.result.attention")
    grid = browser.execute_script("return page.result.grid")
    chips = browser.find_elements(by("CSS_SELECTOR"), "#caption .word")
    assert len(attention) == len(chips) and len(attention[0]) == grid**2
    overlay = browser.find_element(by("ID"), "overlay")
    for step in (0, len(chips) - 1):
        ActionChains(browser).move_to_element(chips[step]).perform()
        shown_step = str(step)
        wait_until(browser, lambda: overlay.get_attribute("data-step") == shown_step,  # noqa: B023 (waited on here)
                   f"no map for word {step}")
        side = overlay.size["width"]
        centres = [round((cell + 0.5) * side / grid) for cell in range(grid)]
        levels = browser.execute_script(
            "const context = $('overlay').getContext('2d');"
            "return arguments[0].map(y => arguments[0].map(x => context.getImageData(x, y, 1, 1).data[0]));",
            centres)
        weights = np.asarray(attention[step]).reshape(grid, grid)
        # Each cell's centre is as bright as its weight, the largest weight white.
        # (within a few levels: the canvas keeps colours premultiplied by the overlay's opacity)
        assert np.abs(np.asarray(levels) - 255 * weights / weights.max()).max() <= 6, f"word {step}"
        assert "active" in chips[step].get_attribute("class")


@pytest.mark.needs_exercises(16)  # beam search
def test_beam_alternatives_and_gates_are_shown(browser, demo_server):
    from selenium.webdriver.support.ui import Select

    open_page(browser, demo_server)
    browser.find_element(by("ID"), "tab-test").click()
    after(browser, browser.find_elements(by("CSS_SELECTOR"), "#thumbnails img")[0].click)
    after(browser, lambda: Select(browser.find_element(by("ID"), "beam")).select_by_value("3"))
    alternatives = browser.find_elements(by("CSS_SELECTOR"), "#alternatives li")
    assert 1 <= len(alternatives) <= 3
    assert alternatives[0].text.startswith(caption_of(browser))
    titles = [element.text for element in browser.find_elements(by("CSS_SELECTOR"), "#gates figcaption")]
    assert [title.split(" (")[0] for title in titles] == [
        "forget gate f", "input gate i", "candidate g", "output gate o", "cell state c"]
    assert len(browser.find_elements(by("CSS_SELECTOR"), "#gates canvas")) == 5


def test_a_file_that_is_not_a_picture_is_refused_and_the_server_answers(browser, demo_server, tmp_path):
    open_page(browser, demo_server)
    path = tmp_path / "notes.png"
    path.write_text("these are notes, not a picture")
    error = after(browser, lambda: upload(browser, path), "error")
    assert "not a picture" in error.text
    index, item = single_object_pictures()[0]
    Image.fromarray(TEST_SPLIT.images[index]).save(tmp_path / "picture.png")
    after(browser, lambda: upload(browser, tmp_path / "picture.png"))
    assert f"{item.colour} {item.shape}" in caption_of(browser)


def test_nothing_is_loaded_from_elsewhere_and_the_console_is_clean(browser, demo_server):
    browser.get_log("performance")  # drop what earlier tests logged
    open_page(browser, demo_server)
    browser.get_log("browser")
    browser.find_element(by("ID"), "tab-test").click()
    after(browser, browser.find_elements(by("CSS_SELECTOR"), "#thumbnails img")[1].click)
    origin = demo_server.url.rstrip("/")
    entries = browser.execute_script("return performance.getEntries().map(entry => entry.name)")
    resources = [name for name in entries if "://" in name]
    assert any(name.endswith("/static/app.js") for name in resources)
    assert all(name.startswith(origin) for name in resources), resources
    requested = [json.loads(entry["message"])["message"]["params"]["request"]["url"]
                 for entry in browser.get_log("performance")
                 if json.loads(entry["message"])["message"]["method"] == "Network.requestWillBeSent"]
    assert any(url.startswith(origin + "/api/") for url in requested)
    elsewhere = [url for url in requested if not url.startswith((origin, "data:", "blob:"))]
    assert not elsewhere, f"the page asked for {elsewhere}"
    errors = [message["message"] for message in browser.get_log("browser") if message["level"] == "SEVERE"]
    assert not errors, f"the browser console reports: {errors}"


@pytest.mark.needs_exercises(16)  # the page is shot with the beam's captions
def test_screenshot_after_captioning_is_kept(browser, demo_server):
    from selenium.webdriver import ActionChains
    from selenium.webdriver.support.ui import Select

    open_page(browser, demo_server)
    Select(browser.find_element(by("ID"), "beam")).select_by_value("3")
    browser.find_element(by("ID"), "tab-draw").click()
    choose(browser, shape="triangle", colour="orange", size="large")
    after(browser, lambda: click_stage(browser, 0.3, 0.3))
    choose(browser, shape="circle", colour="purple", size="small")
    after(browser, lambda: click_stage(browser, 0.32, 0.75))
    chips = browser.find_elements(by("CSS_SELECTOR"), "#caption .word")
    ActionChains(browser).move_to_element(chips[3]).perform()
    # The window is made as tall as the page (twice: the first resize moves the page's layout).
    for _ in range(2):
        height = min(browser.execute_script("return document.documentElement.scrollHeight"), 4000)
        browser.set_window_size(WIDTH, height + 150)
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    assert browser.save_screenshot(str(SCREENSHOT)), "the browser made no screenshot"
    browser.set_window_size(WIDTH, HEIGHT)
    with Image.open(SCREENSHOT) as picture:
        assert picture.size[0] > 0.9 * WIDTH
        pixels = np.asarray(picture.convert("RGB"))
    assert pixels.std() > 20, "the screenshot is blank"
