"""The command line's result cache: a second run with nothing changed does almost nothing.

Each linted file's outcome is stored under a key made of

- the file's absolute path and content (rules look at both: test module names,
  conftest chains);
- the configuration that shapes results (selected codes, ``# noqa`` handling);
- mocklint's version and a fingerprint of its own source files, so that a
  development checkout never reuses results of older code;

and it carries the *dependencies* recorded while the file was linted
(``mocklint.analysis.reads``: conftest files, ``patch()`` target modules, the
project model's files) with their mtime and size.  A stored outcome is used
only when every dependency is unchanged.

Entries are small JSON files under ``<cache dir>/v1/``, written atomically,
so parallel workers and concurrent runs never see half a file.  The folder
holds a ``.gitignore`` and a ``CACHEDIR.TAG`` so that git and backup tools
leave it alone.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import tempfile
from typing import Any, Dict, Iterable, Optional, Tuple

from mocklint import __version__
from mocklint.analysis.reads import Stamp, stamp

CACHE_DIR_NAME = ".mocklint_cache"
_FORMAT = "v1"
_TAG = "Signature: 8a477f597d28d172789f06886806bc55\n# This folder is a cache directory created by mocklint.\n"


@functools.lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """A hash of mocklint's own source files (paths, sizes, mtimes)."""
    root = os.path.dirname(os.path.abspath(__file__))
    digest = hashlib.sha256(__version__.encode())
    for folder, dirs, files in sorted(os.walk(root)):
        dirs.sort()
        for name in sorted(files):
            if name.endswith((".py", ".json")):
                path = os.path.join(folder, name)
                digest.update(f"{os.path.relpath(path, root)}:{stamp(path)}".encode())
    return digest.hexdigest()


class ResultCache:
    """Outcomes of linted files, keyed by content and configuration."""

    def __init__(self, directory: str, settings_key: str) -> None:
        self.directory = directory
        self.entries = os.path.join(directory, _FORMAT)
        self._settings = hashlib.sha256(f"{code_fingerprint()}|{settings_key}".encode()).hexdigest()
        self.hits = 0
        self.misses = 0

    def prepare(self) -> bool:
        """Create the folder with its markers; False when it cannot be written."""
        try:
            os.makedirs(self.entries, exist_ok=True)
            for name, text in ((".gitignore", "# created by mocklint\n*\n"), ("CACHEDIR.TAG", _TAG)):
                marker = os.path.join(self.directory, name)
                if not os.path.exists(marker):
                    with open(marker, "w", encoding="utf-8") as handle:
                        handle.write(text)
        except OSError:
            return False
        return True

    def key(self, path: str, data: bytes) -> str:
        digest = hashlib.sha256(self._settings.encode())
        digest.update(os.path.abspath(path).encode("utf-8", "surrogateescape"))
        digest.update(b"\0")
        digest.update(data)
        return digest.hexdigest()

    def _entry_path(self, key: str) -> str:
        return os.path.join(self.entries, key[:2], key[2:] + ".json")

    def load(self, key: str) -> Optional[Dict[str, Any]]:
        """The stored outcome for ``key``, if present and still valid."""
        try:
            with open(self._entry_path(key), encoding="utf-8") as handle:
                entry = json.load(handle)
        except (OSError, ValueError):
            self.misses += 1
            return None
        dependencies = entry.get("dependencies", [])
        if any(stamp(path) != _stamp_from_json(value) for path, value in dependencies):
            self.misses += 1
            return None
        self.hits += 1
        outcome = entry.get("outcome")
        return outcome if isinstance(outcome, dict) else None

    def store(self, key: str, outcome: Dict[str, Any], dependencies: Dict[str, Stamp]) -> None:
        entry = {"outcome": outcome, "dependencies": sorted([p, list(s) if s else None] for p, s in dependencies.items())}
        target = self._entry_path(key)
        try:
            os.makedirs(os.path.dirname(target), exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=os.path.dirname(target), suffix=".tmp")
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                json.dump(entry, stream, separators=(",", ":"))
            os.replace(temporary, target)
        except OSError:
            pass  # a cache that cannot be written only costs speed


def _stamp_from_json(value: Any) -> Stamp:
    if isinstance(value, list) and len(value) == 2:
        return (int(value[0]), int(value[1]))
    return None


def settings_key(parts: Iterable[str]) -> str:
    return "|".join(parts)


__all__: Tuple[str, ...] = ("CACHE_DIR_NAME", "ResultCache", "code_fingerprint", "settings_key")
