"""The book as a reader gets it: it builds with every chapter executed and warnings as
errors, and every page, opened in headless Chromium, shows typeset math, loads every
figure (every schematic diagram as an SVG image) and throws no JavaScript errors. A
full-page screenshot of each page is kept in ``test-artifacts/screenshots/``."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from lecturecode.notebooks import is_notebook, toc_chapters
from lecturecode.paths import ROOT

sys.path.insert(0, str(ROOT / "book" / "_ext"))
import print_pdf  # noqa: E402

# The build gets a repository, as the deploy workflow gives it, so that the
# repository, edit and launch buttons are rendered and can be checked.
TEST_REPOSITORY = "https://github.com/lecture18/book"
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = pytest.mark.book


PAGES = toc_chapters()


@pytest.fixture(scope="session")
def built_book(tmp_path_factory):
    """Build the whole book once, from scratch, as ``make book`` does."""
    out = tmp_path_factory.mktemp("book")
    jupyter_book = Path(sys.executable).with_name("jupyter-book")
    command = [str(jupyter_book), "build", str(ROOT), "--path-output", str(out)]
    command += ["--all", "-W", "--keep-going"]
    env = {**os.environ, "BOOK_REPOSITORY_URL": TEST_REPOSITORY}
    run = subprocess.run(command, capture_output=True, text=True, env=env)
    html = out / "_build" / "html"
    if run.returncode != 0:
        reports = html / "reports"
        if reports.exists():
            shutil.copytree(
                reports, ARTIFACTS / "build-reports", dirs_exist_ok=True
            )
        warnings = [line for line in run.stdout.splitlines() if "WARNING" in line]
        pytest.fail(
            "the book build failed:\n"
            + "\n".join(warnings[-30:] or run.stdout.splitlines()[-30:])
            + f"\n{run.stderr[-3000:]}\n(execution reports: {ARTIFACTS / 'build-reports'})"
        )
    return html


@pytest.fixture(scope="session")
def server(built_book):
    """The built book over HTTP, served as the PDF printer serves a page."""
    with print_pdf.serve(built_book) as url:
        yield url


BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


@pytest.fixture(scope="session")
def browser():
    found = (shutil.which(name) for name in BROWSERS)
    chromium = os.environ.get("CHROMIUM") or next(filter(None, found), None)
    if chromium is None:
        pytest.fail(
            "no Chromium found: `make test` installs it (apt-get install chromium)"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium, args=CHROMIUM_FLAGS
        )
        yield browser
        browser.close()


# Text nodes outside code that still contain TeX delimiters were not typeset.
RAW_MATH = """() => {
  const walker = document.createTreeWalker(document.querySelector('main') || document.body,
                                          NodeFilter.SHOW_TEXT);
  const raw = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (node.parentElement.closest('pre, code, script, style, mjx-container')) continue;
    if (/\\\\\\(|\\\\\\[|\\$\\$/.test(node.textContent)) raw.push(node.textContent.slice(0, 80));
  }
  return raw;
}"""
BROKEN_IMAGES = """() => Array.from(document.images)
  .filter(img => !(img.complete && img.naturalWidth > 0)).map(img => img.src)"""


def test_every_chapter_is_in_the_toc():
    chapters = {
        str(path.relative_to(ROOT).with_suffix(""))
        for path in (ROOT / "book").rglob("*.md")
        if "_build" not in path.parts
    }
    assert chapters == set(PAGES)
    for page in PAGES:
        assert (ROOT / f"{page}.md").exists()


@pytest.mark.parametrize("page", PAGES)
def test_page_renders(page, server, browser):
    tab = browser.new_page(viewport={"width": 1280, "height": 900})
    errors = []
    tab.on("pageerror", lambda error: errors.append(f"uncaught: {error}"))
    tab.on(
        "console", lambda m: errors.append(m.text) if m.type == "error" else None
    )
    tab.goto(f"{server}/{page}.html", wait_until="load")
    if tab.locator("script[src*='tex-chtml']").count():  # only pages with math
        tab.wait_for_function("window.MathJax?.startup?.promise")
        tab.evaluate("MathJax.startup.promise")
    tab.wait_for_load_state("networkidle")

    screenshot = ARTIFACTS / "screenshots" / f"{page.replace('/', '__')}.png"
    screenshot.parent.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(screenshot), full_page=True)

    source = (ROOT / f"{page}.md").read_text()
    assert errors == [], f"JavaScript errors on {page}"
    assert tab.evaluate(RAW_MATH) == [], f"untypeset TeX on {page}"
    if re.search(r"\$[^$\n]+\$", source):
        assert tab.locator("mjx-container").count() > 0, (
            f"no typeset math on {page}"
        )
    assert tab.evaluate(BROKEN_IMAGES) == [], f"images that did not load on {page}"
    if "plt.show()" in source:
        assert tab.locator(".cell_output img").count() > 0, f"no figures on {page}"
    diagrams = len(re.findall(r"show_diagram\(", source))  # vector, as SVG files
    shown = tab.locator(".cell_output img[src$='.svg']").count()
    assert shown >= diagrams, f"{diagrams} diagrams on {page}, {shown} SVG images"
    exercises = len(re.findall(r"^`{3,}\{exercise\}", source, re.M))  # directives
    if exercises:
        assert tab.locator(".exercise").count() == exercises
        assert tab.locator(".solution").count() > 0, f"no solutions on {page}"
    tab.close()


def test_every_page_names_the_installed_lecturecode(built_book):
    import lecturecode

    footer = f"Built with <code>lecturecode</code> {lecturecode.__version__}."
    for page in PAGES:
        assert footer in (built_book / f"{page}.html").read_text(), page


def test_results_page_shows_every_row_of_the_results_file(built_book):
    from lecturecode.results import likelihood_rows, load_results, verdict_rows

    html = (built_book / "book" / "results.html").read_text()
    seeded = [
        table
        for table in re.findall(r"<table.*?</table>", html, flags=re.S)
        # the likelihood tables and the verdict have a column of seed counts;
        # only the verdict has the timing columns
        if re.search(r"<th[^>]*>\s*(<p>)?seeds(</p>)?\s*</th>", table)
    ]
    verdict = [table for table in seeded if "score 1,000 images" in table]
    tables = [table for table in seeded if table not in verdict]
    rows = sum(len(re.findall(r"<tr", table)) - 1 for table in tables)
    results = load_results()
    expected = likelihood_rows(results)
    assert rows == len(expected)
    for row in expected:
        assert f"{row.test_nll:,.2f}" in "".join(tables), row.model
    if "verdict" in results["jobs"]:
        (table,) = verdict
        expected = verdict_rows(results["jobs"]["verdict"]["records"])
        assert len(re.findall(r"<tr", table)) - 1 == len(expected)
        for row in expected:
            assert row.model in table and f"{row.test_nll:,.2f}" in table, row.model


def test_execution_statistics_list_every_chapter(built_book):
    html = (built_book / "book" / "exec_stats.html").read_text()
    for page in PAGES:
        if is_notebook(ROOT / f"{page}.md"):
            assert f"{page}" in html, f"{page} missing from the execution table"


def test_chapters_link_to_their_source_and_launch_services(built_book):
    html = (built_book / "book" / "flows" / "coupling.html").read_text()
    repo = TEST_REPOSITORY.removeprefix("https://github.com/")
    expected = [
        f"{TEST_REPOSITORY}/edit/main/book/flows/coupling.md",
        f"https://mybinder.org/v2/gh/{repo}/main?urlpath=lab/tree/book/flows/coupling.md",
        f"https://colab.research.google.com/github/{repo}/blob/notebooks/"
        "book/flows/coupling.ipynb",
        "_sources/book/flows/coupling.ipynb",  # the download button's notebook
    ]
    for link in expected:
        assert link in html, link
    assert (built_book / "_sources" / "book" / "flows" / "coupling.ipynb").exists()


# The PDF of the whole book, as `make pdf` makes it: the single-page build of the same
# book (its chapters come from the execution cache of the build above, nothing is
# executed again), printed by Chromium.
@pytest.fixture(scope="session")
def built_pdf(built_book, browser):

    out = built_book.parents[1]  # the --path-output of the HTML build
    jupyter_book = Path(sys.executable).with_name("jupyter-book")
    command = [str(jupyter_book), "build", str(ROOT), "--path-output", str(out)]
    command += ["--builder", "singlehtml", "--all", "-W", "--keep-going"]
    run = subprocess.run(command, capture_output=True, text=True)
    if run.returncode != 0:
        warnings = [line for line in run.stdout.splitlines() if "WARNING" in line]
        pytest.fail("the single-page build failed:\n" + "\n".join(warnings[-30:])
                    + run.stderr[-3000:])
    assert "Executing notebook" not in run.stdout, "the PDF build executed again"
    single = out / "_build" / "singlehtml"
    pdf = out / "_build" / "pdf" / print_pdf.PDF_NAME
    print_pdf.print_book(single, pdf, browser=browser)
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copy(pdf, ARTIFACTS / print_pdf.PDF_NAME)  # to look at
    return single, pdf


def chapter_title(page: str) -> str:
    source = (ROOT / f"{page}.md").read_text()
    title = re.search(r"^# (.+)$", source, re.M).group(1)
    return re.sub(r"[`*]|\{[a-z]+\}", "", title)  # as the page shows it


def test_the_pdf_has_every_chapter_math_figure_and_a_plausible_length(built_pdf):
    from pdf_checks import images, outline_titles, page_texts, raw_tex, squeeze

    single, pdf = built_pdf
    texts = page_texts(pdf)
    text = squeeze(" ".join(texts))
    missing = [page for page in PAGES if squeeze(chapter_title(page)) not in text]
    assert missing == [], f"chapters missing from the PDF: {missing}"
    # Chromium may repeat the first line of a wrapped heading in its bookmark
    bookmarks = [squeeze(title) for title in outline_titles(pdf)]
    unmarked = [
        page for page in PAGES
        if not any(b.startswith(squeeze(chapter_title(page))[:20]) for b in bookmarks)
    ]
    assert unmarked == [], f"chapters without a bookmark: {unmarked}"
    assert raw_tex(pdf) == [], "untypeset TeX in the PDF"
    html = (single / print_pdf.main_page(single)).read_text()
    figures = set(re.findall(r'<img[^>]+src="(_images/[^"]+)"', html))
    # Chromium prints a raster figure as an image; an SVG diagram (the schematic
    # diagrams) as vector paths, which are no image of the PDF
    raster = {f for f in figures if not f.endswith(".svg")}
    assert raster and images(pdf) >= len(raster), "figures missing from the PDF"
    # at least two pages a chapter; at most what the single page's words and
    # figures could fill at a hundred words a page and a figure a page
    words = len(re.sub(r"<[^>]+>", " ", html).split())
    assert 2 * len(PAGES) <= len(texts) <= words // 100 + len(figures), len(texts)
    assert "Bibliography" in " ".join(texts) or "References" in " ".join(texts)


def test_every_page_links_to_the_pdf(built_book):
    for page in PAGES:
        html = (built_book / f"{page}.html").read_text()
        links = re.findall(r'<a class="book-pdf" href="([^"]+)"', html)
        assert links, f"no link to the PDF on {page}"
        target = (built_book / page).parent / links[0]
        assert target.resolve() == (built_book / "lecture18.pdf").resolve(), page
