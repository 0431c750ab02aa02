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

Every edit names the lines it touches; a fix one of whose edits finds other
lines there is dropped (libcst's positions are off where its tree lost a
character of the file).

Writes (:func:`write_if_unchanged`) follow symlinks to the real file, and
refuse one outside the project (:func:`within`): a cloned repository whose
``conftest.py`` links to a file elsewhere gets no import written there.  A
file is written only when it still holds the bytes mocklint read (an editor
may have saved it meanwhile), and atomically: a new file in the same folder,
renamed over the old one, so that a failed write leaves it as it was.
"""

from __future__ import annotations

import difflib
import io
import os
import stat
import tempfile
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

import libcst as cst

from mocklint.analysis.pytest_model.project import PROJECT_MARKERS
from mocklint.diagnostic import Diagnostic, TextEdit, line_starts, split_lines, text_digest
from mocklint.engine import Engine
from mocklint.files import SourceError, read_bytes

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
    as UTF-8, as the project model reads conftest files.  A file outside
    ``roots`` (see :func:`within`) is never changed, nor shown changed.
    """

    def __init__(self, write: bool, roots: Sequence[str] = ()) -> None:
        self.write = write
        self.roots = tuple(roots)
        self.before: Dict[str, str] = {}
        self.after: Dict[str, str] = {}

    def _read(self, path: str) -> Optional[str]:
        if not self.write and path in self.after:
            return self.after[path]
        try:
            return read_bytes(path).decode("utf-8")
        except (SourceError, UnicodeDecodeError):
            return None

    def prepare(
        self, edits: Sequence[TextEdit], staged: Dict[str, Tuple[str, str]]
    ) -> Optional[Dict[str, Tuple[str, str]]]:
        """``{path: (text now, new text)}`` for each file ``edits`` change, or None when
        one of them changed since the edits were computed, is taken this round, is
        outside the project, or would not parse."""
        by_path: Dict[str, List[TextEdit]] = {}
        for edit in edits:
            assert edit.path is not None
            by_path.setdefault(edit.path, []).append(edit)
        changed: Dict[str, Tuple[str, str]] = {}
        for path, group in by_path.items():
            if path in staged or not within(path, self.roots):
                return None
            text = self._read(path)
            if text is None or any(edit.digest != text_digest(text) for edit in group):
                return None
            newline = "\r\n" if "\r\n" in text else "\r" if "\r" in text else "\n"
            base = text
            spans = _spans(text, line_starts(text), group)
            if spans is None:
                return None
            spans = [(start, end, new.replace("\n", newline)) for start, end, new in spans]
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
            if self.write:
                if write_if_unchanged(path, base.encode("utf-8"), text.encode("utf-8"), self.roots) is not None:
                    continue  # changed meanwhile (another process fixing another test module), or not writable
            elif self._read(path) != base:
                continue
            self.before.setdefault(path, base)
            self.after[path] = text

    def changes(self) -> Dict[str, Tuple[str, str]]:
        return {path: (self.before[path], text) for path, text in self.after.items() if text != self.before[path]}


# -- where fixes may write ------------------------------------------------------
def project_root(folder: str) -> str:
    """The real path of the project ``folder`` belongs to: the nearest folder at
    or above it holding a project marker (``pyproject.toml``, ``setup.cfg``,
    ``tox.ini``, ``pytest.ini``, ``.git``, as for conftest files), or ``folder``
    itself.  The search goes up the path as written, before symlinks are
    resolved: a linked folder inside a project stays in that project."""
    current = os.path.abspath(folder)
    while True:
        if any(os.path.exists(os.path.join(current, marker)) for marker in PROJECT_MARKERS):
            return os.path.realpath(current)
        parent = os.path.dirname(current)
        if parent == current:
            return os.path.realpath(folder)
        current = parent


def within(path: str, roots: Sequence[str] = ()) -> bool:
    """Whether ``path``, its symlinks resolved, lies in one of the real folders
    ``roots`` (by default, the project root of the folder ``path`` is named in).

    The command passes the project roots of the paths it was given, so that a
    folder linked from inside the project to elsewhere is not written through
    even when the target holds a project marker of its own."""
    real = os.path.realpath(path)
    for root in roots or (project_root(os.path.dirname(os.path.abspath(path))),):
        try:
            if os.path.commonpath([real, root]) == root:
                return True
        except ValueError:  # another drive
            continue
    return False


def write_if_unchanged(path: str, expected: bytes, data: bytes, roots: Sequence[str] = ()) -> Optional[str]:
    """Replace the file ``path`` holds with ``data`` if it still holds
    ``expected``; None when done, else why not (one line).

    Symlinks are resolved first and the real file must be :func:`within`
    ``roots``.  The new text goes to a temporary file in the same folder,
    with the old file's permission bits, which is then renamed over it (the
    file's other links, owner and extended attributes are not carried over).
    The file is compared again just before the rename, which leaves only a
    moment for another program to write it unseen."""
    real = os.path.realpath(path)
    if not within(path, roots):
        return f"it is {real}, outside the project"
    try:
        mode = stat.S_IMODE(os.stat(real).st_mode)
        if read_bytes(real) != expected:
            return "it changed while mocklint was fixing it"
        folder, name = os.path.split(real)
        handle, temporary = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=folder)
    except (OSError, SourceError) as exc:
        return str(exc)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, mode)
        if read_bytes(real) != expected:
            os.unlink(temporary)
            return "it changed while mocklint was fixing it"
        os.replace(temporary, real)
    except (OSError, SourceError) as exc:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        return str(exc)
    return None


# -- applying -------------------------------------------------------------------
def locate(text: str, starts: Sequence[int], edit: TextEdit) -> Optional[Tuple[int, int]]:
    """The offsets in ``text`` (whose lines start at ``starts``) of the span
    ``edit`` replaces, or None when it lies beyond the text or the lines it
    touches are not the ones it was computed for (newlines aside)."""
    if edit.line > len(starts) or edit.end_line > len(starts):
        return None
    first, after = starts[edit.line - 1], starts[edit.end_line] if edit.end_line < len(starts) else len(text)
    if _lf(text[first:after]) != _lf(edit.old):
        return None
    return first + edit.column, starts[edit.end_line - 1] + edit.end_column


def _spans(text: str, starts: Sequence[int], edits: Sequence[TextEdit]) -> Optional[List[Tuple[int, int, str]]]:
    """Where each edit goes and its new text, or None when one of them cannot be :func:`locate`-d."""
    spans = []
    for edit in edits:
        span = locate(text, starts, edit)
        if span is None:
            return None
        spans.append((*span, edit.text))
    return spans


def _lf(text: str) -> str:
    return io.IncrementalNewlineDecoder(None, translate=True).decode(text, final=True) if "\r" in text else text


def applicable(diagnostic: Diagnostic, unsafe: bool) -> bool:
    return diagnostic.fix is not None and (diagnostic.fix.safe or unsafe)


def apply_once(
    source: str, diagnostics: Sequence[Diagnostic], unsafe: bool, others: Optional[OtherFiles] = None
) -> Tuple[str, int, Dict[str, Tuple[str, str]]]:
    """Apply the non-overlapping fixes of ``diagnostics``; returns the text, how
    many, and the new text of the other files they change (not written yet).
    Without ``others``, fixes that change other files are left out."""
    starts = line_starts(source)
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
        spans = _spans(source, starts, own)
        if spans is None or any(_overlaps(a, b) for a in spans for b in taken):
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
    """A diff of whole lines as :func:`~mocklint.diagnostic.split_lines` breaks them,
    so that a line holding a form feed is one line of the diff."""
    return "".join(difflib.unified_diff(split_lines(before), split_lines(after), f"a/{path}", f"b/{path}"))
