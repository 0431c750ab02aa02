"""The command line's result cache: a second run with nothing changed does almost nothing.

Each linted file's outcome is stored under a key made of

- the file's absolute path and content (rules look at both: test module names,
  conftest chains);
- the configuration that shapes results (selected codes, ``# noqa`` handling);
- mocklint's version and a digest of its own source files, so that a
  development checkout never reuses results of older code;

and it carries the *dependencies* recorded while the file was linted
(``mocklint.analysis.reads``): the files it read (conftest files, ``patch()``
target modules, the project model's files) with a digest of their content, and
what of the environment it read (``sys.path``, pytest's version, the
``pytest11`` plugins).  A stored outcome is used only when every dependency is
unchanged, so a cached outcome is the one a fresh run would give.

Entries are small JSON files under ``<cache dir>/v1/``, written atomically,
so parallel workers and concurrent runs never see half a file.  Other caches
keep their entries the same way in folders beside it (:meth:`ResultCache.beside`):
the summaries of the code under test, in ``summaries/``
(``analysis.under_test.summary_cache``), kept while a file's result is
recorded (:meth:`ResultCache.recording`).  An entry is
trusted only in the exact shape it is written in (checked here, its outcome by
the caller's decoder): anything else -- a truncated file, valid JSON of
another shape, an entry of an older mocklint -- is a miss, and the fresh
outcome overwrites it.

The folder holds a ``.gitignore`` and a ``CACHEDIR.TAG`` so that git and
backup tools leave it alone.  Where it is matters, since mocklint writes
there: the default folder, ``.mocklint_cache`` in the project root, is refused
when it is a symlink or resolves outside the project (:func:`refusal`; a
cloned repository could ship ``.mocklint_cache -> ..`` and have those markers
written into the folder above it), while a ``--cache-dir`` is taken as given.
Inside the folder nothing is followed out of it: the markers are created
exclusively, never through a symlink, and entries are written only into shard
folders that really are inside it.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import stat
import tempfile
from typing import Any, Callable, Dict, Iterable, Iterator, Optional, Tuple, TypeVar

from mocklint import CACHE_DIR_NAME, __version__
from mocklint.analysis import reads
from mocklint.analysis.reads import Dependencies, Stamps, content_stamp, known_environment

_FORMAT = "v1"
_TAG = "Signature: 8a477f597d28d172789f06886806bc55\n# This folder is a cache directory created by mocklint.\n"
_MARKERS = ((".gitignore", "# created by mocklint\n*\n"), ("CACHEDIR.TAG", _TAG))
_ENTRY_KEYS = frozenset({"outcome", "files", "environment"})
#: an entry holds one file's findings and dependencies; anything far larger was not written by mocklint
_MAX_ENTRY_SIZE = 64 << 20
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_BINARY = getattr(os, "O_BINARY", 0)

T = TypeVar("T")


def refusal(directory: str, root: str) -> Optional[str]:
    """Why ``directory``, the default cache folder of the project at ``root``,
    must not be used (a symlink, or a real path outside the project); None when it may."""
    if os.path.islink(directory):
        return "it is a symbolic link"
    real = os.path.realpath(directory)
    if not _inside(real, os.path.realpath(root)):
        return f"it resolves to {real}, outside the project"
    return None


def _inside(path: str, folder: str) -> bool:
    return path.startswith(folder.rstrip(os.sep) + os.sep)


@functools.lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """A digest of mocklint's own source files (paths and contents)."""
    root = os.path.dirname(os.path.abspath(__file__))
    digest = hashlib.sha256(__version__.encode())
    for folder, dirs, files in sorted(os.walk(root)):
        dirs.sort()
        for name in sorted(files):
            if name.endswith((".py", ".json")):
                path = os.path.join(folder, name)
                digest.update(f"{os.path.relpath(path, root)}:{content_stamp(path)}".encode())
    return digest.hexdigest()


class ResultCache:
    """Outcomes of linted files, keyed by content and configuration.

    One instance serves one run: its :attr:`stamps` hash each dependency once
    for every entry checked and every outcome recorded in the run (``stamps``:
    those of the run, for a cache :meth:`beside` another)."""

    def __init__(self, directory: str, settings_key: str, folder: str = _FORMAT, stamps: Optional[Stamps] = None) -> None:
        self.directory = directory
        self.folder = folder
        self.entries = os.path.join(directory, folder)
        self._settings = hashlib.sha256(f"{code_fingerprint()}|{settings_key}".encode()).hexdigest()
        self.stamps = stamps if stamps is not None else Stamps()
        self._real_entries: Optional[str] = None
        self._beside: Dict[str, Optional[ResultCache]] = {}
        self.hits = 0
        self.misses = 0

    def prepare(self) -> bool:
        """Create the folder with its markers; False when it cannot be written,
        or when its entries folder leads out of it."""
        try:
            os.makedirs(self.entries, exist_ok=True)
            for name, text in _MARKERS:
                _create_once(os.path.join(self.directory, name), text)
        except OSError:
            return False
        expected = os.path.join(os.path.realpath(self.directory), self.folder)
        if os.path.islink(self.entries) or os.path.realpath(self.entries) != expected:
            return False
        self._real_entries = expected
        return True

    def beside(self, folder: str, settings_key: str) -> Optional["ResultCache"]:
        """The cache whose entries are in ``folder`` of the same directory, keyed
        by ``settings_key`` instead, with this run's stamps (made and prepared
        once); None when it cannot be written or leads out of the directory."""
        if folder not in self._beside:
            other = ResultCache(self.directory, settings_key, folder, self.stamps)
            self._beside[folder] = other if other.prepare() else None
        return self._beside[folder]

    @contextlib.contextmanager
    def recording(self) -> Iterator[Dependencies]:
        """Record what linting one file reads (``reads.recording`` with this
        run's stamps), the summaries of the code under test it reaches being
        kept beside the results meanwhile."""
        from mocklint.analysis.under_test import summary_cache

        with reads.recording(self.stamps) as dependencies, summary_cache.kept_beside(self):
            yield dependencies

    def key(self, path: str, data: bytes) -> str:
        digest = hashlib.sha256(self._settings.encode())
        digest.update(os.path.abspath(path).encode("utf-8", "surrogateescape"))
        digest.update(b"\0")
        digest.update(data)
        return digest.hexdigest()

    def _entry_path(self, key: str) -> str:
        return os.path.join(self.entries, key[:2], key[2:] + ".json")

    def load(self, key: str, decode: Callable[[Any], T]) -> Optional[T]:
        """The stored outcome for ``key``, decoded, if the entry is sound and
        still valid; None (a miss) otherwise.  ``decode`` raises ``ValueError``,
        ``TypeError`` or ``KeyError`` on an outcome it does not accept."""
        entry = _read_entry(self._entry_path(key))
        if entry is None or not _unchanged(entry, self.stamps):
            self.misses += 1
            return None
        try:
            outcome = decode(entry["outcome"])
        except (ValueError, TypeError, KeyError):
            self.misses += 1
            return None
        self.hits += 1
        return outcome

    def store(self, key: str, outcome: Dict[str, Any], dependencies: Dependencies) -> None:
        entry = {
            "outcome": outcome,
            "files": sorted([path, value] for path, value in dependencies.files.items()),
            "environment": sorted([name, value] for name, value in dependencies.environment.items()),
        }
        target = self._entry_path(key)
        shard = os.path.dirname(target)
        try:
            os.makedirs(shard, exist_ok=True)
            if self._real_entries is None or os.path.realpath(shard) != os.path.join(self._real_entries, key[:2]):
                return  # a shard folder that leads elsewhere: never write through it
            handle, temporary = tempfile.mkstemp(dir=shard, suffix=".tmp")
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                stream.write(json.dumps(entry, separators=(",", ":")))  # json.dump encodes in Python, not C
            os.replace(temporary, target)
        except OSError:
            pass  # a cache that cannot be written only costs speed


def _create_once(path: str, text: str) -> None:
    """Write ``path`` unless something (a file, a symlink, even a dangling one) is there."""
    try:
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _BINARY, 0o644)
    except FileExistsError:
        return
    with os.fdopen(handle, "w", encoding="utf-8") as stream:
        stream.write(text)


def _read_entry(path: str) -> Optional[Dict[str, Any]]:
    """The JSON object in the regular file ``path`` (never through a symlink, nor from a FIFO or device), or None."""
    try:
        handle = os.open(path, os.O_RDONLY | _NOFOLLOW | _NONBLOCK | _BINARY)
    except OSError:
        return None
    try:
        with os.fdopen(handle, "rb") as stream:
            status = os.fstat(stream.fileno())
            if not stat.S_ISREG(status.st_mode) or status.st_size > _MAX_ENTRY_SIZE:
                return None
            entry = json.loads(stream.read(_MAX_ENTRY_SIZE + 1))
    except (OSError, ValueError, RecursionError):
        return None
    return entry if isinstance(entry, dict) and set(entry) == _ENTRY_KEYS else None


def _unchanged(entry: Dict[str, Any], stamps: Stamps) -> bool:
    """Whether the dependencies an entry lists are in the shape written
    (``[[path or name, stamp or null], ...]``) and all still have that stamp.
    One pass, stopping at the first change: this is most of a warm run."""
    files, environment = entry["files"], entry["environment"]
    if type(files) is not list or type(environment) is not list:
        return False
    for item in files:
        if type(item) is not list or len(item) != 2:
            return False
        path, value = item
        if type(path) is not str or not path or not (value is None or type(value) is str):
            return False
        if stamps.file(path) != value:
            return False
    for item in environment:
        if type(item) is not list or len(item) != 2:
            return False
        name, value = item
        if type(name) is not str or not known_environment(name) or not (value is None or type(value) is str):
            return False
        if stamps.environment(name) != value:
            return False
    return True


def settings_key(parts: Iterable[str]) -> str:
    return "|".join(parts)


__all__: Tuple[str, ...] = ("CACHE_DIR_NAME", "ResultCache", "code_fingerprint", "refusal", "settings_key")
