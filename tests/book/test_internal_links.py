"""Every link inside the built book leads somewhere, and no page needs the network.

Offline replacement for `sphinx-build -b linkcheck`: every relative href and src of every
built page must name a file of the build (and, with #fragment, an id on that page), and no
script, style sheet, image or font may come from another host.
"""

from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

from tests.book.built_book import HTML, built_page

# Attributes that make the browser fetch something when the page loads.
FETCHED = {("script", "src"), ("img", "src"), ("iframe", "src"), ("source", "src"), ("video", "src"),
           ("audio", "src"), ("embed", "src")}
FETCHED_LINK_RELATIONS = {"stylesheet", "preload", "icon", "modulepreload", "prefetch"}


class PageLinks(HTMLParser):
    """Collects a page's ids, its links (tag, attribute, value) and what it fetches."""

    def __init__(self):
        super().__init__()
        self.ids, self.links, self.fetched = set(), [], []

    def handle_starttag(self, tag, attributes):
        attributes = dict(attributes)
        if attributes.get("id"):
            self.ids.add(attributes["id"])
        for name in ("href", "src"):
            value = attributes.get(name)
            if value is None:
                continue
            self.links.append((tag, name, value))
            relations = set((attributes.get("rel") or "").split())
            if (tag, name) in FETCHED or (tag == "link" and relations & FETCHED_LINK_RELATIONS):
                self.fetched.append(value)


def parse(page):
    parser = PageLinks()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


def is_remote(value):
    parts = urlsplit(value)
    return bool(parts.scheme in ("http", "https") or parts.netloc)


def broken_links(page, parsed, ids_of):
    """Relative links of `page` whose file, or whose #fragment on it, does not exist."""
    broken = []
    for tag, attribute, value in parsed.links:
        parts = urlsplit(value)
        if parts.scheme or parts.netloc or value.startswith("#") and not parts.fragment:
            continue  # external links are not fetched to check them; "#" alone is the page itself
        target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
        if target.is_dir():
            target = target / "index.html"
        if not target.is_file():
            broken.append(f"{tag} {attribute}={value!r}: no file {target}")
        elif parts.fragment and target.suffix == ".html" and parts.fragment not in ids_of(target):
            broken.append(f"{tag} {attribute}={value!r}: no id {parts.fragment!r} in {target.name}")
    return broken


def all_pages():
    """Every built page (the theme's template fragments copied into _static are not pages)."""
    built_page("index.html")
    return sorted(page for page in HTML.rglob("*.html") if "_static" not in page.relative_to(HTML).parts)


def test_every_internal_link_resolves():
    cache = {}

    def ids_of(target):
        if target not in cache:
            cache[target] = parse(target).ids
        return cache[target]

    problems = []
    for page in all_pages():
        parsed = parse(page)
        cache[page.resolve()] = parsed.ids
        problems += [f"{page.relative_to(HTML)}: {problem}" for problem in broken_links(page, parsed, ids_of)]
    assert not problems, "broken links in the built book:\n" + "\n".join(problems)


def test_no_page_fetches_anything_from_another_host():
    remote = [f"{page.relative_to(HTML)}: {value}" for page in all_pages()
              for value in parse(page).fetched if is_remote(value)]
    assert not remote, "built pages that need the network:\n" + "\n".join(remote)


def test_every_chapter_links_to_its_notebook():
    chapters = sorted((HTML / "chapters").glob("*.html")) if (HTML / "chapters").is_dir() else []
    built_page("chapters/forget_gate.html")
    without = [page.name for page in chapters if not any(
        Path(unquote(urlsplit(value).path)).suffix == ".ipynb" for _, _, value in parse(page).links)]
    assert not without, f"chapters without a link to their notebook: {without}"
