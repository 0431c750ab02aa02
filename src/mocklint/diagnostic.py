"""The values that flow out of the engine: diagnostics and per-file results."""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, field
from typing import Optional, Tuple


#: the code and name of "mocklint failed on this file" (the engine reports it; output documents it)
INTERNAL_ERROR_CODE = "MCK000"
INTERNAL_ERROR_NAME = "internal-error"


@dataclass(frozen=True)
class TextEdit:
    """Replace the text from (line, column) to (end_line, end_column) with ``text``.
    Lines are 1-based, columns 0-based characters, as in :class:`Diagnostic`.

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
