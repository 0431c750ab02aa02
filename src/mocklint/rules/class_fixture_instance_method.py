"""MCK216 class-fixture-instance-method: class-scoped (or wider) fixtures written as instance methods."""

from __future__ import annotations

import ast
from typing import List, Optional, Set

from mocklint.analysis.pytest_model.project import model_for_path
from mocklint.analysis.pytest_model.pytest_roles import fixture_decorator
from mocklint.analysis.syntax.lazy_import import libcst as cst
from mocklint.analysis.syntax.tree import Site, child_site, descendants
from mocklint.rule import Edit, Fix, Rule, gate

_WIDE_SCOPES = frozenset({"class", "module", "package", "session"})
_TEST_CASES = frozenset(
    {
        "unittest.TestCase",
        "unittest.IsolatedAsyncioTestCase",
        "unittest.case.TestCase",
        "unittest.async_case.IsolatedAsyncioTestCase",
    }
)
_METHOD_KINDS = frozenset({"classmethod", "staticmethod"})


class ClassFixtureInstanceMethod(Rule):
    """
    ## What it does
    Checks test classes (and the classes they inherit fixtures from in the same
    module) for fixtures of class, module, package or session scope defined as
    plain instance methods, without `@classmethod` or `@staticmethod`.

    ## Why is this bad?
    pytest makes a new instance of a test class for every test, but a
    class-scoped fixture runs once, on an instance of its own. Attributes it
    sets on `self` never reach the tests: they fail with
    `AttributeError: 'TestX' object has no attribute '...'`, or silently read a
    class attribute's default instead. pytest 9.1 deprecated such fixtures
    (#10819): using one warns
    `PytestRemovedIn10Warning: Class-scoped fixtures defined as instance methods are deprecated`,
    a collection error where warnings are errors, and pytest 10 will remove
    them.

    The message says which of the two applies: the fixture writes to `self`
    (broken on every pytest version), or it only returns a value or also
    stores what it sets on the class (`request.cls.x = ...`): deprecated.

    ## Example
    ```python
    import pytest

    class TestCatalog:
        @pytest.fixture(scope="class", autouse=True)
        def load(self):
            self.items = {"apple": 3}

        def test_apple(self):
            assert self.items["apple"] == 3
    ```

    Use instead:
    ```python
    import pytest

    class TestCatalog:
        @pytest.fixture(scope="class", autouse=True)
        @classmethod
        def load(cls):
            cls.items = {"apple": 3}

        def test_apple(self):
            assert self.items["apple"] == 3
    ```

    ## Fix safety
    The fix adds `@classmethod` below `@pytest.fixture` and renames the first
    parameter to `cls`. It is unsafe: attributes set through it land on the
    class, which is what the tests expected but changes what they see, and a
    call of an instance method through `cls` fails. (Where the fixture never
    uses its first parameter, the fix keeps behaviour, but it is marked unsafe
    with the others.) It is offered only when `@pytest.fixture` is the
    innermost decorator.

    ## References
    - [pytest deprecations: class-scoped fixture as instance method](https://docs.pytest.org/en/stable/deprecations.html#class-scoped-fixture-as-instance-method)
    - [pytest changelog 9.1.0 (#10819)](https://docs.pytest.org/en/stable/changelog.html#pytest-9-1-0-2026-06-13)
    - [pytest issue #10819](https://github.com/pytest-dev/pytest/issues/10819)
    """

    fix_safety = "unsafe"
    code = "MCK216"
    name = "class-fixture-instance-method"
    summary = "Class-scoped fixtures written as instance methods set attributes no test sees; deprecated in pytest 9.1"
    messages = {
        "attributes": (
            "{scope}-scoped fixture `{fixture}` sets `{receiver}.{attribute}` on an instance no test sees",
            "Each test gets a new instance of the class. Make the fixture a `@classmethod` and set "
            "`cls.{attribute}`.",
        ),
        "deprecated": (
            "{scope}-scoped fixture `{fixture}` is an instance method, deprecated in pytest 9.1",
            "It warns `PytestRemovedIn10Warning`, and pytest 10 removes the support. Make it a `@classmethod`.",
        ),
    }
    gate = gate(r"\bscope\s*=\s*['\"](?:class|module|package|session)['\"]")

    @classmethod
    def might_report(cls, tree: ast.Module, source: str, path: Optional[str]) -> bool:
        """A method of a module-level class with a literal class-or-wider
        ``scope=`` in a decorator call, and no ``classmethod``/``staticmethod``."""
        for statement in tree.body:
            if not isinstance(statement, ast.ClassDef):
                continue
            for item in statement.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and _may_be_wide_instance_fixture(item):
                    return True
        return False

    def visit_ClassDef(self, node: cst.ClassDef, site: Site) -> None:
        if not isinstance(site.parent, cst.Module) or not self._collected(node, site):
            return
        if not isinstance(node.body, cst.IndentedBlock):
            return
        body_site = child_site(site, node.body, "body")
        for statement in node.body.body:
            if isinstance(statement, cst.FunctionDef):
                self._check(statement, child_site(body_site, statement, "body"))

    def _collected(self, node: cst.ClassDef, site: Site) -> bool:
        """A class pytest collects tests from, or a base of one in this module."""
        if self._is_test_class(node, site):
            return True
        module = site.parent
        assert isinstance(module, cst.Module)
        name = node.name.value
        module_site = site.parent_site()
        assert module_site is not None
        for other in module.body:
            if isinstance(other, cst.ClassDef) and other is not node and self._is_test_class(other, module_site):
                if any(isinstance(base.value, cst.Name) and base.value.value == name for base in other.bases):
                    return True
        return False

    def _is_test_class(self, node: cst.ClassDef, site: Site) -> bool:
        model = model_for_path(self.context.path) if self.context.path else None
        name = node.name.value
        if model.is_test_class_name(name) if model is not None else name.startswith("Test"):
            return True
        return any(self.context.resolve(site, base.value) in _TEST_CASES for base in node.bases)

    def _check(self, func: cst.FunctionDef, site: Site) -> None:
        decorator = fixture_decorator(func, self.context.names, site)
        if decorator is None or not isinstance(decorator.decorator, cst.Call):
            return
        scope = _literal_scope(decorator.decorator)
        if scope not in _WIDE_SCOPES:
            return
        if any(_decorator_name(d) in _METHOD_KINDS for d in func.decorators):
            return
        params = [*func.params.posonly_params, *func.params.params]
        if not params:
            return
        receiver = params[0].name.value
        attribute = None if _shares_with_the_class(func, receiver) else _attribute_set(func, receiver)
        fields = {"scope": scope.capitalize(), "fixture": func.name.value, "receiver": receiver}
        autofix = _autofix(func, decorator, params[0], receiver)
        if attribute is not None:
            self.report(func.name, "attributes", attribute=attribute, autofix=autofix, **fields)
        else:
            self.report(func.name, "deprecated", autofix=autofix, **fields)


def _literal_scope(call: cst.Call) -> Optional[str]:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == "scope" and isinstance(arg.value, cst.SimpleString):
            value = arg.value.evaluated_value
            return value if isinstance(value, str) else None
    return None


def _decorator_name(decorator: cst.Decorator) -> Optional[str]:
    expr = decorator.decorator
    if isinstance(expr, cst.Call):
        expr = expr.func
    if isinstance(expr, cst.Name):
        return expr.value
    if isinstance(expr, cst.Attribute):
        return expr.attr.value
    return None


def _uses(func: cst.FunctionDef, name: str) -> List[cst.Name]:
    """The ``name`` nodes of the fixture's body (attribute names and keywords aside)."""
    found: List[cst.Name] = []
    skip: Set[int] = set()
    for node in descendants(func.body):
        if isinstance(node, cst.Attribute):
            skip.add(id(node.attr))
        elif isinstance(node, cst.Arg) and node.keyword is not None:
            skip.add(id(node.keyword))
        elif isinstance(node, cst.Name) and node.value == name and id(node) not in skip:
            found.append(node)
    return found


def _attribute_set(func: cst.FunctionDef, receiver: str) -> Optional[str]:
    """The first attribute the fixture sets on ``receiver`` (``self.x = ...``, ``setattr(self, "x", ...)``)."""
    for node in descendants(func.body, stop_at=(cst.ClassDef,)):
        targets: List[cst.BaseExpression] = []
        if isinstance(node, cst.Assign):
            targets = [target.target for target in node.targets]
        elif isinstance(node, (cst.AugAssign, cst.AnnAssign)):
            targets = [node.target]
        elif (
            isinstance(node, cst.Call)
            and isinstance(node.func, cst.Name)
            and node.func.value == "setattr"
            and len(node.args) >= 2
            and isinstance(node.args[0].value, cst.Name)
            and node.args[0].value.value == receiver
            and isinstance(node.args[1].value, cst.SimpleString)
        ):
            value = node.args[1].value.evaluated_value
            if isinstance(value, str):
                return value
        for target in targets:
            for element in descendants(target):
                if (
                    isinstance(element, cst.Attribute)
                    and isinstance(element.value, cst.Name)
                    and element.value.value == receiver
                ):
                    return element.attr.value
    return None


def _shares_with_the_class(func: cst.FunctionDef, receiver: str) -> bool:
    """Whether the fixture also stores on the class (``request.cls.x = ...``,
    ``type(self).x``, ``self.__class__.x``), where the tests do see it."""
    for node in descendants(func.body, stop_at=(cst.ClassDef,)):
        if not isinstance(node, (cst.Assign, cst.AugAssign, cst.AnnAssign)):
            continue
        targets = [t.target for t in node.targets] if isinstance(node, cst.Assign) else [node.target]
        for target in targets:
            if isinstance(target, cst.Attribute) and _names_the_class(target.value, receiver):
                return True
    return False


def _names_the_class(expr: cst.BaseExpression, receiver: str) -> bool:
    if isinstance(expr, cst.Attribute):
        if expr.attr.value == "cls" and isinstance(expr.value, cst.Name):
            return True  # request.cls
        if expr.attr.value == "__class__" and isinstance(expr.value, cst.Name) and expr.value.value == receiver:
            return True
    return (
        isinstance(expr, cst.Call)
        and isinstance(expr.func, cst.Name)
        and expr.func.value == "type"
        and len(expr.args) == 1
        and isinstance(expr.args[0].value, cst.Name)
        and expr.args[0].value.value == receiver
    )


def _autofix(func: cst.FunctionDef, decorator: cst.Decorator, first: cst.Param, receiver: str) -> Optional[Fix]:
    """``@classmethod`` under the fixture decorator and ``cls`` for the first parameter."""
    if func.decorators[-1] is not decorator or _uses(func, "cls"):
        return None
    if any(p.name.value == "cls" for p in (*func.params.params, *func.params.kwonly_params)):
        return None
    uses = _uses(func, receiver)
    edits = [Edit(decorator, "@classmethod", new_line=True)]
    if receiver != "cls":
        edits.append(Edit(first.name, "cls"))
        edits.extend(Edit(use, "cls") for use in uses)
    return Fix("Make the fixture a `@classmethod`", tuple(edits), safe=False)


def _may_be_wide_instance_fixture(func: ast.AST) -> bool:
    decorators = func.decorator_list  # type: ignore[attr-defined]
    names = {_ast_decorator_name(d) for d in decorators}
    if names & _METHOD_KINDS:
        return False
    for decorator in decorators:
        if isinstance(decorator, ast.Call):
            for keyword in decorator.keywords:
                if (
                    keyword.arg == "scope"
                    and isinstance(keyword.value, ast.Constant)
                    and keyword.value.value in _WIDE_SCOPES
                ):
                    return True
    return False


def _ast_decorator_name(decorator: ast.expr) -> Optional[str]:
    if isinstance(decorator, ast.Call):
        decorator = decorator.func
    if isinstance(decorator, ast.Name):
        return decorator.id
    if isinstance(decorator, ast.Attribute):
        return decorator.attr
    return None

