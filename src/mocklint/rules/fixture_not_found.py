"""MCK301 fixture-not-found: a test requests a fixture that no definition visible to it provides."""

from __future__ import annotations

import ast
import difflib
import os
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Set, Tuple, Union

import libcst as cst

from mocklint.analysis.bodies import BodyFilter
from mocklint.analysis.fixture_defs import OPAQUE, ClassFacts, Fixture, Mark, ModuleFacts, TestFunction, extract
from mocklint.analysis.fixture_import_fix import import_fix
from mocklint.analysis.fixture_requests import certainly_provided
from mocklint.analysis.plugin_fixtures import bundled_plugins
from mocklint.analysis.project import (
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

_NOT_FOUND = "pytest errors at setup with \"fixture '{name}' not found\""


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


class FixtureNotFound(Rule):
    """
    ## What it does
    Checks that every fixture a test requests is visible from that test, the way
    pytest looks it up: test parameters (without defaults, `self`, and the
    arguments `mock.patch` decorators and hypothesis's `@given` supply),
    `@pytest.mark.usefixtures(...)` on the test, its class or the module's
    `pytestmark`, the `usefixtures` ini option, literal
    `request.getfixturevalue("name")` calls, and the fixtures those fixtures
    request in turn.

    A fixture is visible from a test when it is defined or imported in the test's
    module or class (or a base class), in a `conftest.py` between the rootdir
    (the folder of `pytest.ini`, `pyproject.toml`, `tox.ini` or `setup.cfg`) and
    the test's folder, in a module named by `pytest_plugins` in the root
    conftest.py, or by pytest and its plugins. mocklint reads all of these
    files; it never imports them.

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
    `metafunc.parametrize` calls, an unknown decorator on the test,
    `unittest.TestCase` classes (their methods get no fixtures), and every name
    a widely used plugin provides (pytest-mock's `mocker`, pytest-asyncio's
    `event_loop`...), since mocklint cannot know which plugins your test
    environment has. List them in `pyproject.toml` to get those checked too:

    ```toml
    [tool.mocklint]
    plugins = ["pytest-mock", "pytest-asyncio"]   # the plugins the tests run with
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
    Plugins that are neither installed where mocklint runs nor in its bundled
    table are unknown, so their fixtures look missing: list them in
    `[tool.mocklint] extra-fixtures`, or install the plugin next to mocklint.
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
        "param": "fixture `{name}` is not visible from `{test}`, so " + _NOT_FOUND + "; {hint}",
        "dependency": "`{test}` requests `{via}` ({where}), which requests fixture `{name}`, "
        "not visible from this test, so " + _NOT_FOUND + "; {hint}",
        "fixture-param": "fixture `{fixture}` requests `{name}`, which is not visible from {tests}, so "
        + _NOT_FOUND
        + "; {hint}",
        "usefixtures": "`usefixtures` names fixture `{name}`, which is not visible from {tests}, so "
        + _NOT_FOUND
        + "; {hint}",
        "lookup": '`getfixturevalue("{name}")` fails: fixture `{name}` is not visible from `{test}`, so the '
        "call raises \"fixture '{name}' not found\" and the test fails; {hint}",
        "recursive": "fixture `{name}` requests `{name}` to extend an outer definition, but no conftest.py, plugin "
        'or pytest itself defines `{name}` for {tests}, so pytest errors at setup with "recursive dependency '
        "involving fixture '{name}' detected\"; {hint}",
        "ini": "the `usefixtures` option in {ini} requests fixture `{name}`, which is not visible from `{test}`, so "
        + _NOT_FOUND
        + "; {hint}",
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

    # -- contexts ---------------------------------------------------------------
    def run(self) -> None:
        facts = self.facts
        if facts.has_test_attr or facts.registers or facts.pytest_plugins is OPAQUE:
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
        return self.model.order_dependent(name)

    # -- the closure, as pytest's traverse_fixture_closure ------------------------
    def _check(self, context: _Context) -> Optional[List[_Miss]]:
        test = context.test
        STATS["tests"] += 1
        if any(m.kind == "opaque" for m in context.marks):
            return None
        requests = test.requests(context.in_class)
        if requests is None:
            return None
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
                ):
                    misses.append(_Miss(name, origin, chain, recursive=True))
                return
            self._note(chain, context, None)
            entry = entries[index]
            if entry is MAYBE or isinstance(entry, PluginFixture) or not isinstance(entry, Fixture):
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
        for name, param in requests:
            process(name, _Origin("param", param), [])
        # literal getfixturevalue calls in the test, then in fixtures of this module it used
        for name, node in test.lookups:
            if name in parametrized or name in context.ignore or name == "request":
                continue
            if not self._entries(context, name) and not self._excused(context, name):
                misses.append(_Miss(name, _Origin("lookup", node), []))
        return [m for m in misses if m.origin.kind != "autouse"]

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
        self.rule.report(node, variant, autofix=autofix, name=name, **fields)

    # -- hints ------------------------------------------------------------------
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
                listed = model.settings.plugins is not None
                extra = " and add it to `[tool.mocklint] plugins`" if listed else ""
                dist = bundled.distribution
                return f"`{name}` comes from the {dist} plugin: install it (`pip install {dist}`){extra}"
        close = difflib.get_close_matches(name, sorted(self._visible_names(context)), n=1, cutoff=0.75)
        if close:
            return f"did you mean `{close[0]}`?"
        return "no conftest.py on this test's path, its module, pytest or a known plugin defines it"

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
        return (
            f"it is defined in {rel}, which no conftest.py on this test's path imports: import it in {target} or add "
            f"`{module}` to `pytest_plugins` in the root conftest.py"
        )

    def _conftest_for(self, other: str) -> str:
        """The conftest.py on this test's path that would share a fixture with ``other``."""
        model = self.model
        common = os.path.commonpath([os.path.dirname(other), os.path.dirname(self.path)])
        if not model.in_project(common):
            common = model.root
        return model.rel(os.path.join(common, "conftest.py"))


def _module_name(model: ProjectModel, path: str) -> str:
    rel = os.path.relpath(path, model.root)
    if rel.startswith("src" + os.sep):
        rel = rel[4:]
    rel = rel[:-3] if rel.endswith(".py") else rel
    if rel.endswith(os.sep + "__init__"):
        rel = rel[: -len("__init__") - 1]
    return rel.replace(os.sep, ".")
