"""MCK220 async-test-without-plugin: ``async def`` tests that no plugin the tests run with runs."""

from __future__ import annotations

import ast
import os
import re
from dataclasses import dataclass, field
from typing import Dict, FrozenSet, List, Optional

from mocklint.analysis.pytest_model.async_plugins import AsyncPlugins, async_plugins, mark_kinds
from mocklint.analysis.pytest_model.project import ProjectModel, conftest_chain_matches, model_for_path
from mocklint.analysis.syntax.lazy_import import libcst as cst
from mocklint.analysis.syntax.tree import Site
from mocklint.rule import Rule, gate

_NOT_SUPPORTED = "async def functions are not natively supported"
#: anyio runs a test whose fixture closure holds ``anyio_backend``: where a
#: fixture or autouse fixture may bring it in, a test without the mark may run
_ANYIO_BACKEND = re.compile(r"\banyio_backend\b")
_AUTOUSE = re.compile(r"\bautouse\b")
_PLAIN_BASES = frozenset({"object"})


@dataclass
class _Holder:
    """A module or a test class: its async marks (None: unknown) and whether pytest collects its tests."""

    marks: Optional[FrozenSet[str]] = frozenset()
    collected: bool = True
    parent: Optional["_Holder"] = None
    name: str = ""
    tests: List[cst.FunctionDef] = field(default_factory=list)


class AsyncTestWithoutPlugin(Rule):
    """
    ## What it does
    Checks the `async def` tests of a test module for a plugin that runs them,
    the way each plugin picks its tests:

    - pytest-asyncio in strict mode (the default) runs the tests marked
      `asyncio` (on the function, its class, or the module's `pytestmark`),
      in auto mode (`asyncio_mode = auto`, `--asyncio-mode=auto` in
      `addopts`) every one;
    - anyio runs the tests marked `anyio` (or whose fixtures bring in
      `anyio_backend`);
    - pytest-trio runs the tests marked `trio`, or every one in `trio_mode`.

    A test is reported when none of the plugins the tests run with takes it:
    no async mark while pytest-asyncio is in strict mode (or only anyio or
    pytest-trio runs), or a mark whose plugin is not among them (`asyncio`
    without pytest-asyncio, `trio` without pytest-trio). An `anyio` mark is
    trusted even where the project does not declare anyio: it comes with
    httpx, starlette and many more.

    mocklint knows the plugins as MCK301 does (installed next to mocklint, or
    declared by the project), and reports only when it knows them for sure: a
    plugin that runs coroutines is there, none that runs every coroutine test
    (pytest-aiohttp before 1.0, pytest-tornasync, pytest-twisted, ...) may be,
    no plugin it cannot read has an async-sounding name, the project is not a
    pytest plugin itself, and no conftest.py on the test's path (or plugin
    module of the project) has a hook that may run or mark tests
    (`pytest_pyfunc_call`, `pytest_pycollect_makeitem`,
    `pytest_runtest_call`, `pytest_collection_modifyitems` mentioning asyncio,
    anyio or trio, or mentions of `asyncio_mode`/`trio_mode`). Without any
    async plugin, a test is reported only when `[tool.mocklint] plugins` lists
    the plugins. A test with a decorator other than a `pytest.mark` one, a
    `pytestmark` mocklint cannot read, or in a class with a base (such as
    `unittest.IsolatedAsyncioTestCase`, which runs its coroutines itself) is
    left alone.

    ## Why is this bad?
    pytest calls the test function, gets a coroutine and never awaits it:
    the test body never runs. pytest 8.3 skips the test with a warning ("async
    def function and no async plugin installed"), so the suite stays green
    while the test checks nothing; pytest 8.4 and later fail it with "async
    def functions are not natively supported". Verified with pytest 8.3.5,
    8.4.2 and 9.2.0, without a plugin and with pytest-asyncio 0.26.0, 1.0.0
    and 1.5.0 in strict mode: the unmarked test skips on 8.3 and fails on 8.4
    and 9.2; with anyio 4.16 alone, an unmarked test fails the same way.

    ## Example
    ```python
    # tests/test_api.py (requirements.txt: pytest-asyncio>=1.0)
    async def test_fetch():
        assert await fetch() == 1
    ```

    Use instead:
    ```python
    # tests/test_api.py (requirements.txt: pytest-asyncio>=1.0)
    import pytest


    @pytest.mark.asyncio
    async def test_fetch():
        assert await fetch() == 1
    ```

    `pytestmark = pytest.mark.asyncio` marks every test of a module, and
    `asyncio_mode = auto` in the pytest configuration every test of the
    project.

    ## Known problems
    `-p`, `--asyncio-mode` or `-o asyncio_mode=...` given on the command line
    or in `PYTEST_ADDOPTS`, and plugins installed only by a CI job, are not
    visible to mocklint. A conftest.py whose `pytest_collection_modifyitems`
    adds the `asyncio` mark keeps mocklint silent, although pytest-asyncio
    picks its tests during collection, before that hook, and does not run
    them (seen on 0.26.0, 1.0.0 and 1.5.0).

    No fix is offered: which mark (or mode) is right depends on the plugin the
    project means to use, and a test that starts running may fail.

    ## References
    - [pytest-asyncio: modes (strict and auto)](https://pytest-asyncio.readthedocs.io/en/stable/concepts.html#test-discovery-modes)
    - [pytest changelog 8.4.0: async tests without a plugin fail (#11372)](https://docs.pytest.org/en/stable/changelog.html#pytest-8-4-0-2025-06-02)
    - [AnyIO: testing with AnyIO](https://anyio.readthedocs.io/en/stable/testing.html)
    - [pytest-trio: trio mode](https://pytest-trio.readthedocs.io/en/stable/reference.html#trio-mode)
    """

    code = "MCK220"
    name = "async-test-without-plugin"
    summary = "An `async def` test no plugin runs: pytest 8.4+ fails it, 8.3 skips it"
    messages = {
        "unmarked": (
            '`{name!b}` has no async mark, so pytest fails it: "' + _NOT_SUPPORTED + '"',
            "{why}. pytest 8.4 and later fail the test, 8.3 skips it with a warning. Mark it "
            "`@pytest.mark.{mark}`.",
        ),
        "unused-mark": (
            '`{name!b}` is marked `{mark}` without {plugin}: "' + _NOT_SUPPORTED + '"',
            "The tests run with {runners}, not {plugin}. pytest 8.4 and later fail the test, 8.3 skips it with a warning. Mark it "
            "`@pytest.mark.{other}`.",
        ),
        "no-plugin": (
            'no plugin runs `async def {name!b}`: "' + _NOT_SUPPORTED + '"',
            "None of the plugins `[tool.mocklint] plugins` lists runs coroutines: pytest 8.4 and later fail the "
            "test, 8.3 skips it with a warning. Add pytest-asyncio (or anyio, pytest-trio) and its mark.",
        ),
    }
    gate = gate(r"\basync\s+def\b")

    @classmethod
    def might_report(cls, tree: ast.Module, source: str, path: Optional[str]) -> bool:
        """A test module with an ``async def`` test at module level or in a class."""
        model = _test_module_model(path)
        if model is None or path is None:
            return False
        plugins = async_plugins(model)
        if not plugins.certain(path):
            return False
        if plugins.asyncio is not False and plugins.asyncio_mode == "auto" and "trio" not in source:
            return False  # pytest-asyncio runs every test without a mark: only a `trio` one can be reported
        for statement in tree.body:
            if isinstance(statement, ast.AsyncFunctionDef) and model.is_test_function_name(statement.name):
                return True
            if isinstance(statement, ast.ClassDef) and any(
                isinstance(node, ast.AsyncFunctionDef) for node in ast.walk(statement)
            ):
                return True
        return False

    def __init__(self, context) -> None:  # type: ignore[no-untyped-def]
        super().__init__(context)
        self._module = _Holder()
        self._holders: List[_Holder] = []
        self._sites: Dict[int, Site] = {}
        #: id(module or class) -> the async marks of its ``pytestmark`` (None: unknown)
        self._pytestmark_of: Dict[int, Optional[FrozenSet[str]]] = {}

    def visit_ClassDef(self, node: cst.ClassDef, site: Site) -> None:
        self._sites[id(node)] = site

    def visit_FunctionDef(self, node: cst.FunctionDef, site: Site) -> None:
        if node.asynchronous is not None:
            self._sites[id(node)] = site

    def visit_Assign(self, node: cst.Assign, site: Site) -> None:
        if not any(isinstance(t.target, cst.Name) and t.target.value == "pytestmark" for t in node.targets):
            return
        owner = _owner(site)
        if owner is not None:
            self._pytestmark(owner, mark_kinds(node.value, lambda e: self.context.resolve(site, e)))

    def visit_AugAssign(self, node: cst.AugAssign, site: Site) -> None:
        if isinstance(node.target, cst.Name) and node.target.value == "pytestmark":
            owner = _owner(site)
            if owner is not None:
                self._pytestmark(owner, None)

    def visit_AnnAssign(self, node: cst.AnnAssign, site: Site) -> None:
        if isinstance(node.target, cst.Name) and node.target.value == "pytestmark" and node.value is not None:
            owner = _owner(site)
            if owner is not None:
                self._pytestmark(owner, mark_kinds(node.value, lambda e: self.context.resolve(site, e)))

    def _pytestmark(self, owner: cst.CSTNode, kinds: Optional[FrozenSet[str]]) -> None:
        # the last binding wins, and one mocklint cannot read leaves the holder unknown
        key = id(owner)
        previous = self._pytestmark_of.get(key, frozenset())
        self._pytestmark_of[key] = None if previous is None or kinds is None else kinds

    def finish(self) -> None:
        path = self.context.path
        model = _test_module_model(path)
        if model is None or path is None:
            return
        plugins = async_plugins(model)
        if not plugins.certain(path):
            return
        module = self.context.module
        self._module.marks = self._marks_of_owner(module)
        for statement in module.body:
            self._statement(statement, self._module, model)
        for holder in [self._module, *self._holders]:
            for test in holder.tests:
                self._check(test, holder, plugins)

    # -- collection ---------------------------------------------------------------
    def _marks_of_owner(self, owner: cst.CSTNode) -> Optional[FrozenSet[str]]:
        return self._pytestmark_of.get(id(owner), frozenset())

    def _statement(self, statement: cst.CSTNode, holder: _Holder, model: ProjectModel) -> None:
        if isinstance(statement, cst.FunctionDef):
            if statement.asynchronous is not None and model.is_test_function_name(statement.name.value):
                holder.tests.append(statement)
        elif isinstance(statement, cst.ClassDef) and model.is_test_class_name(statement.name.value):
            self._holders.append(self._class(statement, holder, model))

    def _class(self, node: cst.ClassDef, parent: _Holder, model: ProjectModel) -> _Holder:
        site = self._sites.get(id(node))
        body = node.body.body if isinstance(node.body, cst.IndentedBlock) else ()
        names = {s.name.value for s in body if isinstance(s, (cst.FunctionDef, cst.ClassDef))}
        bound = {
            t.target.value
            for s in body
            if isinstance(s, cst.SimpleStatementLine)
            for small in s.body
            if isinstance(small, cst.Assign)
            for t in small.targets
            if isinstance(t.target, cst.Name)
        }
        resolve = (lambda e: self.context.resolve(site, e)) if site is not None else (lambda e: None)
        plain = all(resolve(base.value) in _PLAIN_BASES for base in node.bases) and not node.keywords
        holder = _Holder(parent=parent, name=node.name.value)
        constructed = bool(names & {"__init__", "__new__"})  # pytest warns and collects nothing
        holder.collected = site is not None and plain and not constructed and "__test__" not in bound
        marks: Optional[FrozenSet[str]] = self._marks_of_owner(node)
        for decorator in node.decorators:
            kinds = mark_kinds(decorator.decorator, resolve)
            marks = None if kinds is None or marks is None else marks | kinds
        holder.marks = marks
        for statement in body:
            self._statement(statement, holder, model)
        return holder

    # -- the decision ---------------------------------------------------------------
    def _check(self, test: cst.FunctionDef, holder: _Holder, plugins: AsyncPlugins) -> None:
        marks: Optional[FrozenSet[str]] = frozenset()
        chain: Optional[_Holder] = holder
        while chain is not None:
            if not chain.collected or chain.marks is None:
                return
            marks = marks | chain.marks  # type: ignore[operator]
            chain = chain.parent
        site = self._sites.get(id(test))
        if site is None:
            return
        for decorator in test.decorators:
            kinds = mark_kinds(decorator.decorator, lambda e: self.context.resolve(site, e))
            if kinds is None:
                return  # a decorator that may wrap the coroutine, or a mark mocklint cannot read
            marks = marks | kinds  # type: ignore[operator]
        params = _params(test)
        if "anyio_backend" in params:
            return
        assert marks is not None
        name = test.name.value if holder is self._module else f"{_qualname(holder)}::{test.name.value}"
        if "anyio" in marks:
            return  # anyio comes with httpx, starlette and more: installed where nothing declares it
        if "asyncio" in marks and plugins.asyncio is not False:
            return
        if "trio" in marks and plugins.trio is not False:
            return
        if marks:
            mark = sorted(marks)[0]
            plugin = {"asyncio": "pytest-asyncio", "trio": "pytest-trio", "anyio": "anyio"}[mark]
            other = _suggested(plugins)
            if other is None:
                self.report(test.name, "no-plugin", name=name)
            elif other != mark:
                runners = _runners(plugins)
                self.report(test.name, "unused-mark", name=name, mark=mark, plugin=plugin, runners=runners, other=other)
            return
        if plugins.asyncio is not False and plugins.asyncio_mode == "auto":
            return
        if plugins.trio is not False and plugins.trio_mode:
            return
        if plugins.asyncio_mode not in ("strict", "auto"):
            return  # a mode of old releases ("legacy") or one mocklint cannot read
        if self._anyio_backend_reachable(params):
            return
        mark = _suggested(plugins)
        if mark is None:
            self.report(test.name, "no-plugin", name=name)
        else:
            self.report(test.name, "unmarked", name=name, why=_why(plugins), mark=mark)

    def _anyio_backend_reachable(self, params: List[str]) -> bool:
        """Whether a fixture the test requests, or an autouse one, may request
        ``anyio_backend`` (mentioned in the module or a conftest.py on its path)."""
        folder = os.path.dirname(os.path.abspath(self.context.path or ""))
        source = self.context.source
        if not (_ANYIO_BACKEND.search(source) or conftest_chain_matches(folder, _ANYIO_BACKEND)):
            return False
        return bool(params) or bool(_AUTOUSE.search(source)) or conftest_chain_matches(folder, _AUTOUSE)


def _test_module_model(path: Optional[str]) -> Optional[ProjectModel]:
    if not path or os.path.basename(path) == "conftest.py":
        return None
    path = os.path.abspath(path)
    model = model_for_path(path)
    if model is None or not model.is_test_module(path) or not model.config.readable:
        return None
    return model


def _owner(site: Site) -> Optional[cst.CSTNode]:
    """The module or class whose body binds ``pytestmark`` at ``site`` (None inside a function)."""
    for ancestor, _ in site.ancestors():
        if isinstance(ancestor, (cst.FunctionDef, cst.Lambda)):
            return None
        if isinstance(ancestor, (cst.ClassDef, cst.Module)):
            return ancestor
    return None


def _params(func: cst.FunctionDef) -> List[str]:
    params = func.params
    return [p.name.value for p in (*params.posonly_params, *params.params, *params.kwonly_params)]


def _qualname(holder: _Holder) -> str:
    names = []
    current: Optional[_Holder] = holder
    while current is not None and current.name:
        names.append(current.name)
        current = current.parent
    return "::".join(reversed(names))


def _suggested(plugins: AsyncPlugins) -> Optional[str]:
    """The mark that hands a test to a plugin the tests certainly run with."""
    for mark, in_use in (("asyncio", plugins.asyncio), ("anyio", plugins.anyio), ("trio", plugins.trio)):
        if in_use:
            return mark
    return None


def _runners(plugins: AsyncPlugins) -> str:
    found = [name for name, in_use in (("pytest-asyncio", plugins.asyncio), ("anyio", plugins.anyio),
                                       ("pytest-trio", plugins.trio)) if in_use]
    return ", ".join(found) if found else "none that runs coroutines"


def _why(plugins: AsyncPlugins) -> str:
    """What the plugins the tests run with take, as a sentence without its period."""
    parts = []
    if plugins.asyncio:
        parts.append("pytest-asyncio in strict mode, which runs only tests marked `asyncio`")
    if plugins.anyio:
        parts.append("anyio, which runs only tests marked `anyio`")
    if plugins.trio:
        parts.append("pytest-trio, which runs only tests marked `trio`")
    return "The tests run " + " and ".join(parts)
