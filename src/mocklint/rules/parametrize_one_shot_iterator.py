"""MCK217 parametrize-one-shot-iterator: a one-shot iterator as ``parametrize`` argvalues, used up by its first test."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple, Union

from mocklint.analysis.syntax.ast_scan import own_nodes
from mocklint.analysis.pytest_model.project import model_for_path
from mocklint.analysis.syntax.lazy_import import libcst as cst
from mocklint.analysis.syntax.source import code
from mocklint.analysis.syntax.tree import Site, descendants
from mocklint.analysis.pytest_model.warning_filters import turned_into_errors
from mocklint.rule import Edit, FileContext, Fix, Rule, gate

_PARAMETRIZE = frozenset({"pytest.mark.parametrize", "_pytest.mark.parametrize"})
#: builtins whose result is an iterator (a ``range`` or a dict view is a Collection)
_ITERATOR_BUILTINS = frozenset({"map", "zip", "filter", "iter", "reversed", "enumerate"})
#: itertools functions whose iterator never ends: ``list()`` of one never returns
_ENDLESS = frozenset({"itertools.count", "itertools.cycle"})
#: PytestRemovedIn10Warning and its bases, as a filterwarnings entry may name them
_WARNING_CLASSES = (
    "PytestRemovedIn10Warning",
    "PytestDeprecationWarning",
    "PytestWarning",
    "UserWarning",
    "DeprecationWarning",
    "Warning",
)
_WARNING_TEXT = "Passing a non-Collection iterable to parametrize is deprecated"
_SHOWN = 40
#: builtins that make a Collection: their calls are never one-shot
_COLLECTION_BUILTINS = frozenset({"list", "tuple", "sorted", "range", "set", "frozenset", "dict", "str"})


@dataclass
class _Use:
    """One application of a one-shot iterator: the node reported, the tests it
    applies to in collection order, and the expression a fix would wrap."""

    node: cst.CSTNode
    tests: List[str]
    values: cst.BaseExpression
    endless: bool


class ParametrizeOneShotIterator(Rule):
    """
    ## What it does
    Checks `@pytest.mark.parametrize` argvalues that are one-shot iterators (a
    generator expression, a call of `map`, `zip`, `filter`, `iter`,
    `reversed`, `enumerate`, of an `itertools` function or of a generator
    function of the module) where pytest iterates them more than once:

    - the decorator on a test class with several test methods;
    - a `pytestmark` parametrize mark over several tests;
    - a module-level variable holding the iterator, used in several
      parametrize marks, or a parametrize mark kept in a variable and applied
      to several tests.

    Where the project's `filterwarnings` turns pytest's deprecation warnings
    into errors (`error`, `error::DeprecationWarning`, ...), a one-shot
    iterator used once is reported too.

    ## Why is this bad?
    pytest reads the argvalues once per test the mark applies to. An iterator
    is exhausted by the first: every later test gets an empty parameter set and
    is *skipped* ("got empty parameter set"), on every pytest version, so its
    checks silently stop running.

    pytest 9.1 deprecated non-Collection argvalues altogether
    (`PytestRemovedIn10Warning: Passing a non-Collection iterable to parametrize is deprecated`),
    which a project with `filterwarnings = error` gets as a collection error;
    pytest 10 will reject them.

    ## Example
    ```python
    import pytest

    @pytest.mark.parametrize("size", (2 ** n for n in range(4)))
    class TestBuffer:
        def test_alloc(self, size):
            assert bytearray(size)

        def test_fill(self, size):
            assert bytes(size) == b"\\0" * size
    ```

    Use instead:
    ```python
    import pytest

    @pytest.mark.parametrize("size", [2 ** n for n in range(4)])
    class TestBuffer:
        def test_alloc(self, size):
            assert bytearray(size)

        def test_fill(self, size):
            assert bytes(size) == b"\\0" * size
    ```

    ## Fix safety
    The fix wraps the iterator in `list(...)` where it is made. It is unsafe:
    for an iterator used up by its first test, the tests that were skipped
    start running, and may fail. (For an iterator used once the same values
    reach the same test, but the fix is marked unsafe with the others.) It is
    not offered for `itertools.count`, `itertools.cycle` and a one-argument
    `itertools.repeat`, which never end.

    ## Known problems
    `metafunc.parametrize` in `pytest_generate_tests` is not checked, nor is
    an iterator that reaches the mark through a function call or another
    module.

    ## References
    - [pytest deprecations: non-Collection iterables in `@pytest.mark.parametrize`](https://docs.pytest.org/en/stable/deprecations.html#parametrize-iterators)
    - [pytest changelog 9.1.0](https://docs.pytest.org/en/stable/changelog.html#pytest-9-1-0-2026-06-13)
    - [`empty_parameter_set_mark`](https://docs.pytest.org/en/stable/reference/reference.html#confval-empty_parameter_set_mark)
    """

    fix_safety = "unsafe"
    code = "MCK217"
    name = "parametrize-one-shot-iterator"
    summary = "A one-shot iterator as parametrize argvalues gives every test after the first an empty parameter set"
    messages = {
        "reused": (
            "this iterator is used up by `{first}`, so `{victim}` is skipped",
            "`{values}` is a one-shot iterator: it is used up by `{first}`, so `{victim}`{more} gets an empty "
            "parameter set. Pass a list or tuple.",
        ),
        "warning_error": (
            "`{values!b}` is not a Collection: pytest 9.1 warns, an error under `filterwarnings`",
            "pytest 9.1 warns `PytestRemovedIn10Warning`, which the project's `filterwarnings` makes an error. "
            "Pass a list or tuple.",
        ),
    }
    gate = gate(r"\bparametrize\b")

    @classmethod
    def might_report(cls, tree: ast.Module, source: str, path: Optional[str]) -> bool:
        """A module-level ``parametrize(...)`` call (in a decorator or an
        assignment) whose argvalues may be a one-shot iterator."""
        generators = _ast_generator_functions(tree)
        iterators = {
            target.id
            for statement in tree.body
            if isinstance(statement, ast.Assign) and _ast_one_shot(statement.value, generators)
            for target in statement.targets
            if isinstance(target, ast.Name)
        }
        for statement in tree.body:
            roots: List[ast.AST] = []
            if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                roots.extend(statement.decorator_list)
                if isinstance(statement, ast.ClassDef):
                    roots.extend(s for s in statement.body if isinstance(s, ast.Assign))
            elif isinstance(statement, ast.Assign):
                roots.append(statement.value)
            for root in roots:
                for node in ast.walk(root):
                    if isinstance(node, ast.Call) and _ast_argvalues_may_be_one_shot(node, generators, iterators):
                        return True
        return False

    def __init__(self, context) -> None:  # type: ignore[no-untyped-def]
        super().__init__(context)
        self._calls: List[Tuple[cst.Call, Site]] = []
        self._assigned: List[Tuple[str, cst.BaseExpression, Site]] = []

    def visit_Call(self, node: cst.Call, site: Site) -> None:
        if self.context.resolve(site, node.func) in _PARAMETRIZE:
            self._calls.append((node, site))

    def visit_Assign(self, node: cst.Assign, site: Site) -> None:
        line = site.parent_site()
        if line is None or not isinstance(line.parent, cst.Module) or len(node.targets) != 1:
            return
        target = node.targets[0].target
        if isinstance(target, cst.Name):
            self._assigned.append((target.value, node.value, site))

    def finish(self) -> None:
        if not self._calls:
            return
        module = self.context.module
        generators = _generator_functions(module)
        iterators = self._one_shot_variables(module, generators)
        marks: Dict[str, Tuple[cst.Call, Site]] = {}
        by_variable: Dict[str, List[_Use]] = {}
        inline: List[_Use] = []
        position = {id(statement): index for index, statement in enumerate(module.body)}
        for call, site in sorted(self._calls, key=lambda found: _statement_index(found[1], position)):
            values = _argvalues(call)
            if values is None:
                continue
            held = values.value if isinstance(values, cst.Name) else None
            made, made_at = (values, site) if held is None else iterators.get(held, (None, site))
            if made is None or _one_shot(made, generators, self.context, made_at) is None:
                continue
            mark_name = _mark_variable(site)
            if mark_name is not None:
                marks[mark_name] = (call, site)
                continue
            tests = self._tests_of(site)
            if tests is None:
                continue
            use = _Use(values, tests, made, _is_endless(made, self.context, made_at))
            if held is None:
                inline.append(use)
            else:
                by_variable.setdefault(held, []).append(use)
        for name, (call, site) in marks.items():
            values = _argvalues(call)
            assert values is not None
            made, made_at = iterators[values.value] if isinstance(values, cst.Name) else (values, site)
            by_variable.setdefault(f"mark:{name}", []).extend(
                _Use(decorator, tests, made, _is_endless(made, self.context, made_at))
                for decorator, tests in self._mark_applications(module, name)
            )
        for use in inline:
            self._judge([use])
        for uses in by_variable.values():
            self._judge(uses)

    # -- where the iterator goes ------------------------------------------------
    def _one_shot_variables(
        self, module: cst.Module, generators: Dict[str, cst.FunctionDef]
    ) -> Dict[str, Tuple[cst.BaseExpression, Site]]:
        """Module-level names bound once, to a one-shot iterator, with the site of the value."""
        counts: Dict[str, int] = {}
        for statement in module.body:
            for name in _bound_names(statement):
                counts[name] = counts.get(name, 0) + 1
        return {
            name: (value, site)
            for name, value, site in self._assigned
            if counts.get(name) == 1 and _one_shot(value, generators, self.context, site) is not None
        }

    def _tests_of(self, site: Site) -> Optional[List[str]]:
        """The tests the parametrize call at ``site`` applies to, in collection
        order; None when it is not applied where this rule can see."""
        parent = site.parent
        if isinstance(parent, cst.Decorator):
            decorated = site.parent_site().parent  # type: ignore[union-attr]
            if isinstance(decorated, cst.FunctionDef):
                return [decorated.name.value] if self._is_test_name(decorated.name.value) else []
            if isinstance(decorated, cst.ClassDef):
                return [f"{decorated.name.value}::{name}" for name in self._class_tests(decorated)]
            return None
        holder = _pytestmark_holder(site)
        if holder is None:
            return None
        if isinstance(holder, cst.ClassDef):
            return [f"{holder.name.value}::{name}" for name in self._class_tests(holder)]
        return self._module_tests(holder)

    def _mark_applications(self, module: cst.Module, name: str) -> List[Tuple[cst.Decorator, List[str]]]:
        found: List[Tuple[cst.Decorator, List[str]]] = []
        for statement in module.body:
            if not isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
                continue
            for decorator in statement.decorators:
                if isinstance(decorator.decorator, cst.Name) and decorator.decorator.value == name:
                    if isinstance(statement, cst.FunctionDef):
                        tests = [statement.name.value] if self._is_test_name(statement.name.value) else []
                    else:
                        tests = [f"{statement.name.value}::{test}" for test in self._class_tests(statement)]
                    found.append((decorator, tests))
        return found

    def _is_test_name(self, name: str) -> bool:
        model = model_for_path(self.context.path) if self.context.path else None
        return model.is_test_function_name(name) if model is not None else name.startswith("test")

    def _is_test_class_name(self, name: str) -> bool:
        model = model_for_path(self.context.path) if self.context.path else None
        return model.is_test_class_name(name) if model is not None else name.startswith("Test")

    def _class_tests(self, node: cst.ClassDef) -> List[str]:
        if not isinstance(node.body, cst.IndentedBlock):
            return []
        return [
            statement.name.value
            for statement in node.body.body
            if isinstance(statement, cst.FunctionDef) and self._is_test_name(statement.name.value)
        ]

    def _module_tests(self, module: cst.Module) -> List[str]:
        tests: List[str] = []
        for statement in module.body:
            if isinstance(statement, cst.FunctionDef) and self._is_test_name(statement.name.value):
                tests.append(statement.name.value)
            elif isinstance(statement, cst.ClassDef) and self._is_test_class_name(statement.name.value):
                tests.extend(f"{statement.name.value}::{name}" for name in self._class_tests(statement))
        return tests

    # -- the verdict --------------------------------------------------------------
    def _judge(self, uses: List[_Use]) -> None:
        """Report each use after the first consuming test, and a single use
        where the deprecation warning is an error."""
        first: Optional[str] = None
        consumers = sum(len(use.tests) for use in uses)
        for use in uses:
            if not use.tests:
                continue
            if first is None:
                first = use.tests[0]
                victims = use.tests[1:]
            else:
                victims = use.tests
            values = _shown(use.values)
            if victims:
                more = f" (and {len(victims) - 1} more)" if len(victims) > 1 else ""
                self.report(
                    use.node,
                    "reused",
                    values=values,
                    first=first,
                    victim=victims[0],
                    more=more,
                    autofix=_wrap(use.values) if not use.endless else None,
                )
            elif consumers == 1 and turned_into_errors(self.context.path, _WARNING_CLASSES, _WARNING_TEXT):
                autofix = _wrap(use.values) if not use.endless else None
                self.report(use.node, "warning_error", values=values, autofix=autofix)


def _statement_index(site: Site, position: Dict[int, int]) -> int:
    """The index in the module's body of the statement holding the node at
    ``site``: pytest collects a module's tests in the order they are defined."""
    node = site.node
    for ancestor, _ in site.ancestors():
        if isinstance(ancestor, cst.Module):
            return position.get(id(node), 0)
        node = ancestor
    return 0


def _argvalues(call: cst.Call) -> Optional[cst.BaseExpression]:
    """The ``argvalues`` argument of a ``parametrize`` call."""
    positional = [arg for arg in call.args if arg.keyword is None and not arg.star]
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == "argvalues":
            return arg.value
    return positional[1].value if len(positional) >= 2 else None


def _mark_variable(site: Site) -> Optional[str]:
    """``name`` for ``name = pytest.mark.parametrize(...)`` at module level."""
    assign = site.parent
    statement = site.parent_site().parent if site.parent_site() is not None else None  # type: ignore[union-attr]
    if not isinstance(assign, cst.Assign) or not isinstance(statement, cst.SimpleStatementLine):
        return None
    outer = site.parent_site().parent_site()  # type: ignore[union-attr]
    if outer is None or not isinstance(outer.parent, cst.Module) or len(assign.targets) != 1:
        return None
    target = assign.targets[0].target
    if isinstance(target, cst.Name) and target.value != "pytestmark":
        return target.value
    return None


def _pytestmark_holder(site: Site) -> Optional[Union[cst.Module, cst.ClassDef]]:
    """The module or class whose ``pytestmark`` (a mark, or a list or tuple of
    marks) the call at ``site`` is."""
    current = site
    parent = current.parent_site()
    while parent is not None and isinstance(parent.node, (cst.List, cst.Tuple, cst.Element)):
        current, parent = parent, parent.parent_site()
    if parent is None or not isinstance(parent.node, cst.Assign):
        return None
    targets = parent.node.targets
    if len(targets) != 1 or not (isinstance(targets[0].target, cst.Name) and targets[0].target.value == "pytestmark"):
        return None
    line = parent.parent_site()
    block = line.parent_site() if line is not None else None
    if block is not None and isinstance(block.node, cst.Module):
        return block.node
    if block is None or not isinstance(block.node, cst.IndentedBlock):
        return None
    owner = block.parent_site()
    if owner is not None and isinstance(owner.node, cst.ClassDef):
        return owner.node
    return None


def _bound_names(statement: cst.CSTNode) -> List[str]:
    """Names a module-level statement binds (enough to tell a name bound once)."""
    names: List[str] = []
    if isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
        return [statement.name.value]
    for node in descendants(statement, stop_at=(cst.FunctionDef, cst.ClassDef, cst.Lambda)):
        if isinstance(node, cst.AssignTarget) and isinstance(node.target, cst.Name):
            names.append(node.target.value)
        elif isinstance(node, (cst.AugAssign, cst.AnnAssign, cst.For)) and isinstance(node.target, cst.Name):
            names.append(node.target.value)
        elif isinstance(node, cst.AsName) and isinstance(node.name, cst.Name):
            names.append(node.name.value)
        elif isinstance(node, cst.ImportAlias) and node.asname is None:
            names.append(code(node.name).split(".", 1)[0])
    return names


def _generator_functions(module: cst.Module) -> Dict[str, cst.FunctionDef]:
    """Module-level ``def``s whose own body yields: calling one gives a generator."""
    found: Dict[str, cst.FunctionDef] = {}
    for statement in module.body:
        if isinstance(statement, cst.FunctionDef) and not statement.decorators and statement.asynchronous is None:
            own = descendants(statement.body, stop_at=(cst.FunctionDef, cst.ClassDef, cst.Lambda))
            if any(isinstance(node, cst.Yield) for node in own):
                found[statement.name.value] = statement
    return found


def _one_shot(
    expr: cst.BaseExpression, generators: Dict[str, cst.FunctionDef], context: FileContext, site: Site
) -> Optional[str]:
    """What makes ``expr`` a one-shot iterator (``"generator"``, ``"map"``, ...), or None."""
    if isinstance(expr, cst.GeneratorExp):
        return "generator"
    if not isinstance(expr, cst.Call):
        return None
    func = expr.func
    if isinstance(func, cst.Name) and context.names.bindings(site, func.value) is None:
        return func.value if func.value in _ITERATOR_BUILTINS else None  # a builtin
    if isinstance(func, cst.Name) and func.value in generators:
        return "generator"
    qualified = context.resolve(site, func)
    if qualified is not None and qualified.startswith("itertools.") and qualified.count(".") == 1:
        return qualified
    return None


def _is_endless(expr: cst.BaseExpression, context, site: Site) -> bool:  # type: ignore[no-untyped-def]
    if not isinstance(expr, cst.Call):
        return False
    qualified = context.resolve(site, expr.func)
    if qualified in _ENDLESS:
        return True
    return qualified == "itertools.repeat" and len(expr.args) < 2


def _shown(expr: cst.BaseExpression) -> str:
    text = " ".join(code(expr).split())
    return text if len(text) <= _SHOWN else text[: _SHOWN - 3] + "..."


def _wrap(expr: cst.BaseExpression) -> Fix:
    if isinstance(expr, cst.GeneratorExp):  # its span leaves its parentheses out
        return Fix("Pass a list", (Edit(expr, f"[{code(expr.with_changes(lpar=(), rpar=()))}]"),), safe=False)
    return Fix("Pass a list", (Edit(expr, f"list({code(expr)})"),), safe=False)


# -- the same questions on the ast tree, for might_report -------------------------
def _ast_generator_functions(tree: ast.Module) -> Dict[str, ast.FunctionDef]:
    return {
        statement.name: statement
        for statement in tree.body
        if isinstance(statement, ast.FunctionDef)
        and not statement.decorator_list
        and any(isinstance(node, (ast.Yield, ast.YieldFrom)) for node in own_nodes(statement))
    }


def _ast_one_shot(expr: ast.AST, generators: Dict[str, ast.FunctionDef]) -> bool:
    if isinstance(expr, ast.GeneratorExp):
        return True
    if not isinstance(expr, ast.Call):
        return False
    func = expr.func
    if isinstance(func, ast.Name):
        return func.id not in _COLLECTION_BUILTINS
    return isinstance(func, ast.Attribute)


def _ast_argvalues_may_be_one_shot(call: ast.Call, generators: Dict[str, ast.FunctionDef], iterators: set) -> bool:
    name = call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", None)
    if name != "parametrize":
        return False
    values = next((k.value for k in call.keywords if k.arg == "argvalues"), None)
    if values is None and len(call.args) >= 2:
        values = call.args[1]
    if values is None:
        return False
    return _ast_one_shot(values, generators) or (isinstance(values, ast.Name) and values.id in iterators)
