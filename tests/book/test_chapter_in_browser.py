"""A built chapter opened in headless Chromium with the network off.

The forget-gate chapter must render its math (MathJax's output elements are in the DOM and
none is a TeX error), show every figure and its animation (each image loaded, naturalWidth
> 0), and log no error to the browser console. A full-page screenshot is kept at
book/_build/screenshots/forget_gate.png (a CI artifact).

Needs selenium (the book extra), Debian's chromium and chromium-driver; skipped without them
or without a built book (BOOK_TESTS=required, as in CI, makes those skips failures).
"""

import shutil
import tempfile

import pytest
from PIL import Image

from tests.book.built_book import SCREENSHOTS, built_page, unavailable

CHAPTER = "chapters/forget_gate.html"
WIDTH = 1280  # pixels, a laptop's browser window
NO_NETWORK = [
    "--proxy-server=127.0.0.1:9",  # every request to another host goes to a closed port
    "--host-resolver-rules=MAP * ~NOTFOUND",  # and no host name resolves
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--no-default-browser-check",
]
WAIT_FOR_MATHJAX = """
const done = arguments[arguments.length - 1];
if (!document.querySelector(".math")) { done("ok"); }  // Sphinx loads MathJax only where there is math
else if (!window.MathJax || !MathJax.startup) { done("MathJax did not load"); }
else { MathJax.startup.promise.then(() => done("ok"), error => done(String(error))); }
"""
IMAGES = """
return Array.from(document.querySelectorAll("article img")).map(
    image => ({src: image.currentSrc, complete: image.complete, width: image.naturalWidth}));
"""


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
    profile = tempfile.mkdtemp(prefix="book-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for argument in ("--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={profile}",
                     f"--window-size={WIDTH},1400", *NO_NETWORK):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=webdriver.ChromeService(executable_path=chromedriver), options=options)
    driver.set_script_timeout(60)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


def open_page(driver, page):
    """Load a built page and wait for MathJax to finish typesetting it."""
    driver.get(page.as_uri())
    mathjax = driver.execute_async_script(WAIT_FOR_MATHJAX)
    assert mathjax == "ok", f"{page.name}: MathJax did not finish: {mathjax}"


def math_counts(driver):
    """(formulas on the page, formulas MathJax typeset, formulas that are TeX errors)."""
    return tuple(driver.execute_script(f"return document.querySelectorAll('{selector}').length")
                 for selector in (".math", ".math mjx-container", "mjx-merror"))


@pytest.fixture(scope="module")
def chapter(request):
    """The chapter, loaded, its math typeset; returns (driver, browser console messages)."""
    page = built_page(CHAPTER)
    driver = request.getfixturevalue("browser")
    open_page(driver, page)
    return driver, driver.get_log("browser")


def test_math_is_rendered(chapter):
    driver, _ = chapter
    sources, rendered, errors = math_counts(driver)
    assert sources > 0, "the chapter has no math to render"
    assert rendered == sources, f"{rendered} of {sources} formulas were typeset by MathJax"
    assert errors == 0, f"{errors} formulas are TeX errors"


def test_figures_and_animation_are_shown(chapter):
    driver, _ = chapter
    images = driver.execute_script(IMAGES)
    assert images, "the chapter shows no image"
    not_loaded = [image["src"] for image in images if not (image["complete"] and image["width"] > 0)]
    assert not not_loaded, f"images that did not load: {not_loaded}"
    animations = [image["src"] for image in images if image["src"].endswith(".gif")]
    assert animations, "the chapter shows no animation"
    for source in animations:
        with Image.open(built_page(CHAPTER).parent / ".." / source.split("/html/", 1)[1]) as gif:
            assert gif.n_frames > 1, f"{source} is a still picture"


def test_no_console_errors(chapter):
    _, messages = chapter
    errors = [message["message"] for message in messages if message["level"] == "SEVERE"]
    assert not errors, f"the browser console reports: {errors}"


def test_screenshot_is_kept(chapter):
    """The whole chapter as one picture: the window is made as tall as the page, then shot."""
    driver, _ = chapter
    height = min(driver.execute_script("return document.documentElement.scrollHeight"), 16000)
    driver.set_window_size(WIDTH, height)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / "forget_gate.png"
    assert driver.save_screenshot(str(path)), "the browser made no screenshot"
    with Image.open(path) as picture:
        assert picture.size[0] > 0.9 * WIDTH and picture.size[1] > 2000, f"screenshot of size {picture.size}"


def test_every_page_typesets_its_math_and_shows_its_images(request):
    """The same checks, lighter, on every page of the book: TeX errors do not fail the build."""
    chapters = sorted(built_page(CHAPTER).parent.glob("*.html"))
    pages = [built_page("index.html"), built_page("instructors.html"), *chapters]
    driver = request.getfixturevalue("browser")
    problems = []
    for page in pages:
        open_page(driver, page)
        sources, rendered, errors = math_counts(driver)
        if rendered != sources or errors:
            problems.append(f"{page.name}: {rendered} of {sources} formulas typeset, {errors} TeX errors")
        images = driver.execute_script(IMAGES)
        problems += [f"{page.name}: image {image['src']} did not load"
                     for image in images if not (image["complete"] and image["width"] > 0)]
        problems += [f"{page.name}: console: {message['message']}" for message in driver.get_log("browser")
                     if message["level"] == "SEVERE"]
    assert not problems, "\n".join(problems)
