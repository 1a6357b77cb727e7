"""Text that ships with Python: the standard library's ``pydoc_data.topics``, the
help pages of the language itself (``help("with")`` prints one of them).

The corpus is every topic, in sorted key order, joined by blank lines, with each
paragraph kept once: the topics repeat many paragraphs word for word (a grammar
rule or a "see also" note appears under several keys), about a fifth of the raw
text. Left in, they would put verbatim copies of training text into validation and
test, and reward a model for copying. About 373,000 characters remain on Python
3.11; the exact text depends on the Python version, so :class:`TextData` records
the version it was read from.

The split is fixed and interleaved: the text is cut into blocks of
``BLOCK = 2000`` characters; block ``k`` goes to validation when ``k % 20 == 18``,
to test when ``k % 20 == 19``, and to training otherwise (90 / 5 / 5 per cent). A
contiguous split in topic order would put nothing but the documentation of the
built-in types (the alphabetically last topics) in validation and test.

The alphabet is every character of the whole corpus, sorted, so each split is
encoded with the same token ids and no character is ever unknown.
"""

import sys
from dataclasses import dataclass

import torch

from ..runtime import check_positive_int

BLOCK = 2000
PERIOD = 20
VAL_BLOCK, TEST_BLOCK = 18, 19


def python_docs_text(deduplicate: bool = True) -> str:
    """The corpus: every ``pydoc_data.topics`` entry, sorted by key, joined by
    blank lines; with ``deduplicate``, every paragraph (text between blank lines)
    after its first occurrence is dropped."""
    from pydoc_data.topics import topics

    text = "\n\n".join(topics[key].strip("\n") for key in sorted(topics))
    if not deduplicate:
        return text
    seen, kept = set(), []
    for paragraph in text.split("\n\n"):
        key = paragraph.strip()
        if key and key not in seen:
            seen.add(key)
            kept.append(paragraph)
    return "\n\n".join(kept)


def verbatim_share(train: str, other: str, k: int) -> float:
    """Share of the ``k``-character windows of ``other`` that occur word for word
    somewhere in ``train``: how much of a held-out split a model could copy."""
    if not isinstance(k, int) or k < 1 or len(other) < k:
        raise ValueError(
            f"k must be a positive integer at most len(other), got {k!r}"
        )
    windows = {train[i : i + k] for i in range(len(train) - k + 1)}
    return sum(other[i : i + k] in windows for i in range(len(other) - k + 1)) / (
        len(other) - k + 1
    )


def split_text(text: str) -> dict[str, str]:
    """Interleaved split into ``train`` / ``val`` / ``test`` by blocks of ``BLOCK``
    characters (see the module docstring)."""
    parts = {"train": [], "val": [], "test": []}
    for k, start in enumerate(range(0, len(text), BLOCK)):
        block = text[start : start + BLOCK]
        name = {VAL_BLOCK: "val", TEST_BLOCK: "test"}.get(k % PERIOD, "train")
        parts[name].append(block)
    return {name: "".join(blocks) for name, blocks in parts.items()}


def encode(alphabet: str, text: str) -> torch.Tensor:
    """Characters -> their positions in ``alphabet`` (a 1-D ``int64`` tensor)."""
    index = {c: i for i, c in enumerate(alphabet)}
    missing = sorted(set(text) - set(index))
    if missing:
        raise ValueError(f"characters outside the alphabet: {missing[:5]}")
    return torch.tensor([index[c] for c in text], dtype=torch.long)


@dataclass
class TextData:
    """A character-level corpus: the alphabet and each split as token ids."""

    alphabet: str
    train: torch.Tensor
    val: torch.Tensor
    test: torch.Tensor
    source: str

    @property
    def vocab_size(self) -> int:
        return len(self.alphabet)

    def encode(self, text: str) -> torch.Tensor:
        """Characters -> token ids (a 1-D ``int64`` tensor)."""
        return encode(self.alphabet, text)

    def decode(self, tokens) -> str:
        """Token ids -> characters."""
        return "".join(self.alphabet[int(t)] for t in tokens)


def load_python_docs(deduplicate: bool = True) -> TextData:
    """The Python documentation corpus with its fixed split (module docstring)."""
    text = python_docs_text(deduplicate)
    alphabet = "".join(sorted(set(text)))
    splits = {
        name: encode(alphabet, part) for name, part in split_text(text).items()
    }
    version = ".".join(map(str, sys.version_info[:3]))
    return TextData(
        alphabet,
        splits["train"],
        splits["val"],
        splits["test"],
        source=f"pydoc_data.topics of Python {version}",
    )


def chunk(tokens: torch.Tensor, length: int) -> torch.Tensor:
    """Cut a 1-D token stream into non-overlapping rows of ``length`` tokens,
    ``(n, length)``; a shorter tail is dropped."""
    if tokens.dim() != 1:
        raise ValueError(f"tokens must be 1-D, got shape {tuple(tokens.shape)}")
    check_positive_int(length, "length")
    n = len(tokens) // length
    if n == 0:
        raise ValueError(f"{len(tokens)} tokens give no chunk of length {length}")
    return tokens[: n * length].reshape(n, length)
