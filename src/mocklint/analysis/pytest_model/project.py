"""The pytest project model: which fixtures a test can see, mirrored statically.

Everything is read, nothing is imported (conftest.py files included).  See
``shared/reference/pytest-fixture-resolution.md`` for the pytest behaviour this
mirrors; in short, a test item sees, weakest first:

1. the **global** level: pytest's built-in fixtures (``builtin_fixtures``),
   the plugins the tests run with (below), ``-p`` plugins, the modules named in
   ``pytest_plugins`` of the root and initial conftest files (recursively),
   and ``[tool.mocklint] extra-fixtures``;
2. every ``conftest.py`` from ``confcutdir`` (by default the folder of the
   pytest configuration file, the rootdir) down to the test's folder;
3. its module (fixtures defined or imported there, ``pytest_plugins`` of the
   module itself);
4. its classes, outer to inner (base classes' fixtures registered again on
   the subclass).

What cannot be known -- a conftest that does not parse, a dynamic
``pytest_plugins``, ``pytest.register_fixture``, a star import from outside
the project, a plugin mocklint does not know of -- is *maybe*: never reported.

**Plugins.**  A plugin's fixtures exist when the plugin is installed where the
tests run, which the project's declarations say (``declared``): a plugin
installed in mocklint's environment (its ``pytest11`` entry point, read
statically) or declared by the project provides its fixtures; a declared plugin
of the bundled table provides those of the release line its version specifier
picks (names only some candidate line has are *maybe*), and the plugins it
depends on provide theirs; a declared or installed plugin whose fixtures
cannot be read makes every name the project does not define *maybe*
(``GlobalLevel.unknown_plugins``); a bundled plugin neither declared nor
installed provides nothing.  ``[tool.mocklint] plugins`` replaces the
declarations.  This holds when the plugins are known at all: the project
declares pytest or a plugin somewhere, pytest is installed next to mocklint,
or ``[tool.mocklint] plugins`` is given; otherwise (nothing declared, mocklint
in an environment of its own) every bundled plugin's names stay *maybe*.

**Rootdir.**  ``pytest_config.locate`` finds the configuration file (or a
``setup.py``) as pytest does; with neither, pytest's rootdir is the folder it
is run from, so every ``conftest.py`` above a test may be loaded and none is
reported as out of reach.

**Caching.**  ``model_for(directory)`` returns one ``ProjectModel`` per
configuration file, built once per process and reused for every file (flake8
builds its plugin per file).  Conftest and helper modules are parsed with
libcst once per process (``PARSES`` counts them) and re-read only when their
mtime or size changes; a model whose configuration or conftest files changed
is rebuilt.  Only the folder of the linted path matters, so a display name of
an unsaved buffer works too.  ``extra-fixtures`` and ``plugins`` come from
``[tool.mocklint]`` (watched like the pytest configuration) unless the engine
linting the file carries a ``SettingsOverride`` (flake8's ``--mocklint-*``
options); models are cached per override too.  Each lookup records
(``reads``) what the model was built from, for the command's result cache.  A
long-running host calls ``evict_unused`` so that the models of closed or
deleted projects do not stay in memory.
"""

from __future__ import annotations

import contextlib
import contextvars
import fnmatch
import functools
import os
import re
from dataclasses import dataclass, field
from typing import Dict, FrozenSet, Iterable, Iterator, List, Optional, Pattern, Set, Tuple, Union

from mocklint.analysis.pytest_model import declared, plugin_fixtures

from mocklint.analysis import reads
from mocklint.analysis.pytest_model.builtin_fixtures import Builtins, builtins
from mocklint.analysis.pytest_model.fixture_defs import (
    OPAQUE,
    ClassFacts,
    Fixture,
    Holder,
    ModuleFacts,
    extract,
    parse_and_extract,
)
from mocklint.analysis.syntax.lazy_import import libcst as cst
from mocklint.analysis.syntax.names import NameResolver
from mocklint.analysis.pytest_model.pytest_config import PytestConfig, expand_testpaths, locate
from mocklint.analysis.syntax.source import parse_python
from mocklint.analysis.syntax.tree import Frame
from mocklint.files import read_text

# A folder holding one of these is taken as the project root: conftest files
# above it are not loaded by pytest by default (confcutdir).
PROJECT_MARKERS = ("pytest.ini", "pyproject.toml", "tox.ini", "setup.cfg", ".git")

#: libcst parses of files other than the linted one (conftests, helpers, plugins)
PARSES = [0]

_PRUNED_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".tox",
        ".nox",
        ".venv",
        "venv",
        "env",
        "node_modules",
        "__pycache__",
        "build",
        "dist",
        "site-packages",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".eggs",
    }
)
_MAX_PROJECT_FILES = 20000


def conftest_chain_matches(directory: str, pattern: Pattern[str]) -> bool:
    """Whether a conftest.py in ``directory`` or a parent, up to the project
    root, contains ``pattern``.  A match makes the caller stay silent, so a
    conftest that merely mentions the pattern errs on the safe side."""
    for conftest in _conftest_chain(os.path.abspath(directory)):
        reads.record(conftest)
    return _conftest_chain_matches(os.path.abspath(directory), pattern)


@functools.lru_cache(maxsize=4096)
def _conftest_chain(directory: str) -> Tuple[str, ...]:
    """The conftest.py paths (existing or not) from ``directory`` up to the project root."""
    found: List[str] = []
    current = directory
    while True:
        found.append(os.path.join(current, "conftest.py"))
        if any(os.path.exists(os.path.join(current, marker)) for marker in PROJECT_MARKERS):
            return tuple(found)
        parent = os.path.dirname(current)
        if parent == current:
            return tuple(found)
        current = parent


@functools.lru_cache(maxsize=4096)
def _conftest_chain_matches(directory: str, pattern: Pattern[str]) -> bool:
    current = directory
    while True:
        try:
            if pattern.search(read_text(os.path.join(current, "conftest.py"), errors="replace")):
                return True
        except OSError:
            pass
        if any(os.path.exists(os.path.join(current, marker)) for marker in PROJECT_MARKERS):
            return False
        parent = os.path.dirname(current)
        if parent == current:
            return False
        current = parent


# -- files ------------------------------------------------------------------
class _Unreadable:
    def __repr__(self) -> str:  # pragma: no cover
        return "UNREADABLE"


UNREADABLE = _Unreadable()
Facts = Union[ModuleFacts, _Unreadable, None]

_facts_cache: Dict[str, Tuple[Tuple[int, int], Facts]] = {}


def _signature(path: str) -> Optional[Tuple[int, int]]:
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return (stat.st_mtime_ns, stat.st_size)


def module_facts(path: str) -> Facts:
    """The facts of the file at ``path`` (parsed once per process and version
    of the file); None when it does not exist, UNREADABLE when it cannot be
    read or parsed."""
    reads.record(path)
    signature = _signature(path)
    if signature is None:
        _facts_cache.pop(path, None)
        return None
    cached = _facts_cache.get(path)
    if cached is not None and cached[0] == signature:
        return cached[1]
    try:
        source = read_text(path)
    except (OSError, UnicodeDecodeError):
        result: Facts = UNREADABLE
    else:
        PARSES[0] += 1
        parsed = parse_and_extract(source, path)
        result = parsed if parsed is not None else UNREADABLE
    _facts_cache[path] = (signature, result)
    return result


def parsed_module(path: str, source: str) -> Optional[cst.Module]:
    """The libcst module of ``path`` when the model already parsed exactly
    ``source`` for it (a conftest.py is read by the model for the tests below
    it, then linted itself: one parse serves both)."""
    cached = _facts_cache.get(os.path.abspath(path))
    if cached is None or not isinstance(cached[1], ModuleFacts):
        return None
    facts = cached[1]
    if facts.module is None or facts.source != source:
        return None
    return facts.module


def remember_parse(
    path: str, source: str, module: cst.Module, names: NameResolver, frames: Dict[int, Frame]
) -> None:
    """Keep the facts of a file the engine parsed and walked, when it is the
    file on disk, so the model need not parse it again (the other direction
    of ``parsed_module``)."""
    path = os.path.abspath(path)
    signature = _signature(path)
    if signature is None or (path in _facts_cache and _facts_cache[path][0] == signature):
        return
    try:
        if read_text(path) != source:
            return
    except (OSError, UnicodeDecodeError):
        return
    facts = extract(module, names, path, frames, source)
    facts.module, facts.names, facts.source = module, names, source
    _facts_cache[path] = (signature, facts)


def _package_base(folder: str) -> str:
    """The folder pytest's ``prepend`` import mode puts on ``sys.path`` for a
    file in ``folder``: the first ancestor that is not a package."""
    current = folder
    while os.path.isfile(os.path.join(current, "__init__.py")):
        parent = os.path.dirname(current)
        if parent == current:
            break
        current = parent
    return current


# -- levels -----------------------------------------------------------------
class _Maybe:
    """A definition that may exist (an unknown import, a plugin that may be installed)."""

    def __init__(self, why: str = "") -> None:
        self.why = why

    def __repr__(self) -> str:  # pragma: no cover
        return f"MAYBE({self.why})"


MAYBE = _Maybe()
Entry = Union[Fixture, _Maybe]


@dataclass(eq=False)
class Level:
    """One visibility level: a conftest, a module or a class (the global one is ``GlobalLevel``)."""

    kind: str  # "conftest" | "module" | "class"
    path: str
    label: str
    model: "ProjectModel"
    facts: Optional[ModuleFacts] = None
    holders: List[Holder] = field(default_factory=list)  # a class: nearest first (its MRO)
    opaque: bool = False
    _cache: Dict[str, List[Entry]] = field(default_factory=dict)
    _full: Optional[Dict[str, List[Entry]]] = None

    @property
    def generate_tests(self) -> object:
        hooks = [h.generate_tests for h in self.holders if h.generate_tests is not None]
        if not hooks:
            return None
        if any(h is OPAQUE for h in hooks):
            return OPAQUE
        names: Set[str] = set()
        for hook in hooks:
            names |= hook  # type: ignore[operator]
        return names

    def autouse(self) -> List[Fixture]:
        """Autouse fixtures defined here (imported ones are left out: they only
        change which names are requested first, and their misses are not reported)."""
        found: List[Fixture] = []
        seen: Set[str] = set()
        for holder in self.holders:
            for attr, defs in sorted(holder.fixtures.items()):
                if attr not in seen and defs[-1].autouse:
                    found.append(defs[-1])
            seen |= set(holder.fixtures)
        return found

    def entries(self, name: str, thorough: bool = False) -> List[Entry]:
        """Definitions registered under ``name`` at this level, in registration order.

        The quick answer resolves only the import bound to ``name``; ``thorough``
        resolves every import (an imported ``name=`` fixture registers under its
        own name), which the rule asks for before it reports anything."""
        if self.opaque or any(h.opaque for h in self.holders):
            return [MAYBE]
        if thorough or self._full is not None or any(h.stars for h in self.holders):
            table = self.full()
            return [MAYBE] if self.opaque else table.get(name, [])
        cached = self._cache.get(name)
        if cached is not None:
            return cached
        found: List[Tuple[str, Entry]] = []
        seen_attrs: Set[str] = set()
        for holder in self.holders:
            for attr, defs in holder.fixtures.items():
                if attr not in seen_attrs and defs[-1].name == name:
                    found.append((attr, defs[-1]))
            if name not in seen_attrs and name not in holder.fixtures:
                if name in holder.maybe:
                    found.append((name, MAYBE))
                imported = holder.imports.get(name)
                if imported is not None:
                    entry = self.model.import_binding(self.path, imported.module, imported.attr or name, name)
                    if entry is not None and (isinstance(entry, _Maybe) or entry.name == name):
                        found.append((name, entry))
            seen_attrs |= set(holder.fixtures) | holder.maybe | set(holder.imports)
        found.sort(key=lambda item: item[0])
        result = [entry for _, entry in found]
        self._cache[name] = result
        return result

    def full(self) -> Dict[str, List[Entry]]:
        """Every name registered at this level (resolves every import)."""
        if self._full is not None:
            return self._full
        attrs: Dict[str, Entry] = {}
        for holder in reversed(self.holders):  # base classes first, nearest overrides
            for attr, defs in holder.fixtures.items():
                attrs[attr] = defs[-1]
            for attr in holder.maybe:
                if attr not in holder.fixtures:
                    attrs[attr] = MAYBE
            for attr, imported in holder.imports.items():
                if attr in holder.fixtures:
                    continue
                entry = self.model.import_binding(self.path, imported.module, imported.attr or attr, attr)
                if entry is not None:
                    attrs[attr] = entry
                else:
                    attrs.pop(attr, None)
            for star in holder.stars:
                exported = self.model.star_bindings(self.path, star.module)
                if exported is None:
                    self.opaque = True
                    continue
                for attr, entry in exported.items():
                    attrs.setdefault(attr, entry)
            if holder.opaque:
                self.opaque = True
        table: Dict[str, List[Entry]] = {}
        for attr in sorted(attrs):
            entry = attrs[attr]
            name = entry.name if isinstance(entry, Fixture) else attr
            table.setdefault(name, []).append(entry)
        self._full = table
        return table


# -- the model --------------------------------------------------------------
@dataclass(frozen=True)
class MocklintSettings:
    extra_fixtures: FrozenSet[str] = frozenset()
    #: None: unknown, every bundled plugin may be installed; else the plugins the project uses
    plugins: Optional[FrozenSet[str]] = None


@dataclass(frozen=True)
class SettingsOverride:
    """Fixture settings a host gives (flake8's ``--mocklint-extra-fixtures`` and
    ``--mocklint-plugins``): each one that is not None replaces the value from
    ``[tool.mocklint]``.  The engine sets it around each file it lints."""

    extra_fixtures: Optional[Tuple[str, ...]] = None
    plugins: Optional[Tuple[str, ...]] = None


_OVERRIDE: "contextvars.ContextVar[Optional[SettingsOverride]]" = contextvars.ContextVar(
    "mocklint_settings_override", default=None
)


@contextlib.contextmanager
def settings_override(override: Optional[SettingsOverride]) -> Iterator[None]:
    """Models built or looked up inside the block use ``override``."""
    token = _OVERRIDE.set(override)
    try:
        yield
    finally:
        _OVERRIDE.reset(token)


#: the file being linted (a fresh object per file; None outside a lint): within one, the files a
#: model and a configuration were built from are checked once, not at each of the many questions
#: its rules ask of them (on aiogram's tests, 82,000 ``stat`` calls in 300 files)
_LINT: "contextvars.ContextVar[Optional[object]]" = contextvars.ContextVar("mocklint_lint", default=None)


@contextlib.contextmanager
def one_lint() -> Iterator[None]:
    """The block lints one file: see ``_LINT``."""
    token = _LINT.set(object())
    try:
        yield
    finally:
        _LINT.reset(token)


def _mocklint_settings(
    rootdir: str, override: Optional[SettingsOverride] = None
) -> Tuple[MocklintSettings, Optional[str]]:
    """The fixture settings for a project, and the file they were read from."""
    found = None
    extra: FrozenSet[str] = frozenset()
    plugins: Optional[FrozenSet[str]] = None
    try:
        from mocklint.config import ConfigError, find_config, load_config

        found = find_config(rootdir)
        if found is not None:
            config = load_config(found)
            extra = frozenset(getattr(config, "extra_fixtures", ()) or ())
            listed = getattr(config, "plugins", None)
            plugins = frozenset(_normal(p) for p in listed) if listed is not None else None
    except (ConfigError, ImportError, OSError):
        pass
    if override is not None:
        if override.extra_fixtures is not None:
            extra = frozenset(override.extra_fixtures)
        if override.plugins is not None:
            plugins = frozenset(_normal(p) for p in override.plugins)
    return MocklintSettings(extra, plugins), found


def _normal(name: str) -> str:
    return name.lower().replace("_", "-")


class ProjectModel:
    """Fixture visibility for every test under one pytest configuration."""

    def __init__(self, config: PytestConfig, override: Optional[SettingsOverride] = None) -> None:
        self.config = config
        self.root = config.rootdir
        self.confcutdir = config.effective_confcutdir
        self.settings, settings_file = _mocklint_settings(self.root, override)
        self._conftest_levels: Dict[str, Optional[Level]] = {}
        self._global: Optional[GlobalLevel] = None
        self._files: Optional[List[str]] = None
        self._texts: Dict[str, Optional[str]] = {}
        #: definitions_anywhere's answers, by fixture name
        self._definitions: Dict[str, Tuple[Tuple[str, str, str], ...]] = {}
        #: what other analyses derive from this model (keyed by them), dropped with it
        self.derived: Dict[object, object] = {}
        self._declarations: Optional[declared.Declarations] = None
        self._watched: Dict[str, Optional[Tuple[int, int]]] = {p: _signature(p) for p in config.sources}
        #: the lint (``_LINT``) in which the watched files were last found unchanged
        self._checked_in: Optional[object] = None
        if settings_file is not None:  # a long-running host (the language server) sees edits to [tool.mocklint]
            self.watch(settings_file)

    # -- validity -------------------------------------------------------------
    def watch(self, path: str) -> None:
        if path not in self._watched:
            self._watched[path] = _signature(path)

    def is_current(self) -> bool:
        lint = _LINT.get()
        if lint is not None and self._checked_in is lint:
            return True
        current = all(_signature(path) == signature for path, signature in self._watched.items())
        if current:
            self._checked_in = lint
        return current

    def record_dependencies(self) -> None:
        """Tell ``reads`` what the model's answers were built from, for each
        file that uses it: the model answers the second file of a folder from
        what it read for the first (conftest levels, imported modules, the
        global level), so those reads happen once but every result depends on
        them.  The global level's built-in and plugin fixtures come from the
        environment: pytest's version, the ``pytest11`` plugins, ``sys.path``."""
        for path in self._watched:
            reads.record(path)
        reads.record_search_path()
        reads.record_distribution("pytest")
        reads.record_entry_points("pytest11")
        for distribution in self._global.consulted if self._global is not None else ():
            reads.record_distribution(distribution)

    def declarations(self) -> declared.Declarations:
        """What the project declares its tests run with (read once, then watched)."""
        if self._declarations is None:
            found = declared.read_declarations(declared.declaration_folders(self.root), self.text)
            for path in found.files:
                self.watch(path)
            self._declarations = found
        return self._declarations

    # -- paths ----------------------------------------------------------------
    def in_project(self, path: str) -> bool:
        return path == self.root or path.startswith(self.root.rstrip(os.sep) + os.sep)

    def rel(self, path: str) -> str:
        """``path`` as messages name it: relative to the folder mocklint runs
        in when that is inside the project, as the user standing there types
        it (``web/conftest.py`` from ``tests/``), else to the rootdir."""
        cwd = os.getcwd()
        try:
            rel = os.path.relpath(path, cwd if self.in_project(cwd) else self.root)
        except ValueError:
            return path
        return rel.replace(os.sep, "/")

    def conftest_dirs(self, directory: str) -> List[str]:
        """Folders whose conftest.py pytest loads for tests in ``directory``, outermost first."""
        if self.config.noconftest:
            return []
        chain: List[str] = []
        current = os.path.abspath(directory)
        while True:
            chain.append(current)
            parent = os.path.dirname(current)
            if parent == current:
                break
            current = parent
        cut = os.path.abspath(self.confcutdir)
        above_cut = set()
        current = cut
        while True:
            parent = os.path.dirname(current)
            if parent == current:
                break
            above_cut.add(parent)
            current = parent
        return [d for d in reversed(chain) if d not in above_cut]

    def conftest_level(self, folder: str) -> Optional[Level]:
        """The level of ``folder/conftest.py``; None when there is none."""
        if folder in self._conftest_levels:
            return self._conftest_levels[folder]
        path = os.path.join(folder, "conftest.py")
        self.watch(path)
        facts = module_facts(path)
        level: Optional[Level]
        if facts is None:
            level = None
        elif not isinstance(facts, ModuleFacts):
            level = Level("conftest", path, self.rel(path), self, None, [], opaque=True)
        else:
            # classes in a conftest are never collected: only module level counts
            level = Level("conftest", path, self.rel(path), self, facts, [facts], opaque=facts.registers)
        self._conftest_levels[folder] = level
        return level

    def conftest_levels(self, directory: str) -> List[Level]:
        levels = []
        for folder in self.conftest_dirs(directory):
            level = self.conftest_level(folder)
            if level is not None:
                levels.append(level)
        return levels

    # -- module resolution ----------------------------------------------------
    def resolve_module(self, spec: str, from_path: Optional[str]) -> Optional[str]:
        """The project file of module ``spec`` (``a.b`` or relative ``.b``), or None."""
        if spec.startswith("."):
            if from_path is None:
                return None
            dots = len(spec) - len(spec.lstrip("."))
            base = os.path.dirname(from_path)
            for _ in range(dots - 1):
                base = os.path.dirname(base)
            rest = spec[dots:]
            return self._find_in(base, rest) if rest else self._package_init(base)
        bases: List[str] = [self.root, os.path.join(self.root, "src")]
        if from_path is not None:
            folder = os.path.dirname(from_path)
            bases.extend([_package_base(folder), folder])
        seen = set()
        for base in bases:
            if base in seen:
                continue
            seen.add(base)
            found = self._find_in(base, spec)
            if found is not None:
                return found
        return None

    def _find_in(self, base: str, dotted: str) -> Optional[str]:
        parts = dotted.split(".")
        target = os.path.join(base, *parts)
        for candidate in (target + ".py", os.path.join(target, "__init__.py")):
            if os.path.isfile(candidate) and self.in_project(candidate):
                return candidate
        return None

    @staticmethod
    def _package_init(folder: str) -> Optional[str]:
        candidate = os.path.join(folder, "__init__.py")
        return candidate if os.path.isfile(candidate) else None

    def import_binding(self, from_path: str, module: str, attr: str, bound_as: str, depth: int = 0) -> Optional[Entry]:
        """What ``from module import attr as bound_as`` binds: a fixture (registered
        under its ``name=`` or ``bound_as``), MAYBE, or None for a non-fixture."""
        if depth > 8:
            return MAYBE
        path = self.resolve_module(module, from_path)
        if path is None:
            # a submodule import (from package import module) or a module outside the project
            sub = self.resolve_module(f"{module}.{attr}" if not module.endswith(".") else f"{module}{attr}", from_path)
            if sub is not None:
                return None  # a module object is not a fixture
            return MAYBE
        self.watch(path)
        text = self.text(path)
        if text is not None and "fixture" not in text:
            # no fixture is defined there; an attribute it imports from elsewhere may be one
            # `[^\S\n]*`, not `\s*`: a search at each of n blank lines would read all the others
            imports_it = re.search(r"^[^\S\n]*(?:from|import)\b[^\n]*\b" + re.escape(attr) + r"\b", text, re.M)
            return MAYBE if imports_it or "import *" in text else None
        facts = module_facts(path)
        if not isinstance(facts, ModuleFacts):
            return MAYBE
        return self._attribute(facts, attr, bound_as, depth)

    def _attribute(self, facts: ModuleFacts, attr: str, bound_as: str, depth: int) -> Optional[Entry]:
        if facts.opaque:
            return MAYBE
        defs = facts.fixtures.get(attr)
        if defs:
            fixture = defs[-1]
            if fixture.explicit_name or bound_as == fixture.name:
                return fixture
            return _rebound(fixture, bound_as)
        if attr in facts.maybe:
            return MAYBE
        imported = facts.imports.get(attr)
        if imported is not None:
            return self.import_binding(facts.path, imported.module, imported.attr or attr, bound_as, depth + 1)
        for star in facts.stars:
            exported = self.star_bindings(facts.path, star.module, depth + 1)
            if exported is None:
                return MAYBE
            if attr in exported:
                entry = exported[attr]
                if isinstance(entry, Fixture) and not entry.explicit_name and entry.name != bound_as:
                    return _rebound(entry, bound_as)
                return entry
        return None

    def star_bindings(self, from_path: str, module: str, depth: int = 0) -> Optional[Dict[str, Entry]]:
        """The fixture attributes ``from module import *`` binds; None when unknown."""
        if depth > 8:
            return None
        path = self.resolve_module(module, from_path)
        if path is None:
            return None
        self.watch(path)
        facts = module_facts(path)
        if not isinstance(facts, ModuleFacts) or facts.opaque or facts.all_names is OPAQUE:
            return None
        if isinstance(facts.all_names, set):
            public: Set[str] = set(facts.all_names)
        else:
            public = {n for n in (facts.bound | set(facts.fixtures) | facts.maybe) if not n.startswith("_")}
            for star in facts.stars:
                exported = self.star_bindings(facts.path, star.module, depth + 1)
                if exported is None:
                    return None
                public |= {n for n in exported if not n.startswith("_")}
        found: Dict[str, Entry] = {}
        for attr in public:
            entry = self._attribute(facts, attr, attr, depth + 1)
            if entry is not None:
                found[attr] = entry
        return found

    # -- test modules ---------------------------------------------------------
    def is_test_module(self, path: str) -> bool:
        base = os.path.basename(path)
        for pattern in self.config.python_files:
            if os.sep in pattern or "/" in pattern:
                if fnmatch.fnmatch(path, "*" + os.sep + pattern.replace("/", os.sep)):
                    return True
            elif fnmatch.fnmatch(base, pattern):
                return True
        return False

    @staticmethod
    def _matches(name: str, patterns: Tuple[str, ...]) -> bool:
        for pattern in patterns:
            if name.startswith(pattern):
                return True
            if any(c in pattern for c in "*?[") and fnmatch.fnmatch(name, pattern):
                return True
        return False

    def is_test_function_name(self, name: str) -> bool:
        return self._matches(name, self.config.python_functions)

    def is_test_class_name(self, name: str) -> bool:
        return self._matches(name, self.config.python_classes)

    def module_level(self, facts: ModuleFacts) -> Level:
        return Level("module", facts.path, self.rel(facts.path), self, facts, [facts], opaque=facts.registers)

    def class_level(self, facts: ModuleFacts, mro: List[ClassFacts]) -> Level:
        label = f"{self.rel(facts.path)}::{mro[0].name}"
        return Level("class", facts.path, label, self, facts, list(mro))

    # -- plugins --------------------------------------------------------------
    def global_level(self) -> "GlobalLevel":
        if self._global is None:
            self._global = GlobalLevel(self)
        return self._global

    def initial_conftest_dirs(self) -> Optional[Set[str]]:
        """Folders of the conftest files pytest loads at start-up when run from the
        rootdir with no arguments; None when that cannot be told.  Without a
        configuration file or setup.py the rootdir is wherever pytest is run
        from, so every conftest.py of the project may be an initial one."""
        if self.config.extra.get("guessed"):
            dirs = set(self.conftest_dirs(self.root))
            dirs.update(os.path.dirname(path) for path in self.conftest_paths())
            return dirs
        anchors = expand_testpaths(self.root, self.config.testpaths, self.config.pyargs)
        if anchors is None:
            return None
        if not anchors:
            anchors = [self.root]
        expanded: List[str] = []
        for anchor in anchors:
            expanded.append(anchor)
            if os.path.isdir(anchor):
                try:
                    expanded.extend(
                        os.path.join(anchor, name)
                        for name in os.listdir(anchor)
                        if name.startswith("test") and os.path.isdir(os.path.join(anchor, name))
                    )
                except OSError:
                    return None
        dirs: Set[str] = set()
        for anchor in expanded:
            folder = anchor if os.path.isdir(anchor) else os.path.dirname(anchor)
            dirs.update(self.conftest_dirs(folder))
        return dirs

    def collection_roots(self) -> List[str]:
        """What pytest collects when run from the rootdir with no arguments
        (nothing, when ``testpaths`` cannot be expanded safely)."""
        roots = expand_testpaths(self.root, self.config.testpaths)
        if roots is None:
            return []
        return roots or [self.root]

    def norecurse(self, name: str) -> bool:
        return any(fnmatch.fnmatch(name, pattern) for pattern in self.config.norecursedirs)

    # -- project files (for messages, read lazily) ------------------------------
    def files(self) -> List[str]:
        if self._files is None:
            found: List[str] = []
            for folder, dirs, names in os.walk(self.root):
                dirs[:] = sorted(
                    d
                    for d in dirs
                    if d not in _PRUNED_DIRS
                    and not d.endswith(".egg-info")
                    and not os.path.isfile(os.path.join(folder, d, "pyvenv.cfg"))
                )
                found.extend(os.path.join(folder, n) for n in sorted(names) if n.endswith(".py"))
                if len(found) > _MAX_PROJECT_FILES:
                    break
            self._files = found
        return self._files

    def text(self, path: str) -> Optional[str]:
        reads.record(path)  # messages quote what other files define
        if path not in self._texts:
            try:
                self._texts[path] = read_text(path, errors="replace")
            except OSError:
                self._texts[path] = None
        return self._texts[path]

    def definitions_anywhere(self, name: str) -> List[Tuple[str, str, str]]:
        """``(path, "Class.attr" or "attr", registered name)`` of every definition in
        the project registered as ``name`` or bound to an attribute called ``name``."""
        above = [os.path.join(folder, "conftest.py") for folder in sorted(parent_folders(self.root), key=len)[-6:]]
        known = self._definitions.get(name)
        if known is not None:
            for path in [*self.files(), *above]:
                reads.record(path)  # the answer depends on every file, as when it was computed
            return list(known)
        pattern = re.compile(r"\b" + re.escape(name) + r"\b")
        found: List[Tuple[str, str, str]] = []
        for path in [*self.files(), *above]:
            text = self.text(path)
            # `in` first: a memchr-speed scan, where a pattern opening with \b steps character by character
            if not text or name not in text or "fixture" not in text or not pattern.search(text):
                continue
            try:
                tree = parse_python(text)
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                continue
            plugin_fixtures.AST_PARSES[0] += 1
            for registered, where in plugin_fixtures.scan_definitions(tree):
                if registered == name or where.rsplit(".", 1)[-1] == name:
                    found.append((path, where, registered))
        self._definitions[name] = tuple(found)
        return found

    def every_fixture_name(self) -> Set[str]:
        """Names of every fixture defined in the project (for "did you mean")."""
        names: Set[str] = set()
        for path in self.files():
            text = self.text(path)
            if not text or "fixture" not in text:
                continue
            scanned = plugin_fixtures.scan_source(text)
            if scanned:
                names.update(scanned)
        return names

    def test_module_plugin_specs(self) -> Tuple[Set[str], bool]:
        """``pytest_plugins`` named by test modules (order-dependent, global once
        imported), and whether some value is not a literal."""
        import ast

        specs: Set[str] = set()
        dynamic = False
        for path in self.files():
            if os.path.basename(path) == "conftest.py" or not self.is_test_module(path):
                continue
            text = self.text(path)
            if not text or "pytest_plugins" not in text:
                continue
            try:
                tree = parse_python(text)
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                continue
            for node in tree.body:
                if isinstance(node, ast.Assign) and any(
                    isinstance(t, ast.Name) and t.id == "pytest_plugins" for t in node.targets
                ):
                    value = node.value
                    items = value.elts if isinstance(value, (ast.List, ast.Tuple)) else [value]
                    for item in items:
                        if isinstance(item, ast.Constant) and isinstance(item.value, str):
                            specs.update(p for p in item.value.split(",") if p)
                        else:
                            dynamic = True
        return specs, dynamic

    def order_dependent(self, name: str) -> bool:
        """Whether ``pytest_plugins`` of some test module may provide ``name``
        (global once that module is imported, so it depends on what is run)."""
        if not hasattr(self, "_other_plugins"):
            specs, dynamic = self.test_module_plugin_specs()
            facts = ModuleFacts(path=os.path.join(self.root, "<test modules>"), pytest_plugins=tuple(sorted(specs)))
            other = ModulePlugins(self, facts)
            if dynamic:
                other.opaque = True
            self._other_plugins = other
        other = self._other_plugins
        plugin = other.builtin.plugin_of(name)
        return bool(other.entries(name, True)) or (plugin is not None and plugin in other.enabled)

    def conftest_paths(self) -> Iterator[str]:
        for path in self.files():
            if os.path.basename(path) == "conftest.py":
                yield path


def parent_folders(folder: str) -> Set[str]:
    """Every folder strictly above ``folder``."""
    found: Set[str] = set()
    current = os.path.abspath(folder)
    while True:
        parent = os.path.dirname(current)
        if parent == current:
            return found
        found.add(parent)
        current = parent


def _rebound(fixture: Fixture, attr: str) -> Fixture:
    """``fixture`` bound to another attribute: it registers under that attribute."""
    return Fixture(
        attr,
        attr,
        fixture.path,
        fixture.owner,
        fixture.argnames,
        fixture.autouse,
        fixture.func,
        fixture.params,
        fixture.lookups,
        False,
        fixture.scope,
    )


@dataclass(eq=False)
class PluginFixture:
    """A fixture provided by pytest or a plugin: its dependencies are not followed."""

    name: str
    source: str  # "pytest", "plugin <dist>", "-p <name>", "[tool.mocklint] extra-fixtures"
    argnames: None = None
    autouse: bool = False
    explicit_name: bool = True


class GlobalLevel:
    """Built-in, plugin and ``pytest_plugins`` fixtures: visible to every test."""

    kind = "global"
    label = "<global>"

    def __init__(self, model: ProjectModel) -> None:
        self.model = model
        config = model.config
        self.enabled: Set[str] = set()
        self.disabled: Set[str] = set(config.disabled_plugins)
        self.opaque = False
        self.project_levels: List[Level] = []  # pytest_plugins modules of the project
        self.provided: Dict[str, str] = {}  # name -> source (installed and named plugins)
        self.maybe_names: Dict[str, str] = {}  # name -> plugin that may provide it
        self.unresolved: List[str] = []
        #: plugins the tests run with whose fixtures mocklint cannot read: a name
        #: the project defines nowhere may be one of theirs
        self.unknown_plugins: List[str] = []
        #: declared distributions that may be plugins of a fixture named like them (aresponses)
        self.named_like: Set[str] = set()
        #: bundled plugin (normalized) -> the releases whose fixtures it provides
        self.bundled_releases: Dict[str, List[str]] = {}
        #: distributions whose installation decided something here (for the result cache)
        self.consulted: List[str] = []
        self._bundled_named: Set[str] = set()
        self._done_specs: Set[str] = set()
        self._builtins: Optional[Builtins] = None
        self._plugins_loaded = False
        for name in model.settings.extra_fixtures:
            self.provided[name] = "[tool.mocklint] extra-fixtures"
        for spec in config.plugins:
            self._add_spec(spec, None, "-p")
        for module in model.declarations().entry_points:  # the project is a plugin: installed for its tests
            self._add_spec(module, os.path.join(model.root, "conftest.py"), "-p")
        initial = model.initial_conftest_dirs()
        if initial is None:  # the plugins their pytest_plugins name are global: unknown
            self.opaque = True
        for folder in model.conftest_dirs(model.root):
            level = model.conftest_level(folder)
            if level is not None and level.facts is not None:
                self._add_module_plugins(level.facts)
        if initial is not None:
            for folder in sorted(initial):
                level = model.conftest_level(folder)
                if level is not None and level.facts is not None:
                    self._add_module_plugins(level.facts)

    @property
    def builtin(self) -> Builtins:
        if self._builtins is None:
            self._builtins = builtins()
        return self._builtins

    @property
    def generate_tests(self) -> object:
        """The ``pytest_generate_tests`` hooks of the ``pytest_plugins`` modules (they
        run for every test): None, the names their ``metafunc.parametrize`` calls
        name, or OPAQUE."""
        hooks = [level.generate_tests for level in self.project_levels if level.generate_tests is not None]
        if not hooks:
            return None
        if any(hook is OPAQUE for hook in hooks):
            return OPAQUE
        return set().union(*hooks)  # type: ignore[arg-type]

    def _add_module_plugins(self, facts: ModuleFacts) -> None:
        if facts.pytest_plugins is OPAQUE:
            self.opaque = True
            self.unresolved.append(f"a non-literal pytest_plugins in {self.model.rel(facts.path)}")
        elif facts.pytest_plugins:
            for spec in facts.pytest_plugins:  # type: ignore[union-attr]
                self._add_spec(spec.strip(), facts.path, "pytest_plugins")

    def _add_spec(self, spec: str, from_path: Optional[str], how: str) -> None:
        """Enable the plugin ``spec`` (a ``-p`` name or a ``pytest_plugins`` module)."""
        if not spec or spec in self._done_specs:
            return
        self._done_specs.add(spec)
        short = spec[len("_pytest.") :] if spec.startswith("_pytest.") else spec
        if short in ("pytester",) or spec.startswith("_pytest."):
            self.enabled.add(short)
            return
        if how == "-p" and short in _builtin_plugin_names():
            self.enabled.add(short)
            return
        path = self.model.resolve_module(spec, from_path)
        if path is not None:
            self.model.watch(path)
            facts = module_facts(path)
            if not isinstance(facts, ModuleFacts):
                self.opaque = True
                self.unresolved.append(spec)
                return
            level = Level("plugin", path, self.model.rel(path), self.model, facts, [facts], opaque=facts.registers)
            self.project_levels.append(level)
            self._add_module_plugins(facts)
            return
        for plugin in plugin_fixtures.installed_plugins():
            if spec in (plugin.module, plugin.entry_name):
                if plugin.fixtures is None:
                    self.opaque = True
                    self.unresolved.append(spec)
                for name in plugin.fixtures or ():
                    self.provided.setdefault(name, f"plugin {plugin.distribution}")
                return
        for bundled in plugin_fixtures.bundled_plugins():
            if spec in bundled.modules or spec in bundled.entry_names or _normal(spec) == _normal(bundled.distribution):
                self._bundled_named.add(bundled.distribution)
                specs = self._declared_specifiers(bundled.distribution)
                self._add_bundled(bundled, specs if specs else None)
                return
        names = plugin_fixtures.module_fixture_names(spec, whole_package=False)
        if names is None:
            self.opaque = True
            self.unresolved.append(spec)
            return
        for name in names:
            self.provided.setdefault(name, f"plugin module {spec}")

    def _load_plugins(self) -> None:
        """The fixtures of the plugins the tests run with (see the module docstring)."""
        if self._plugins_loaded:
            return
        self._plugins_loaded = True
        disabled = {_normal(d) for d in self.disabled}
        installed: Set[str] = set()
        for plugin in plugin_fixtures.installed_plugins():
            installed.add(declared.normal(plugin.distribution))
            if _normal(plugin.entry_name) in disabled or _normal(plugin.module) in disabled:
                continue
            if plugin.fixtures is None:
                self.unknown_plugins.append(plugin.distribution)
                continue
            for name in plugin.fixtures:
                self.provided.setdefault(name, f"plugin {plugin.distribution}")
        wanted, complete = self._wanted_plugins(installed)
        for bundled in plugin_fixtures.bundled_plugins():
            dist = declared.normal(bundled.distribution)
            if dist in installed or any(_normal(e) in disabled for e in bundled.entry_names):
                continue  # read from its installation, or turned off
            if wanted is not None and dist in wanted:
                self._add_bundled(bundled, wanted[dist])
            elif wanted is None or not complete:
                for name in bundled.fixtures:
                    self.maybe_names.setdefault(name, bundled.distribution)

    def _wanted_plugins(self, installed: Set[str]) -> Tuple[Optional[Dict[str, Optional[List[str]]]], bool]:
        """The distributions the tests run with, by normalized name, each with the
        version specifiers that may install it (None: any release), and whether
        that list is complete; None when mocklint cannot know them (nothing
        declares pytest or a plugin, and pytest is not installed next to mocklint)."""
        listed = self.model.settings.plugins
        wanted: Dict[str, Optional[List[str]]] = {}
        if listed is not None:
            for entry in listed:
                parsed = declared.parse_requirement(entry)
                if parsed is not None:
                    wanted.setdefault(parsed[0], []).append(parsed[1])  # type: ignore[union-attr]
            self._unknown_wanted(wanted, installed, "[tool.mocklint] plugins")
            return wanted, True
        declarations = self.model.declarations()
        if not (declarations.mentions_pytest or self.builtin.version):
            return None, False
        for name in declarations.names():
            wanted[name] = declarations.specifiers(name)
        bundled = {declared.normal(b.distribution): b for b in plugin_fixtures.bundled_plugins()}
        pending = [name for name in wanted if name in bundled]
        while pending:  # the plugins a declared plugin depends on come with it, at some release
            for required in bundled[pending.pop()].requires:
                if required not in wanted:
                    wanted[required] = None
                    pending.append(required)
        own = {name: wanted.pop(name) for name in declarations.own if name not in bundled}  # read from its sources
        self._unknown_wanted(wanted, installed, "the project's declarations")
        wanted.update(own)
        for path in declarations.unreadable:
            self.unknown_plugins.append(f"what {self.model.rel(path)} declares")
        return wanted, not declarations.unreadable

    def _unknown_wanted(self, wanted: Dict[str, Optional[List[str]]], installed: Set[str], where: str) -> None:
        """Note the wanted distributions mocklint has no fixtures of: a plugin by its
        name is unknown; another may be a plugin with a fixture named like it."""
        bundled = {declared.normal(b.distribution) for b in plugin_fixtures.bundled_plugins()}
        present = None
        for name in sorted(wanted):
            if name in bundled or name in installed or name == "pytest":
                continue
            if present is None:
                present = set(reads.installed_distributions())
            self._consult(name)
            if name in present:
                continue  # installed here without a pytest11 entry point: not a plugin
            if declared.is_plugin_name(name):
                self.unknown_plugins.append(f"{name} ({where})")
            else:
                self.named_like.add(name)

    def _consult(self, distribution: str) -> None:
        reads.record_distribution(distribution)
        if distribution not in self.consulted:
            self.consulted.append(distribution)

    def _declared_specifiers(self, distribution: str) -> List[str]:
        listed = self.model.settings.plugins
        if listed is not None:
            specs = [declared.parse_requirement(entry) for entry in listed]
            return [spec for name, spec in filter(None, specs) if name == declared.normal(distribution)]
        return self.model.declarations().specifiers(distribution)

    def _add_bundled(self, bundled: plugin_fixtures.BundledPlugin, specifiers: Optional[List[str]]) -> None:
        """Provide the fixtures of the release lines ``specifiers`` pick (None: any
        line): names every picked line has are certain, the others *maybe*."""
        versions = [release.version for release in bundled.releases]
        picked: Set[str] = set()
        for specifier in specifiers if specifiers is not None else [None]:
            choice = declared.pick_release(versions, specifier) if specifier is not None else None
            if choice is None:
                picked = set(versions)
                break
            picked.add(choice)
        chosen = [release.fixtures for release in bundled.releases if release.version in picked]
        certain = frozenset.intersection(*chosen)
        label = f"plugin {bundled.distribution} {', '.join(v for v in versions if v in picked)}"
        for name in sorted(certain):
            self.provided.setdefault(name, label)
        for name in sorted(frozenset().union(*chosen) - certain):
            self.maybe_names.setdefault(name, bundled.distribution)
        self.bundled_releases[declared.normal(bundled.distribution)] = [v for v in versions if v in picked]

    def entries(self, name: str, thorough: bool = False) -> List[Entry]:
        """Global definitions of ``name``, weakest first."""
        found: List[Entry] = []
        available = self.builtin.available(name, self.enabled, self.disabled)
        if available:
            found.append(PluginFixture(name, "pytest"))  # type: ignore[arg-type]
        self._load_plugins()
        if name in self.provided:
            found.append(PluginFixture(name, self.provided[name]))  # type: ignore[arg-type]
        for level in self.project_levels:
            found.extend(level.entries(name, thorough))
        if name in self.maybe_names or self.opaque:
            found.append(MAYBE)
        elif self.named_like and declared.normal(name) in self.named_like:
            self._consult(declared.normal(name))
            found.append(MAYBE)
        return found


class ModulePlugins(GlobalLevel):
    """The ``pytest_plugins`` of a test module: global once imported, so certain
    for the module's own tests (and order-dependent for the others)."""

    kind = "module-plugins"
    label = "<pytest_plugins of the module>"

    def __init__(self, model: ProjectModel, facts: ModuleFacts) -> None:  # the base __init__ is deliberately not called
        self.model = model
        self.enabled = set()
        self.disabled = set(model.config.disabled_plugins)
        self.opaque = False
        self.project_levels = []
        self.provided = {}
        self.maybe_names = {}
        self.unresolved = []
        self.unknown_plugins = []
        self.named_like = set()
        self.bundled_releases = {}
        self.consulted = []
        self._bundled_named = set()
        self._done_specs = set()
        self._builtins = None
        self._plugins_loaded = True
        self._add_module_plugins(facts)

    def entries(self, name: str, thorough: bool = False) -> List[Entry]:
        found: List[Entry] = []
        plugin = self.builtin.plugin_of(name)
        if plugin is not None and plugin in self.enabled:
            found.append(PluginFixture(name, "pytest"))  # type: ignore[arg-type]
        if name in self.provided:
            found.append(PluginFixture(name, self.provided[name]))  # type: ignore[arg-type]
        for level in self.project_levels:
            found.extend(level.entries(name, thorough))
        if self.opaque:
            found.append(MAYBE)
        return found


@functools.lru_cache(maxsize=1)
def _builtin_plugin_names() -> FrozenSet[str]:
    return frozenset(builtins().fixtures.values()) | {"pytester"}


# -- cache ------------------------------------------------------------------
_config_by_dir: Dict[str, PytestConfig] = {}
_models: Dict[Tuple[str, Optional[str], Optional[SettingsOverride]], ProjectModel] = {}


#: the lint (``_LINT``) in which each folder's configuration was last checked
_config_checked: Dict[str, object] = {}


def config_for(directory: str) -> PytestConfig:
    directory = os.path.abspath(directory)
    config = _config_by_dir.get(directory)
    lint = _LINT.get()
    checked = lint is not None and _config_checked.get(directory) is lint
    if config is None or not (checked or all(os.path.exists(p) for p in config.sources)):
        config = locate(directory)
        _config_by_dir[directory] = config
    if lint is not None:
        _config_checked[directory] = lint
    for source in config.sources:
        reads.record(source)
    return config


def model_for(directory: str) -> Optional[ProjectModel]:
    """The project model for tests in ``directory``; None when the pytest
    configuration cannot be read (nothing is certain then)."""
    config = config_for(directory)
    if not config.readable:
        return None
    override = _OVERRIDE.get()
    key = (config.rootdir, config.inipath, override)
    model = _models.get(key)
    if model is not None and model.config == config and model.is_current():
        model.record_dependencies()
        return model
    if model is not None:
        _config_by_dir.clear()
        config = config_for(directory)
        key = (config.rootdir, config.inipath, override)
    model = ProjectModel(config, override)
    _models[key] = model
    model.record_dependencies()
    return model


def evict_unused(open_paths: Iterable[str]) -> int:
    """Forget the models that no file in ``open_paths`` belongs to any more, and
    those whose root folder is gone, with the configurations and parsed files
    kept for them; returns how many models went.

    For a long-running host (the language server, when a document is closed
    and after saves): a model keeps its project's conftest and helper files
    parsed, so the models of closed or deleted projects must not pile up.  A
    file belongs to the model of its folder's configuration, as
    :func:`config_for` last found it (a file never linted has none yet)."""
    wanted: Set[Tuple[str, Optional[str]]] = set()
    for path in open_paths:
        config = _config_by_dir.get(os.path.dirname(os.path.abspath(path)))
        if config is not None and os.path.isdir(config.rootdir):
            wanted.add((config.rootdir, config.inipath))
    gone = [key for key in _models if key[:2] not in wanted]
    for key in gone:
        del _models[key]
    for folder, config in list(_config_by_dir.items()):
        if (config.rootdir, config.inipath) not in wanted:
            del _config_by_dir[folder]
            _config_checked.pop(folder, None)
    roots = [model.root.rstrip(os.sep) + os.sep for model in _models.values()]
    for path in list(_facts_cache):
        if not path.startswith(tuple(roots)):
            del _facts_cache[path]
    return len(gone)


def model_for_path(path: Optional[str]) -> Optional[ProjectModel]:
    """The model for the file at ``path`` (which need not exist: an unsaved buffer)."""
    if not path:
        return None
    return model_for(os.path.dirname(os.path.abspath(path)))


def refresh_after_save() -> None:
    """Forget what is cached without a check of the files' mtimes (which folders
    hold project markers, what the conftest files on a path contain), for a
    long-running host such as the language server after files were saved.
    Parsed files and models stay: they are checked against the files anyway."""
    _conftest_chain.cache_clear()
    _conftest_chain_matches.cache_clear()


def clear_caches() -> None:
    """Forget every model and parsed file (for tests)."""
    _config_by_dir.clear()
    _models.clear()
    _facts_cache.clear()
    _conftest_chain.cache_clear()
    _conftest_chain_matches.cache_clear()
