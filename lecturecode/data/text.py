"""Text that ships with Python: the standard library's ``pydoc_data.topics``, the
help pages of the language itself (``help("with")`` prints one of them).

The corpus is every topic, in sorted key order, joined by blank lines: about 465,000
characters on Python 3.11. The exact text depends on the Python version, so
:class:`TextData` records the version it was read from.

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


def python_docs_text() -> str:
    """The corpus: every ``pydoc_data.topics`` entry, sorted by key, joined by
    blank lines."""
    from pydoc_data.topics import topics

    return "\n\n".join(topics[key].strip("\n") for key in sorted(topics))


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


def load_python_docs() -> TextData:
    """The Python documentation corpus with its fixed split (module docstring)."""
    text = python_docs_text()
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
