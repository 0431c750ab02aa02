"""MCK212 nose-setup-teardown: nose-style ``setup``/``teardown`` that pytest no longer calls."""

from __future__ import annotations

import ast
import os
import re
from typing import Dict, Iterator, List, Optional, Sequence, Set, Tuple

from mocklint.analysis.syntax.ast_scan import header_nodes, statements_on_lines, word_lines
from mocklint.analysis.pytest_model.collection import (
    TEST_CLASS_PREFIX,
    TEST_FUNCTION_PREFIX,
    body_binds,
    collected_test_class,
    enclosing_module_class,
    module_binds_directly,
    module_classes,
    statement_binds,
)
from mocklint.analysis.pytest_model.project import conftest_chain_matches
from mocklint.analysis.pytest_model.pytest_roles import is_test_module_path
from mocklint.analysis.syntax.lazy_import import libcst as cst
from mocklint.analysis.syntax.tree import Site
from mocklint.rule import Rule, gate

_NAMES = ("setup", "teardown")
# what pytest calls instead, per level; when one of these exists, nose's name was never called
_NATIVE = {
    ("module", "setup"): ("setup_module", "setUpModule"),
    ("module", "teardown"): ("teardown_module", "tearDownModule"),
    ("method", "setup"): ("setup_method",),
    ("method", "teardown"): ("teardown_method",),
}


# a conftest that calls ``setup``/``teardown`` itself (a nose compatibility shim)
_SHIM = re.compile(r"""\.\s*(?:setup|teardown)\s*\(|["'](?:setup|teardown)["']""")


class NoseSetupTeardown(Rule):
    """
    ## What it does
    Checks for nose-style set-up and tear-down in test modules: module-level
    `setup()`/`teardown()` functions, and `setup(self)`/`teardown(self)` methods
    of test classes (`Test*` classes pytest collects, including methods they
    inherit from a base class in the same module).

    ## Why is this bad?
    These names were never pytest's own: pytest called them through its nose
    compatibility layer, which was deprecated in pytest 7.2 and removed in
    pytest 8 (8.0 turned the `setup(self)` method into an error, 8.1 removed the
    code). Since pytest 8.1 they are ordinary functions nobody calls, silently:
    the tests run without their set-up, and fail for reasons far from the
    cause, or pass without testing what they should; a `teardown` that no
    longer runs leaks its resources into the next tests.

    pytest's own names are `setup_method`/`teardown_method` for methods and
    `setup_module`/`teardown_module` for module functions; a fixture with
    `autouse=True` works for both.

    Not flagged: functions decorated in any way (a `@pytest.fixture` named
    `setup` is called as a fixture), a `setup` the module calls or mentions
    itself (`setup_method` calling `self.setup()`), a module or class that
    also defines the pytest name (nose's was never called then),
    `unittest.TestCase` subclasses (unittest calls `setUp`, never `setup`, with
    or without pytest), classes whose bases come from other modules, and test
    modules below a conftest.py that calls or names `setup`/`teardown` (a shim
    that keeps calling them, such as an autouse fixture running
    `request.instance.setup()`).

    ## Known problems
    A shim in a plugin that is not a conftest.py on the file's path is not
    seen; add `# noqa: MCK212` there.

    ## Example
    ```python
    class TestCart:
        def setup(self):
            self.cart = Cart()

        def teardown(self):
            self.cart.close()

        def test_empty(self):
            assert self.cart.total == 0
    ```

    Use instead:
    ```python
    class TestCart:
        def setup_method(self):
            self.cart = Cart()

        def teardown_method(self):
            self.cart.close()

        def test_empty(self):
            assert self.cart.total == 0
    ```

    ## References
    - [pytest deprecations: Support for tests written for nose](https://docs.pytest.org/en/stable/deprecations.html#support-for-tests-written-for-nose)
    - [pytest changelog 7.2.0 (#9886)](https://docs.pytest.org/en/stable/changelog.html#pytest-7-2-0-2022-10-23)
    - [pytest changelog 8.0.0rc1 (#7363)](https://docs.pytest.org/en/stable/changelog.html#pytest-8-0-0rc1-2023-12-30)
    - [How to implement xunit-style set-up](https://docs.pytest.org/en/stable/how-to/xunit_setup.html)
    """

    code = "MCK212"
    name = "nose-setup-teardown"
    summary = "Nose-style `setup`/`teardown` are not called since pytest 8.1"
    messages = {
        "method-setup": (
            "pytest 8.1 ignores nose-style `setup()`, so the tests of `{cls}` run without it",
            "pytest stopped calling it in 8.1 (deprecated in 7.2, an error in 8.0), silently. Rename it "
            "`setup_method` (or make it a `@pytest.fixture(autouse=True)`).",
        ),
        "method-teardown": (
            "pytest 8.1 ignores nose-style `teardown()`, so the tests of `{cls}` are not torn down",
            "pytest stopped calling it in 8.1 (deprecated in 7.2, an error in 8.0), silently. Rename it "
            "`teardown_method` (or tear down after the `yield` of an autouse fixture).",
        ),
        "module-setup": (
            "pytest 8.1 ignores a module-level `setup()`, so this module's tests run without it",
            "pytest stopped calling nose-style `setup()` in 8.1 (deprecated in 7.2), silently. Rename it "
            "`setup_module` (or make it a `@pytest.fixture(scope=\"module\", autouse=True)`).",
        ),
        "module-teardown": (
            "pytest 8.1 ignores a module-level `teardown()`, so this module is not torn down",
            "pytest stopped calling nose-style `teardown()` in 8.1 (deprecated in 7.2), silently. Rename it "
            "`teardown_module`.",
        ),
    }
    body_gate = gate(r"setup", r"teardown")  # definitions, and any mention that calls them
    gate = gate(r"def[ \t]+(?:setup|teardown)\b")

    @classmethod
    def might_report(cls, tree: ast.Module, source: str, path: Optional[str]) -> bool:
        """In a test module, an undecorated ``def setup``/``def teardown`` at
        module level beside a test, or directly in a module-level class when
        the module has a ``Test*`` class, whose name the module does not use
        otherwise (``self.setup()``, a parameter ``setup``): ``finish`` is
        silent on the rest, such as the ``def setup`` of pytest's own tests,
        which is in a string."""
        if not is_test_module_path(path):
            return False
        test_class = any(isinstance(s, ast.ClassDef) and s.name.startswith(TEST_CLASS_PREFIX) for s in tree.body)
        candidates: Set[str] = set()
        if test_class or any(
            isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef)) and s.name.startswith(TEST_FUNCTION_PREFIX)
            for s in tree.body
        ):
            candidates.update(_nose_defs(tree.body))
        if test_class:
            for statement in tree.body:
                if isinstance(statement, ast.ClassDef):
                    candidates.update(_nose_defs(statement.body))
        return any(not _used(tree, source, name) for name in candidates)

    def __init__(self, context) -> None:  # type: ignore[no-untyped-def]
        super().__init__(context)
        self._module_defs: List[cst.FunctionDef] = []
        self._method_defs: Dict[int, cst.FunctionDef] = {}  # id -> def, methods of module-level classes
        self._mentioned: Set[str] = set()

    def visit_FunctionDef(self, node: cst.FunctionDef, site: Site) -> None:
        if node.name.value not in _NAMES or node.decorators or node.asynchronous is not None:
            return
        if isinstance(site.parent, cst.Module):
            if _required_positional(node, bound=False) <= 1:
                self._module_defs.append(node)
        elif enclosing_module_class(site) is not None and _required_positional(node, bound=True) <= 1:
            self._method_defs[id(node)] = node

    def visit_Name(self, node: cst.Name, site: Site) -> None:
        if node.value not in _NAMES:
            return
        parent = site.parent
        if isinstance(parent, cst.FunctionDef) and site.field == "name":
            return  # the definition itself
        if isinstance(parent, cst.Arg) and site.field == "keyword":
            return  # ``timeit(..., setup="...")`` names a parameter, not our function
        self._mentioned.add(node.value)

    def visit_SimpleString(self, node: cst.SimpleString, site: Site) -> None:
        value = node.evaluated_value
        if isinstance(value, str) and value in _NAMES:
            self._mentioned.add(value)  # getattr(self, "setup"), a string reference

    def finish(self) -> None:
        path = self.context.path
        if not is_test_module_path(path) or not (self._module_defs or self._method_defs):
            return
        if path and conftest_chain_matches(os.path.dirname(os.path.abspath(path)), _SHIM):
            return
        module = self.context.module
        if module_binds_directly(module, "__test__"):
            return
        names = self.context.names
        if self._module_defs and _has_tests(module):
            for node in self._module_defs:
                name = node.name.value
                if name in self._mentioned or len(names.scope_bindings(module, name)) != 1:
                    continue
                if any(names.scope_bindings(module, native) for native in _NATIVE[("module", name)]):
                    continue
                self.report(node.name, f"module-{name}")
        if self._method_defs:
            for node, cls_name in self._reached_methods(module):
                self.report(node.name, f"method-{node.name.value}", cls=cls_name)

    def _reached_methods(self, module: cst.Module) -> List[Tuple[cst.FunctionDef, str]]:
        """Candidate methods nose would have called for some collected test class, with that class."""
        found: Dict[int, Tuple[cst.FunctionDef, str]] = {}
        names = self.context.names
        for cls in module_classes(module).values():
            mro = collected_test_class(cls, module, names)
            if mro is None:
                continue
            for name in _NAMES:
                if name in self._mentioned:
                    continue
                if any(body_binds(klass.body, native) for klass in mro for native in _NATIVE[("method", name)]):
                    continue
                owner = next((klass for klass in mro if body_binds(klass.body, name)), None)
                if owner is None:
                    continue
                method = _single_method(owner, name)
                if method is not None and id(method) in self._method_defs and id(method) not in found:
                    found[id(method)] = (method, cls.name.value)
        return list(found.values())


def _nose_defs(body: Sequence[ast.stmt]) -> Iterator[str]:
    """The names of the undecorated ``def setup``/``def teardown`` in ``body``."""
    for statement in body:
        if isinstance(statement, ast.FunctionDef) and statement.name in _NAMES and not statement.decorator_list:
            yield statement.name


def _used(tree: ast.Module, source: str, name: str) -> bool:
    """Whether ``tree`` surely uses ``name`` as ``visit_Name`` records it: a
    name, an attribute or a parameter, on a line with the word."""
    return any(
        (isinstance(node, ast.Name) and node.id == name)
        or (isinstance(node, ast.Attribute) and node.attr == name)
        or (isinstance(node, ast.arg) and node.arg == name)
        for statement in statements_on_lines(tree, word_lines(source, name))
        for node in header_nodes(statement)
    )


def _single_method(cls: cst.ClassDef, name: str) -> Optional[cst.FunctionDef]:
    """The one ``def name`` of the class body, when nothing else there binds ``name``."""
    body = cls.body.body if isinstance(cls.body, cst.IndentedBlock) else ()
    defs = [s for s in body if isinstance(s, cst.FunctionDef) and s.name.value == name]
    if len(defs) != 1:
        return None
    others = [s for s in body if s is not defs[0] and statement_binds(s, name)]
    return None if others else defs[0]


def _required_positional(func: cst.FunctionDef, *, bound: bool) -> int:
    """How many arguments a call must pass (``self`` not counted for a method);
    a required keyword-only parameter counts as too many."""
    params = func.params
    positional = [*params.posonly_params, *params.params]
    if bound and positional:
        positional = positional[1:]
    if any(p.default is None for p in params.kwonly_params):
        return 99
    return sum(1 for p in positional if p.default is None)


def _has_tests(module: cst.Module) -> bool:
    for statement in module.body:
        if isinstance(statement, cst.FunctionDef) and statement.name.value.startswith(TEST_FUNCTION_PREFIX):
            return True
        if isinstance(statement, cst.ClassDef) and statement.name.value.startswith(TEST_CLASS_PREFIX):
            return True
    return False
