"""MCK213 mark-on-fixture: ``pytest.mark`` decorators on fixture functions."""

from __future__ import annotations

import ast
from typing import Dict, List, Mapping, Optional, Set, Tuple

from mocklint.analysis.syntax.ast_scan import (
    FIXTURE_NAMES,
    import_bindings,
    may_be_fixture_decorator,
    qualified_names,
    statements_on_lines,
    word_lines,
)
from mocklint.analysis.pytest_model.compat_guards import compat_guarded
from mocklint.analysis.pytest_model.pytest_roles import decorator_target
from mocklint.analysis.syntax.lazy_import import libcst as cst
from mocklint.analysis.syntax.source import code
from mocklint.analysis.syntax.tree import Site
from mocklint.rule import Rule, gate, gate_all

# pytest's own fixture decorators: a third-party wrapper may not hand the marked
# function to ``pytest.fixture`` as is, so it is left alone
_PYTEST_FIXTURES = frozenset(
    {"pytest.fixture", "pytest.yield_fixture", "_pytest.fixtures.fixture", "_pytest.fixtures.yield_fixture"}
)
_MARK = "pytest.mark."


def _may_be_mark(decorator: ast.expr, bindings: Mapping[str, Set[str]], assigned: Set[str]) -> bool:
    """Whether ``_mark_name`` or the module's mark aliases may make ``decorator`` a mark."""
    if isinstance(decorator, ast.Name) and decorator.id in assigned:
        return True
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    return any(name.startswith(_MARK) for name in qualified_names(target, bindings))


class MarkOnFixture(Rule):
    """
    ## What it does
    Checks for fixture functions that also carry a mark: `@pytest.mark.<name>`
    (`usefixtures`, `parametrize`, `skipif`, `xfail`, a custom mark, `mark`
    imported from pytest, or a module-level alias such as
    `slow = pytest.mark.slow`), above or below the `@pytest.fixture` decorator.

    ## Why is this bad?
    Marks apply to tests, never to fixtures: a mark on a fixture never had any
    effect. `@pytest.mark.usefixtures("db")` on a fixture does not set up `db`,
    `@pytest.mark.skipif(...)` does not skip the tests using it. pytest 8.0
    started to warn ("Marks applied to fixtures have no effect") and pytest 9.0
    made it an error: "Marks cannot be applied to fixtures" is raised while the
    module is imported, so none of its tests run (for a conftest.py, none of
    the directory's).

    What to write instead depends on the mark: request the fixture in the
    signature instead of `usefixtures`, use `@pytest.fixture(params=...)`
    instead of `parametrize`, call `pytest.skip()` inside the fixture instead of
    `skip`/`skipif`, and move other marks to the tests (or to `pytestmark`).

    ## Example
    ```python
    import pytest

    @pytest.mark.usefixtures("clean_database")
    @pytest.fixture
    def user():
        return User.create()
    ```

    Use instead:
    ```python
    import pytest

    @pytest.fixture
    def user(clean_database):
        return User.create()
    ```

    ## Known problems
    A decorator of another library between the mark and `@pytest.fixture`
    might wrap the function; such fixtures are not flagged. Neither are
    definitions in a `with pytest.raises(...)` block or a version-guarded
    branch.

    ## References
    - [pytest deprecations: Applying a mark to a fixture function](https://docs.pytest.org/en/stable/deprecations.html#applying-a-mark-to-a-fixture-function)
    - [pytest changelog 8.0.0rc1 (#3664)](https://docs.pytest.org/en/stable/changelog.html#pytest-8-0-0rc1-2023-12-30)
    - [pytest changelog 9.0.0 (#13779)](https://docs.pytest.org/en/stable/changelog.html#pytest-9-0-0-2025-11-05)
    """

    code = "MCK213"
    name = "mark-on-fixture"
    summary = "Marks on fixtures never had an effect and are an error since pytest 9.0"
    messages = {
        "default": (
            "`{mark!b}` on fixture `{fixture}` fails the import since pytest 9.0",
            "Marks cannot be applied to fixtures: the mark never had any effect, pytest 8 warns and since "
            "pytest 9.0 the import fails (\"Marks cannot be applied to fixtures\"). {advice!c}.",
        ),
    }
    body_gate = gate(r"(?m)^[ \t]*@")  # a nested decorated function
    gate = gate_all(r"fixture\b", r"mark\b")

    @classmethod
    def might_report(cls, tree: ast.Module, source: str, path: Optional[str]) -> bool:
        """Some function has a decorator that may be pytest's fixture decorator
        (``fixture``/``yield_fixture`` by name, or a name imported as one of
        them) and another that may be a mark: a name or attribute imported
        from ``pytest.mark`` (``pytest.mark.slow``, ``mark.slow``), or a plain
        name the module assigns (``slow = pytest.mark.slow``).  Two
        ``@pytest.fixture`` on one function are spared.  Only the functions on
        lines that spell a fixture decorator's name are read."""
        bindings = import_bindings(tree, source)
        fixtures = set(FIXTURE_NAMES)
        for name, qualified in bindings.items():
            if any(q.rsplit(".", 1)[-1] in FIXTURE_NAMES for q in qualified):
                fixtures.add(name)
        assigned: Optional[Set[str]] = None
        for func in statements_on_lines(tree, word_lines(source, *fixtures)):
            if not isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)) or len(func.decorator_list) < 2:
                continue
            decorators = func.decorator_list
            for index, decorator in enumerate(decorators):
                if not may_be_fixture_decorator(decorator, fixtures):
                    continue
                if assigned is None:
                    assigned = {
                        target.id
                        for statement in tree.body
                        if isinstance(statement, ast.Assign)
                        for target in statement.targets
                        if isinstance(target, ast.Name)
                    }
                if any(
                    _may_be_mark(other, bindings, assigned) for other in decorators[:index] + decorators[index + 1:]
                ):
                    return True
        return False

    def __init__(self, context) -> None:  # type: ignore[no-untyped-def]
        super().__init__(context)
        self._functions: List[Tuple[cst.FunctionDef, Site]] = []
        self._aliases: Dict[str, Tuple[str, cst.BaseExpression]] = {}  # module name -> (mark name, value)

    def visit_FunctionDef(self, node: cst.FunctionDef, site: Site) -> None:
        if len(node.decorators) >= 2 and not compat_guarded(site, ()):
            # e.g. pytest's own tests: ``with pytest.raises(pytest.fail.Exception):`` around the definition
            self._functions.append((node, site))

    def visit_Assign(self, node: cst.Assign, site: Site) -> None:
        # slow = pytest.mark.slow / needs_db = pytest.mark.usefixtures("db"), at module level
        if not isinstance(site.parent, cst.SimpleStatementLine):
            return
        statement_site = site.parent_site()
        if statement_site is None or not isinstance(statement_site.parent, cst.Module):
            return
        if len(node.targets) != 1 or not isinstance(node.targets[0].target, cst.Name):
            return
        mark = self._mark_name(node.value, site)
        if mark is not None:
            self._aliases[node.targets[0].target.value] = (mark, node.value)

    def finish(self) -> None:
        module = self.context.module
        names = self.context.names
        for node, site in self._functions:
            kinds: List[Optional[str]] = []  # "fixture", a mark name, or None (anything else)
            for decorator in node.decorators:
                expr = decorator.decorator
                target = decorator_target(decorator)
                if self.context.resolve(site, target) in _PYTEST_FIXTURES:
                    kinds.append("")
                    continue
                mark = self._mark_name(expr, site)
                if mark is None and isinstance(expr, cst.Name) and expr.value in self._aliases:
                    bound = names.bindings(site, expr.value)
                    if bound is not None and bound is names.scope_bindings(module, expr.value) and len(bound) == 1:
                        mark = self._aliases[expr.value][0]
                kinds.append(mark)
            if kinds.count("") != 1:
                continue
            at = kinds.index("")
            for index, (decorator, kind) in enumerate(zip(node.decorators, kinds)):
                if not kind:
                    continue
                between = kinds[min(index, at) + 1 : max(index, at)]
                if any(k is None for k in between):
                    continue  # an unknown decorator in between may wrap the function
                text = code(decorator.decorator)
                if len(text) > 60 or "\n" in text:
                    text = f"@pytest.mark.{kind}(...)" if isinstance(decorator.decorator, cst.Call) else f"@{text}"
                else:
                    text = f"@{text}"
                self.report(
                    decorator,
                    mark=text,
                    fixture=node.name.value,
                    advice=self._advice(kind, decorator.decorator, node, site),
                )

    def _mark_name(self, expr: cst.BaseExpression, site: Site) -> Optional[str]:
        """``usefixtures`` for ``pytest.mark.usefixtures("db")`` (through imports), else None."""
        target = expr.func if isinstance(expr, cst.Call) else expr
        resolved = self.context.resolve(site, target)
        if resolved is None or not resolved.startswith(_MARK):
            return None
        mark = resolved[len(_MARK):]
        if not mark or "." in mark or mark.startswith("_"):
            return None
        return mark

    def _advice(self, mark: str, expr: cst.BaseExpression, node: cst.FunctionDef, site: Site) -> str:
        fixture = node.name.value
        call = expr if isinstance(expr, cst.Call) else None
        if call is None and isinstance(expr, cst.Name) and expr.value in self._aliases:
            value = self._aliases[expr.value][1]
            call = value if isinstance(value, cst.Call) else None
        if mark == "usefixtures":
            wanted = [
                arg.value.evaluated_value
                for arg in (call.args if call is not None else ())
                if isinstance(arg.value, cst.SimpleString) and isinstance(arg.value.evaluated_value, str)
            ]
            if wanted:
                params = [p.name.value for p in (*node.params.posonly_params, *node.params.params)]
                listed = ", ".join(params + [w for w in wanted if w not in params])
                named = " and ".join(f"`{w}`" for w in wanted)
                return f"request {named} in the signature instead: `def {fixture}({listed}):`"
            return f"request the fixtures in the signature of `{fixture}` instead"
        if mark == "parametrize":
            return (
                "parametrize the fixture with `@pytest.fixture(params=[...])` and `request.param`, "
                f"or parametrize the tests that use `{fixture}`"
            )
        if mark in ("skip", "skipif"):
            return f"call `pytest.skip(reason=...)` inside `{fixture}`, or mark the tests that use it"
        if mark == "xfail":
            return f"mark the tests that use `{fixture}` with `xfail`, or call `pytest.xfail(...)` inside it"
        return f"move `@pytest.mark.{mark}` to the tests that use `{fixture}` (or to their `pytestmark`)"
