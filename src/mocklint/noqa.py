"""``# noqa`` for the command line, exactly as flake8 applies it.

Under flake8 the plugin's findings are filtered by flake8 itself; the CLI has
to do the same filtering, and do it the same way, so that a comment written
for one front end works with the other.  Everything here mirrors flake8 7:

- the inline regex is ``flake8.defaults.NOQA_INLINE_REGEXP`` (case-insensitive,
  so ``# NOQA:MCK201`` works, and, as in flake8, lowercase codes never match);
- a code is silenced when it is listed or starts with a listed prefix
  (``# noqa: MCK2`` silences ``MCK201``);
- the comment is searched in the whole logical line holding the finding: a
  ``# noqa`` after the closing bracket of a multi-line call covers a finding on
  its first line (``FileProcessor._noqa_line_mapping``);
- a line matching ``\\s*# flake8[:=]\\s*noqa`` anywhere in the file silences the
  whole file, with or without codes after it (flake8 matches only the start);
- ``--disable-noqa`` turns all of it off.

Tokenizing costs time, so it happens only for files that have findings.
"""

from __future__ import annotations

import io
import re
import tokenize
from typing import Dict, List, Optional, Sequence, Tuple

from mocklint.diagnostic import Diagnostic

NOQA_INLINE = re.compile(
    r"# noqa(?::[\s]?(?P<codes>([A-Z]+[0-9]+(?:[,\s]+)?)+))?",
    re.IGNORECASE,
)
NOQA_FILE = re.compile(r"\s*# flake8[:=]\s*noqa", re.IGNORECASE)
_SEPARATOR = re.compile(r"[,\s]")


def source_lines(source: str) -> List[str]:
    """Lines with their ``\\n``, split as ``readlines()`` does (not ``splitlines``,
    which also breaks at form feeds and other separators Python does not)."""
    return io.StringIO(source).readlines()


def file_is_exempt(lines: Sequence[str]) -> bool:
    """Whether a ``# flake8: noqa`` line exempts the whole file."""
    return any(NOQA_FILE.match(line) for line in lines)


def logical_line_mapping(lines: Sequence[str]) -> Dict[int, str]:
    """Line number -> the text of the whole logical line it belongs to.

    A copy of flake8's algorithm: the tokens between two NL/NEWLINE tokens make
    one range, and every line of the range maps to the range's joined text.
    A file the tokenizer rejects gets an empty mapping (physical lines are
    used then, as flake8 falls back to ``linecache``).
    """
    mapping: Dict[int, str] = {}
    sentinel_min = len(lines) + 2
    min_line, max_line = sentinel_min, -1
    try:
        for token in tokenize.generate_tokens(io.StringIO("".join(lines)).readline):
            kind = token.type
            if kind == tokenize.ENDMARKER or kind == tokenize.DEDENT:
                continue
            min_line = min(min_line, token.start[0])
            max_line = max(max_line, token.end[0])
            if kind == tokenize.NL or kind == tokenize.NEWLINE:
                joined = "".join(lines[min_line - 1:max_line])
                for number in range(min_line, max_line + 1):
                    mapping[number] = joined
                min_line, max_line = sentinel_min, -1
    except (tokenize.TokenError, SyntaxError):
        return {}
    return mapping


def codes_silenced(text: str) -> Optional[Tuple[str, ...]]:
    """``None`` when ``text`` has no ``# noqa``; ``()`` for a blanket one;
    otherwise the listed codes."""
    match = NOQA_INLINE.search(text)
    if match is None:
        return None
    codes = match.group("codes")
    if codes is None:
        return ()
    return tuple(item.strip() for item in _SEPARATOR.split(codes) if item.strip())


def is_silenced(code: str, text: str) -> bool:
    codes = codes_silenced(text)
    if codes is None:
        return False
    if not codes:
        return True
    return code in codes or code.startswith(codes)


def filter_diagnostics(source: str, diagnostics: Sequence[Diagnostic]) -> Tuple[Diagnostic, ...]:
    """The diagnostics that no ``# noqa`` (nor ``# flake8: noqa``) silences."""
    if not diagnostics:
        return tuple(diagnostics)
    lines = source_lines(source)
    if file_is_exempt(lines):
        return ()
    if NOQA_INLINE.search(source) is None:
        # Each logical line is a slice of the source: no match in the source,
        # no match in any of them, and no need to tokenize.
        return tuple(diagnostics)
    mapping = logical_line_mapping(lines)
    kept = []
    for diagnostic in diagnostics:
        text = mapping.get(diagnostic.line)
        if text is None:
            text = lines[diagnostic.line - 1] if 0 < diagnostic.line <= len(lines) else ""
        if not is_silenced(diagnostic.code, text):
            kept.append(diagnostic)
    return tuple(kept)
