"""MCK303 fixture-scope-mismatch: a fixture of wider scope requests one of narrower scope."""

from __future__ import annotations

import ast
import os
from typing import Collection, Dict, List, Optional, Set, Tuple, Union

from mocklint.analysis.syntax.bodies import BodyFilter
from mocklint.analysis.pytest_model.fixture_defs import ClassFacts, Fixture, ModuleFacts, extract
from mocklint.analysis.pytest_model.plugin_fixtures import SCOPES, plugin_scope
from mocklint.analysis.pytest_model.project import (
    MAYBE,
    Entry,
    GlobalLevel,
    Level,
    ModulePlugins,
    PluginFixture,
    ProjectModel,
    model_for_path,
)
from mocklint.analysis.pytest_model.pytest_config import PytestConfig, _as_list, _pytest_section
from mocklint.analysis.pytest_model.pytest_roles import decorator_target, fixture_decorator
from mocklint.analysis.syntax.lazy_import import libcst as cst
from mocklint.rule import Rule, gate

_WIDE = frozenset(SCOPES[1:])
#: what a wider fixture uses instead of a function-scoped one, where pytest or the plugin has it
_INSTEAD = {
    "monkeypatch": "`pytest.MonkeyPatch.context()` in its body",
    "tmp_path": "`tmp_path_factory.mktemp(...)`",
    "tmpdir": "`tmpdir_factory.mktemp(...)`",
}
#: pytest-mock's mocker of each scope
_MOCKERS = {scope: f"{scope}_mocker" for scope in ("class", "module", "package", "session")}
_ERROR = 'ScopeMismatch: You tried to access the {narrow} scoped fixture {name} with a {scope} scoped request object'
_LOOP_SCOPE_DEFAULT = "asyncio_default_fixture_loop_scope"
_ASYNCIO_FIXTURES = frozenset({"pytest_asyncio.fixture", "pytest_asyncio.plugin.fixture"})
#: the first pytest-asyncio release with loop scopes (``loop_scope=``, ``asyncio_default_fixture_loop_scope``)
_LOOP_SCOPES_SINCE = (0, 24)

Levels = List[Union[Level, GlobalLevel]]


class FixtureScopeMismatch(Rule):
    """
    ## What it does
    Checks fixtures of class, module, package or session scope, in test modules
    and conftest.py files, for the fixtures they request (as parameters, or by a
    literal `request.getfixturevalue("name")` that always runs) whose scope is
    narrower: the built-in `monkeypatch`, `tmp_path`, `tmpdir`, `capsys`,
    `capfd`, `caplog`, `recwarn`, `cache`..., plugin fixtures such as
    pytest-mock's `mocker` (or `class_mocker` from a module-scoped fixture), and
    the project's own fixtures. The requested name is looked up from where
    the requesting fixture is defined: its class, its module, the conftest.py
    files above it (the nearest override wins), then plugins and pytest
    itself. (pytest looks it up from each test; a test folder that overrides
    the requested fixture with a wider scope is fine, and is not reported.)

    It also checks async fixtures that pytest-asyncio (0.24 and later) runs
    in an event loop of narrower scope than their own: an explicit
    `loop_scope=` narrower than `scope=`, or no `loop_scope=` where the
    configuration sets `asyncio_default_fixture_loop_scope` to a narrower scope
    (`@pytest.fixture` async fixtures count in `asyncio_mode = auto`).

    It stays silent where it cannot be sure: a scope given by a callable or a
    variable, a name it cannot place (a plugin whose fixtures it cannot read, a
    star import from outside the project), a plugin fixture whose scope its
    releases do not all state the same way.

    ## Why is this bad?
    A fixture can only use fixtures that live at least as long as it does.
    pytest errors at the setup of every test that uses the wider fixture:
    `ScopeMismatch: You tried to access the function scoped fixture monkeypatch
    with a module scoped request object`. An async fixture whose event loop is
    narrower fails the same way, on pytest-asyncio's loop fixture.

    ## Example
    ```python
    import pytest

    @pytest.fixture(scope="module")
    def settings(monkeypatch):
        monkeypatch.setenv("MODE", "test")
        return {"mode": "test"}

    def test_mode(settings):
        assert settings["mode"] == "test"
    ```

    Use instead:
    ```python
    import pytest

    @pytest.fixture(scope="module")
    def settings():
        with pytest.MonkeyPatch.context() as patcher:
            patcher.setenv("MODE", "test")
            yield {"mode": "test"}

    def test_mode(settings):
        assert settings["mode"] == "test"
    ```

    There is no fix: narrowing the requesting fixture's scope makes it run for
    every test, and widening the requested one changes what every other user
    of it shares; which one is right is the author's call.

    ## References
    - [pytest: fixture scopes](https://docs.pytest.org/en/stable/how-to/fixtures.html#scope-sharing-fixtures-across-classes-modules-packages-or-session)
    - [pytest: `MonkeyPatch.context`](https://docs.pytest.org/en/stable/reference/reference.html#pytest.MonkeyPatch.context)
    - [pytest-mock: `class_mocker`, `module_mocker`, `session_mocker`](https://pytest-mock.readthedocs.io/en/latest/usage.html)
    - [pytest-asyncio: event loop scopes of fixtures](https://pytest-asyncio.readthedocs.io/en/stable/how-to-guides/change_fixture_loop.html)
    """

    code = "MCK303"
    name = "fixture-scope-mismatch"
    summary = "A fixture of wider scope requests a narrower one (pytest's ScopeMismatch at setup)"
    messages = {
        "request": (
            "{Scope}-scoped fixture `{fixture}` requests `{name}`, a {narrow}-scoped fixture ({where}): "
            'pytest errors at setup with "{error}"; {advice}'
        ),
        "lookup": (
            '{Scope}-scoped fixture `{fixture}` calls `getfixturevalue("{name}")`, a {narrow}-scoped fixture '
            '({where}): pytest errors at setup with "{error}"; {advice}'
        ),
        "loop": (
            "{Scope}-scoped async fixture `{fixture}` runs in a {loop}-scoped event loop ({why}): "
            'pytest-asyncio errors at setup with "ScopeMismatch: You tried to access the {loop} scoped fixture '
            '... with a {scope} scoped request object"; give it `loop_scope="{scope}"`'
        ),
    }
    gate = gate(r"\bscope\s*=\s*['\"](?:class|module|package|session)['\"]")

    @classmethod
    def might_report(cls, tree: ast.Module, source: str, path: Optional[str]) -> bool:
        """A literal class-or-wider ``scope=`` in a decorator or call of a
        module-level statement, or of one in a module-level class, in a file
        pytest loads fixtures from (a test module, a conftest.py)."""
        if not path:
            return False
        path = os.path.abspath(path)
        model = model_for_path(path)
        if model is None or not (os.path.basename(path) == "conftest.py" or model.is_test_module(path)):
            return False
        for statement in tree.body:
            inner = statement.body if isinstance(statement, ast.ClassDef) else [statement]
            if any(_states_wide_scope(item) for item in inner):
                return True
        return False

    @classmethod
    def needed_bodies(cls, tree: ast.Module, source: str, path: Optional[str]) -> Optional[BodyFilter]:
        """Signatures and decorators say what a fixture requests; of the bodies,
        only ``getfixturevalue`` calls count."""
        return lambda func, body: "getfixturevalue" in body

    def finish(self) -> None:
        path = os.path.abspath(self.context.path) if self.context.path else None
        model = model_for_path(path) if path else None
        if path is None or model is None:
            return
        conftest = os.path.basename(path) == "conftest.py"
        if not conftest and not model.is_test_module(path):
            return
        facts = extract(
            self.context.module, self.context.names, path, self.context.function_frames, self.context.source
        )
        _Checker(self, model, facts, conftest).run()


class _Checker:
    def __init__(self, rule: FixtureScopeMismatch, model: ProjectModel, facts: ModuleFacts, conftest: bool) -> None:
        self.rule = rule
        self.model = model
        self.facts = facts
        self.conftest = conftest
        self.checked: Set[int] = set()
        self.config: Optional[Dict[str, object]] = None
        self.parametrized = _parametrized(facts)

    def run(self) -> None:
        model, facts = self.model, self.facts
        folder = os.path.dirname(facts.path)
        base: Levels = [model.global_level()]
        if self.conftest:
            if folder not in model.conftest_dirs(folder):
                return  # above confcutdir: pytest does not load it
            base.extend(level for level in model.conftest_levels(folder) if level.path != facts.path)
            own = Level("conftest", facts.path, model.rel(facts.path), model, facts, [facts], opaque=facts.registers)
            self._holder(facts, [*base, own])
            return  # classes in a conftest are never collected
        base.extend(model.conftest_levels(folder))
        if facts.pytest_plugins:
            base.append(ModulePlugins(model, facts))
        module = model.module_level(facts)
        self._holder(facts, [*base, module])
        for klass in facts.classes.values():
            if klass.unittest or not model.is_test_class_name(klass.name):
                continue
            mro = self._mro(klass)
            if mro is None or any(c.has_init or c.has_test_attr or c.opaque or c.decorator_opaque for c in mro):
                continue
            levels = [*base, module, model.class_level(facts, mro)]
            seen: Set[str] = set()
            for owner in mro:  # a fixture a nearer class redefines is not registered
                self._holder(owner, levels, skip=seen)
                seen |= set(owner.fixtures)

    def _mro(self, klass: ClassFacts) -> Optional[List[ClassFacts]]:
        """``klass`` and its bases, nearest first, when all are classes of this module."""
        order: List[ClassFacts] = []
        pending = [klass]
        while pending:
            current = pending.pop(0)
            if current.local_bases is None or len(order) > 20:
                return None
            if any(seen is current for seen in order):
                continue
            order.append(current)
            for name in current.local_bases:
                base = self.facts.classes.get(name)
                if base is None or name in self.facts.redefined_classes:
                    return None
                pending.append(base)
        return order

    def _holder(self, holder: Union[ModuleFacts, ClassFacts], levels: Levels, skip: Collection[str] = ()) -> None:
        for attr, defs in holder.fixtures.items():
            fixture = defs[-1]
            if attr in skip or id(fixture) in self.checked or fixture.func is None:
                continue
            self.checked.add(id(fixture))
            if fixture.scope in _WIDE and fixture.argnames is not None:
                self._check(fixture, levels)

    # -- requests -----------------------------------------------------------------
    def _check(self, fixture: Fixture, levels: Levels) -> None:
        scope = fixture.scope
        assert scope is not None and fixture.argnames is not None
        requests: List[Tuple[str, cst.CSTNode, str]] = [
            (name, fixture.params[name].name, "request") for name in fixture.argnames if name in fixture.params
        ]
        requests.extend((name, node, "lookup") for name, node in fixture.lookups)
        for name, node, variant in requests:
            found = self._requested(fixture, name, levels)
            if found is None:
                continue
            narrow, where, ours = found
            if SCOPES.index(narrow) < SCOPES.index(scope):
                self.rule.report(
                    node,
                    variant,
                    Scope=scope.capitalize(),
                    scope=scope,
                    fixture=fixture.name,
                    name=name,
                    narrow=narrow,
                    where=where,
                    error=_ERROR.format(narrow=narrow, name=name, scope=scope),
                    advice=_advice(fixture.name, scope, name, narrow, ours),
                )
        self._check_loop(fixture)

    def _requested(self, fixture: Fixture, name: str, levels: Levels) -> Optional[Tuple[str, str, bool]]:
        """The scope of the definition of ``name`` that ``fixture`` gets, where it
        is, and whether the project defines it; None when unsure."""
        if name == "request" or name in self.parametrized or _generated(name, levels):
            return None  # a test may parametrize it with a wider scope (``parametrize(..., scope=)``)
        placed: List[Tuple[Union[Level, GlobalLevel], Entry]] = [
            (level, entry) for level in levels for entry in level.entries(name, True)
        ]
        if name == fixture.name:  # an override gets the definition it overrides
            mine = [i for i, (_, entry) in enumerate(placed) if entry is fixture]
            index = mine[-1] - 1 if mine else -1
        else:
            index = len(placed) - 1
        if index < 0:
            return None  # not found: MCK301's to report
        level, entry = placed[index]
        if isinstance(level, GlobalLevel):
            scope = self._global_scope(name, [e for lv, e in placed if lv is level], level)
            return (scope, _global_where(entry), isinstance(entry, Fixture)) if scope is not None else None
        if not isinstance(entry, Fixture) or entry.scope is None:
            return None
        where = "this file" if entry.path == self.facts.path else self.model.rel(entry.path)
        return entry.scope, where, True

    def _global_scope(self, name: str, entries: List[Entry], level: GlobalLevel) -> Optional[str]:
        """The scope every global definition of ``name`` states (a plugin's
        replaces pytest's or another's), or None."""
        builtin = level.builtin
        if builtin.plugin_of(name) is None and (
            self.model.global_level().unknown_plugins or self.model.order_dependent(name)
        ):
            return None  # a plugin mocklint cannot read, or a test module's pytest_plugins, may define it
        scopes: Set[Optional[str]] = set()
        for entry in entries:
            if isinstance(entry, Fixture):
                scopes.add(entry.scope)
            elif isinstance(entry, PluginFixture) and entry.source == "pytest":
                scopes.add(builtin.scopes.get(name))
            elif isinstance(entry, PluginFixture) and entry.source.startswith("plugin "):
                scopes.add(None if entry.source.startswith("plugin module ") else plugin_scope(name))
            elif entry is MAYBE and name in level.maybe_names and not level.opaque:
                scopes.add(plugin_scope(name))  # a bundled plugin that may be installed: the only known definer
            else:
                return None
        return scopes.pop() if len(scopes) == 1 else None

    # -- event loops --------------------------------------------------------------
    def _check_loop(self, fixture: Fixture) -> None:
        """An async fixture pytest-asyncio runs in a narrower event loop than its scope."""
        func = fixture.func
        scope = fixture.scope
        if func is None or func.asynchronous is None or scope is None:
            return
        context = self.rule.context
        site = context.site_of(func)
        decorator = fixture_decorator(func, context.names, site)
        if decorator is None:
            return
        asyncio_fixture = context.resolve(site, decorator_target(decorator)) in _ASYNCIO_FIXTURES
        given = None
        if isinstance(decorator.decorator, cst.Call):
            given = next((a for a in decorator.decorator.args if a.keyword and a.keyword.value == "loop_scope"), None)
        if given is not None:
            if not asyncio_fixture or not isinstance(given.value, cst.SimpleString):
                return
            loop, why = given.value.evaluated_value, f"`loop_scope={given.value.value}`"
        else:
            config = self._asyncio_config()
            if config is None or not (asyncio_fixture or config.get("asyncio_mode") == "auto"):
                return
            loop = config.get(_LOOP_SCOPE_DEFAULT)
            why = f"`{_LOOP_SCOPE_DEFAULT} = {loop}` in {self.model.rel(self.model.config.inipath or '')}"
            if not self._has_loop_scopes():
                return
        if isinstance(loop, str) and loop in SCOPES and SCOPES.index(loop) < SCOPES.index(scope):
            fields = {"Scope": scope.capitalize(), "scope": scope, "fixture": fixture.name, "loop": loop, "why": why}
            self.rule.report(func.name, "loop", **fields)

    def _asyncio_config(self) -> Optional[Dict[str, object]]:
        """pytest-asyncio's settings from the pytest configuration file; None when
        they may come from elsewhere (``-o`` in addopts) or cannot be read."""
        if self.config is None:
            self.config = _read_asyncio_config(self.model.config)
        return self.config if self.config.get("readable") else None

    def _has_loop_scopes(self) -> bool:
        """Whether the project's pytest-asyncio may have loop scopes (0.24 or
        later): False only when the release lines its declarations pick are all older."""
        level = self.model.global_level()
        level._load_plugins()  # noqa: SLF001 - the release lines are picked when the plugins are loaded
        releases = level.bundled_releases.get("pytest-asyncio")
        if not releases:
            return True
        return any(_major_minor(version) >= _LOOP_SCOPES_SINCE for version in releases)


def _parametrized(facts: ModuleFacts) -> Set[str]:
    """The names ``parametrize`` marks of the module hand its tests."""
    marks = [*facts.marks, *(m for test in facts.tests for m in test.marks)]
    for klass in facts.classes.values():
        marks.extend(klass.marks)
        marks.extend(m for test in klass.tests for m in test.marks)
    return {name for mark in marks if mark.kind == "parametrize" for name, _ in mark.names}


def _generated(name: str, levels: Levels) -> bool:
    """Whether a ``pytest_generate_tests`` hook the tests see may parametrize ``name``."""
    for level in levels:
        hook = level.generate_tests
        if hook is not None and (not isinstance(hook, set) or name in hook):
            return True
    return False


def _major_minor(version: str) -> Tuple[int, ...]:
    return tuple(int(part) for part in version.split(".")[:2] if part.isdigit())


def _read_asyncio_config(config: PytestConfig) -> Dict[str, object]:
    """``asyncio_mode`` and ``asyncio_default_fixture_loop_scope`` as the
    configuration file sets them, with ``readable``: False when there is none
    (every option is then unset, which makes no finding) or when addopts may
    override them."""
    if not config.readable or config.inipath is None:
        return {"readable": False}
    try:
        section = _pytest_section(config.inipath) or {}
    except Exception:  # noqa: BLE001 - an unreadable file: nothing is known
        return {"readable": False}
    addopts = _as_list(section.get("addopts", ""))
    if any(_LOOP_SCOPE_DEFAULT in option or "asyncio_mode" in option for option in addopts):
        return {"readable": False}
    found: Dict[str, object] = {"readable": True}
    for key in (_LOOP_SCOPE_DEFAULT, "asyncio_mode"):
        value = section.get(key)
        if isinstance(value, str):
            found[key] = value.strip()
        elif value is not None:
            return {"readable": False}
    return found


def _global_where(entry: Entry) -> str:
    if isinstance(entry, PluginFixture):
        if entry.source == "pytest":
            return "built into pytest"
        return entry.source.split(" ", 2)[1] if entry.source.startswith("plugin ") else entry.source
    if isinstance(entry, Fixture):
        return "a `pytest_plugins` module"
    return "a plugin"


def _advice(fixture: str, scope: str, name: str, narrow: str, ours: bool) -> str:
    """What to do instead: a wider stand-in pytest or pytest-mock has, or a scope to change."""
    if not ours and name == "mocker" and scope in _MOCKERS:
        return f"use `{_MOCKERS[scope]}` instead"
    if not ours and name in _INSTEAD:
        return f"use {_INSTEAD[name]} instead"
    if not ours:
        return f"make `{fixture}` {narrow}-scoped"
    return f"make `{fixture}` {narrow}-scoped, or `{name}` {scope}-scoped"


def _states_wide_scope(node: ast.stmt) -> bool:
    calls: List[ast.expr] = []
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        calls = list(node.decorator_list)
    elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
        calls = [node.value, node.value.func]
    for call in calls:
        if isinstance(call, ast.Call):
            for keyword in call.keywords:
                if keyword.arg == "scope" and isinstance(keyword.value, ast.Constant) and keyword.value.value in _WIDE:
                    return True
    return False
