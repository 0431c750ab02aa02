"""Which other files, and what of the environment, did linting this file depend on?

A file's findings can depend on files other than itself: the conftest.py
files on its path, the modules a ``patch()`` target names, the project model.
Every analysis that reads (or probes for) another file calls :func:`record`
with its path, *before* any in-process cache of its own, so that the CLI's
result cache can store the dependencies of each result and throw the result
away when one of them changes.  Outside :func:`recording` it costs one global
lookup.

A file is stamped with a digest of its bytes, not its mtime and size: an
edit that keeps the size and restores the mtime (``cp -p``, ``rsync -a``,
``tar``) must still count.  :class:`Stamps` hashes each file once per run,
however many results depend on it, which keeps a warm run cheap; a stamp
taken before the analysis reads the file can only make the next run lint
again, never keep a stale result.

What a result read of the environment is recorded the same way, by name:
the import search path (:func:`record_search_path`: ``patch()`` targets and
plugins are found on ``sys.path``), an installed distribution's version
(:func:`record_distribution`: pytest's built-in fixtures) and the entry
points of a group (:func:`record_entry_points`: the ``pytest11`` plugins).
They are read from the ``*.dist-info`` folders on ``sys.path`` with a
directory listing, without ``importlib.metadata`` (a twentieth of a second
to import, too much for a warm run).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import stat
import sys
from dataclasses import dataclass, field
from typing import Dict, Iterator, Optional, Tuple

#: a file's SHA-256 (or ``<directory>``, ``<special>``, ``<unreadable>``); None when it did not exist.
#: For the environment: a digest or a version; None when absent.
Stamp = Optional[str]

_CHUNK = 1 << 20
_BINARY = getattr(os, "O_BINARY", 0)
#: opening a FIFO that was a regular file a moment ago must not block
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)


def content_stamp(path: str) -> Stamp:
    """A digest of the bytes of the file at ``path``; FIFOs and devices are never opened."""
    try:
        status = os.stat(path)
    except (OSError, ValueError):
        return None
    if stat.S_ISDIR(status.st_mode):
        return "<directory>"
    if not stat.S_ISREG(status.st_mode):
        return "<special>"
    digest = hashlib.sha256()
    try:
        handle = os.open(path, os.O_RDONLY | _BINARY | _NONBLOCK)
    except OSError:
        return "<unreadable>"
    try:
        if not stat.S_ISREG(os.fstat(handle).st_mode):
            return "<special>"
        for chunk in iter(lambda: os.read(handle, _CHUNK), b""):
            digest.update(chunk)
    except OSError:
        return "<unreadable>"
    finally:
        os.close(handle)
    return digest.hexdigest()


# -- the environment ---------------------------------------------------------
SEARCH_PATH = "sys.path"
_DISTRIBUTION = "distribution:"
_ENTRY_POINTS = "entry-points:"
_METADATA_SUFFIXES = (".dist-info", ".egg-info")


def _normal(name: str) -> str:
    """A distribution name as PEP 503 compares it."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _search_path_stamp() -> str:
    """A digest of ``sys.path``, relative entries (``""``: the current folder) made absolute."""
    entries = (os.path.abspath(entry or os.curdir) if isinstance(entry, str) else repr(entry) for entry in sys.path)
    return hashlib.sha256("\0".join(entries).encode("utf-8", "surrogateescape")).hexdigest()


def installed_distributions() -> Dict[str, Tuple[str, str]]:
    """``{normal name: (version, metadata folder)}`` of the distributions on
    ``sys.path``, the first of a name winning as for ``importlib.metadata``."""
    found: Dict[str, Tuple[str, str]] = {}
    for entry in sys.path:
        try:
            names = sorted(os.listdir(entry or os.curdir))
        except (OSError, TypeError, ValueError):
            continue  # a zip file, a missing folder
        for name in names:
            if not name.endswith(_METADATA_SUFFIXES):
                continue
            folder = os.path.join(entry or os.curdir, name)
            project, _, version = name.rsplit(".", 1)[0].partition("-")
            version = version.split("-", 1)[0] or _metadata_version(folder)
            found.setdefault(_normal(project), (version, folder))
    return found


def _metadata_version(folder: str) -> str:
    """The ``Version:`` of a metadata folder named without one (``name.egg-info``)."""
    for name in ("METADATA", "PKG-INFO"):
        try:
            with open(os.path.join(folder, name), encoding="utf-8", errors="replace") as handle:
                for line in handle:
                    if line.startswith("Version:"):
                        return line.split(":", 1)[1].strip()
                    if not line.strip():
                        break
        except OSError:
            continue
    return ""


def _entry_points_stamp(distributions: Dict[str, Tuple[str, str]], group: str) -> str:
    """A digest of which distributions declare entry points in ``group``, their
    versions and declarations: installing, upgrading or removing a plugin changes it."""
    digest = hashlib.sha256()
    # `[^\S\n]*`, not `\s*`: a search at each of n blank lines would read all the others
    header = re.compile(r"^[^\S\n]*\[\s*" + re.escape(group) + r"\s*\]\s*$", re.M)
    for name, (version, folder) in sorted(distributions.items()):
        try:
            with open(os.path.join(folder, "entry_points.txt"), encoding="utf-8", errors="replace") as handle:
                text = handle.read()
        except OSError:
            continue
        if header.search(text):
            digest.update(f"{name}\0{version}\0{text}\0".encode("utf-8", "surrogateescape"))
    return digest.hexdigest()


# -- stamps, once per run ------------------------------------------------------
class Stamps:
    """The stamps of one run: each file is hashed, and the environment read,
    once however many results depend on them.

    A run makes one (the CLI: one per process and run); a later run must make
    its own, since files change between runs."""

    def __init__(self) -> None:
        self._files: Dict[str, Stamp] = {}
        self._environment: Dict[str, Stamp] = {}
        self._distributions: Optional[Dict[str, Tuple[str, str]]] = None

    def file(self, path: str) -> Stamp:
        if path not in self._files:
            self._files[path] = content_stamp(path)
        return self._files[path]

    def environment(self, name: str) -> Stamp:
        if name not in self._environment:
            self._environment[name] = self._read_environment(name)
        return self._environment[name]

    def _read_environment(self, name: str) -> Stamp:
        if name == SEARCH_PATH:
            return _search_path_stamp()
        if self._distributions is None:
            self._distributions = installed_distributions()
        if name.startswith(_DISTRIBUTION):
            found = self._distributions.get(_normal(name[len(_DISTRIBUTION) :]))
            return found[0] if found is not None else None
        if name.startswith(_ENTRY_POINTS):
            return _entry_points_stamp(self._distributions, name[len(_ENTRY_POINTS) :])
        raise ValueError(f"unknown environment dependency {name!r}")


def known_environment(name: str) -> bool:
    """Whether ``name`` is an environment dependency :class:`Stamps` can read."""
    kinds = (_DISTRIBUTION, _ENTRY_POINTS)
    return name == SEARCH_PATH or any(name.startswith(kind) and len(name) > len(kind) for kind in kinds)


@dataclass
class Dependencies:
    """What one result was read from: files by path, the environment by name."""

    stamps: Stamps = field(repr=False)
    files: Dict[str, Stamp] = field(default_factory=dict)
    environment: Dict[str, Stamp] = field(default_factory=dict)

    def add_file(self, path: str) -> None:
        if path not in self.files:
            self.files[path] = self.stamps.file(path)

    def add_environment(self, name: str) -> None:
        if name not in self.environment:
            self.environment[name] = self.stamps.environment(name)


_current: Optional[Dependencies] = None


def record(path: str) -> None:
    """Note that the current file's result depends on ``path`` (existing or not)."""
    if _current is not None:
        _current.add_file(path)


def record_search_path() -> None:
    """Note that the current file's result depends on where imports are found (``sys.path``)."""
    if _current is not None:
        _current.add_environment(SEARCH_PATH)


def record_distribution(name: str) -> None:
    """Note that the current file's result depends on the installed version of distribution ``name``."""
    if _current is not None:
        _current.add_environment(_DISTRIBUTION + name)


def record_entry_points(group: str) -> None:
    """Note that the current file's result depends on the installed entry points of ``group``."""
    if _current is not None:
        _current.add_environment(_ENTRY_POINTS + group)


@contextlib.contextmanager
def recording(stamps: Optional[Stamps] = None) -> Iterator[Dependencies]:
    """Collect what :func:`record` and the others are given while the block runs,
    stamped with ``stamps`` (those of the run) or, without it, fresh ones."""
    global _current
    previous, _current = _current, Dependencies(stamps if stamps is not None else Stamps())
    try:
        yield _current
    finally:
        _current = previous
