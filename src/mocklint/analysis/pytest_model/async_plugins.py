"""Which plugins run a project's ``async def`` tests and fixtures, read from the project model.

pytest runs no coroutine by itself: an ``async def`` test fails on pytest 8.4+
("async def functions are not natively supported", 8.3 skipped it) and an
``async def`` fixture hands its tests a coroutine object (an error on pytest 9)
unless a plugin takes them over.  The three plugins the MCK219-MCK221 rules
model, as their sources (pytest-asyncio 0.21-1.5, anyio 4, pytest-trio 0.8) do it:

- **pytest-asyncio**: in *strict* mode (the default) the tests marked
  ``asyncio`` and the fixtures made with ``pytest_asyncio.fixture``; in *auto*
  mode (``asyncio_mode = auto``, ``--asyncio-mode=auto``) every coroutine test
  and fixture;
- **anyio**: a coroutine test whose fixture closure holds ``anyio_backend``
  (the ``anyio`` mark adds it), and the coroutine fixtures of such a test;
- **pytest-trio**: the tests marked ``trio`` and their coroutine fixtures;
  everything in ``trio_mode``.

Whether each is installed where the tests run comes from the project model
(``project.GlobalLevel``): a plugin installed next to mocklint, or declared by
the project (the release line its specifier picks, as for MCK301).  The answer
is *unknown* (None) when the model cannot know the plugins.  ``quiet_others``
says whether anything else might run coroutines: another async plugin
(pytest-aiohttp before 1.0, pytest-tornasync, ...), one mocklint cannot read,
the project's own ``pytest11`` plugin, or a hook of a conftest.py or plugin
module of the project (``hooks_may_run``).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Callable, Dict, FrozenSet, List, Optional, Set, Tuple

from mocklint.analysis.pytest_model import declared

from mocklint.analysis import reads
from mocklint.analysis.pytest_model.plugin_fixtures import bundled_plugins, installed_plugins
from mocklint.analysis.pytest_model.project import ProjectModel, conftest_chain_matches
from mocklint.analysis.syntax.lazy_import import libcst as cst

ASYNCIO = "pytest-asyncio"
ANYIO = "anyio"
TRIO = "pytest-trio"
#: plugins that run coroutine tests by themselves (without a mark), or in ways not modelled here
_OTHER_RUNNERS = frozenset(
    {
        "pytest-tornasync",
        "pytest-tornado",
        "pytest-sanic",
        "pytest-twisted",
        "pytest-asyncio-cooperative",
        "pytest-gevent",
        "pytest-curio",
        "pytest-aio",
    }
)
#: a plugin mocklint cannot read whose name says it may run coroutines
_ASYNC_NAME = re.compile(r"async|aio|trio|tornad|twisted|gevent|curio|sanic|anyio|asgi|loop|await", re.I)
#: hooks of a conftest.py or plugin module that may run coroutines or mark tests and fixtures for a
#: plugin, and mentions of the plugins' modes
HOOKS = re.compile(
    r"\bpytest_pyfunc_call\b|\bpytest_pycollect_makeitem\b|\bpytest_runtest_call\b|\bpytest_fixture_setup\b"
    r"|\bpytest_itemcollected\b|\basyncio_mode\b|\basyncio-mode\b|\btrio_mode\b|\bpytest_plugin\b"
)

#: a hook that may add marks, where a conftest.py or plugin module also mentions what it may mark for
_MODIFY_ITEMS = re.compile(r"\bpytest_collection_modifyitems\b")
_ASYNC_WORDS = re.compile(r"\b(?:asyncio|anyio|trio|iscoroutinefunction)\b")

#: a version interval: (lowest, lowest included, highest, highest included), None bounds open
Interval = declared.Interval


@dataclass(frozen=True)
class AsyncPlugins:
    """The async plugins one project's tests run with."""

    #: per plugin: True (runs with the tests), False (does not), None (unknown)
    asyncio: Optional[bool]
    anyio: Optional[bool]
    trio: Optional[bool]
    #: the pytest-asyncio versions the tests may run with (empty: unknown), and how a message names them
    asyncio_versions: Tuple[Interval, ...]
    asyncio_label: str
    #: pytest-asyncio's mode ("strict" unless configured) and pytest-trio's trio_mode
    asyncio_mode: str
    trio_mode: bool
    #: nothing else (another plugin, the project's own plugin, ``-p``) may run coroutines
    quiet_others: bool
    #: the plugins were listed in ``[tool.mocklint] plugins`` (so "not in use" is certain)
    listed: bool

    def asyncio_at_least(self, version: str) -> Optional[bool]:
        """Whether every pytest-asyncio the tests may run with is ``version`` or
        later (True), every one earlier (False), or mocklint cannot tell (None)."""
        key = declared.version_key(version)
        if not self.asyncio or not self.asyncio_versions or key is None:
            return None
        if all(low is not None and low >= key for low, _, _, _ in self.asyncio_versions):
            return True
        if all(high is not None and (high < key or (high == key and not high_in)) for _, _, high, high_in in
               self.asyncio_versions):
            return False
        return None

    def certain(self, path: str) -> bool:
        """Whether mocklint knows for sure what runs the coroutines of ``path``'s
        tests: some plugin that does, nothing else that might, no hook that might."""
        return self.quiet_others and self.some_runner and not hooks_may_run(path)

    @property
    def some_runner(self) -> bool:
        """A plugin that runs coroutines is certainly there, or the plugins are
        listed: the declarations speak for the async side of the tests."""
        return self.listed or True in (self.asyncio, self.anyio, self.trio)


def async_plugins(model: ProjectModel) -> AsyncPlugins:
    """The async plugins of ``model``'s tests (computed once per model)."""
    found = model.derived.get(AsyncPlugins)
    if isinstance(found, AsyncPlugins):
        return found
    found = _compute(model)
    model.derived[AsyncPlugins] = found
    return found


def _compute(model: ProjectModel) -> AsyncPlugins:
    level = model.global_level()
    level.entries("event_loop")  # loads the plugins
    declarations = model.declarations()
    listed = model.settings.plugins is not None
    known = listed or (
        (declarations.mentions_pytest or bool(level.builtin.version)) and not declarations.unreadable
    )
    disabled = {declared.normal(name) for name in model.config.disabled_plugins}
    installed: Dict[str, bool] = {}  # distribution -> not turned off with -p no:
    for plugin in installed_plugins():
        off = declared.normal(plugin.entry_name) in disabled or declared.normal(plugin.module) in disabled
        installed[declared.normal(plugin.distribution)] = not off

    def in_use(distribution: str) -> Optional[bool]:
        if distribution in installed:
            return installed[distribution]
        if distribution in level.bundled_releases:
            return True
        return False if known else None

    asyncio = in_use(ASYNCIO)
    if installed.get(ASYNCIO) and ASYNCIO not in level.consulted:
        level.consulted.append(ASYNCIO)  # its installed version decides (the result cache watches it)
    mode = (model.config.asyncio_mode or "strict").strip().lower()
    return AsyncPlugins(
        asyncio=asyncio,
        anyio=in_use(ANYIO),
        trio=in_use(TRIO),
        asyncio_versions=_asyncio_versions(model, installed) if asyncio else (),
        asyncio_label=_asyncio_label(model, installed) if asyncio else "",
        asyncio_mode=mode,
        trio_mode=model.config.trio_mode,
        quiet_others=known and model.config.readable and _quiet_others(model, installed),
        listed=listed,
    )


def _asyncio_versions(model: ProjectModel, installed: Dict[str, bool]) -> Tuple[Interval, ...]:
    """The pytest-asyncio versions the tests may run with: the installed one, or
    for each declared specifier the versions it allows within the release line
    the model picks for it (an unpinned one: the newest line)."""
    if ASYNCIO in installed:
        version = reads.installed_distributions().get(ASYNCIO, ("",))[0]
        key = declared.version_key(version)
        return ((key, True, key, True),) if key is not None else ()
    bundled = next((b for b in bundled_plugins() if declared.normal(b.distribution) == ASYNCIO), None)
    specifiers = _specifiers(model)
    if bundled is None or not specifiers:
        return ()
    lines = [release.version for release in bundled.releases]
    found: List[Interval] = []
    for specifier in specifiers:
        line = declared.pick_release(lines, specifier)
        if line is None:
            return ()
        index = lines.index(line)
        clauses = [specifier] if specifier else []
        if index > 0:
            clauses.append(f">={line}")
        if index + 1 < len(lines):
            clauses.append(f"<{lines[index + 1]}")
        interval = declared.specifier_interval(",".join(clauses))
        if interval is None:
            return ()
        found.append(interval)
    return tuple(found)


def _asyncio_label(model: ProjectModel, installed: Dict[str, bool]) -> str:
    """``1.5.0 (installed here)``, ``pytest-asyncio>=1 (declared)``, ``pytest-asyncio (unpinned: the newest)``."""
    if ASYNCIO in installed:
        return f"{reads.installed_distributions().get(ASYNCIO, ('?',))[0]} (installed here)"
    return ", ".join(f"`{ASYNCIO}{spec}`" if spec else f"`{ASYNCIO}` (unpinned: the newest)" for spec in
                     _specifiers(model)) or ASYNCIO


def _specifiers(model: ProjectModel) -> List[str]:
    listed = model.settings.plugins
    if listed is not None:
        parsed = [declared.parse_requirement(entry) for entry in listed]
        return [spec for name, spec in filter(None, parsed) if name == ASYNCIO]
    return model.declarations().specifiers(ASYNCIO)


def _quiet_others(model: ProjectModel, installed: Dict[str, bool]) -> bool:
    level = model.global_level()
    if level.opaque or model.declarations().entry_points:
        return False
    if any(_ASYNC_NAME.search(name) for name in level.unknown_plugins):
        return False
    modelled = {
        name
        for bundled in bundled_plugins()
        if declared.normal(bundled.distribution) in (ASYNCIO, ANYIO, TRIO)
        for name in (*bundled.modules, *bundled.entry_names, bundled.distribution)
    }
    if any(_ASYNC_NAME.search(spec) and spec not in modelled for spec in model.config.plugins):
        return False  # `-p aiohttp.pytest_plugin` and the like
    names = set(installed) | set(level.bundled_releases) | model.declarations().names()
    if model.settings.plugins is not None:
        names |= {declared.normal(p) for p in model.settings.plugins}
    if names & _OTHER_RUNNERS:
        return False
    aiohttp = level.bundled_releases.get("pytest-aiohttp")
    if aiohttp and any(declared.version_key(v) < declared.version_key("1.0") for v in aiohttp):  # type: ignore
        return False  # pytest-aiohttp 0.3 runs every coroutine test
    if "pytest-aiohttp" in installed and _installed_below("pytest-aiohttp", "1.0"):
        return False
    return not any(_hooky(model.text(plugin.path) or "") for plugin in level.project_levels)


def _hooky(text: str) -> bool:
    return bool(HOOKS.search(text) or (_MODIFY_ITEMS.search(text) and _ASYNC_WORDS.search(text)))


def _installed_below(distribution: str, version: str) -> bool:
    found = declared.version_key(reads.installed_distributions().get(distribution, ("",))[0])
    return found is None or found < declared.version_key(version)  # type: ignore[operator]


def hooks_may_run(path: str) -> bool:
    """Whether a conftest.py on ``path``'s folder chain has a hook that may run
    coroutines, mark tests or configure the plugins (a mention is enough)."""
    folder = os.path.dirname(os.path.abspath(path))
    if conftest_chain_matches(folder, HOOKS):
        return True
    return conftest_chain_matches(folder, _MODIFY_ITEMS) and conftest_chain_matches(folder, _ASYNC_WORDS)


#: the marks that hand a coroutine test to a plugin, by the plugin's mark name
ASYNC_MARKS = ("asyncio", "anyio", "trio")


def mark_kinds(
    expr: cst.BaseExpression, resolve: Callable[[cst.BaseExpression], Optional[str]]
) -> Optional[FrozenSet[str]]:
    """The async marks (``asyncio``, ``anyio``, ``trio``) a decorator expression or a
    ``pytestmark`` value (a mark, or a list or tuple of marks) applies; ``anyio``
    also for ``usefixtures("anyio_backend")``.  None when some part is not a
    ``pytest.mark.*`` mark mocklint can read (a variable, a helper's result)."""
    items = [element.value for element in expr.elements] if isinstance(expr, (cst.List, cst.Tuple)) else [expr]
    found: Set[str] = set()
    for item in items:
        if isinstance(item, cst.StarredElement):
            return None
        call = item if isinstance(item, cst.Call) else None
        qualified = resolve(call.func if call is not None else item)
        if qualified is None or not qualified.startswith("pytest.mark."):
            return None
        mark = qualified[len("pytest.mark."):]
        if "." in mark:
            return None  # pytest.mark.asyncio.with_args(...) and the like
        if mark in ASYNC_MARKS:
            found.add(mark)
        elif mark == "usefixtures" and call is not None:
            names = [arg.value for arg in call.args]
            if any(isinstance(n, cst.SimpleString) and n.evaluated_value == "anyio_backend" for n in names):
                found.add("anyio")
            elif any(not isinstance(n, cst.SimpleString) for n in names):
                return None
    return frozenset(found)
