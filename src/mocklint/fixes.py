"""Applying the fixes rules offer: ``mocklint --fix``, ``--unsafe-fixes``, ``--diff``.

A fix is a set of text edits that stand or fall together.  One round applies
every selected fix whose edits overlap no edit already taken (the first
finding in the file wins), then the file is linted again, because a fix can
reveal or settle other findings.  Rounds stop when nothing is left to apply,
after ``MAX_ROUNDS``, or as soon as a round would produce text that does not
parse -- then the last text that parsed is kept.  A file that does not parse
to begin with is never touched.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple

import libcst as cst

from mocklint.diagnostic import Diagnostic, TextEdit
from mocklint.engine import Engine

MAX_ROUNDS = 10


@dataclass(frozen=True)
class FixResult:
    source: str
    applied: int
    remaining: Tuple[Diagnostic, ...]


def _offsets(source: str) -> List[int]:
    """Offset of the start of each line (index 0 is line 1)."""
    starts = [0]
    for index, char in enumerate(source):
        if char == "\n":
            starts.append(index + 1)
        elif char == "\r" and (index + 1 >= len(source) or source[index + 1] != "\n"):
            starts.append(index + 1)
    return starts


def _span(starts: Sequence[int], edit: TextEdit) -> Tuple[int, int]:
    return starts[edit.line - 1] + edit.column, starts[edit.end_line - 1] + edit.end_column


def applicable(diagnostic: Diagnostic, unsafe: bool) -> bool:
    return diagnostic.fix is not None and (diagnostic.fix.safe or unsafe)


def apply_once(source: str, diagnostics: Sequence[Diagnostic], unsafe: bool) -> Tuple[str, int]:
    """Apply the non-overlapping fixes of ``diagnostics``; returns the text and how many."""
    starts = _offsets(source)
    taken: List[Tuple[int, int, str]] = []
    applied = 0
    for diagnostic in diagnostics:
        if not applicable(diagnostic, unsafe):
            continue
        assert diagnostic.fix is not None
        spans = [(*_span(starts, edit), edit.text) for edit in diagnostic.fix.edits]
        if any(_overlaps(a, b) for a in spans for b in taken):
            continue
        taken.extend(spans)
        applied += 1
    for start, end, text in sorted(taken, reverse=True):
        source = source[:start] + text + source[end:]
    return source, applied


def _overlaps(a: Tuple[int, int, str], b: Tuple[int, int, str]) -> bool:
    if a[0] == a[1] and b[0] == b[1]:
        return a[0] == b[0]  # two insertions at one point: order would be arbitrary
    return a[0] < b[1] and b[0] < a[1] or a[0] == b[0]


def fix_source(engine: Engine, source: str, path: Optional[str], unsafe: bool = False) -> FixResult:
    """Fix ``source`` until no selected fix is left; never returns broken code."""
    result = engine.lint(source, path)
    if result.parse_error is not None or result.internal_error is not None:
        return FixResult(source, 0, result.diagnostics)
    applied = 0
    for _ in range(MAX_ROUNDS):
        fixed, count = apply_once(source, result.diagnostics, unsafe)
        if count == 0 or fixed == source:
            break
        try:
            cst.parse_module(fixed)
        except cst.ParserSyntaxError:
            break
        again = engine.lint(fixed, path)
        if again.parse_error is not None or again.internal_error is not None:
            break
        source, result = fixed, again
        applied += count
    return FixResult(source, applied, result.diagnostics)


def unified_diff(before: str, after: str, path: str) -> str:
    return "".join(
        difflib.unified_diff(
            before.splitlines(keepends=True), after.splitlines(keepends=True), f"a/{path}", f"b/{path}"
        )
    )
