"""The PDF printer (book/_ext/print_pdf.py) and the checks that tests/test_book.py
runs on the book's PDF, on two small pages: one whose math MathJax typesets and
whose figure is embedded, one with TeX left raw. The book's own PDF is checked in
tests/test_book.py, which builds it from the book it builds."""

import base64
import shutil
import sys
import zlib
from concurrent.futures import ThreadPoolExecutor

import pytest
from pdf_checks import images, outline_titles, page_texts, raw_tex, squeeze

from lecturecode.paths import ROOT

sys.path.insert(0, str(ROOT / "book" / "_ext"))
import print_pdf  # noqa: E402

MATHJAX = ROOT / "_vendor" / "mathjax" / "es5"


def png(width: int = 4, height: int = 3) -> bytes:
    """A tiny red PNG, made here."""

    def chunk(kind, data):
        body = kind + data
        return (len(data).to_bytes(4, "big") + body
                + zlib.crc32(body).to_bytes(4, "big"))

    rows = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    header = width.to_bytes(4, "big") + height.to_bytes(4, "big") + b"\x08\x02\0\0\0"
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8">
<script>window.MathJax = {{tex: {{inlineMath: [['\\\\(', '\\\\)']]}}}};</script>
<script defer src="es5/tex-chtml.js"></script></head>
<body><main><h1>Change of variables</h1>
<p>{math}</p><img src="figure.png" width="200"><h2>A section</h2><p>End.</p>
</main></body></html>"""


@pytest.fixture(scope="module")
def printed(tmp_path_factory):
    if not (MATHJAX / "tex-chtml.js").exists():
        pytest.fail("MathJax is missing: `make mathjax`")
    pdfs = {}
    for name, math in {
        "typeset": r"The density \(p_X(x) = p_Z(f(x))\,|\det J_f(x)|\) and $$a^2$$.",
        "raw": r"The density $$p_X(x)$$ left as it was.",
    }.items():
        folder = tmp_path_factory.mktemp(name)
        shutil.copytree(MATHJAX, folder / "es5")
        (folder / "figure.png").write_bytes(png())
        page = PAGE.format(math=math)
        if name == "raw":  # no MathJax on this page
            page = page.replace('src="es5/tex-chtml.js"', 'src="none.js"')
        (folder / "index.html").write_text(page)
        # in a thread of its own: Playwright's sync API refuses a thread where an
        # earlier test of this worker left an asyncio loop running
        with ThreadPoolExecutor(1) as pool:
            pdfs[name] = pool.submit(print_pdf.print_book, folder,
                                     folder / "out.pdf").result()
    return pdfs


def test_typeset_math_leaves_no_tex_and_the_figure_is_embedded(printed):
    pdf = printed["typeset"]
    assert raw_tex(pdf) == []
    assert images(pdf) == 1
    assert "Changeofvariables" in squeeze(" ".join(page_texts(pdf)))
    assert {"Change of variables", "A section"} <= set(outline_titles(pdf))


def test_raw_tex_is_found(printed):
    assert raw_tex(printed["raw"]) != []


def test_the_png_helper_makes_a_valid_image():
    assert base64.b64encode(png()).startswith(b"iVBORw0KGgo")
