"""Comparative words beside glued numbers: the reading rule of the book, as code.

A sentence that quotes a glued number (a ``{glue:text}`` role) may not call one
result lower, higher, better, ... in typed words: the word must come from the sign
of the value (glued itself, a ``{glue:md}`` or ``{glue:text}`` role), or the
sentence must stand in a paragraph that an assert guards. A guard is a MyST
comment line right above the paragraph (or table),

    % asserted: <expression>

whose expression appears as ``assert <expression>`` in a code cell of the same
chapter, so that the claim fails the build when the numbers turn.
"""

import re

# The comparative words the rule covers (whole words, any case).
COMPARATIVES = (
    "lower", "higher", "beat", "beats", "beating", "more", "fewer", "better",
    "worse", "less", "larger", "smaller", "faster", "slower", "outperforms",
)
WORD = re.compile(r"\b(" + "|".join(COMPARATIVES) + r")\b", re.I)
GLUE_NUMBER = re.compile(r"\{glue:text\}`[^`]*`")
# What is not prose: roles with their argument, inline code, inline math.
NOT_PROSE = re.compile(r"\{[\w:-]+\}`[^`]*`|`[^`]*`|\$[^$\n]+\$")
GUARD = re.compile(r"^%\s*asserted:\s*(.+?)\s*$")
FENCE = re.compile(r"^(`{3,}|:{3,})")
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z(*])")


PROSE_DIRECTIVE = re.compile(
    r"^(`{3,}|:{3,})\{(note|warning|important|tip|admonition|exercise|solution|"
    r"solution-start|solution-end|prf:\w+|caution|attention|seealso|hint|"
    r"dropdown|margin|epigraph)\}"
)


def _blocks(text: str):
    """``(first_line, lines, guards)`` of each prose paragraph or table of a MyST
    page. Code cells, literal includes, math and figures are skipped; the bodies
    of admonitions, exercises and solutions are prose; headings, comments,
    directive options and fence lines end a paragraph."""
    lines = text.splitlines()
    i = 0
    if lines and lines[0].strip() == "---":
        i = next(j for j in range(1, len(lines)) if lines[j].strip() == "---") + 1
    prose_fences = []  # the closing tokens of the prose directives we are in
    block, start, guards, pending = [], 0, [], []

    def flush():
        nonlocal block, guards
        if block:
            yield start, block, guards
        block, guards = [], []

    while i < len(lines):
        stripped = lines[i].strip()
        opened = FENCE.match(stripped)
        if opened:
            yield from flush()
            token = opened.group(1)
            if prose_fences and stripped == prose_fences[-1]:
                prose_fences.pop()
            elif PROSE_DIRECTIVE.match(stripped):
                prose_fences.append(token)
            else:  # a code cell, include, math or figure: skip to its end
                i += 1
                while i < len(lines) and lines[i].strip() != token:
                    i += 1
            i += 1
            continue
        guard = GUARD.match(stripped)
        if not stripped or stripped.startswith(("#", "%", "+++", ":")) or \
                re.match(r"^\([\w-]+\)=$", stripped):
            yield from flush()
            if guard:
                pending.append(guard.group(1))
            i += 1
            continue
        if not block:
            start, guards, pending = i + 1, pending, []
        block.append(lines[i])
        i += 1
    yield from flush()


def _sentences(block: list[str]) -> list[str]:
    if block[0].lstrip().startswith("|"):
        return [row for row in block if not re.match(r"^\s*\|[\s:|-]+\|\s*$", row)]
    text = " ".join(line.strip() for line in block)
    return SENTENCE_END.split(text)


def unguarded(text: str, asserts: str) -> list[tuple[int, str, str]]:
    """``(line, word, sentence)`` for every typed comparative word in a sentence
    with a glued number, in a block that no assert in ``asserts`` guards."""
    asserts = re.sub(r"\s+", " ", asserts)
    found = []
    for start, block, guards in _blocks(text):
        held = [g for g in guards
                if re.search(r"assert\s+" + re.escape(re.sub(r"\s+", " ", g)),
                             asserts)]
        if held:
            continue
        for sentence in _sentences(block):
            if not GLUE_NUMBER.search(sentence):
                continue
            prose = NOT_PROSE.sub(" ", sentence)
            for match in WORD.finditer(prose):
                found.append((start, match.group(1), sentence.strip()))
    return found
