"""The pages follow the convention, the site builds offline without warnings, and renders in a real browser.

The site is built from a temporary copy of the book (config, toc, intro, bibliography and every executed notebook
the toc lists) plus the executed fixture page as an extra chapter, so the check covers a notebook page even before
the book has pages. Chromium (Debian package ``chromium``) loads the pages from file:// URLs and dumps the DOM
after its scripts ran; the test fails on an image whose file is missing, a local link to a missing file or anchor,
or a page without the table it should show. Without Chromium the browser part is skipped.
"""

from __future__ import annotations

import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
import yaml

from gancl.book import build_site, check_page, iter_pages, toc_files, toc_pages
from gancl.book.runner import executed_path

REPO = Path(__file__).resolve().parents[1]
FIXTURE_PAGE = Path(__file__).parent / "fixtures" / "page.py"
FIXTURE_ENTRY = "book/_executed/small/fixture/page"
CHROMIUM = next((shutil.which(name) for name in ("chromium", "chromium-browser", "google-chrome")
                 if shutil.which(name)), None)
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="no chromium on PATH (apt-get install -y chromium)")


@pytest.mark.parametrize("page", [*iter_pages(REPO / "book"), FIXTURE_PAGE], ids=lambda p: p.name)
def test_page_has_colab_parameters_and_validation_cells(page):
    check_page(page)


def test_every_toc_page_has_a_source_and_an_executed_notebook():
    for page in toc_pages(REPO):
        assert executed_path(page, "small").is_file(), f"{page} is in _toc.yml but not executed: run gancl book"


def test_the_stored_results_page_is_current(tmp_path):
    """book/_executed/small/results.md is what gancl book writes from the stored pages and the claim registry."""
    from gancl.book.results import collect_claims, results_markdown

    found = collect_claims(executed_path(page, "small") for page in toc_pages(REPO))
    stored = (REPO / "book/_executed/small/results.md").read_text()
    assert stored == results_markdown(found, "small"), "run gancl book (or write_results_page) and commit it"


@pytest.fixture(scope="module")
def site(tmp_path_factory, executed_fixture) -> dict[str, Path]:
    """Build the book's copy at small (published) and smoke scale; return the HTML folder of each."""
    root = tmp_path_factory.mktemp("book")
    shutil.copy(REPO / "_config.yml", root)
    shutil.copytree(REPO / "book", root / "book", ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    toc = yaml.safe_load((REPO / "_toc.yml").read_text())
    if "parts" in toc:  # a toc grouped by paper takes the fixture as one more part
        toc["parts"].append({"caption": "Fixture", "chapters": [{"file": FIXTURE_ENTRY}]})
    else:
        toc.setdefault("chapters", []).append({"file": FIXTURE_ENTRY})
    (root / "_toc.yml").write_text(yaml.safe_dump(toc, sort_keys=False))
    # smoke notebooks are not committed (CI executes the pages under nbval instead): the published ones stand in,
    # so the smoke build still checks that every scale renders from its own folder
    for page in toc_pages(REPO):
        smoke, small = (root / executed_path(page, s).relative_to(REPO) for s in ("smoke", "small"))
        if not smoke.is_file() and small.is_file():
            smoke.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(small, smoke)
    shutil.copy(REPO / "book/_executed/small/results.md", root / "book/_executed/smoke/results.md")
    for scale in ("small", "smoke"):
        target = root / f"book/_executed/{scale}/fixture/page.ipynb"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(executed_fixture, target)
    return {scale: build_site(root, scale, strict=True) for scale in ("small", "smoke")}


def test_site_builds_without_warnings_at_each_scale(site):
    # build_site(strict=True) raised on any Sphinx warning; each scale renders from its own folder.
    assert (site["small"] / "book/_executed/small/fixture/page.html").is_file()
    assert (site["smoke"] / "book/_executed/smoke/fixture/page.html").is_file()
    assert not (site["smoke"] / "book/_executed/small").exists()


class Dom(HTMLParser):
    """What the checks need from a dumped DOM."""

    def __init__(self, html: str):
        super().__init__()
        self.images, self.links, self.ids, self.tables, self.text = [], [], set(), 0, []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        if tag == "img" and attrs.get("src"):
            self.images.append(attrs["src"])
        elif tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        elif tag == "table":
            self.tables += 1

    def handle_data(self, data):
        self.text.append(data)


def dump_dom(page: Path, profile: Path) -> Dom:
    completed = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={profile}",
         "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=120,
    )
    assert completed.returncode == 0 and "<body" in completed.stdout, completed.stderr[-2000:]
    return Dom(completed.stdout)


def broken_references(page: Path, dom: Dom) -> list[str]:
    """Images whose file is missing, and local links to a missing file or anchor."""
    problems = []
    for src in dom.images:
        parts = urlsplit(src)
        if parts.scheme in ("", "file") and not (page.parent / unquote(parts.path)).resolve().is_file():
            problems.append(f"missing image {src}")
    for href in dom.links:
        parts = urlsplit(href)
        if parts.scheme not in ("", "file"):
            continue
        target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
        if target.is_dir():
            target = target / "index.html"
        if not target.is_file():
            problems.append(f"broken link {href}")
        elif parts.fragment and target.suffix == ".html":
            ids = dom.ids if target == page else Dom(target.read_text()).ids
            if parts.fragment not in ids:
                problems.append(f"link {href} to a missing anchor")
    return problems


@needs_chromium
def test_pages_render_in_chromium_without_broken_figures_tables_or_links(site, tmp_path):
    html = site["small"]
    pages = {"intro": html / "book/intro.html", "fixture": html / f"{FIXTURE_ENTRY}.html"}
    pages.update({entry: html / f"{entry}.html" for entry in toc_files(REPO) if entry.startswith("book/_executed/")})
    doms = {}
    for name, page in pages.items():
        doms[name] = dom = dump_dom(page, tmp_path / "profile")
        assert not broken_references(page, dom), (name, broken_references(page, dom))
        if name != "intro":  # every notebook page shows paper vs reproduced and opens in Colab
            assert dom.tables >= 1, f"{name}: no table"
            if name.endswith("/results"):  # the Results page is generated Markdown, not a notebook
                assert "C1" in " ".join(dom.text) and "no page yet" in " ".join(dom.text)
                continue
            colab = f"https://colab.research.google.com/github/gancl/gancl/blob/main/{name if name != 'fixture' else FIXTURE_ENTRY}.ipynb"
            assert colab in dom.links, f"{name}: no Colab launch link"

    intro = " ".join(doms["intro"].text).lower()
    for title in ("contragan: contrastive learning", "dual contrastive loss and attention",
                  "multi-scale contrastive learning", "fakeclr: exploring contrastive learning"):
        assert title in intro, f"the bibliography lacks {title}"
    fixture = doms["fixture"]
    text = " ".join(fixture.text)
    assert "Verdict at this scale: reproduced" in " ".join(text.split())
    assert "Scale: smoke." in text and "google.colab" not in text
    assert [src for src in fixture.images if "_images/" in src], "the fixture's figure is not on the page"
    assert "2C (ContraGAN)" in text  # the comparison table's rows
    assert "2C is the best conditioning loss" in text  # the judged claims (show_claims), rendered without warning


def test_broken_references_are_detected(tmp_path):
    page = tmp_path / "p.html"
    (tmp_path / "there.html").write_text('<p id="x"></p>')
    page.write_text('<a href="there.html#x">ok</a><a href="there.html#y">bad anchor</a><a href="gone.html">gone</a>'
                    '<a href="#here">self</a><img src="missing.png"><a href="https://example.org">web</a>')
    assert broken_references(page, Dom(page.read_text())) == [
        "missing image missing.png", "link there.html#y to a missing anchor", "broken link gone.html",
        "link #here to a missing anchor"]
