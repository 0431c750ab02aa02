"""Finding the files to lint and reading them.

Discovery is deliberately boring and deterministic: each directory's entries
are visited in sorted order, so two runs (and ``-j1`` versus ``-jN``) see the
same files in the same order.  Nothing here raises for a bad file system entry:
a path that cannot be read becomes a :class:`Note` and the walk goes on,
because one unreadable folder must not hide the findings in all the others.

Reading follows Python's own rules (``importlib.util.decode_source``): the
encoding comes from ``tokenize.detect_encoding`` (BOM, ``# coding:`` cookie,
UTF-8 by default) and newlines are translated to ``\\n``, so the text the rules
see is the text the interpreter would compile, and the same text the flake8
plugin is given.
"""

from __future__ import annotations

import fnmatch
import io
import os
import re
import sys
import tokenize
from dataclasses import dataclass
from typing import (
    Dict,
    Iterable,
    Iterator,
    List,
    Optional,
    Pattern,
    Sequence,
    Set,
    Tuple,
)

#: Folders (and files) never worth linting.  ``exclude`` replaces this list,
#: ``extend-exclude`` adds to it, as in flake8 and ruff.
DEFAULT_EXCLUDES: Tuple[str, ...] = (
    ".git",
    ".hg",
    ".svn",
    "__pycache__",
    ".tox",
    ".nox",
    ".venv",
    "venv",
    ".eggs",
    "*.egg-info",
    "build",
    "dist",
    "node_modules",
    ".mypy_cache",
    ".pytest_cache",
    ".mocklint_cache",
)

STDIN = "-"


class SourceError(Exception):
    """A file that exists but cannot be turned into text; the message is one line."""


@dataclass(frozen=True)
class Note:
    """Something the user should hear about that is not a finding.

    ``kind`` is ``"skipped"`` (not read: unreadable, undecodable, a symlink
    loop), ``"not-checked"`` (read but not parsable) or ``"internal-error"``.
    """

    path: str
    kind: str
    message: str

    def line(self) -> str:
        label = {"skipped": "skipped", "not-checked": "not checked", "internal-error": "internal error"}
        return f"{to_posix(self.path)}: {label.get(self.kind, self.kind)}: {self.message}"


@dataclass(frozen=True)
class ExcludePattern:
    """A glob and the directory a pattern with a ``/`` in it is relative to.

    Config patterns are relative to the directory of the config file and
    command-line patterns to the current directory, as in flake8, so the same
    ``extend-exclude = ["tests/fixtures"]`` works wherever mocklint is run from.
    """

    pattern: str
    base: str

    @classmethod
    def make(cls, pattern: str, base: str) -> "ExcludePattern":
        cleaned = pattern.replace("\\", "/") if os.sep == "\\" else pattern
        cleaned = cleaned.rstrip("/") or cleaned
        while cleaned.startswith("./"):
            cleaned = cleaned[2:]
        return cls(cleaned, os.path.abspath(base))


class Excluder:
    """Decides whether a discovered path is excluded.

    A pattern is matched (``fnmatch`` syntax) against the entry's basename and
    against its path relative to the pattern's base directory (POSIX
    separators), so ``build``, ``*.egg-info`` and ``tests/fixtures`` all do what
    they look like.  Absolute patterns are matched against the absolute path.
    The patterns are compiled into one regular expression per base directory,
    so a large tree costs one ``relpath`` per entry and base, not per pattern.
    """

    def __init__(self, patterns: Iterable[ExcludePattern]) -> None:
        self.patterns = tuple(patterns)
        flags = re.IGNORECASE if os.name == "nt" else 0
        self._names = _compile([p.pattern for p in self.patterns], flags)
        self._absolute = _compile([p.pattern for p in self.patterns if _is_absolute(p.pattern)], flags)
        relative: Dict[str, List[str]] = {}
        for item in self.patterns:
            if not _is_absolute(item.pattern):
                relative.setdefault(item.base, []).append(item.pattern)
        self._relative = [(base, _compile(globs, flags)) for base, globs in relative.items()]

    def is_excluded(self, path: str) -> bool:
        if self._names is None:
            return False
        if self._names.match(os.path.basename(path)):
            return True
        absolute = os.path.abspath(path)
        if self._absolute is not None and self._absolute.match(to_posix(absolute)):
            return True
        for base, regex in self._relative:
            if regex is None:
                continue
            try:
                relative = to_posix(os.path.relpath(absolute, base))
            except ValueError:  # another drive on Windows
                continue
            if relative != ".." and not relative.startswith("../") and regex.match(relative):
                return True
        return False


def _is_absolute(pattern: str) -> bool:
    return pattern.startswith("/") or os.path.isabs(pattern)


def _compile(globs: Sequence[str], flags: int) -> Optional[Pattern[str]]:
    if not globs:
        return None
    return re.compile("|".join(f"(?:{fnmatch.translate(glob)})" for glob in globs), flags)


@dataclass
class Discovery:
    """What walking the command-line paths found."""

    files: List[str]
    missing: List[str]
    notes: List[Note]


def to_posix(path: str) -> str:
    """The path as it is printed: forward slashes on every platform."""
    return path.replace(os.sep, "/") if os.sep != "/" else path


def _display(path: str) -> str:
    """``./tests//a.py`` -> ``tests/a.py``; a bare ``.`` stays ``.``."""
    return os.path.normpath(path)


def discover(paths: Sequence[str], excluder: Excluder) -> Discovery:
    """Expand ``paths`` into the files to lint, in a deterministic order.

    Arguments are taken in the order given; each directory is walked
    depth-first with its entries sorted by name.  A path named explicitly is
    always linted, even when it matches an exclude or does not end in ``.py``
    (ruff's default), because the user asked for it; only what is found by
    walking is filtered.  Duplicates (``mocklint . tests``) are linted once.
    ``-`` (stdin) is kept as is, in place.
    """
    found = Discovery([], [], [])
    seen: Set[str] = set()

    def add(path: str) -> None:
        key = os.path.normcase(os.path.abspath(path)) if path != STDIN else STDIN
        if key not in seen:
            seen.add(key)
            found.files.append(path)

    for raw in paths:
        if raw == STDIN:
            add(STDIN)
            continue
        path = _display(raw)
        if os.path.isdir(path):
            for file in _walk(path, excluder, found.notes):
                add(file)
        elif os.path.exists(path):
            add(path)
        else:
            found.missing.append(raw)
    return found


def _walk(top: str, excluder: Excluder, notes: List[Note]) -> Iterator[str]:
    """Depth-first, sorted, following symlinks but never around a loop.

    Symlinked folders are followed (a test tree assembled from links is still a
    test tree); a link back to a folder that is already being walked is
    reported and skipped.  Errors become notes instead of exceptions.  An
    explicit stack of listings keeps a very deep tree off the recursion limit.
    """
    pending: List[Iterator[_Entry]] = [_listing(top, (os.path.realpath(top),), excluder, notes)]
    while pending:
        entry = next(pending[-1], None)
        if entry is None:
            pending.pop()
        elif entry.ancestors is not None:
            pending.append(_listing(entry.path, entry.ancestors, excluder, notes))
        else:
            yield entry.path


@dataclass(frozen=True)
class _Entry:
    path: str
    #: set for a directory to enter: the real paths of it and of its parents
    ancestors: Optional[Tuple[str, ...]] = None


def _listing(directory: str, ancestors: Tuple[str, ...], excluder: Excluder, notes: List[Note]) -> Iterator[_Entry]:
    try:
        with os.scandir(directory) as listing:
            entries = sorted(listing, key=lambda entry: entry.name)
    except OSError as exc:
        notes.append(Note(directory, "skipped", f"cannot list directory: {_reason(exc)}"))
        return
    for entry in entries:
        path = entry.path if directory != "." else entry.name
        try:
            is_dir = entry.is_dir()  # follows symlinks
            is_file = not is_dir and entry.is_file()
        except OSError as exc:
            notes.append(Note(path, "skipped", _reason(exc)))
            continue
        if is_dir:
            if excluder.is_excluded(path):
                continue
            real = os.path.realpath(path)
            if real in ancestors:
                notes.append(Note(path, "skipped", "symlink loop"))
                continue
            yield _Entry(path, ancestors + (real,))
        elif entry.name.endswith(".py"):
            if excluder.is_excluded(path):
                continue
            if is_file:
                yield _Entry(path)
            elif entry.is_symlink():
                notes.append(Note(path, "skipped", "broken symbolic link"))


def _reason(exc: OSError) -> str:
    return exc.strerror or type(exc).__name__


def read_bytes(path: str) -> bytes:
    """A file's bytes; :class:`SourceError` if it cannot be read."""
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError as exc:
        raise SourceError(f"cannot read: {_reason(exc)}") from None


def read_source(path: str) -> str:
    """Read and decode a file as Python does; :class:`SourceError` if impossible."""
    return decode_source(read_bytes(path))


def source_encoding(data: bytes) -> str:
    """The encoding Python would read ``data`` with (``utf-8-sig`` for a BOM)."""
    try:
        return tokenize.detect_encoding(io.BytesIO(data).readline)[0]
    except SyntaxError as exc:
        raise SourceError(getattr(exc, "msg", None) or str(exc)) from None


def decode_source(data: bytes, translate_newlines: bool = True) -> str:
    """Decode source bytes: BOM and coding cookie honoured, newlines translated
    (unless ``translate_newlines`` is false: fixes keep the file's own).

    An undecodable file raises :class:`SourceError` with a one-line reason
    naming the line, never a ``UnicodeDecodeError`` traceback.
    """
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:  # bad cookie, BOM with another cookie, bad bytes in line 1-2
        raise SourceError(getattr(exc, "msg", None) or str(exc)) from None
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        byte = data[exc.start:exc.start + 1].hex()
        raise SourceError(f"cannot decode line {line} as {encoding} (byte 0x{byte}: {exc.reason})") from None
    except LookupError as exc:  # pragma: no cover - detect_encoding already checks the codec
        raise SourceError(str(exc)) from None
    if not translate_newlines:
        return text
    return io.IncrementalNewlineDecoder(None, translate=True).decode(text, final=True)


def read_stdin_bytes() -> bytes:
    """All of standard input, as bytes, so the cookie/BOM logic applies to it too."""
    buffer = getattr(sys.stdin, "buffer", None)
    if buffer is None:  # a text-only replacement of sys.stdin
        return sys.stdin.read().encode("utf-8")
    return buffer.read()
