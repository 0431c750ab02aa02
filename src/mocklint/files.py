"""Finding the files to lint and reading them.

Discovery is deliberately boring and deterministic: each directory's entries
are visited in sorted order, so two runs (and ``-j1`` versus ``-jN``) see the
same files in the same order.  Nothing here raises for a bad file system entry:
a path that cannot be read becomes a :class:`Note` and the walk goes on,
because one unreadable folder must not hide the findings in all the others.

Every file mocklint reads, to lint it or to learn about the project (conftest
files, configuration, patch targets), is read by :func:`read_file`: regular
files only, and at most :data:`MAX_FILE_BYTES`, so that a FIFO, a device or a
huge file can neither block nor exhaust a run.  A walk follows a symlinked
folder only into the project, and into each real folder once.

Decoding follows Python's own rules (``importlib.util.decode_source``): the
encoding comes from ``tokenize.detect_encoding`` (BOM, ``# coding:`` cookie,
UTF-8 by default) and newlines are translated to ``\\n``, so the text the rules
see is the text the interpreter would compile.  A file Python cannot decode is
skipped, by the command and by the flake8 plugin alike.
"""

from __future__ import annotations

import errno
import fnmatch
import io
import os
import re
import stat
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
    """A file that exists but cannot be turned into text; the message is one line.

    ``kind`` is the kind of :class:`Note` it makes: ``"skipped"``, or
    ``"not-checked"`` for a file too large to analyse (as the engine's own
    limit on characters)."""

    def __init__(self, message: str, kind: str = "skipped") -> None:
        super().__init__(message)
        self.kind = kind


@dataclass(frozen=True)
class Note:
    """Something the user should hear about that is not a finding.

    ``kind`` is ``"skipped"`` (not read: unreadable, undecodable, a symlink
    loop, not a regular file), ``"not-checked"`` (not parsable, or too large
    to analyse) or ``"internal-error"``.
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


# -- .gitignore ----------------------------------------------------------------
@dataclass(frozen=True)
class IgnoreRule:
    """One line of a ``.gitignore``, as git reads it (gitignore(5)).

    ``segments`` are the pattern's ``/``-separated parts, each an ``fnmatch``
    pattern (``*``, ``?`` and ``[...]`` never match ``/``, since they see one
    part at a time) or ``**``, any number of parts.  A pattern with a ``/``
    before its end is anchored to the folder of its ``.gitignore``; one
    without matches a name at any depth below it.
    """

    segments: Tuple[str, ...]
    negated: bool
    directory_only: bool

    @classmethod
    def parse(cls, line: str) -> Optional["IgnoreRule"]:
        """The rule of one line, or None for a blank line or a comment."""
        line = line.rstrip("\n").rstrip("\r")
        while line.endswith(" ") and not line.endswith("\\ "):
            line = line[:-1]
        if not line or line.startswith("#"):
            return None
        negated = line.startswith("!")
        if negated:
            line = line[1:]
        directory_only = line.endswith("/")
        line = line.rstrip("/")
        if not line:
            return None
        anchored = "/" in line
        parts = tuple(_glob_part(part) for part in line.strip("/").split("/") if part)
        if not anchored and parts != ("**",):
            parts = ("**",) + parts
        return cls(parts, negated, directory_only)

    def matches(self, parts: Sequence[str], is_dir: bool) -> bool:
        """Whether the path ``parts`` (relative to the ``.gitignore``'s folder) matches."""
        if self.directory_only and not is_dir:
            return False
        return _match_parts(self.segments, tuple(parts))


def _glob_part(part: str) -> str:
    """A part of a gitignore pattern as an ``fnmatch`` pattern: ``\\x`` is a
    literal ``x`` (``[x]``) and ``[^...]`` is ``[!...]``; ``**`` alone stays."""
    if part == "**":
        return part
    out: List[str] = []
    i = 0
    while i < len(part):
        char = part[i]
        if char == "\\" and i + 1 < len(part):
            out.append(f"[{part[i + 1]}]")
            i += 2
            continue
        if char == "[" and part.startswith("[^", i):
            out.append("[!")
            i += 2
            continue
        if char == "*" and part.startswith("**", i):  # ``a**b`` is ``a*b``
            i += 1
            continue
        out.append(char)
        i += 1
    return "".join(out)


def _match_parts(pattern: Tuple[str, ...], parts: Tuple[str, ...]) -> bool:
    """Whether ``parts`` match ``pattern`` (``**`` any number of parts, even none;
    a final ``**`` at least one), in at most ``len(pattern) * len(parts)`` steps:
    the set of positions in ``parts`` each pattern part can start at."""
    positions = {0}
    for index, glob in enumerate(pattern):
        if glob == "**":
            start = min(positions)
            last = index == len(pattern) - 1
            positions = set(range(start + 1 if last else start, len(parts) + 1))
        else:
            positions = {p + 1 for p in positions if p < len(parts) and fnmatch.fnmatchcase(parts[p], glob)}
        if not positions:
            return False
    return len(parts) in positions


@dataclass(frozen=True)
class IgnoreFile:
    """The rules of one ``.gitignore`` (or ``.git/info/exclude``) and the folder they are relative to."""

    base: str
    rules: Tuple[IgnoreRule, ...]

    @classmethod
    def read(cls, path: str, base: str) -> Optional["IgnoreFile"]:
        """The file's rules, or None when there is no such file (or none in it)."""
        try:
            text = read_file(path).decode("utf-8", "replace")
        except OSError:
            return None
        rules = tuple(rule for rule in map(IgnoreRule.parse, text.splitlines()) if rule is not None)
        return cls(os.path.abspath(base), rules) if rules else None


#: the ``.gitignore`` files that apply in a folder, outermost first (later ones win)
IgnoreChain = Tuple[IgnoreFile, ...]


def ignored(chain: IgnoreChain, path: str, is_dir: bool) -> bool:
    """Whether git would ignore ``path`` by ``chain``: the last rule that
    matches decides (``!`` re-includes).  The parents of ``path`` are not
    looked at: a walk does not enter an ignored folder, so what is below it
    stays ignored, as in git, even where a ``!`` rule names it."""
    verdict = False
    absolute = os.path.abspath(path)
    for ignore_file in chain:
        relative = os.path.relpath(absolute, ignore_file.base)
        if relative == os.curdir or relative.startswith(os.pardir):
            continue
        parts = relative.split(os.sep)
        for rule in ignore_file.rules:
            if rule.matches(parts, is_dir):
                verdict = not rule.negated
    return verdict


def repository_root(folder: str) -> Optional[str]:
    """The nearest folder at or above ``folder`` holding ``.git``, or None."""
    current = os.path.abspath(folder)
    while True:
        if os.path.exists(os.path.join(current, ".git")):
            return current
        parent = os.path.dirname(current)
        if parent == current:
            return None
        current = parent


def ignore_chain(folder: str) -> IgnoreChain:
    """The ignore files that apply to the entries of ``folder``: the
    repository's ``.git/info/exclude``, then each ``.gitignore`` from the
    repository root down to ``folder`` (only ``folder``'s own outside a
    repository)."""
    folder = os.path.abspath(folder)
    root = repository_root(folder)
    chain: List[IgnoreFile] = []
    folders = [folder]
    if root is not None:
        exclude = IgnoreFile.read(os.path.join(root, ".git", "info", "exclude"), root)
        if exclude is not None:
            chain.append(exclude)
        while folders[-1] != root:
            folders.append(os.path.dirname(folders[-1]))
    for directory in reversed(folders):
        found = IgnoreFile.read(os.path.join(directory, ".gitignore"), directory)
        if found is not None:
            chain.append(found)
    return tuple(chain)


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


def discover(paths: Sequence[str], excluder: Excluder, gitignore: bool = False) -> Discovery:
    """Expand ``paths`` into the files to lint, in a deterministic order.

    Arguments are taken in the order given; each directory is walked
    depth-first with its entries sorted by name.  A path named explicitly is
    always linted, even when it matches an exclude or does not end in ``.py``
    (ruff's default), because the user asked for it; only what is found by
    walking is filtered (by ``excluder`` and, with ``gitignore``, by the
    ``.gitignore`` files, as git reads them).  Duplicates (``mocklint .
    tests``) are linted once.  ``-`` (stdin) is kept as is, in place.
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
            for file in _walk(path, excluder, found.notes, gitignore):
                add(file)
        elif os.path.exists(path):
            add(path)
        else:
            found.missing.append(raw)
    return found


#: A folder holding one of these is a project root (the project model's
#: ``analysis.pytest_model.project.PROJECT_MARKERS``, not imported here: it imports libcst).
PROJECT_MARKERS = ("pytest.ini", "pyproject.toml", "tox.ini", "setup.cfg", ".git")


def project_root(folder: str) -> str:
    """The nearest folder at or above ``folder`` holding a project marker, or
    ``folder`` itself; searched along the path as written, not its real path."""
    current = os.path.abspath(folder)
    while True:
        if any(os.path.exists(os.path.join(current, marker)) for marker in PROJECT_MARKERS):
            return current
        parent = os.path.dirname(current)
        if parent == current:
            return os.path.abspath(folder)
        current = parent


def inside(real: str, folders: Sequence[str]) -> bool:
    """Whether the real path ``real`` is one of the real ``folders`` or below one."""
    return any(real == folder or real.startswith(folder.rstrip(os.sep) + os.sep) for folder in folders)


def _walk(top: str, excluder: Excluder, notes: List[Note], gitignore: bool = False) -> List[str]:
    """Depth-first, sorted; symlinked folders followed into the project, once.

    Symlinked folders are followed (a test tree assembled from links is still a
    test tree), but only when their target lies in the project (see
    :func:`project_root`) or in ``top``: ``tests/sys -> /sys`` or ``-> /``
    would walk the machine.  Every real folder is entered once, and the links
    only after the real tree, so that links to links cannot multiply the walk
    and a file reached both ways keeps its own name; the files are then put
    in the order of a plain depth-first walk.  A link back to a folder being
    walked is reported and skipped.  Errors become notes instead of
    exceptions.  An explicit stack of listings keeps a very deep tree off the
    recursion limit.  With ``gitignore``, what the ``.gitignore`` files of the
    repository ignore is left out, and an ignored folder is not entered.
    """
    real_top = os.path.realpath(top)
    walk = _Walk(excluder, notes, (real_top, os.path.realpath(project_root(top))), {real_top}, gitignore)
    pending: List[Iterator[_Entry]] = [walk.listing(top, (real_top,), ignore_chain(top) if gitignore else ())]
    links: List[_Entry] = []
    found: List[str] = []
    while pending or links:
        if not pending:
            link = links.pop(0)
            if link.real not in walk.visited:
                walk.visited.add(link.real)
                pending.append(walk.listing(link.path, link.ancestors or (), link.ignores))
            continue
        entry = next(pending[-1], None)
        if entry is None:
            pending.pop()
        elif entry.link:
            links.append(entry)
        elif entry.ancestors is not None:
            if entry.real not in walk.visited:
                walk.visited.add(entry.real)
                pending.append(walk.listing(entry.path, entry.ancestors, entry.ignores))
        else:
            found.append(entry.path)
    return sorted(found, key=lambda path: path.split(os.sep))


@dataclass(frozen=True)
class _Entry:
    path: str
    #: set for a directory to enter: the real paths of it and of its parents
    ancestors: Optional[Tuple[str, ...]] = None
    #: a directory's real path
    real: str = ""
    #: a symlinked directory: walked after the real tree
    link: bool = False
    #: a directory's ignore files (:func:`ignore_chain`), its own last
    ignores: "IgnoreChain" = ()


@dataclass
class _Walk:
    excluder: Excluder
    notes: List[Note]
    #: real folders a symlinked folder may lead into: the walked folder and its project
    allowed: Tuple[str, ...]
    #: real folders entered (or about to be)
    visited: Set[str]
    #: whether ``.gitignore`` files are read
    gitignore: bool = False

    def listing(self, directory: str, ancestors: Tuple[str, ...], ignores: "IgnoreChain" = ()) -> Iterator[_Entry]:
        try:
            with os.scandir(directory) as listing:
                entries = sorted(listing, key=lambda entry: entry.name)
        except OSError as exc:
            self.notes.append(Note(directory, "skipped", f"cannot list directory: {_reason(exc)}"))
            return
        for entry in entries:
            path = entry.path if directory != "." else entry.name
            try:
                is_dir = entry.is_dir()  # follows symlinks
                is_file = not is_dir and entry.is_file()
                is_link = entry.is_symlink()
            except OSError as exc:
                self.notes.append(Note(path, "skipped", _reason(exc)))
                continue
            if is_dir:
                if self.excluder.is_excluded(path) or (ignores and ignored(ignores, path, True)):
                    continue
                real = os.path.realpath(path)
                if real in ancestors:
                    self.notes.append(Note(path, "skipped", "symlink loop"))
                elif is_link and not inside(real, self.allowed):
                    self.notes.append(Note(path, "skipped", f"symlink to {real}, outside the project"))
                else:
                    yield _Entry(path, ancestors + (real,), real, is_link, self._ignores(ignores, path))
            elif entry.name.endswith(".py"):
                if self.excluder.is_excluded(path) or (ignores and ignored(ignores, path, False)):
                    continue
                if is_file:
                    yield _Entry(path)
                elif is_link and not os.path.exists(path):
                    self.notes.append(Note(path, "skipped", "broken symbolic link"))
                else:
                    self.notes.append(Note(path, "skipped", _not_regular(path)))


    def _ignores(self, chain: "IgnoreChain", directory: str) -> "IgnoreChain":
        """``chain`` and the ``.gitignore`` of ``directory``, if it has one (and they are read)."""
        if not self.gitignore:
            return chain
        own = IgnoreFile.read(os.path.join(directory, ".gitignore"), directory)
        return chain + (own,) if own is not None else chain


def _not_regular(path: str) -> str:
    """Why the file at ``path`` is not read: what it is instead."""
    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        return _reason(exc)
    return _refusal(mode) or "not a regular file"


def _refusal(mode: int) -> Optional[str]:
    """Why a file of this ``st_mode`` is not read, or None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    kinds = (
        (stat.S_ISFIFO, "a named pipe"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISDIR, "a folder"),
    )
    kind = next((name for test, name in kinds if test(mode)), "")
    return f"not a regular file ({kind})" if kind else "not a regular file"


def _reason(exc: OSError) -> str:
    return exc.strerror or type(exc).__name__


# -- reading -----------------------------------------------------------------
#: The most bytes mocklint reads from one file.  The engine analyses at most
#: ``engine.MAX_SOURCE_CHARS`` (a million) characters and no encoding Python
#: source may use takes more than four bytes a character (UTF-8, GB 18030), so
#: a larger file could never be analysed: it is refused unread.
MAX_FILE_BYTES = 4_000_000

_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
#: a regular file swapped for a FIFO between the check and the open must not block the open
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_CHUNK = 1 << 16


class Refused(OSError):
    """A file mocklint does not read: not a regular file, or larger than the cap.

    An ``OSError``, so that each reader's ``except OSError`` (cannot be read)
    covers it; ``strerror`` is the one-line reason."""


def read_file(path: str, limit: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of the regular file at ``path``; the one way mocklint reads a file.

    A FIFO blocks its reader until a writer comes, and a device such as
    ``/dev/zero`` never ends: only regular files are read, anything else
    raises :class:`Refused`, as does a file of more than ``limit`` bytes.  The
    type is checked before opening (opening a device may do something) and
    again on the open descriptor, which is what is read: a path swapped in
    between cannot slip through.  At most ``limit + 1`` bytes are read, so a
    file growing meanwhile is refused too.  Raises ``OSError``.
    """
    _check(os.stat(path), path, limit)
    handle = os.open(path, _OPEN_FLAGS | _NONBLOCK)
    try:
        status = os.fstat(handle)
        _check(status, path, limit)
        if _NONBLOCK:
            os.set_blocking(handle, True)
        chunks: List[bytes] = []
        left = limit + 1
        size = min(status.st_size + 1, left)  # one read for a file of the size it says, one for the end
        while left > 0:
            chunk = os.read(handle, size)
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
            size = min(left, _CHUNK)
    finally:
        os.close(handle)
    data = b"".join(chunks)
    if len(data) > limit:
        raise _too_large(path, len(data), limit)
    return data


def _check(status: os.stat_result, path: str, limit: int) -> None:
    refusal = _refusal(status.st_mode)
    if refusal is not None:
        raise Refused(errno.EINVAL, refusal, path)
    if status.st_size > limit:
        raise _too_large(path, status.st_size, limit)


def _too_large(path: str, size: int, limit: int) -> Refused:
    return Refused(errno.EFBIG, f"{size / 1e6:.1f} MB, more than the {limit / 1e6:g} MB mocklint reads", path)


def read_text(path: str, errors: str = "strict") -> str:
    """A file read as UTF-8 with newlines translated, as ``open(path,
    encoding="utf-8", errors=errors)`` reads it (how the project model reads
    conftest files and configuration); raises ``OSError`` or, with strict
    ``errors``, ``UnicodeDecodeError``."""
    text = read_file(path).decode("utf-8", errors)
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


def read_bytes(path: str) -> bytes:
    """A file's bytes (:func:`read_file`); :class:`SourceError` if it cannot be read."""
    try:
        return read_file(path)
    except Refused as exc:
        raise SourceError(_reason(exc), "not-checked" if exc.errno == errno.EFBIG else "skipped") from None
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
