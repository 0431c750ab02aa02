"""MCK203 pytest-warns-none: ``pytest.warns(None)``, which stopped working in pytest 8.0."""

from __future__ import annotations

import ast
from typing import Dict, Iterator, List, Optional, Set, Tuple

from mocklint.analysis.syntax.ast_scan import header_nodes, import_bindings, qualified_names, statements_on_lines, word_lines
from mocklint.analysis.pytest_model.compat_guards import compat_guarded, in_catching_with
from mocklint.analysis.syntax.lazy_import import libcst as cst
from mocklint.analysis.syntax.source import code
from mocklint.analysis.syntax.tree import Site, child_fields
from mocklint.rule import Rule, gate

_WARNS = frozenset({"pytest.warns", "_pytest.recwarn.warns"})
_NO_WARNING_FIX = 'run the block under `warnings.catch_warnings()` with `warnings.simplefilter("error")`'


class PytestWarnsNone(Rule):
    """
    ## What it does
    Checks for `pytest.warns(None)`, as a context manager or in the call form
    `pytest.warns(None, func, *args)`, also written `warns(None)` after
    `from pytest import warns`, through an import alias, or as
    `expected_warning=None`.

    ## Why is this bad?
    `pytest.warns(None)` was deprecated in pytest 7.0 (#8645) and stopped
    working in pytest 8.0; it now raises
    `TypeError: exceptions must be derived from Warning, not <class 'NoneType'>`,
    so the test errors before its block runs.

    It was removed because it was misread: most code used it to say "this emits
    no warning", but a warning inside the block never made it fail. Decide
    which check the test wants:

    - no warning at all: run the block under `warnings.catch_warnings()` with
      `warnings.simplefilter("error")`, so that any warning raises;
    - at least one warning of any kind: `pytest.warns(Warning)`.

    When the recorder (`as record`) is later checked for being empty or not,
    the message names the matching fix.

    ## Example
    ```python
    import pytest

    def test_parse_is_quiet():
        with pytest.warns(None) as record:
            parse("1.0")
        assert len(record) == 0
    ```

    Use instead:
    ```python
    import warnings

    def test_parse_is_quiet():
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            parse("1.0")
    ```

    ## Known problems
    Calls in a branch chosen by a version check (`if PYTEST_VERSION < (7,):`)
    are not reported.

    ## References
    - [pytest deprecations: using `pytest.warns(None)`](https://docs.pytest.org/en/stable/deprecations.html#using-pytest-warns-none)
    - [pytest changelog 7.0.0rc1 (#8645)](https://docs.pytest.org/en/stable/changelog.html#pytest-7-0-0rc1-2021-12-06)
    - [Additional use cases of warnings in tests](https://docs.pytest.org/en/stable/how-to/capture-warnings.html#additional-use-cases-of-warnings-in-tests)
    """

    code = "MCK203"
    name = "pytest-warns-none"
    summary = "`pytest.warns(None)` stopped working in pytest 8.0"
    messages = {
        "default": (
            "`{call!b}` raises `TypeError`: pytest 8.0 no longer accepts `None`",
            "It was deprecated in pytest 7.0. To check that no warning is emitted, " + _NO_WARNING_FIX + "; "
            "to accept any warning, use `{callee}(Warning)`.",
        ),
        "no_warning": (
            "`{call!b}` raises `TypeError`: pytest 8.0 no longer accepts `None`",
            "It was deprecated in pytest 7.0. To check that no warning is emitted, as the test's check on "
            "`{record}` intends, " + _NO_WARNING_FIX + ".",
        ),
        "any_warning": (
            "`{call!b}` raises `TypeError`: pytest 8.0 no longer accepts `None`",
            "It was deprecated in pytest 7.0. To record at least one warning of any kind in `{record}`, use "
            "`{callee}(Warning)`.",
        ),
    }
    body_gate = gate(r"warns", r"expected_warning")
    body_gate_name = "warns"

    gate = gate(
        # literal first, the lookbehind after it (as `\b` before it); past comments, whose scan
        # stops at a `warns(` that opens another comment, where the search takes over: each
        # character is read once, not once per `warns(#` before it on the line
        r"warns(?<!\wwarns)\s*\(\s*(?:#[^\nw]*(?:w+(?!w|(?<!\ww)arns\s*\(\s*#)[^\nw]*)*\n\s*)*None\b",
        r"\bexpected_warning\s*=\s*None\b",
        r"\bwarns\s+as\b",
    )

    @classmethod
    def might_report(cls, tree: ast.Module, source: str, path: Optional[str]) -> bool:
        """A call passing ``None`` of a name imported as ``warns`` (``pytest.warns``,
        ``from pytest import warns as w``), outside a ``with`` block that expects
        a ``TypeError`` (``compat_guarded``): pytest's own test that
        ``pytest.warns(None)`` raises is spared."""
        bindings = None
        for statement in statements_on_lines(tree, word_lines(source, "None")):
            for node in header_nodes(statement):
                if not (isinstance(node, ast.Call) and _may_pass_none(node)):
                    continue
                bindings = import_bindings(tree, source) if bindings is None else bindings
                if _WARNS.isdisjoint(qualified_names(node.func, bindings)):
                    continue
                if not in_catching_with(tree, statement):
                    return True
        return False

    def __init__(self, context) -> None:  # type: ignore[no-untyped-def]
        super().__init__(context)
        self._calls: List[Tuple[cst.Call, Site]] = []
        self._recorders: Dict[int, str] = {}  # id(call) -> the name after ``as``

    def visit_WithItem(self, node: cst.WithItem, site: Site) -> None:
        if isinstance(node.item, cst.Call) and node.asname is not None and isinstance(node.asname.name, cst.Name):
            self._recorders[id(node.item)] = node.asname.name.value

    def visit_Call(self, node: cst.Call, site: Site) -> None:
        if _passes_none(node) and self.context.resolve(site, node.func) in _WARNS and not compat_guarded(site, ()):
            self._calls.append((node, site))

    def finish(self) -> None:
        for node, site in self._calls:
            callee = code(node.func)
            call = f"{callee}(None)" if _first_positional_is_none(node) else f"{callee}(expected_warning=None)"
            record = self._recorders.get(id(node))
            if record is None:
                self.report(node, "default", call=call, callee=callee)
                continue
            scope = site.enclosing_function() or self.context.module
            intent = _intent(scope, record)
            self.report(node, intent or "default", call=call, callee=callee, record=record)


def _may_pass_none(call: ast.Call) -> bool:
    """Whether ``_passes_none`` may hold for the libcst node of ``call``."""
    if call.args and isinstance(call.args[0], ast.Constant) and call.args[0].value is None:
        return True
    return any(
        keyword.arg == "expected_warning" and isinstance(keyword.value, ast.Constant) and keyword.value.value is None
        for keyword in call.keywords
    )


def _first_positional_is_none(call: cst.Call) -> bool:
    first = call.args[0] if call.args else None
    return first is not None and first.keyword is None and not first.star and _is_none(first.value)


def _passes_none(call: cst.Call) -> bool:
    if _first_positional_is_none(call):
        return True
    return any(
        arg.keyword is not None and arg.keyword.value == "expected_warning" and _is_none(arg.value)
        for arg in call.args
    )


def _is_none(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Name) and node.value == "None"


def _walk(node: cst.CSTNode) -> Iterator[Tuple[cst.CSTNode, Optional[cst.CSTNode]]]:
    """Every meaningful node under ``node`` with its parent."""
    stack: List[Tuple[cst.CSTNode, Optional[cst.CSTNode]]] = [(node, None)]
    while stack:
        current, parent = stack.pop()
        yield current, parent
        for name in child_fields(type(current)):
            value = getattr(current, name)
            if isinstance(value, cst.CSTNode):
                stack.append((value, current))
            elif isinstance(value, (tuple, list)):
                stack.extend((item, current) for item in value if isinstance(item, cst.CSTNode))


def _is_record(node: cst.BaseExpression, record: str) -> bool:
    """``record`` or ``record.list``."""
    if isinstance(node, cst.Attribute) and node.attr.value == "list":
        node = node.value
    return isinstance(node, cst.Name) and node.value == record


def _len_of_record(node: cst.BaseExpression, record: str) -> bool:
    return (
        isinstance(node, cst.Call)
        and isinstance(node.func, cst.Name)
        and node.func.value == "len"
        and len(node.args) == 1
        and _is_record(node.args[0].value, record)
    )


def _integer(node: cst.BaseExpression) -> Optional[int]:
    if isinstance(node, cst.Integer):
        try:
            return int(node.value, 0)
        except ValueError:
            return None
    return None


def _intent(scope: cst.CSTNode, record: str) -> Optional[str]:
    """What the test checks about the recorder: "no_warning", "any_warning" or None."""
    found: Set[str] = set()
    for node, parent in _walk(scope):
        if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Not):
            if _is_record(node.expression, record):
                found.add("no_warning")
        elif isinstance(node, cst.Assert) and _is_record(node.test, record):
            found.add("any_warning")
        elif isinstance(node, cst.Comparison) and len(node.comparisons) == 1:
            target = node.comparisons[0]
            left, right, operator = node.left, target.comparator, target.operator
            if _len_of_record(right, record):
                left, right = right, left
                operator = {cst.LessThan: cst.GreaterThan(), cst.GreaterThan: cst.LessThan()}.get(
                    type(operator), operator
                )
            if _len_of_record(left, record):
                number = _integer(right)
                if number is None:
                    continue
                if (isinstance(operator, cst.Equal) and number == 0) or (
                    isinstance(operator, cst.LessThan) and number == 1
                ):
                    found.add("no_warning")
                elif isinstance(operator, (cst.Equal, cst.GreaterThanEqual)) and number >= 1:
                    found.add("any_warning")
                elif isinstance(operator, (cst.GreaterThan, cst.NotEqual)) and number == 0:
                    found.add("any_warning")
            elif _is_record(left, record) and isinstance(right, cst.List) and not right.elements:
                if isinstance(operator, cst.Equal):
                    found.add("no_warning")
                elif isinstance(operator, cst.NotEqual):
                    found.add("any_warning")
        elif isinstance(node, cst.Subscript) and _is_record(node.value, record):
            found.add("any_warning")
        elif (
            isinstance(node, cst.Attribute)
            and node.attr.value == "pop"
            and isinstance(parent, cst.Call)
            and _is_record(node.value, record)
        ):
            found.add("any_warning")
    return found.pop() if len(found) == 1 else None
