"""Print the single-page build of the book to one PDF with headless Chromium.

    python book/_ext/print_pdf.py _build/singlehtml _build/pdf/lecture18.pdf

``make pdf`` builds the book with Sphinx's ``singlehtml`` builder (every chapter on
one page, from the execution cache of ``make book``; this file is also the Sphinx
extension that build needs) and then runs this script. The
page is served on the loopback interface (MathJax loads its fonts and pieces by URL,
which ``file://`` forbids), opened in the Chromium the tests already use, and
printed once MathJax has typeset every formula: the PDF shows what the HTML shows,
math, figures, tables, exercises and their solutions (opened: a dropdown cannot be
clicked on paper), the bibliography; code cells hidden on the web stay hidden. Its
outline (bookmarks) follows the headings. Nothing is fetched from the network.

Why Chromium and not LaTeX: the HTML is what the book's tests check (typeset math,
loaded figures, no script errors), Chromium is installed for those tests anyway,
and the LaTeX route would need a TeX distribution of a gigabyte or more in CI while
dropping what the LaTeX writer cannot show (the glued MyST tables, the
sphinx-exercise and sphinx-proof blocks as styled on the web).
"""

import argparse
import functools
import http.server
import os
import re
import shutil
import threading
from contextlib import contextmanager
from pathlib import Path

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]
PDF_NAME = "lecture18.pdf"

# For paper: no navigation, solutions open, wide tables wrap, figures whole.
PRINT_CSS = """
@page { size: A4; margin: 16mm 14mm 18mm 14mm; }
.bd-header, .bd-sidebar-primary, .bd-sidebar-secondary, .header-article,
.prev-next-area, .bd-footer, .bd-footer-content, .toggle-button,
.headerlink, #pst-back-to-top { display: none !important; }
.bd-main .bd-content .bd-article-container { max-width: 100% !important; }
.toggle-hidden { display: revert !important; visibility: visible !important;
                 opacity: 1 !important; height: auto !important; }
.solution .admonition-title { display: block !important; }
table { font-size: 80%; word-break: break-word; }
img { max-width: 100% !important; break-inside: avoid; }
pre { white-space: pre-wrap; }
h1 { break-before: page; }
"""


def find_chromium() -> str:
    found = (shutil.which(name) for name in BROWSERS)
    chromium = os.environ.get("CHROMIUM") or next(filter(None, found), None)
    if chromium is None:
        raise SystemExit("no Chromium found (apt-get install chromium)")
    return chromium


@contextmanager
def serve(folder: Path):
    """The folder over HTTP on 127.0.0.1, on a free port."""

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    handler = functools.partial(Quiet, directory=str(folder))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()


def main_page(folder: Path) -> str:
    """The page of a ``singlehtml`` build that holds the book. Jupyter Book's
    ``index.html`` only redirects to it (``book/intro.html``), and its links are
    relative to the root of the build, so a copy at the root is what is printed."""
    index = (folder / "index.html").read_text(encoding="utf-8")
    redirect = re.search(r'http-equiv="Refresh" content="0; url=([^"]+)"', index)
    if redirect is None:
        return "index.html"
    book = (folder / redirect.group(1)).read_text(encoding="utf-8")
    (folder / "book-print.html").write_text(book, encoding="utf-8")
    return "book-print.html"


def print_book(folder: Path, out: Path, page: str | None = None,
               browser=None) -> Path:
    """Print ``folder/page`` (by default the book's page of a ``singlehtml``
    build) to ``out``, in ``browser`` (a Playwright Chromium) or in a Chromium
    started for it."""
    if browser is None:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=find_chromium(), args=FLAGS
            )
            try:
                return print_book(folder, out, page, chromium)
            finally:
                chromium.close()

    page = page or main_page(folder)
    out.parent.mkdir(parents=True, exist_ok=True)
    with serve(folder) as url:
        tab = browser.new_page(viewport={"width": 1100, "height": 1400})
        errors = []
        tab.on("pageerror", lambda error: errors.append(str(error)))
        tab.goto(f"{url}/{page}", wait_until="load", timeout=300_000)
        if tab.locator("script[src*='tex-chtml']").count():
            tab.wait_for_function(
                "window.MathJax?.startup?.promise", timeout=120_000
            )
            tab.evaluate("MathJax.startup.promise")
        tab.wait_for_load_state("networkidle")
        tab.emulate_media(media="print")
        tab.add_style_tag(content=PRINT_CSS)
        # open every solution (sphinx-togglebutton and <details> dropdowns)
        tab.evaluate("""() => {
          document.querySelectorAll('.solution details, details.solution')
            .forEach(d => d.open = true);
          document
            .querySelectorAll('.solution .toggle-hidden, .solution.toggle-hidden')
            .forEach(e => e.classList.remove('toggle-hidden'));
        }""")
        tab.pdf(
            path=str(out),
            format="A4",
            print_background=True,
            outline=True,
            tagged=True,
            display_header_footer=True,
            header_template="<span></span>",
            footer_template=(
                "<div style='font-size:8px;width:100%;text-align:center'>"
                "<span class='pageNumber'></span> / "
                "<span class='totalPages'></span>"
                "</div>"
            ),
            margin={"top": "16mm", "bottom": "18mm", "left": "14mm",
                    "right": "14mm"},
        )
        tab.close()
    if errors:
        raise SystemExit(f"JavaScript errors on {page}: {errors}")
    return out


def _html_handlers_for_single_page(app):
    """Sphinx looks up a node's HTML writer under the builder's name before its
    format; sphinx-exercise registers its nodes for ``singlehtml`` by name, after
    which every node registered for ``html`` only (myst-nb's hidden cells) would be
    unknown to the single-page builder. Give it the ``html`` writers it lacks."""
    if app.builder.name != "singlehtml":
        return
    handlers = app.registry.translation_handlers
    single = handlers.setdefault("singlehtml", {})
    for node, visitors in handlers.get("html", {}).items():
        single.setdefault(node, visitors)


def setup(app):
    """As a Sphinx extension: what the single-page build needs."""
    app.connect("builder-inited", _html_handlers_for_single_page)
    return {"parallel_read_safe": True, "parallel_write_safe": True}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path, help="a singlehtml build")
    parser.add_argument("out", type=Path, help="the PDF to write")
    args = parser.parse_args(argv)
    print(f"Wrote {print_book(args.folder, args.out)}")


if __name__ == "__main__":
    main()
