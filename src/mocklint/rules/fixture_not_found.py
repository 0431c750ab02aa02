"""MCK301 fixture-not-found: a test requests a fixture that no definition visible to it provides."""

from __future__ import annotations

import ast
import os
import re
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Set, Tuple, Union

from mocklint.analysis import reads
from mocklint.analysis.syntax.bodies import BodyFilter
from mocklint.analysis.pytest_model.fixture_defs import OPAQUE, ClassFacts, Fixture, Mark, ModuleFacts, TestFunction, extract
from mocklint.analysis.pytest_model.fixture_import_fix import import_fix
from mocklint.analysis.pytest_model.fixture_requests import certainly_provided
from mocklint.analysis.syntax.lazy_import import libcst as cst
from mocklint.analysis.syntax.names import dotted_name
from mocklint.analysis.pytest_model.declared import normal, version_key
from mocklint.analysis.pytest_model.plugin_fixtures import BundledPlugin, bundled_plugins, installed_plugins
from mocklint.analysis.pytest_model.project import (
    MAYBE,
    Entry,
    GlobalLevel,
    Level,
    ModulePlugins,
    PluginFixture,
    ProjectModel,
    model_for_path,
    parent_folders,
)
from mocklint.rule import Fix, Rule, gate

#: test items seen and fully checked (for scripts/check_fixture_false_alarms.py and benchmarks)
STATS = {"tests": 0, "checked": 0}

_NOT_FOUND = "setup fails with \"fixture '{name}' not found\""
_UNCOLLECTABLE = "pytest cannot collect this module, and none of its tests runs"
#: unittest's names for the methods it skips or expects to fail (they never error)
_UNITTEST_SKIPS = frozenset({"skip", "skipIf", "skipUnless", "expectedFailure"})
#: plugins that run ``async def`` tests (pytest runs none by itself)
_ASYNC_RUNNERS = frozenset(
    {
        "pytest-asyncio",
        "anyio",
        "pytest-trio",
        "pytest-tornasync",
        "pytest-aiohttp",
        "pytest-twisted",
        "pytest-sanic",
        "pytest-asyncio-cooperative",
    }
)


@dataclass
class _Origin:
    """How a test came to request a name: a parameter, a usefixtures string, ini, autouse."""

    kind: str  # "param" | "mark" | "ini" | "autouse"
    node: Optional[cst.CSTNode]


@dataclass
class _Miss:
    name: str
    origin: _Origin
    chain: List[Tuple[Fixture, str]]  # (fixture, the name it requests), outermost first
    recursive: bool = False


@dataclass
class _Context:
    """One test item: its function and the levels it sees, weakest first."""

    test: TestFunction
    qualname: str
    levels: List[Union[Level, GlobalLevel]]
    marks: List[Mark]
    in_class: bool
    ignore: Set[str] = field(default_factory=set)
    #: a unittest.TestCase method: pytest requests no parameter of it (``nofuncargs``)
    unittest: bool = False
    #: the qualified name Python gives the function (``Class.test``), for unittest's TypeError
    python_qualname: str = ""
    #: names its ``parametrize`` marks hand to fixtures (``indirect``), and the node naming each
    indirect: Dict[str, cst.CSTNode] = field(default_factory=dict)


class FixtureNotFound(Rule):
    """
    ## What it does
    Checks that every fixture a test requests is visible from that test, the way
    pytest looks it up: test parameters (without defaults, `self`, and the
    arguments `mock.patch` decorators and hypothesis's `@given` supply),
    `@pytest.mark.usefixtures(...)` on the test, its class or the module's
    `pytestmark`, the `usefixtures` ini option, literal
    `request.getfixturevalue("name")` calls, and the fixtures those fixtures
    request in turn.  It also reports the errors pytest itself raises about
    these names: a `@pytest.mark.parametrize` name the test neither takes nor
    reaches through a fixture (pytest cannot collect the module: "function uses
    no argument 'x'", "function uses no fixture 'x'" for `indirect`, "function
    already takes an argument 'x' with a default value"), and a
    `unittest.TestCase` test method with parameters (unittest calls it without
    arguments: "TypeError: ... missing 1 required positional argument: 'x'").

    A fixture is visible from a test when it is defined or imported in the test's
    module or class (or a base class), in a `conftest.py` between the rootdir
    (the folder of `pytest.ini`, `pyproject.toml`, `tox.ini` or `setup.cfg`, else
    of a `setup.py`) and the test's folder, in a module named by `pytest_plugins`
    in the root conftest.py, or by pytest and the plugins the tests run with.
    mocklint reads all of these files; it never imports them. Without any
    configuration file or `setup.py`, pytest's rootdir is the folder it is run
    from, so every `conftest.py` above a test counts.

    The plugins the tests run with are those the project declares --
    `[project]` dependencies and optional dependencies, `[dependency-groups]`,
    Poetry, PDM, Hatch and uv groups, `requirements*.txt`/`*.in` files (with
    `-r` and `-c`), `tox.ini` deps, `setup.cfg`/`setup.py` requirements,
    `Pipfile`, `noxfile.py` installs, lock files -- and those installed next to
    mocklint, or `-p` in `addopts`. mocklint knows the fixtures of widely used
    plugins per release line and picks the line the declared version allows
    (pytest-asyncio 1.0 removed `event_loop`); a bundled plugin neither declared
    nor installed provides nothing.

    ## Why is this bad?
    pytest finds fixtures by name at setup. A name nothing visible defines fails
    the test with `fixture 'x' not found` (a `getfixturevalue` call fails it the
    same way, from inside the test). Typical causes: a fixture moved into a
    sibling folder's `conftest.py`, a helper module of fixtures that no conftest
    imports, `@pytest.fixture(name="db")` requested by its function name, an
    import alias (`from helpers import db as database` registers `database`),
    `pytester` without `pytest_plugins = ["pytester"]`, or a plugin that is not
    installed.

    The message says where a fixture of that name is defined in the project and
    the smallest fix, names the plugin that provides it, or suggests a close name.

    mocklint stays silent where it cannot be sure: a `conftest.py` it cannot
    parse, a dynamic `pytest_plugins`, `pytest.register_fixture` or
    `pluginmanager.register(...)` in a conftest, a star import from outside the
    project, a `pytest_generate_tests` hook that does more than literal
    `metafunc.parametrize` calls, an unknown decorator on the test, every name
    the project does not define while a plugin it declares (or one installed)
    is one whose fixtures mocklint cannot read, a name spelt like a declared
    distribution (aresponses's `aresponses`), the names of widely used plugins
    when the module's `async def` tests show an async plugin the declarations
    do not name, and every widely used plugin's names when mocklint cannot
    know the plugins at all (nothing declares pytest, and pytest is not
    installed next to mocklint). `[tool.mocklint] plugins` replaces the
    declarations, with version specifiers if wanted:

    ```toml
    [tool.mocklint]
    plugins = ["pytest-mock", "pytest-asyncio<1"]  # the plugins the tests run with
    extra-fixtures = ["live_server"]              # fixtures registered in ways mocklint cannot see
    ```

    ## Example
    ```python
    import pytest


    @pytest.fixture(name="db")
    def db_fixture():
        return {}


    def test_insert(db_fixture):
        db_fixture["a"] = 1
    ```

    Use instead:
    ```python
    import pytest


    @pytest.fixture(name="db")
    def db_fixture():
        return {}


    def test_insert(db):
        db["a"] = 1
    ```

    ## Known problems
    A plugin installed in the test environment but declared nowhere mocklint
    reads (a CI script's `pip install`) is unknown to it, so its fixtures look
    missing: declare it, list it in `[tool.mocklint] plugins` (or its fixtures
    in `extra-fixtures`), or run mocklint where the plugin is installed. An
    environment with pytest installed is taken for the one the tests run in.
    A plugin that is installed only as a dependency of a plugin outside the
    bundled table is not known to be there.
    A `from module import name` of a module outside the project is assumed to
    bind a fixture called `name`, so a fixture imported from an installed
    package under a different `name=` is not seen. mocklint mirrors a plain
    `pytest` run from the rootdir: `--rootdir`, `-c`, `--confcutdir` on the
    command line and `PYTEST_PLUGINS`/`PYTEST_ADDOPTS` are not visible to it.

    ## Fix safety
    The fix is unsafe, and changes a file other than the test module: when the
    one definition of the missing fixture is a module-level fixture in a helper
    module of the project that no conftest.py imports, it makes that module
    visible the way the project already shares fixtures. If the root
    conftest.py has a literal `pytest_plugins`, the module is appended to it;
    otherwise the nearest conftest.py on the test's path imports the fixture
    (`from helpers.db import db  # noqa: F401`, after its last import). The
    module is named as pytest's default import mode makes it importable from
    that conftest.py. Importing the helper module runs its code at conftest
    import time and makes the fixture visible to every test under that
    conftest.py, which is why it needs `--unsafe-fixes`. No fix is offered
    for the other causes (a misspelt name, a plugin, a fixture in another
    folder's conftest.py or in a class), under `--import-mode=importlib`, or
    when the conftest.py changed since mocklint read it.

    ## References
    - [pytest: fixture availability](https://docs.pytest.org/en/stable/reference/fixtures.html#fixture-availability)
    - [pytest: sharing fixtures across files with conftest.py](https://docs.pytest.org/en/stable/reference/fixtures.html#conftest-py-sharing-fixtures-across-multiple-files)
    - [pytest: requiring plugins with `pytest_plugins`](https://docs.pytest.org/en/stable/how-to/plugins.html#requiring-loading-plugins-in-a-test-module-or-conftest-file)
    - [pytest: overriding fixtures](https://docs.pytest.org/en/stable/how-to/fixtures.html#overriding-fixtures-on-various-levels)
    """

    fix_safety = "unsafe"
    code = "MCK301"
    name = "fixture-not-found"
    summary = "A test requests a fixture that no conftest.py, module, plugin or pytest itself defines for it"
    messages = {
        "param": (
            "fixture `{name}` is not visible here: " + _NOT_FOUND,
            "`{test}` cannot see it. {hint!c}",
        ),
        "dependency": (
            "`{name}` is not visible to `{via}` here: " + _NOT_FOUND,
            "`{test}` requests `{via}` ({where}), which requests fixture `{name}`, not visible from this test. "
            "{hint!c}",
        ),
        "fixture-param": (
            "fixture `{fixture}` fails with \"fixture '{name}' not found\"",
            "It requests `{name}`, which is not visible from {tests}. {hint!c}",
        ),
        "usefixtures": (
            "`usefixtures` names `{name}`: " + _NOT_FOUND,
            "It names fixture `{name}`, which is not visible from {tests}. {hint!c}",
        ),
        "lookup": (
            "`getfixturevalue(\"{name}\")` fails with \"fixture '{name}' not found\"",
            "Fixture `{name}` is not visible from `{test}`, so the call raises and the test fails. {hint!c}",
        ),
        "recursive": (
            "fixture `{name}` fails with \"recursive dependency involving fixture '{name}' detected\"",
            "It requests `{name}` to extend an outer definition, but no conftest.py, plugin or pytest itself "
            "defines `{name}` for {tests}. {hint!c}",
        ),
        "ini": (
            "`usefixtures` in {ini} fails with \"fixture '{name}' not found\"",
            "The `usefixtures` option requests fixture `{name}`, which is not visible from `{test}`. {hint!c}",
        ),
        "indirect": (
            "`indirect=` names `{name}`: " + _NOT_FOUND,
            "`parametrize(..., indirect=...)` hands `{name}` to a fixture of that name, but none is visible "
            "from `{test}`. {hint!c}",
        ),
        "unused-argname": (
            "`parametrize` names `{name}`: pytest reports \"function uses no {what} '{name}'\"",
            "`{test}` neither takes `{name}` nor requests it through a fixture, so " + _UNCOLLECTABLE + ". "
            "{hint!c}",
        ),
        "default-argname": (
            "collection fails with \"function already takes an argument '{name}' with a default value\"",
            "`parametrize` names `{name}`, which `{test}` takes with a default value, so " + _UNCOLLECTABLE + ". "
            "Drop the default.",
        ),
        "unittest": (
            "unittest calls this method without `{name}`, so it fails with a `TypeError`",
            "pytest hands unittest.TestCase methods such as `{test}` no fixtures: unittest calls it without arguments, so the test "
            "fails with \"{error}\". Reach `{name}` through an autouse fixture or `@pytest.mark.usefixtures` and "
            "`self`, or make `{cls}` a plain pytest class.",
        ),
    }
    gate = gate(r"\bdef\s+test", r"usefixtures", r"getfixturevalue")

    @classmethod
    def might_report(cls, tree: ast.Module, source: str, path: Optional[str]) -> bool:
        model = _model_of_test_module(path)
        return model is not None and not certainly_provided(tree, source, os.path.abspath(path or ""), model)

    @classmethod
    def needed_bodies(cls, tree: ast.Module, source: str, path: Optional[str]) -> Optional[BodyFilter]:
        """Signatures and decorators say what is requested and defined; of the
        bodies, only ``getfixturevalue`` calls and ``pytest_*`` hooks
        (``pytest_generate_tests``, plugin registration) count."""
        return lambda func, body: func.name.startswith("pytest_") or "getfixturevalue" in body

    def finish(self) -> None:
        path = self.context.path
        model = _model_of_test_module(path)
        if path is None or model is None:
            return
        path = os.path.abspath(path)
        facts = extract(
            self.context.module, self.context.names, path, self.context.function_frames, self.context.source
        )
        _Checker(self, model, facts).run()


def _model_of_test_module(path: Optional[str]) -> Optional[ProjectModel]:
    """The project model of ``path`` when it is a test module pytest collects."""
    if not path or os.path.basename(path) == "conftest.py":
        return None
    path = os.path.abspath(path)
    model = model_for_path(path)
    if model is None or not model.is_test_module(path):
        return None
    return model


class _Checker:
    def __init__(self, rule: FixtureNotFound, model: ProjectModel, facts: ModuleFacts) -> None:
        self.rule = rule
        self.model = model
        self.facts = facts
        self.path = facts.path
        self.reported: Set[Tuple[int, str]] = set()
        # (id(fixture), requested name) -> [(test qualname, miss or None)]
        self.fixture_requests: Dict[Tuple[int, str], List[Tuple[str, Optional[_Miss]]]] = {}
        self.fixture_by_id: Dict[int, Fixture] = {}
        # getfixturevalue literals in fixtures of this module: (id(node), name) -> (node, [(test, missing)])
        self.fixture_lookups: Dict[Tuple[int, str], Tuple[cst.CSTNode, List[Tuple[str, bool]]]] = {}
        self.contexts: List[_Context] = []
        # names whose hint is "import it": the one definition is in a helper module
        self.importable: Set[str] = set()
        self.fixes: Dict[str, Optional[Fix]] = {}
        # quick lookups by (id(levels), name), and autouse fixtures by id(level): every test asks again
        self.quick: Dict[Tuple[int, str], List[Entry]] = {}
        self.autouse: Dict[int, List[Fixture]] = {}
        #: whether the module holds ``async def`` tests (computed when needed)
        self.async_tests: Optional[bool] = None

    # -- contexts ---------------------------------------------------------------
    def run(self) -> None:
        facts = self.facts
        if facts.has_test_attr or facts.registers or facts.pytest_plugins is OPAQUE or self._import_fails():
            return
        directory = os.path.dirname(self.path)
        base: List[Union[Level, GlobalLevel]] = [self.model.global_level()]
        base.extend(self.model.conftest_levels(directory))
        if facts.pytest_plugins:
            base.append(ModulePlugins(self.model, facts))
        base.append(self.model.module_level(facts))
        module_marks = list(facts.marks)
        for test in facts.tests:
            if self.model.is_test_function_name(test.name):
                self.contexts.append(_Context(test, test.name, base, [*test.marks, *module_marks], False))
        for klass in facts.classes.values():
            self._class_contexts(klass, base, module_marks, [], [])
        misses: Dict[int, List[_Miss]] = {}
        for context in self.contexts:
            found = self._check(context)
            if found is not None:
                misses[id(context)] = found
        self._report(misses)

    def _import_fails(self) -> bool:
        """Whether the module imports, unconditionally, a sibling module that does
        not exist (``from .common import x``, and no ``common`` next to it, as in
        an sdist that ships some test modules only): pytest then reports the
        module's ImportError, and sets none of its tests up."""
        folder = os.path.dirname(self.path)
        for statement in self.rule.context.module.body:
            if not isinstance(statement, cst.SimpleStatementLine):
                continue
            for small in statement.body:
                if not isinstance(small, cst.ImportFrom) or not small.relative or small.module is None:
                    continue
                base = folder
                for _ in range(len(small.relative) - 1):
                    base = os.path.dirname(base)
                target = os.path.join(base, *(dotted_name(small.module) or "").split("."))
                reads.record(target)
                reads.record(target + ".py")
                if not os.path.isfile(target + ".py") and not os.path.isdir(target):
                    return True
        return False

    def _mro(self, klass: ClassFacts, classes: Dict[str, ClassFacts]) -> Optional[List[ClassFacts]]:
        order: List[ClassFacts] = []

        def visit(node: ClassFacts, depth: int) -> bool:
            if depth > 20 or node.local_bases is None or any(seen is node for seen in order):
                return False
            order.append(node)
            for base in node.local_bases:
                other = classes.get(base)
                # a base defined twice: which one the subclass derives from depends on the order
                if other is None or base in self.facts.redefined_classes or not visit(other, depth + 1):
                    return False
            return True

        return order if visit(klass, 0) else None

    def _class_contexts(
        self,
        klass: ClassFacts,
        base: List[Union[Level, GlobalLevel]],
        marks: List[Mark],
        outer_levels: List[Level],
        outer_names: List[str],
    ) -> None:
        if klass.unittest and not outer_names:
            self._unittest_contexts(klass, base, marks)
            return
        if not self.model.is_test_class_name(klass.name):
            return
        classes = self.facts.classes if not outer_names else {}
        mro = self._mro(klass, classes) if not outer_names else ([klass] if klass.local_bases == [] else None)
        if mro is None:
            return
        if any(c.has_init or c.has_test_attr or c.unittest or c.decorator_opaque or c.opaque for c in mro):
            return
        level = self.model.class_level(self.facts, mro)
        levels = [*base, *outer_levels, level]
        class_marks = [m for c in mro for m in c.marks]
        all_marks = [*class_marks, *marks]
        names = [*outer_names, klass.name]
        seen: Set[str] = set()
        for owner in mro:
            for test in owner.tests:
                if test.name in seen:
                    continue
                seen.add(test.name)
                if not self.model.is_test_function_name(test.name):
                    continue
                shadowed = any(
                    test.name in c.bound and test.name not in {t.name for t in c.tests} for c in mro[: mro.index(owner)]
                )
                if shadowed:
                    continue
                qualname = "::".join([*names, test.name])
                self.contexts.append(_Context(test, qualname, levels, [*test.marks, *all_marks], True))
            seen |= owner.bound
        for nested in klass.nested.values():
            self._class_contexts(nested, base, all_marks, [*outer_levels, level], names)

    def _unittest_contexts(self, klass: ClassFacts, base: List[Union[Level, GlobalLevel]], marks: List[Mark]) -> None:
        """The test methods of a unittest.TestCase class of this module: pytest
        collects it whatever its name, and runs every ``test*`` method (its
        own ``python_functions`` do not apply) with no parameter requested."""
        mro = self._mro(klass, self.facts.classes)
        if mro is None or any(c.has_init or c.has_test_attr or c.decorator_opaque or c.opaque for c in mro):
            return
        levels = [*base, self.model.class_level(self.facts, mro)]
        class_marks = [m for c in mro for m in c.marks]
        seen: Set[str] = set()
        for owner in mro:
            for test in owner.tests:
                if test.name in seen or not test.name.startswith("test"):
                    continue
                seen.add(test.name)
                all_marks = [*test.marks, *class_marks, *marks]
                context = _Context(test, f"{klass.name}::{test.name}", levels, all_marks, True)
                context.unittest = True
                context.python_qualname = f"{owner.name}.{test.name}"
                self.contexts.append(context)
            seen |= owner.bound

    # -- lookup -----------------------------------------------------------------
    def _entries(self, context: _Context, name: str, thorough: bool = False) -> List[Entry]:
        key = (id(context.levels), name)
        if not thorough:
            cached = self.quick.get(key)
            if cached is not None:
                return cached
        entries: List[Entry] = []
        for level in context.levels:
            entries.extend(level.entries(name, thorough))
        if thorough:
            # a level that resolved all its imports answers quick lookups from them from now on
            self.quick.clear()
        else:
            self.quick[key] = entries
        return entries

    def _excused(self, context: _Context, name: str) -> bool:
        """Whether something mocklint cannot see may provide ``name`` after all."""
        entries = self._entries(context, name, thorough=True)
        if entries:
            return True
        return (
            self.model.order_dependent(name)
            or self._unknown_plugin_may_define(name)
            or (self._runs_with_an_unknown_async_plugin() and any(name in p.fixtures for p in bundled_plugins()))
        )

    def _runs_with_an_unknown_async_plugin(self) -> bool:
        """Whether this module's ``async def`` tests show that its tests run with a
        plugin the declarations do not name: pytest runs no coroutine by itself,
        so some async plugin is installed there, and its fixtures may be any
        bundled plugin's (``event_loop``)."""
        if self.async_tests is None:
            tests = [*self.facts.tests, *(t for c in self.facts.classes.values() for t in c.tests)]
            self.async_tests = any(t.func.asynchronous is not None and t.name.startswith("test") for t in tests)
        if not self.async_tests or self.model.settings.plugins is not None:
            return False
        known = set(self.model.declarations().names()) | set(self.model.global_level().bundled_releases)
        known |= {normal(plugin.distribution) for plugin in installed_plugins()}
        return not known & _ASYNC_RUNNERS

    def _unknown_plugin_may_define(self, name: str) -> bool:
        """Whether a plugin the tests run with, whose fixtures mocklint cannot read,
        may define ``name``: any name the project defines nowhere and pytest
        does not own."""
        global_level = self.model.global_level()
        if not global_level.unknown_plugins:
            return False
        builtin = global_level.builtin
        if builtin.plugin_of(name) is not None or name in builtin.introduced:
            return False
        return not self.model.definitions_anywhere(name)

    # -- the closure, as pytest's traverse_fixture_closure ------------------------
    def _check(self, context: _Context) -> Optional[List[_Miss]]:
        test = context.test
        STATS["tests"] += 1
        if any(m.kind == "opaque" for m in context.marks):
            return None
        requests = test.requests(context.in_class)
        if requests is None:
            return None
        arguments = requests
        if context.unittest:
            requests = []
        for level in context.levels:
            hook = getattr(level, "generate_tests", None)
            if hook is OPAQUE:
                return None
            if isinstance(hook, set):
                context.ignore |= hook
        STATS["checked"] += 1
        parametrized: Set[str] = set()
        for mark in context.marks:
            context.ignore |= mark.direct_names()
            parametrized |= {n for n, _ in mark.names} if mark.kind == "parametrize" else set()

        misses: List[_Miss] = []
        indices: Dict[str, int] = {}
        #: whether the closure may hold names mocklint does not see (an unknown
        #: fixture's dependencies), so that a parametrize name may be used after all
        uncertain = [False]

        def process(name: str, origin: _Origin, chain: List[Tuple[Fixture, str]]) -> None:
            index = indices.get(name)
            if index == -1:
                return
            if index is None:
                indices[name] = -1
            if name in context.ignore or name == "request":
                return
            entries = self._entries(context, name)
            if not entries:
                if not self._excused(context, name):
                    misses.append(_Miss(name, origin, chain))
                else:
                    uncertain[0] = True
                    self._note(chain, context, None)
                return
            index = indices.get(name, -1)
            if -index > len(entries):
                if (
                    chain
                    and chain[-1][0].name == name
                    and MAYBE not in entries
                    and len(self._entries(context, name, True)) == len(entries)
                    and not self.model.order_dependent(name)
                    and not self.model.global_level().unknown_plugins  # the outer one may be theirs
                ):
                    misses.append(_Miss(name, origin, chain, recursive=True))
                return
            self._note(chain, context, None)
            entry = entries[index]
            if entry is MAYBE or not isinstance(entry, (Fixture, PluginFixture)):
                uncertain[0] = True
                return
            if isinstance(entry, PluginFixture):
                return
            if entry.lookups and entry.path == self.path:
                for looked_up, node in entry.lookups:
                    missing = (
                        looked_up not in parametrized
                        and looked_up not in context.ignore
                        and looked_up != "request"
                        and not self._entries(context, looked_up)
                        and not self._excused(context, looked_up)
                    )
                    self.fixture_lookups.setdefault((id(node), looked_up), (node, []))[1].append(
                        (context.qualname, missing)
                    )
            if entry.argnames is None:
                uncertain[0] = True
                return
            indices[name] = index - 1
            for dep in entry.argnames:
                process(dep, origin, [*chain, (entry, dep)])
            indices[name] = index

        # autouse fixtures first (their own misses are not reported: no site in this test)
        for level in context.levels:
            if isinstance(level, Level):
                autouse = self.autouse.get(id(level))
                if autouse is None:
                    autouse = self.autouse[id(level)] = level.autouse()
                for fixture in autouse:
                    process(fixture.name, _Origin("autouse", None), [])
        for name in self.model.config.usefixtures:
            process(name, _Origin("ini", test.func.name), [])
        for mark in context.marks:
            if mark.kind == "usefixtures":
                for name, node in mark.names:
                    process(name, _Origin("mark", node), [])
        for mark in context.marks:
            for name, node in mark.names:
                if name in mark.indirect_names():
                    context.indirect.setdefault(name, node)
        for name, param in requests:
            process(name, _Origin("param", param), [])
        if not context.unittest and not uncertain[0] and self._unused_argnames(context, set(indices), misses):
            return None  # the module does not collect: no test of it is set up
        if context.unittest and not misses:
            self._unittest_arguments(context, arguments)  # reached when the setup succeeds
        # literal getfixturevalue calls in the test, then in fixtures of this module it used
        for name, node in test.lookups:
            if name in parametrized or name in context.ignore or name == "request":
                continue
            if not self._entries(context, name) and not self._excused(context, name):
                misses.append(_Miss(name, _Origin("lookup", node), []))
        return [m for m in misses if m.origin.kind != "autouse"]

    def _unused_argnames(self, context: _Context, closure: Set[str], misses: List[_Miss]) -> bool:
        """Report the ``parametrize`` names the test does not use, pytest's
        collection error (``Metafunc._validate_if_using_arg_names``): a name
        must be in the closure of fixture names, as a parameter of the test
        or something a fixture it uses requests.  True when one was reported."""
        if any(getattr(level, "generate_tests", None) is not None for level in context.levels) or any(
            facts.makes_items for facts in self._hook_holders(context)
        ):
            return False  # a hook may parametrize the test or mark it
        test = context.test
        defaults = {p.name.value for p in (*test.func.params.params, *test.func.params.kwonly_params) if p.default}
        missing = [miss.name for miss in misses if miss.origin.kind == "param" and not miss.chain]
        reported = False
        for mark in context.marks:
            if mark.kind != "parametrize":
                continue
            indirect = mark.indirect_names()
            for name, node in mark.names:
                if name in closure or self._plugins_may_use(name):
                    continue
                reported = True
                if name in defaults and name not in indirect:
                    self._emit(node, name, "default-argname", test=context.qualname)
                    continue
                similar = [m for m in missing if name in m or m in name or _alike(name, m)]
                if similar:
                    hint = f"the test takes `{similar[0]}`, which nothing provides: rename one of them"
                else:
                    hint = f"add `{name}` to the test's parameters, or drop it from the mark"
                what = "fixture" if name in indirect else "argument"
                self._emit(node, name, "unused-argname", test=context.qualname, what=what, hint=hint)
        return reported

    @staticmethod
    def _hook_holders(context: _Context) -> List[ModuleFacts]:
        return [level.facts for level in context.levels if isinstance(level, Level) and level.facts is not None]

    def _plugins_may_use(self, name: str) -> bool:
        """Whether pytest or a plugin may put ``name`` into a test's closure by
        itself (a plugin's hook marks tests, a plugin fixture requests it): a
        name pytest or some known plugin defines, or any name when a plugin the
        tests run with is unknown."""
        global_level = self.model.global_level()
        global_level.entries(name)  # loads the plugins
        if global_level.unknown_plugins or global_level.opaque:
            return True
        if global_level.builtin.plugin_of(name) is not None or name in global_level.builtin.introduced:
            return True
        if name in global_level.provided or name in global_level.maybe_names:
            return True
        return any(name in plugin.fixtures for plugin in bundled_plugins()) or any(
            name in (plugin.fixtures or ()) for plugin in installed_plugins()
        )

    def _unittest_arguments(self, context: _Context, requested: List[Tuple[str, cst.Param]]) -> None:
        """A unittest.TestCase test method with parameters no ``mock.patch``
        fills: unittest calls it without arguments, a TypeError."""
        func = context.test.func
        decorators = [d.decorator.func if isinstance(d.decorator, cst.Call) else d.decorator for d in func.decorators]
        skipped = any(m.kind in ("skip", "opaque") for m in context.marks) or any(
            (dotted_name(d) or "").rsplit(".", 1)[-1] in _UNITTEST_SKIPS | {"classmethod"} for d in decorators
        )
        if not requested or skipped or func.params.posonly_params:
            return
        keyword_only = {id(param) for param in func.params.kwonly_params}
        positional = [(name, param) for name, param in requested if id(param) not in keyword_only]
        missing = positional or requested
        names = [f"'{name}'" for name, _ in missing]
        if len(names) <= 2:
            listed = " and ".join(names)
        else:  # CPython's wording: 'a', 'b', and 'c'
            listed = ", ".join(names[:-1]) + ", and " + names[-1]
        kind = "positional" if positional else "keyword-only"
        plural = "s" if len(names) > 1 else ""
        error = f"TypeError: {context.python_qualname}() missing {len(names)} required {kind} argument{plural}: "
        error += listed
        self._emit(
            missing[0][1],
            missing[0][0],
            "unittest",
            test=context.qualname,
            error=error,
            cls=context.python_qualname.rsplit(".", 1)[0],
        )

    def _note(self, chain: List[Tuple[Fixture, str]], context: _Context, miss: Optional[_Miss]) -> None:
        """Remember that a fixture of this file requested a name successfully (or not)."""
        if chain and chain[-1][0].func is not None and chain[-1][0].path == self.path:
            fixture, name = chain[-1]
            self.fixture_by_id[id(fixture)] = fixture
            self.fixture_requests.setdefault((id(fixture), name), []).append((context.qualname, miss))

    # -- reporting ----------------------------------------------------------------
    def _report(self, misses: Dict[int, List[_Miss]]) -> None:
        by_context = {id(c): c for c in self.contexts}
        for key, found in misses.items():
            for miss in found:
                self._note(miss.chain, by_context[key], miss)
        # a fixture of this module whose request fails for every test that reaches it
        at_fixture: Set[Tuple[int, str]] = set()
        for (fixture_id, name), outcomes in self.fixture_requests.items():
            if outcomes and all(miss is not None for _, miss in outcomes):
                fixture = self.fixture_by_id[fixture_id]
                param = fixture.params.get(name)
                if param is None:
                    continue
                at_fixture.add((fixture_id, name))
                tests = self._tests_phrase([test for test, _ in outcomes])
                first = outcomes[0][1]
                assert first is not None
                context = next(c for c in self.contexts if c.qualname == outcomes[0][0])
                hint = self._hint(name, context)
                variant = "recursive" if first.recursive else "fixture-param"
                self._emit(param, name, variant, fixture=fixture.name, tests=tests, hint=hint)
        for (_, name), (node, outcomes) in self.fixture_lookups.items():
            if outcomes and all(missing for _, missing in outcomes):
                context = next(c for c in self.contexts if c.qualname == outcomes[0][0])
                tests = self._tests_phrase([test for test, _ in outcomes])
                self._emit(
                    node,
                    name,
                    "lookup",
                    test=tests.strip("`") if tests.startswith("`") else tests,
                    hint=self._hint(name, context),
                )
        for key, found in misses.items():
            context = by_context[key]
            for miss in found:
                if miss.chain and (id(miss.chain[-1][0]), miss.name) in at_fixture:
                    continue
                self._report_miss(context, miss)

    def _tests_phrase(self, tests: List[str]) -> str:
        unique = sorted(set(tests))
        if len(unique) == 1:
            return f"`{unique[0]}`"
        if len(unique) <= 3:
            return ", ".join(f"`{t}`" for t in unique[:-1]) + f" and `{unique[-1]}`"
        return f"the {len(unique)} tests that use it"

    def _report_miss(self, context: _Context, miss: _Miss) -> None:
        origin = miss.origin
        name = miss.name
        test = context.qualname
        if origin.node is None:
            return
        if miss.recursive and not miss.chain:
            return
        hint = self._hint(name, context)
        if origin.kind == "lookup":
            self._emit(origin.node, name, "lookup", test=test, hint=hint)
        elif miss.chain:
            via, _ = miss.chain[0]
            fixture, _ = miss.chain[-1]
            where = self.model.rel(fixture.path) if fixture.path != self.path else "in this module"
            if miss.recursive:
                self._emit(origin.node, name, "recursive", tests=f"`{test}`", hint=hint)
            else:
                self._emit(origin.node, name, "dependency", test=test, via=via.name, where=where, hint=hint)
        elif origin.kind == "param" and name in context.indirect:
            self._emit(context.indirect[name], name, "indirect", test=test, hint=hint)  # where the name is written
        elif origin.kind == "param":
            self._emit(origin.node, name, "param", test=test, hint=hint)
        elif origin.kind == "mark":
            self._emit(origin.node, name, "usefixtures", tests=f"`{test}`", hint=hint)
        elif origin.kind == "ini":
            ini = self.model.rel(self.model.config.inipath or "pytest.ini")
            self._emit(origin.node, name, "ini", ini=ini, test=test, hint=hint)

    def _emit(self, node: cst.CSTNode, name: str, variant: str, **fields: str) -> None:
        key = (id(node), name)
        if key in self.reported:
            return
        self.reported.add(key)
        autofix = None
        if name in self.importable and variant != "recursive":
            if name not in self.fixes:
                self.fixes[name] = import_fix(self.model, self.path, name)
            autofix = self.fixes[name]
        if "hint" in fields:
            fields["hint"] = _sentence(fields["hint"])
        self.rule.report(node, variant, autofix=autofix, name=name, **fields)

    # -- hints ------------------------------------------------------------------
    # (a hint is a clause: "did you mean `db`?", "it is defined in ...")
    def _hint(self, name: str, context: _Context) -> str:
        model = self.model
        global_level = model.global_level()
        builtin = global_level.builtin
        plugin = builtin.plugin_of(name)
        enabled = set(global_level.enabled)
        for level in context.levels:
            if isinstance(level, ModulePlugins):
                enabled |= level.enabled
        root_conftest = model.rel(os.path.join(model.root, "conftest.py"))
        if plugin is not None:
            if plugin == "pytester" and plugin not in enabled:
                return (
                    f"`{name}` comes from pytest's `pytester` plugin, which is off by default: add "
                    f'`pytest_plugins = ["pytester"]` to the root conftest.py ({root_conftest})'
                    " or `-p pytester` to addopts"
                )
            if plugin in global_level.disabled or "tmpdir" in global_level.disabled:
                ini = model.rel(model.config.inipath or "the pytest configuration")
                return f"`{name}` comes from pytest's `{plugin}` plugin, which `-p no:{plugin}` in {ini} turns off"
        if plugin is None and name in builtin.introduced and builtin.version:
            return (
                f"`{name}` is built into pytest {builtin.introduced[name]} and later, but the installed pytest is "
                f"{builtin.version}: upgrade pytest"
            )
        defined = model.definitions_anywhere(name)
        if defined:
            return self._defined_elsewhere(name, defined)
        for bundled in bundled_plugins():
            if name in bundled.fixtures:
                return self._plugin_hint(name, bundled)
        import difflib  # for a hint of a finding: not on every start-up

        close = difflib.get_close_matches(name, sorted(self._visible_names(context)), n=1, cutoff=0.75)
        if close:
            return f"did you mean `{close[0]}`?"
        return "no conftest.py on this test's path, its module, pytest or a known plugin defines it"

    def _plugin_hint(self, name: str, bundled: BundledPlugin) -> str:
        """Why a fixture of a plugin of the bundled table is missing: the plugin is
        not among those the tests run with, or its release lacks the fixture."""
        model = self.model
        dist = bundled.distribution
        releases = model.global_level().bundled_releases.get(normal(dist))
        installed = normal(dist) in {normal(plugin.distribution) for plugin in installed_plugins()}
        if releases or installed:
            having = [r.version for r in bundled.releases if name in r.fixtures]
            lacking = [r.version for r in bundled.releases if name not in r.fixtures]
            if having and lacking and max(map(version_key, having)) < min(map(version_key, lacking)):  # type: ignore
                which = f"up to {having[-1]} ({lacking[0]} removed it)"
            elif having and lacking and min(map(version_key, having)) > max(map(version_key, lacking)):  # type: ignore
                which = f"from {having[0]} on"
            else:
                which = "in " + ", ".join(having)
            if installed:
                running = f"{reads.installed_distributions().get(normal(dist), ('',))[0]} (installed here)"
            else:
                declarations = model.declarations()
                found = declarations.pins.get(normal(dist)) or declarations.requirements.get(normal(dist))
                where = f" (`{dist}{found[0].specifier}` in {model.rel(found[0].source)})" if found else ""
                running = f"{releases[-1]}{where}"  # type: ignore[index]
            return f"`{name}` is a fixture of {dist} {which}, and the tests run with {dist} {running}"
        if model.settings.plugins is not None:
            return (
                f"`{name}` comes from the {dist} plugin: install it (`pip install {dist}`) and add it to "
                "`[tool.mocklint] plugins`"
            )
        return (
            f"`{name}` comes from the {dist} plugin, which the project does not declare and which is not installed "
            "here: add it to the test dependencies"
        )

    def _visible_names(self, context: _Context) -> Set[str]:
        names: Set[str] = set()
        for level in context.levels:
            if isinstance(level, Level):
                names |= set(level.full())
        global_level = self.model.global_level()
        builtin = global_level.builtin
        names |= {n for n in builtin.fixtures if builtin.available(n, global_level.enabled, global_level.disabled)}
        names |= set(global_level.provided)
        return names

    def _defined_elsewhere(self, name: str, defined: List[Tuple[str, str, str]]) -> str:
        model = self.model
        test_dir = os.path.dirname(self.path)

        def distance(item: Tuple[str, str, str]) -> Tuple[int, str]:
            common = os.path.commonpath([os.path.dirname(item[0]), test_dir])
            return (len(test_dir) - len(common), item[0])

        path, where, registered = sorted(defined, key=distance)[0]
        rel = model.rel(path)
        attr = where.rsplit(".", 1)[-1]
        if registered != name and attr == name:
            return (
                f"`{where}` in {rel} registers its fixture as `{registered}` (`name=`): request `{registered}` instead"
            )
        target = self._conftest_for(path)
        if "." in where:
            cls = where.rsplit(".", 1)[0]
            place = "this module" if path == self.path else rel
            return (
                f"it is defined in class `{cls}` of {place}, and only that class's tests see it: move it to module"
                f" level or to {target}"
            )
        base = os.path.basename(path)
        folder = os.path.dirname(path)
        if base == "conftest.py":
            if not model.in_project(folder) or folder in parent_folders(model.confcutdir):
                return (
                    f"it is defined in {rel}, above the rootdir ({model.rel(model.root) or '.'}, where "
                    f"{os.path.basename(model.config.inipath or 'the pytest configuration')} is): pytest does not load "
                    "conftest.py files above it; move the fixture into "
                    f"{model.rel(os.path.join(model.root, 'conftest.py'))}"
                )
            return (
                f"it is defined in {rel}, which applies only to tests under {model.rel(folder)}/: move it to {target}"
            )
        if model.is_test_module(path):
            return f"it is defined in {rel}, whose fixtures only its own tests see: move it to {target}"
        module = _module_name(model, path)
        self.importable.add(name)
        importers = self._importers(name)
        if importers:
            return (
                f"it is defined in {rel} and imported into {importers[0]}, whose fixtures only its own tests see: "
                f"import it in {target} or add `{module}` to `pytest_plugins` in the root conftest.py"
            )
        return (
            f"it is defined in {rel}, which no conftest.py on this test's path imports: import it in {target} or add "
            f"`{module}` to `pytest_plugins` in the root conftest.py"
        )

    def _importers(self, name: str) -> List[str]:
        """The other test modules that import ``name`` (``from x import name``)."""
        pattern = re.compile(r"^[^\S\n]*from[^\S\n]+[\w.]+[^\S\n]+import[^\n]*\b" + re.escape(name) + r"\b", re.M)
        found = []
        for path in self.model.files():
            if path == self.path or os.path.basename(path) == "conftest.py" or not self.model.is_test_module(path):
                continue
            text = self.model.text(path)
            if text and name in text and pattern.search(text):
                found.append(self.model.rel(path))
        return found

    def _conftest_for(self, other: str) -> str:
        """The conftest.py on this test's path that would share a fixture with ``other``."""
        model = self.model
        common = os.path.commonpath([os.path.dirname(other), os.path.dirname(self.path)])
        if not model.in_project(common):
            common = model.root
        return model.rel(os.path.join(common, "conftest.py"))


def _alike(name: str, other: str) -> bool:
    import difflib

    return difflib.SequenceMatcher(None, name, other).ratio() > 0.6


def _module_name(model: ProjectModel, path: str) -> str:
    rel = os.path.relpath(path, model.root)
    if rel.startswith("src" + os.sep):
        rel = rel[4:]
    rel = rel[:-3] if rel.endswith(".py") else rel
    if rel.endswith(os.sep + "__init__"):
        rel = rel[: -len("__init__") - 1]
    return rel.replace(os.sep, ".")


def _sentence(hint: str) -> str:
    """A hint ended as the last sentence of a detail (its first letter is the template's ``!c``)."""
    return hint if hint.endswith(("?", ".")) else hint + "."
