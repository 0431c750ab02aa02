"""Fixtures that plugins provide: installed ones read statically, and a bundled table.

Plugin code is never imported:

- ``scan_source(text)`` finds fixture definitions with Python's ``ast`` (a
  tenth of libcst's cost): every function decorated with something named
  ``fixture``/``yield_fixture`` (module level or in a class, since plugins
  often register objects whose methods are fixtures), with ``name=`` honoured,
  and assignments such as ``mocker = pytest.fixture()(_mocker)``.  It
  over-approximates on purpose: more names known means fewer false alarms.
  ``scripts/generate_plugin_fixtures.py`` uses the same function.
- ``installed_plugins()`` lists the ``pytest11`` entry points of the lint
  environment (``importlib.metadata`` reads metadata files, it imports
  nothing), locates each module's files with ``importlib.machinery.PathFinder``
  (no import either) and scans its top-level package.
- ``scan_scopes(text)`` reads the scope each definition states (MCK303), and
  ``plugin_scope(name)`` answers for a plugin fixture when every known
  definition of it agrees.
- ``bundled_plugins()`` reads ``mocklint/data/plugin_fixtures.json``, generated
  from the released sources of widely used plugins, for the pre-commit case
  where the project's plugins are not installed next to mocklint.  A plugin
  whose fixtures changed has one entry per release line (pytest-asyncio before
  and after 1.0, which removed ``event_loop``); the version the project
  declares picks one (``declared.pick_release``).
"""

from __future__ import annotations

import ast
import functools
import json
import os
import re
import sys
from dataclasses import dataclass
from importlib import machinery
from typing import Dict, FrozenSet, Iterable, List, Optional, Set, Tuple

from mocklint.analysis.syntax.source import parse_python
from mocklint.files import read_text

#: pytest's fixture scopes, narrowest first
SCOPES = ("function", "class", "module", "package", "session")

#: files parsed with ``ast`` by this module (for tests and benchmarks)
AST_PARSES = [0]

_MAX_PACKAGE_FILES = 400
_FIXTURE_WORDS = ("fixture", "yield_fixture")


def _decorator_name(node: ast.expr) -> str:
    target = node.func if isinstance(node, ast.Call) else node
    if isinstance(target, ast.Attribute):
        return target.attr
    if isinstance(target, ast.Name):
        return target.id
    return ""


def _call_name_kw(call: ast.Call, constants: Dict[str, str]) -> Optional[str]:
    for keyword in call.keywords:
        if keyword.arg == "name":
            if isinstance(keyword.value, ast.Constant) and isinstance(keyword.value.value, str):
                return keyword.value.value
            if isinstance(keyword.value, ast.Name) and keyword.value.id in constants:
                return constants[keyword.value.id]
    return None


#: as ``fixture_defs.FIXTURE_LIKE`` (a word in which ``fixture`` ends it or comes before ``_`` and more)
_FIXTURE_LIKE = re.compile(r"^(?=\w*$)\w*?fixture(?:$|_\w)", re.IGNORECASE)


def _is_fixture_callable(node: ast.expr) -> bool:
    return bool(_FIXTURE_LIKE.match(_decorator_name(node)))


def scan_tree(tree: ast.AST, factories: bool = False) -> Dict[str, str]:
    """Fixture names defined anywhere in ``tree``, mapped to the function or
    attribute that defines them (``"Class.attr"`` for methods)."""
    found: Dict[str, str] = {}
    for name, where in scan_definitions(tree, factories):
        found.setdefault(name, where)
    return found


def scan_definitions(tree: ast.AST, factories: bool = False) -> List[Tuple[str, str]]:
    """Every ``(fixture name, "Class.attr" or "attr")`` definition in ``tree``.

    ``factories``: also count module-level ``name = call(...)`` assignments, the
    way plugins such as pytest-postgresql build fixtures from factories."""
    return [(name, where) for name, where, _ in _definitions(tree, factories)]


def _literal_scope(options: ast.expr, positional: int = 0) -> Optional[str]:
    """The scope a fixture decorator or ``fixture(...)`` options call gives: its
    literal ``scope=``, "function" without one; None when a variable, a callable
    deciding at run time, ``**options`` or a positional argument beyond the
    ``positional`` ones (pytest < 7's positional scope) may set it."""
    if not isinstance(options, ast.Call):
        return "function"
    if len(options.args) > positional or any(isinstance(a, ast.Starred) for a in options.args):
        return None
    for keyword in options.keywords:
        if keyword.arg is None:
            return None
        if keyword.arg == "scope":
            value = keyword.value
            return value.value if isinstance(value, ast.Constant) and value.value in SCOPES else None
    return "function"


def _definitions(tree: ast.AST, factories: bool) -> List[Tuple[str, str, Optional[str]]]:
    """``scan_definitions`` with the scope each definition gives (``_literal_scope``;
    None for a factory-built fixture)."""
    found: List[Tuple[str, str, Optional[str]]] = []
    constants: Dict[str, str] = {}
    for node in getattr(tree, "body", ()):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    constants[target.id] = node.value.value

    def visit(body: Iterable[ast.stmt], owner: str) -> None:
        for node in body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for decorator in node.decorator_list:
                    if _is_fixture_callable(decorator):
                        name = _call_name_kw(decorator, constants) if isinstance(decorator, ast.Call) else None
                        found.append((name or node.name, f"{owner}{node.name}", _literal_scope(decorator)))
                        break
            elif isinstance(node, ast.ClassDef):
                visit(node.body, f"{owner}{node.name}.")
            elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
                call = node.value
                options = None
                positional = 0  # the arguments of `options` that are not fixture options
                if isinstance(call.func, ast.Call) and _is_fixture_callable(call.func):
                    options = call.func  # pytest.fixture(...)(impl)
                elif _is_fixture_callable(call) and call.args:
                    options, positional = call, 1  # pytest.fixture(impl, ...)
                if options is not None or (factories and not owner):
                    name = _call_name_kw(options, constants) if options is not None else None
                    for target in node.targets:
                        if not isinstance(target, ast.Name):
                            continue
                        if options is None and (target.id[:1].isupper() or target.id.startswith("_")):
                            continue  # a factory-built fixture is lower_case; TypeVars and constants are not
                        scope = _literal_scope(options, positional) if options is not None else None
                        found.append((name or target.id, f"{owner}{target.id}", scope))
            elif isinstance(node, (ast.If, ast.Try, ast.With)):
                for field in ("body", "orelse", "finalbody"):
                    visit(getattr(node, field, ()) or (), owner)
                for handler in getattr(node, "handlers", ()) or ():
                    visit(handler.body, owner)

    visit(getattr(tree, "body", ()), "")
    return found


def scan_source(text: str, factories: bool = False) -> Optional[Dict[str, str]]:
    """Fixture names defined in ``text``; None when it does not parse."""
    if "fixture" not in text and not factories:
        return {}
    try:
        tree = parse_python(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    AST_PARSES[0] += 1
    return scan_tree(tree, factories)


def scan_scopes(text: str) -> Optional[Dict[str, Optional[str]]]:
    """The scope of each fixture defined in ``text`` (None where its definitions
    disagree or one's scope is not a literal); None when ``text`` does not parse."""
    if "fixture" not in text:
        return {}
    try:
        tree = parse_python(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    AST_PARSES[0] += 1
    found: Dict[str, Optional[str]] = {}
    for name, _, scope in _definitions(tree, False):
        found[name] = scope if found.get(name, scope) == scope else None
    return found


def scan_file(path: str, factories: bool = False) -> Optional[Dict[str, str]]:
    try:
        text = read_text(path, errors="replace")
    except OSError:
        return None
    return scan_source(text, factories)


def package_files(root: str) -> List[str]:
    """The ``.py`` files of a package folder (tests and docs left out), or the file itself."""
    if os.path.isfile(root):
        return [root]
    found: List[str] = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(
            d for d in dirs if d not in ("tests", "test", "testing", "docs", "__pycache__") and not d.startswith(".")
        )
        found.extend(os.path.join(folder, f) for f in sorted(files) if f.endswith(".py"))
        if len(found) > _MAX_PACKAGE_FILES:
            break
    return found


def locate_module(name: str, search: Optional[List[str]] = None) -> Optional[Tuple[str, Optional[str]]]:
    """``(file, package folder or None)`` of module ``name`` on ``search``
    (default ``sys.path``), found without importing anything."""
    parts = name.split(".")
    path: Optional[List[str]] = list(search if search is not None else sys.path)
    spec = None
    for index in range(len(parts)):
        try:
            spec = machinery.PathFinder.find_spec(".".join(parts[: index + 1]), path)
        except (ImportError, ValueError, OSError):
            return None
        if spec is None:
            return None
        path = list(spec.submodule_search_locations or []) or None
        if index < len(parts) - 1 and path is None:
            return None
    if spec is None:
        return None
    origin = spec.origin if spec.origin not in (None, "namespace", "built-in", "frozen") else None
    folder = spec.submodule_search_locations[0] if spec.submodule_search_locations else None
    if origin is None and folder is None:
        return None
    if origin is not None and not origin.endswith(".py"):
        return None  # a compiled extension: nothing to read
    return (origin or "", folder)


@dataclass(frozen=True)
class InstalledPlugin:
    entry_name: str
    distribution: str
    module: str
    #: None when its files could not be read: its fixtures are unknown
    fixtures: Optional[FrozenSet[str]]


@functools.lru_cache(maxsize=1)
def _entry_points() -> Tuple[Tuple[str, str, str], ...]:
    try:
        from importlib import metadata
    except ImportError:  # pragma: no cover
        return ()
    found: List[Tuple[str, str, str]] = []
    try:
        if sys.version_info >= (3, 10):
            points = metadata.entry_points(group="pytest11")
        else:  # pragma: no cover - exercised on the 3.9 test run
            points = metadata.entry_points().get("pytest11", ())
        for point in points:
            dist = getattr(point, "dist", None)
            dist_name = getattr(dist, "name", None) or (dist.metadata["Name"] if dist is not None else "") or ""
            found.append((point.name, dist_name, point.value.split(":", 1)[0].strip()))
    except Exception:  # noqa: BLE001 - broken metadata must not break linting
        return ()
    return tuple(found)


@functools.lru_cache(maxsize=64)
def module_fixture_names(module: str, whole_package: bool = True) -> Optional[FrozenSet[str]]:
    """Fixture names defined by the installed module ``module`` (and, with
    ``whole_package``, the rest of its top-level package); None when unreadable."""
    located = locate_module(module)
    if located is None:
        return None
    origin, folder = located
    files: List[str] = []
    if whole_package:
        top = locate_module(module.split(".", 1)[0])
        if top is not None and top[1] is not None:
            files = package_files(top[1])
    if not files:
        files = [origin] if origin else package_files(folder or "")
    names: Set[str] = set()
    for path in files:
        scanned = scan_file(path, factories=path == origin)
        if scanned is None:
            if path == origin:
                return None
            continue
        names.update(scanned)
    top = module.split(".", 1)[0]
    for other in _star_imports(origin) if origin else ():
        if other.split(".", 1)[0] != top:
            reexported = module_fixture_names(other, whole_package=False)
            if reexported is None:
                return None
            names |= reexported
    return frozenset(names)


def _star_imports(path: str) -> List[str]:
    """Absolute modules ``path`` star-imports at module level (plugins re-export fixtures so)."""
    try:
        text = read_text(path, errors="replace")
        if "import *" not in text:
            return []
        tree = parse_python(text)
    except (OSError, SyntaxError, ValueError, RecursionError, MemoryError):
        return []
    return [
        node.module
        for node in tree.body
        if isinstance(node, ast.ImportFrom)
        and node.module
        and not node.level
        and any(alias.name == "*" for alias in node.names)
    ]


@functools.lru_cache(maxsize=1)
def installed_plugins() -> Tuple[InstalledPlugin, ...]:
    plugins = []
    for entry_name, dist, module in _entry_points():
        plugins.append(InstalledPlugin(entry_name, dist, module, module_fixture_names(module)))
    return tuple(plugins)


@dataclass(frozen=True)
class Release:
    """The fixtures one release of a bundled plugin defines."""

    version: str
    fixtures: FrozenSet[str]
    #: (name, scope) of the fixtures whose scope the release states literally
    scopes: Tuple[Tuple[str, str], ...] = ()


@dataclass(frozen=True)
class BundledPlugin:
    distribution: str  # the name to pip install
    entry_names: Tuple[str, ...]
    modules: Tuple[str, ...]
    #: oldest first; each stands for its release line (up to the next one)
    releases: Tuple[Release, ...]
    #: other bundled plugins it depends on (normalized names): installed with it
    requires: Tuple[str, ...] = ()

    @property
    def version(self) -> str:
        return ", ".join(release.version for release in self.releases)

    @property
    def fixtures(self) -> FrozenSet[str]:
        """What some release defines."""
        return frozenset().union(*(release.fixtures for release in self.releases))

    def release(self, version: str) -> Optional[Release]:
        return next((release for release in self.releases if release.version == version), None)


_DATA = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "data", "plugin_fixtures.json")


@functools.lru_cache(maxsize=1)
def _data() -> Dict[str, object]:
    try:
        with open(_DATA, encoding="utf-8") as handle:
            loaded = json.load(handle)
    except (OSError, ValueError):
        return {}
    return loaded if isinstance(loaded, dict) else {}


@functools.lru_cache(maxsize=1)
def bundled_plugins() -> Tuple[BundledPlugin, ...]:
    plugins = []
    for dist, entry in sorted((_data().get("plugins") or {}).items()):  # type: ignore[union-attr]
        releases = tuple(
            Release(
                str(release.get("version", "")),
                frozenset(release.get("fixtures", ())),
                tuple(sorted((release.get("scopes") or {}).items())),
            )
            for release in entry.get("releases", ())
        ) or (Release(str(entry.get("version", "")), frozenset(entry.get("fixtures", ()))),)
        plugins.append(
            BundledPlugin(
                dist,
                tuple(entry.get("entry_points", ())),
                tuple(entry.get("modules", ())),
                releases,
                tuple(entry.get("requires", ())),
            )
        )
    return tuple(plugins)


def bundled_builtins() -> Dict[str, Dict[str, Dict[str, str]]]:
    """``{major: {"version": ..., "fixtures": {name: plugin module}, "scopes": {name: scope}}}``
    for pytest 7, 8, 9."""
    return _data().get("pytest") or {}  # type: ignore[return-value]


@functools.lru_cache(maxsize=64)
def _installed_scopes(module: str) -> Optional[Dict[str, Optional[str]]]:
    """The scopes of the fixtures the installed plugin ``module`` and the rest of
    its top-level package define (``scan_scopes``); None when unreadable."""
    located = locate_module(module)
    if located is None:
        return None
    origin, folder = located
    top = locate_module(module.split(".", 1)[0])
    files = package_files(top[1]) if top is not None and top[1] is not None else []
    files = files or ([origin] if origin else package_files(folder or ""))
    found: Dict[str, Optional[str]] = {}
    for path in files:
        try:
            scanned = scan_scopes(read_text(path, errors="replace"))
        except OSError:
            scanned = None
        for name, scope in (scanned or {}).items():
            found[name] = scope if found.get(name, scope) == scope else None
    return found


@functools.lru_cache(maxsize=1024)
def plugin_scope(name: str) -> Optional[str]:
    """The scope of the plugin fixture ``name``, when every definition mocklint
    knows of states the same one: those of the installed plugins (read from
    their files) and of every release of the bundled ones.  None when one of
    them decides at run time, they disagree, or an installed plugin defines
    ``name`` where its scope cannot be read."""
    scopes: Set[str] = set()
    for plugin in installed_plugins():
        if plugin.fixtures is None or name not in plugin.fixtures:
            continue
        scope = (_installed_scopes(plugin.module) or {}).get(name)
        if scope is None:
            return None
        scopes.add(scope)
    for bundled in bundled_plugins():
        for release in bundled.releases:
            if name in release.fixtures:
                scope = dict(release.scopes).get(name)
                if scope is None:
                    return None
                scopes.add(scope)
    return scopes.pop() if len(scopes) == 1 else None
