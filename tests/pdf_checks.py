"""What tests/test_book.py and tests/test_pdf.py read out of a printed PDF (pypdf)."""

import re
import unicodedata
from pathlib import Path

from pypdf import PdfReader

# TeX that MathJax did not typeset: its delimiters, left in the text.
RAW_TEX = re.compile(r"\\\(|\\\)|\\\[|\\\]|\$\$")


def page_texts(path: Path) -> list[str]:
    return [page.extract_text() or "" for page in PdfReader(path).pages]


def squeeze(text: str) -> str:
    """The text without white space (a PDF breaks lines anywhere) and with its
    ligatures spelt out (the fl of "flows" may be one glyph)."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def raw_tex(path: Path) -> list[str]:
    """Each place where TeX delimiters appear in the text, with some context."""
    found = []
    for number, text in enumerate(page_texts(path), start=1):
        for match in RAW_TEX.finditer(text):
            start = max(match.start() - 30, 0)
            found.append(f"page {number}: {text[start:match.end() + 30]!r}")
    return found


def images(path: Path) -> int:
    """The number of distinct images drawn on the pages."""
    seen = set()
    for page in PdfReader(path).pages:
        resources = page.get("/Resources") or {}
        objects = resources.get("/XObject") or {}
        for ref in objects.values():
            obj = ref.get_object()
            if obj.get("/Subtype") == "/Image":
                seen.add(getattr(ref, "idnum", id(obj)))
            elif obj.get("/Subtype") == "/Form":  # an image inside a form
                inner = (obj.get("/Resources") or {}).get("/XObject") or {}
                for iref in inner.values():
                    if iref.get_object().get("/Subtype") == "/Image":
                        seen.add(getattr(iref, "idnum", id(iref)))
    return len(seen)


def outline_titles(path: Path) -> list[str]:
    """The titles of the PDF's bookmarks, flattened."""

    def walk(items):
        for item in items:
            if isinstance(item, list):
                yield from walk(item)
            else:
                yield item.title

    return list(walk(PdfReader(path).outline))
