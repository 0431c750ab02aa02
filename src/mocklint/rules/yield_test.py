"""MCK211 yield-test: test functions that ``yield``, which pytest no longer runs."""

from __future__ import annotations

import ast
from typing import Dict, List, Mapping, Optional, Set, Tuple

from mocklint.analysis.syntax.ast_scan import (
    block_statements_on_lines,
    header_nodes,
    import_bindings,
    qualified_names,
    statements_on_lines,
    word_lines,
)
from mocklint.analysis.syntax.bodies import BodyFilter
from mocklint.analysis.pytest_model.collection import (
    TEST_FUNCTION_PREFIX,
    collected_test_class,
    enclosing_module_class,
    module_binds_directly,
)
from mocklint.analysis.pytest_model.pytest_roles import (
    decorator_target,
    fixture_decorator,
    is_test_module_path,
)
from mocklint.analysis.syntax.lazy_import import libcst as cst
from mocklint.analysis.syntax.source import code
from mocklint.analysis.syntax.tree import Site
from mocklint.rule import Rule, gate_all

# decorators that hand pytest the generator function itself
_TRANSPARENT = frozenset({"staticmethod", "classmethod"})


class YieldTest(Rule):
    """
    ## What it does
    Checks for test functions and test methods that contain `yield` (or
    `yield from`) in their own body: the "yield tests" of pytest 3 and nose,
    in which each yielded `(function, *args)` became a test case.

    Only what pytest collects by default is checked: synchronous `test*`
    functions at module level, and `test*` methods of `Test*` classes (without
    `__init__`, whose bases are defined in the same module), in `test_*.py` and
    `*_test.py` files. Fixtures, `yield` in nested functions, lambdas and
    classes, and `async def` tests (async generators are a matter for the async
    plugin) are not flagged.

    ## Why is this bad?
    pytest has not run yield tests since 4.0: until 8.3 it reported them as
    `xfail` ("yield tests were removed in pytest 4.0 - test_squared will be
    ignored"), so the checks silently never ran. Since pytest 8.4 a test that
    contains `yield` is a collection error ("'yield' keyword is allowed in
    fixtures, but not in tests"): no test of the module (or of the class) runs.

    ## Example
    ```python
    def check(x, y):
        assert x**x == y

    def test_squared():
        yield check, 2, 4
        yield check, 3, 27
    ```

    Use instead:
    ```python
    import pytest

    @pytest.mark.parametrize(("x", "y"), [(2, 4), (3, 27)])
    def test_squared(x, y):
        check(x, y)
    ```

    ## References
    - [pytest deprecations: `yield` tests](https://docs.pytest.org/en/stable/deprecations.html#yield-tests)
    - [pytest changelog 8.4.0 (#12960)](https://docs.pytest.org/en/stable/changelog.html#pytest-8-4-0-2025-06-02)
    - [pytest changelog 4.1.0 (#3079)](https://docs.pytest.org/en/stable/changelog.html#pytest-4-1-0-2019-01-05)
    - [How to parametrize tests](https://docs.pytest.org/en/stable/how-to/parametrize.html)
    """

    code = "MCK211"
    name = "yield-test"
    summary = "`yield` tests stopped running in pytest 4.0 and are a collection error since 8.4"
    messages = {
        "default": (
            "`{test}` is a yield test: since pytest 8.4 no test of {scope} runs",
            "Since pytest 8.4 a `yield` in a test is a collection error (\"'yield' keyword is allowed in "
            "fixtures, but not in tests\"); pytest has not run yield tests since 4.0 (they were reported as "
            "xfail). {replacement!c}.",
        ),
    }

    @classmethod
    def needed_bodies(cls, tree: ast.Module, source: str, path: Optional[str]) -> Optional[BodyFilter]:
        """The yields of test functions, and `__test__` anywhere."""
        return lambda func, body: "__test__" in body or (
            func.name.startswith(TEST_FUNCTION_PREFIX) and "yield" in body
        )
    gate = gate_all(r"yield", r"def\s+test")

    @classmethod
    def might_report(cls, tree: ast.Module, source: str, path: Optional[str]) -> bool:
        """A plain ``def test*`` with a ``yield`` of its own (not one of a nested
        function, nor one in a string: pytest's own tests write test files), in a
        test module, whose decorators may all be transparent (a fixture named
        ``test_client`` is not a test).  Only the statements with the word on
        one of their lines are read."""
        if not is_test_module_path(path):
            return False
        lines = word_lines(source, "yield")
        bindings: Optional[Dict[str, Set[str]]] = None
        for func in statements_on_lines(tree, lines):
            if not isinstance(func, ast.FunctionDef) or not func.name.startswith(TEST_FUNCTION_PREFIX):
                continue
            if not _yields_itself(func, lines):
                continue
            bindings = import_bindings(tree, source) if bindings is None else bindings
            if all(_may_be_transparent(decorator, bindings) for decorator in func.decorator_list):
                return True
        return False

    def __init__(self, context) -> None:  # type: ignore[no-untyped-def]
        super().__init__(context)
        self._yields: Dict[int, List[cst.CSTNode]] = {}
        self._tests: List[Tuple[cst.FunctionDef, Site, Optional[cst.ClassDef]]] = []
        self._test_flag_off: Set[str] = set()

    def visit_Yield(self, node: cst.Yield, site: Site) -> None:
        owner = next(site.scopes(), None)
        if isinstance(owner, cst.FunctionDef):
            self._yields.setdefault(id(owner), []).append(node)

    def visit_FunctionDef(self, node: cst.FunctionDef, site: Site) -> None:
        if node.asynchronous is not None or not node.name.value.startswith(TEST_FUNCTION_PREFIX):
            return
        if isinstance(site.parent, cst.Module):
            self._tests.append((node, site, None))
            return
        cls = enclosing_module_class(site)
        if cls is not None:
            self._tests.append((node, site, cls))

    def visit_AssignTarget(self, node: cst.AssignTarget, site: Site) -> None:
        # ``test_x.__test__ = False`` takes a function out of collection
        target = node.target
        if isinstance(target, cst.Attribute) and target.attr.value == "__test__" and isinstance(target.value, cst.Name):
            self._test_flag_off.add(target.value.value)

    def finish(self) -> None:
        if not is_test_module_path(self.context.path):
            return
        module = self.context.module
        if module_binds_directly(module, "__test__"):
            return
        names = self.context.names
        for node, site, cls in self._tests:
            yields = self._yields.get(id(node))
            if not yields or node.name.value in self._test_flag_off:
                continue
            if fixture_decorator(node, names, site) is not None or not self._transparent_decorators(node, site):
                continue
            if len(names.scope_bindings(cls if cls is not None else module, node.name.value)) != 1:
                continue  # redefined: pytest sees only the last definition
            if cls is None:
                scope = "this module"
            elif collected_test_class(cls, module, names) is not None:
                scope = f"class `{cls.name.value}`"
            else:
                continue
            self.report(node.name, test=node.name.value, scope=scope, replacement=_replacement(yields))

    def _transparent_decorators(self, node: cst.FunctionDef, site: Site) -> bool:
        """Whether every decorator hands pytest the generator function itself."""
        for decorator in node.decorators:
            target = decorator_target(decorator)
            if isinstance(target, cst.Name) and target.value in _TRANSPARENT:
                if self.context.names.bindings(site, target.value) is None:
                    continue
                return False
            resolved = self.context.resolve(site, target)
            if resolved is None or not resolved.startswith("pytest.mark."):
                return False
        return True


def _may_be_transparent(decorator: ast.expr, bindings: Mapping[str, Set[str]]) -> bool:
    """Whether ``_transparent_decorators`` may accept ``decorator``: ``staticmethod``,
    ``classmethod`` or a name imported from ``pytest.mark``."""
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    if isinstance(target, ast.Name) and target.id in _TRANSPARENT:
        return True
    return any(name.startswith("pytest.mark.") for name in qualified_names(target, bindings))


def _yields_itself(func: ast.FunctionDef, lines: List[int]) -> bool:
    """Whether ``func`` holds a ``yield`` of its own on one of ``lines`` (sorted):
    in its header, in its statements, or in the decorators, defaults and bases
    of the functions and classes defined in it (evaluated in ``func``), not in
    their bodies nor in lambdas."""
    stack: List[ast.stmt] = [func]
    while stack:
        statement = stack.pop()
        if any(isinstance(node, (ast.Yield, ast.YieldFrom)) for node in header_nodes(statement, (ast.Lambda,))):
            return True
        if statement is func or not isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            stack.extend(block_statements_on_lines(statement, lines))
    return False


def _replacement(yields: List[cst.CSTNode]) -> str:
    """Advice in the test's own names: the checker function it yields, when it yields one."""
    checkers: List[str] = []
    for node in yields:
        assert isinstance(node, cst.Yield)
        value = node.value
        if isinstance(value, cst.Tuple) and value.elements:
            head = value.elements[0].value
            if isinstance(head, (cst.Name, cst.Attribute)):
                text = code(head)
                if text not in checkers:
                    checkers.append(text)
                continue
        checkers = []
        break
    if len(checkers) == 1:
        checker = checkers[0]
        return (
            f"turn each `yield {checker}, ...` into a case of `@pytest.mark.parametrize` "
            f"and call `{checker}(...)` in the test"
        )
    return "list the cases in `@pytest.mark.parametrize` and assert in the test body"
