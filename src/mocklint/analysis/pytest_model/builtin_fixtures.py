"""pytest's own fixtures, read from the installed ``_pytest`` package without importing it.

Each ``_pytest/<plugin>.py`` holding ``@fixture`` definitions is scanned with
``ast``; a fixture belongs to the built-in plugin named after its file, so
``-p no:cacheprovider`` removes ``cache`` and ``pytester``'s fixtures exist
only where that plugin is enabled.  When pytest is not installed next to
mocklint (pre-commit's isolated environment), the bundled tables for pytest 7,
8 and 9 are merged: a name any of them knows counts as built in, and has a
scope where they all agree on it.
"""

from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass, field
from typing import Dict, Iterable, Optional

from mocklint.analysis.pytest_model.plugin_fixtures import bundled_builtins, locate_module, scan_file, scan_scopes
from mocklint.files import read_text

#: fixtures that exist only with the named (non-default) plugin enabled
GATED = {"testdir": "pytester"}
#: built-in plugins that are not loaded by default
OPTIONAL_PLUGINS = frozenset({"pytester"})

_VERSION = re.compile(r"""(?:__version__|version)\s*(?::\s*str\s*)?=\s*['"]([^'"]+)['"]""")


@dataclass(frozen=True)
class Builtins:
    #: "9.2.0", or "" when the tables were used
    version: str
    #: fixture name -> the built-in plugin (``_pytest`` module) defining it
    fixtures: Dict[str, str]
    #: fixture name -> first major version that has it, for names some version lacks
    introduced: Dict[str, str]
    #: fixture name -> its scope ("function", "session"...), for names whose scope is stated literally
    scopes: Dict[str, str] = field(default_factory=dict)

    def plugin_of(self, name: str) -> Optional[str]:
        return GATED.get(name) or self.fixtures.get(name)

    def available(self, name: str, enabled: Iterable[str], disabled: Iterable[str]) -> Optional[bool]:
        """True when ``name`` is built in and its plugin is active, False when it
        is built in but its plugin is off, None when it is not built in."""
        if name == "request":
            return True
        plugin = self.plugin_of(name)
        if plugin is None:
            return None
        enabled = set(enabled)
        disabled = set(disabled)
        if plugin in disabled or (name in ("tmpdir", "tmpdir_factory") and "tmpdir" in disabled):
            return False
        if plugin in OPTIONAL_PLUGINS and plugin not in enabled:
            return False
        return True


def _installed() -> Optional[Builtins]:
    located = locate_module("_pytest")
    if located is None or located[1] is None:
        return None
    folder = located[1]
    version = ""
    try:
        with open(os.path.join(folder, "_version.py"), encoding="utf-8") as handle:
            match = _VERSION.search(handle.read())
            version = match.group(1) if match else ""
    except OSError:
        pass
    fixtures: Dict[str, str] = {}
    scopes: Dict[str, Optional[str]] = {}
    try:
        names = sorted(os.listdir(folder))
    except OSError:
        return None
    for filename in names:
        if not filename.endswith(".py"):
            continue
        found = scan_file(os.path.join(folder, filename))
        if found is None:
            return None  # an unreadable pytest: fall back to the tables
        for name in found:
            fixtures.setdefault(name, filename[:-3])
        if found:
            try:
                _agree(scopes, scan_scopes(read_text(os.path.join(folder, filename), errors="replace")) or {})
            except OSError:
                return None
    if "pytestconfig" not in fixtures:
        return None
    fixtures.setdefault("request", "fixtures")
    return Builtins(version, fixtures, _introduced(), _known(scopes))


def _agree(scopes: Dict[str, Optional[str]], found: Dict[str, Optional[str]]) -> None:
    """Add ``found`` to ``scopes``: a name given two scopes gets None (unknown)."""
    for name, scope in found.items():
        scopes[name] = scope if scopes.get(name, scope) == scope else None


def _known(scopes: Dict[str, Optional[str]]) -> Dict[str, str]:
    return {name: scope for name, scope in scopes.items() if scope is not None}


def _introduced() -> Dict[str, str]:
    tables = bundled_builtins()
    every: Dict[str, str] = {}
    majors = sorted(tables, key=lambda m: int(m) if str(m).isdigit() else 0)
    for major in majors:
        for name in tables[major].get("fixtures", {}):
            every.setdefault(name, tables[major].get("version", major))
    return every


def _from_tables() -> Builtins:
    merged: Dict[str, str] = {"request": "fixtures"}
    scopes: Dict[str, Optional[str]] = {}
    for table in bundled_builtins().values():
        for name, plugin in table.get("fixtures", {}).items():
            merged.setdefault(name, plugin)
            _agree(scopes, {name: table.get("scopes", {}).get(name)})
    return Builtins("", merged, _introduced(), _known(scopes))


@functools.lru_cache(maxsize=1)
def builtins() -> Builtins:
    return _installed() or _from_tables()
