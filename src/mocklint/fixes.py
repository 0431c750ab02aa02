"""Applying the fixes rules offer: ``mocklint --fix``, ``--unsafe-fixes``, ``--diff``.

A fix is a set of text edits that stand or fall together.  One round applies
every selected fix whose edits overlap no edit already taken (the first
finding in the file wins), then the file is linted again, because a fix can
reveal or settle other findings.  Rounds stop when nothing is left to apply,
after ``MAX_ROUNDS``, or as soon as a round would produce text that does not
parse -- then the last text that parsed is kept.  A file that does not parse
to begin with is never touched.

A fix may also change files other than the linted one (MCK301 imports a
fixture into a ``conftest.py``).  Those edits go through :class:`OtherFiles`:
the file is read again when the fix is applied, and the fix is dropped when
its text is no longer the one the edit was computed for (the digest of
:class:`~mocklint.diagnostic.TextEdit`), or when the edited file would not
parse.  One fix per other file and round: the next round lints again, against
the changed file when changes are written through (``--fix``).
"""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

import libcst as cst

from mocklint.diagnostic import Diagnostic, TextEdit, text_digest
from mocklint.engine import Engine

MAX_ROUNDS = 10


@dataclass(frozen=True)
class FixResult:
    source: str
    applied: int
    remaining: Tuple[Diagnostic, ...]
    #: other files the fixes changed: path -> (text before, text after)
    other_files: Dict[str, Tuple[str, str]] = field(default_factory=dict)


class OtherFiles:
    """The files other than the linted one that fixes change.

    A file is read from disk whenever a fix needs it, unless this object
    already changed it and keeps the change in memory (``write=False``: for
    ``--diff``).  With ``write=True`` each change is written at once, keeping
    the file's newlines, so that linting again sees it.  Other files are read
    as UTF-8, as the project model reads conftest files.
    """

    def __init__(self, write: bool) -> None:
        self.write = write
        self.before: Dict[str, str] = {}
        self.after: Dict[str, str] = {}

    def _read(self, path: str) -> Optional[str]:
        if not self.write and path in self.after:
            return self.after[path]
        try:
            with open(path, "rb") as handle:
                return handle.read().decode("utf-8")
        except (OSError, UnicodeDecodeError):
            return None

    def prepare(
        self, edits: Sequence[TextEdit], staged: Dict[str, Tuple[str, str]]
    ) -> Optional[Dict[str, Tuple[str, str]]]:
        """``{path: (text now, new text)}`` for each file ``edits`` change, or None when
        one of them changed since the edits were computed, is taken this round, or
        would not parse."""
        by_path: Dict[str, List[TextEdit]] = {}
        for edit in edits:
            assert edit.path is not None
            by_path.setdefault(edit.path, []).append(edit)
        changed: Dict[str, Tuple[str, str]] = {}
        for path, group in by_path.items():
            if path in staged:
                return None
            text = self._read(path)
            if text is None or any(edit.digest != text_digest(text) for edit in group):
                return None
            newline = "\r\n" if "\r\n" in text else "\r" if "\r" in text else "\n"
            base = text
            starts = _offsets(text)
            spans = []
            for edit in group:
                if edit.line > len(starts) or edit.end_line > len(starts):
                    return None
                spans.append((*_span(starts, edit), edit.text.replace("\n", newline)))
            if any(_overlaps(a, b) for i, a in enumerate(spans) for b in spans[i + 1:]):
                return None
            for start, end, new in sorted(spans, reverse=True):
                text = text[:start] + new + text[end:]
            try:
                cst.parse_module(text)
            except cst.ParserSyntaxError:
                return None
            changed[path] = (base, text)
        return changed

    def commit(self, staged: Dict[str, Tuple[str, str]]) -> None:
        for path, (base, text) in staged.items():
            current = self._read(path)
            if current != base:
                continue  # changed meanwhile (another process fixing another test module)
            self.before.setdefault(path, base)
            if self.write:
                try:
                    with open(path, "w", encoding="utf-8", newline="") as handle:
                        handle.write(text)
                except OSError:
                    continue
            self.after[path] = text

    def changes(self) -> Dict[str, Tuple[str, str]]:
        return {path: (self.before[path], text) for path, text in self.after.items() if text != self.before[path]}


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


def apply_once(
    source: str, diagnostics: Sequence[Diagnostic], unsafe: bool, others: Optional[OtherFiles] = None
) -> Tuple[str, int, Dict[str, Tuple[str, str]]]:
    """Apply the non-overlapping fixes of ``diagnostics``; returns the text, how
    many, and the new text of the other files they change (not written yet).
    Without ``others``, fixes that change other files are left out."""
    starts = _offsets(source)
    taken: List[Tuple[int, int, str]] = []
    staged: Dict[str, Tuple[str, str]] = {}
    applied = 0
    for diagnostic in diagnostics:
        if not applicable(diagnostic, unsafe):
            continue
        assert diagnostic.fix is not None
        own = [edit for edit in diagnostic.fix.edits if edit.path is None]
        foreign = [edit for edit in diagnostic.fix.edits if edit.path is not None]
        if foreign and others is None:
            continue
        spans = [(*_span(starts, edit), edit.text) for edit in own]
        if any(_overlaps(a, b) for a in spans for b in taken):
            continue
        if foreign:
            assert others is not None
            changed = others.prepare(foreign, staged)
            if changed is None:
                continue
            staged.update(changed)
        taken.extend(spans)
        applied += 1
    for start, end, text in sorted(taken, reverse=True):
        source = source[:start] + text + source[end:]
    return source, applied, staged


def _overlaps(a: Tuple[int, int, str], b: Tuple[int, int, str]) -> bool:
    if a[0] == a[1] and b[0] == b[1]:
        return a[0] == b[0]  # two insertions at one point: order would be arbitrary
    return a[0] < b[1] and b[0] < a[1] or a[0] == b[0]


def fix_source(
    engine: Engine, source: str, path: Optional[str], unsafe: bool = False, others: Optional[OtherFiles] = None
) -> FixResult:
    """Fix ``source`` until no selected fix is left; never returns broken code.

    Fixes that change other files are applied only with ``others`` (which
    writes them, or keeps them for a diff)."""
    result = engine.lint(source, path)
    if result.parse_error is not None or result.internal_error is not None:
        return FixResult(source, 0, result.diagnostics)
    applied = 0
    for _ in range(MAX_ROUNDS):
        fixed, count, staged = apply_once(source, result.diagnostics, unsafe, others)
        if count == 0 or (fixed == source and not staged):
            break
        try:
            cst.parse_module(fixed)
        except cst.ParserSyntaxError:
            break
        if staged:
            assert others is not None
            others.commit(staged)
        again = engine.lint(fixed, path)
        if again.parse_error is not None or again.internal_error is not None:
            break
        source, result = fixed, again
        applied += count
    return FixResult(source, applied, result.diagnostics, others.changes() if others is not None else {})


def display_path(path: str) -> str:
    """``path`` as the command line shows another file: relative to the current folder when under it."""
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return path
    return path if rel.startswith(os.pardir) else rel


def unified_diff(before: str, after: str, path: str) -> str:
    return "".join(
        difflib.unified_diff(
            before.splitlines(keepends=True), after.splitlines(keepends=True), f"a/{path}", f"b/{path}"
        )
    )
