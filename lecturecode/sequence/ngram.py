"""n-gram models: the classical baseline for a language model. The conditional
``p(x_i | x_<i)`` looks at the last ``n - 1`` tokens only, and is estimated from
counts with interpolated Kneser-Ney smoothing (Kneser & Ney, 1995; in the form of
Chen & Goodman, 1999, with one discount per order).

For order ``m`` with context ``c`` (the last ``m - 1`` tokens) and ``c'`` the
context shortened by its oldest token,

    p_m(w | c) = [max(a(c w) - D_m, 0) + D_m N(c) p_{m-1}(w | c')] / A(c)   (eq. kn)

where ``a(c w)`` is the count of the m-gram ``c w`` at the highest order and, at
lower orders, the number of distinct tokens seen right before it (its continuation
count); ``A(c) = sum_w a(c w)``, ``N(c)`` is the number of ``w`` with
``a(c w) > 0``, and ``D_m = n_1 / (n_1 + 2 n_2)`` from the numbers of m-grams with
count 1 and 2. An unseen context (``A(c) = 0``) uses ``p_{m-1}`` alone, and
``p_0`` is uniform over the ``V`` tokens. Each ``p_m(. | c)`` sums to one.

Sequences are padded on the left with ``n - 1`` start symbols, the convention of
:mod:`lecturecode.sequence.base`, so the first tokens have contexts too.
"""

import torch

from ..runtime import check_positive_int
from .base import SequenceModel, check_tokens


def _lookup(keys: torch.Tensor, values: torch.Tensor, queries: torch.Tensor):
    """``values[k]`` where ``keys[k] == query`` (``keys`` sorted), else 0."""
    if len(keys) == 0:
        return torch.zeros(queries.shape, dtype=values.dtype)
    index = torch.searchsorted(keys, queries).clamp(max=len(keys) - 1)
    found = keys[index] == queries
    return torch.where(found, values[index], torch.zeros_like(values[index]))


class NGramModel(SequenceModel):
    """An interpolated Kneser-Ney n-gram model (eq. kn); call :meth:`fit` first."""

    def __init__(self, vocab_size: int, n: int):
        super().__init__(vocab_size)
        self.n = check_positive_int(n, "n")
        self.base = vocab_size + 1  # token ids and the start symbol
        if self.base**n >= 2**62:
            raise ValueError(f"n = {n} is too large for this vocabulary")
        self.tables = []  # per order m = 1..n: dict of sorted keys and counts

    def _codes(self, x: torch.Tensor, m: int, shift: int = 0) -> torch.Tensor:
        """Integer code of the ``m`` tokens ending ``shift`` before each position
        of ``x``: ``sum_k token_{i - shift - k} * base^k`` (left-padded)."""
        T = x.shape[1]
        pad = torch.full((x.shape[0], self.n), self.start, dtype=torch.long)
        padded = torch.cat([pad, x.cpu().long()], dim=1)
        codes = torch.zeros(x.shape[0], T, dtype=torch.long)
        for k in range(m):
            start = self.n - shift - k
            codes += padded[:, start : start + T] * self.base**k
        return codes

    def fit(self, sequences: torch.Tensor) -> "NGramModel":
        """Count the m-grams of ``sequences`` ``(N, T)`` for m = 1..n."""
        check_tokens(sequences, self.vocab_size, "sequences")
        counts = {}  # order -> (sorted distinct m-gram codes, a(c w))
        counts[self.n] = torch.unique(self._codes(sequences, self.n),
                                      return_counts=True)
        grams = counts[self.n][0]
        for m in range(self.n - 1, 0, -1):
            # continuation count: distinct (m+1)-grams that end in this m-gram
            counts[m] = torch.unique(grams % self.base**m, return_counts=True)
            grams = torch.unique(self._codes(sequences, m))
        self.tables = []
        for m in range(1, self.n + 1):
            keys, a = counts[m]
            contexts, which = torch.unique(keys // self.base, return_inverse=True)
            n1, n2 = (a == 1).sum().item(), (a == 2).sum().item()
            self.tables.append({
                "keys": keys,
                "a": a.double(),
                "contexts": contexts,
                "A": torch.zeros(len(contexts)).double().index_add_(
                    0, which, a.double()),
                "N": torch.bincount(which, minlength=len(contexts)).double(),
                "D": n1 / (n1 + 2 * n2) if n1 > 0 else 0.5,
            })
        return self

    @property
    def stored_counts(self) -> int:
        """How many numbers the model stores: its size, in place of parameters."""
        return sum(len(table["keys"]) for table in self.tables)

    def probabilities(self, x: torch.Tensor, words: torch.Tensor) -> torch.Tensor:
        """(eq. kn) at every position of ``x`` for the tokens ``words``, shape
        ``(batch, T, k)`` (e.g. all ``V`` tokens, or each position's own token):
        the recursion over orders needs only the same ``w`` at every order."""
        if not self.tables:
            raise ValueError("the n-gram model has no counts yet: call fit first")
        p = torch.full(words.shape, 1 / self.vocab_size, dtype=torch.float64)
        for m, table in enumerate(self.tables, start=1):
            context = self._codes(x, m - 1, shift=1)
            A = _lookup(table["contexts"], table["A"], context).unsqueeze(-1)
            N = _lookup(table["contexts"], table["N"], context).unsqueeze(-1)
            a = _lookup(table["keys"], table["a"],
                        context.unsqueeze(-1) * self.base + words)
            D = table["D"]
            smoothed = ((a - D).clamp(min=0) + D * N * p) / A.clamp(min=1)
            p = torch.where(A > 0, smoothed, p)
        return p

    def logits(self, x: torch.Tensor) -> torch.Tensor:
        """``log p_n(w | context)`` for every position and every token ``w``."""
        words = torch.arange(self.vocab_size).expand(*x.shape, self.vocab_size)
        p = self.probabilities(x, words)
        return p.log().to(device=x.device, dtype=self._anchor.dtype)

    def log_prob(self, x: torch.Tensor) -> torch.Tensor:
        """``log p(x)`` in nats (eq. chain), from each position's own token only:
        ``V`` times less work than normalizing :meth:`logits`."""
        check_tokens(x, self.vocab_size)
        p = self.probabilities(x, x.cpu().long().unsqueeze(-1)).squeeze(-1)
        return p.log().sum(dim=1).to(device=x.device, dtype=self._anchor.dtype)


def fit_ngram(sequences: torch.Tensor, vocab_size: int, n: int) -> NGramModel:
    """An order-``n`` Kneser-Ney model fitted to ``sequences`` ``(N, T)``."""
    return NGramModel(vocab_size, n).fit(sequences)
