"""The values that flow out of the engine: diagnostics and per-file results."""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, field
from itertools import accumulate
from typing import List, Optional, Tuple


#: the code and name of "mocklint failed on this file" (the engine reports it; output documents it)
INTERNAL_ERROR_CODE = "MCK000"
INTERNAL_ERROR_NAME = "internal-error"


def split_lines(text: str) -> List[str]:
    """The lines of ``text`` with their ends, broken at ``\n``, ``\r\n`` and ``\r`` only.

    This is what a line is everywhere mocklint counts them: libcst numbers
    lines so, Python's tokenizer too, and the Language Server Protocol
    defines its positions so.  ``str.splitlines`` also breaks at form feeds,
    ``\x0b``, ``\x1c``-``\x1e``, ``\x85``, U+2028 and U+2029, which Python
    source may hold in comments and strings (and a form feed between
    statements): every position below such a character would then point at
    the wrong line.
    """
    return io.StringIO(text, newline="").readlines()


def line_starts(text: str) -> List[int]:
    """The offset in ``text`` of the start of each line (index 0 is line 1), as
    :func:`split_lines` breaks them; after a final newline an empty last line starts."""
    lines = split_lines(text)
    starts = [0, *accumulate(len(line) for line in lines)]
    if lines and not lines[-1].endswith(("\n", "\r")):
        starts.pop()
    return starts


@dataclass(frozen=True)
class TextEdit:
    """Replace the text from (line, column) to (end_line, end_column) with ``text``.
    Lines are 1-based (counted by :func:`split_lines`), columns 0-based
    characters, as in :class:`Diagnostic`.

    ``old`` is the text of the lines the edit touches, whole, in the tree it
    was computed from: an edit applies only where the file holds those
    lines, since a position of libcst's is wrong where its tree lost a
    character of the file (a form feed that starts a line).

    ``path`` is None for the linted file.  Otherwise the edit changes that
    other file, and ``digest`` (:func:`text_digest`) names the text its
    positions refer to: a file that no longer has that text is left alone.
    ``text`` then uses ``\n`` for newlines, whatever the file uses.
    """

    line: int
    column: int
    end_line: int
    end_column: int
    text: str
    path: Optional[str] = None
    digest: str = ""
    old: str = ""


def text_digest(text: str) -> str:
    """A digest of a file's text, its newlines translated to ``\n``."""
    translated = io.IncrementalNewlineDecoder(None, translate=True).decode(text, final=True)
    return hashlib.sha256(translated.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True)
class TextFix:
    title: str
    edits: Tuple[TextEdit, ...]
    safe: bool = True

    @property
    def other_files(self) -> Tuple[str, ...]:
        """The files other than the linted one that the fix changes."""
        return tuple(sorted({edit.path for edit in self.edits if edit.path is not None}))


@dataclass(frozen=True)
class Related:
    """Another place that takes part in a finding: the application code a
    mock is handed to, where it fails.  ``path`` is as the user would type it
    (relative to the folder mocklint runs in when below it); ``line`` is
    1-based and ``column`` 0-based, as in :class:`Diagnostic`."""

    path: str
    line: int
    column: int
    message: str


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One finding.

    ``line`` is 1-based and ``column`` 0-based (characters, as libcst counts
    them), which is what flake8 expects from a plugin; front ends that print
    columns add one.  ``end_line``/``end_column`` use the same convention.
    """

    path: str
    line: int
    column: int
    code: str
    message: str
    end_line: int = 0
    end_column: int = 0
    name: str = field(default="", compare=False)
    fix: Optional[TextFix] = field(default=None, compare=False)
    #: what follows the first sentence of ``message``: the chain and the way out
    #: (JSON ``detail``, the editor's hover, ``--show-source``); flake8 shows ``message`` only
    detail: str = field(default="", compare=False)
    #: the other places of the finding (SARIF ``relatedLocations``, LSP ``relatedInformation``)
    related: Tuple[Related, ...] = field(default=(), compare=False)


@dataclass(frozen=True)
class FileResult:
    """What linting one file produced.

    ``parse_error`` is set when a rule needed the libcst tree and the file could
    not be parsed: such a file gets no diagnostics (flake8 reports E999 itself).
    ``internal_error`` is set when mocklint itself failed on the file; the
    diagnostics then hold a single ``MCK000`` finding.
    """

    path: str
    diagnostics: Tuple[Diagnostic, ...] = ()
    parse_error: Optional[str] = None
    internal_error: Optional[str] = None
    parsed: bool = False
