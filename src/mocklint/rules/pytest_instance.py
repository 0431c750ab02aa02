"""MCK214 pytest-instance: uses of the removed ``pytest.Instance`` collector."""

from __future__ import annotations

import ast
from typing import List, Optional, Tuple

from mocklint.analysis.syntax.ast_scan import (
    header_nodes,
    import_attributes,
    import_bindings,
    qualified_names,
    statements_on_lines,
    word_lines,
)
from mocklint.analysis.pytest_model.compat_guards import compat_guarded
from mocklint.analysis.syntax.lazy_import import libcst as cst
from mocklint.analysis.syntax.names import dotted_name
from mocklint.analysis.syntax.source import code
from mocklint.analysis.syntax.tree import Site, descendants
from mocklint.rule import Rule, gate

_QUALIFIED = frozenset({"pytest.Instance", "_pytest.python.Instance"})
_MODULES = frozenset({"pytest", "_pytest.python"})
# exceptions whose handler makes a ``try`` a guard around the read
_CATCHING = frozenset({"AttributeError", "ImportError", "Exception", "BaseException"})


class PytestInstance(Rule):
    """
    ## What it does
    Checks for uses of `pytest.Instance` and `_pytest.python.Instance`:
    attribute reads (also through `import pytest as pt`) and
    `from pytest import Instance`.

    Guarded uses are not flagged: inside `try` blocks that catch
    `AttributeError` or `ImportError` and `pytest.raises(AttributeError)`
    blocks, under a condition that tests `hasattr(pytest, "Instance")`, a
    version or `TYPE_CHECKING`, and in annotations of modules with
    `from __future__ import annotations`.

    ## Why is this bad?
    pytest 7.0 removed the `Instance` collector: test methods used to be
    collected as `Class` -> `Instance` -> `Function`, and since 7.0 `Class`
    collects them directly. pytest 7 kept a deprecated stand-in for plugins
    that mention it; pytest 8.0 made its warning an error and pytest 8.1
    deleted it. Reading `pytest.Instance` now raises `AttributeError`, and
    `from pytest import Instance` raises `ImportError`; in a conftest.py or at
    module level, that breaks the whole test run.

    Most code mentions `Instance` only to skip it
    (`if isinstance(node, pytest.Instance): return`): drop that check. To reach
    the test's class instance, use `item.instance`; to reach the class node,
    `item.getparent(pytest.Class)`.

    ## Example
    ```python
    import pytest

    def pytest_collection_modifyitems(items):
        for item in items:
            parent = item.parent
            if isinstance(parent, pytest.Instance):
                parent = parent.parent
            print(parent.name)
    ```

    Use instead:
    ```python
    def pytest_collection_modifyitems(items):
        for item in items:
            print(item.parent.name)
    ```

    ## References
    - [pytest deprecations: The `pytest.Instance` collector](https://docs.pytest.org/en/stable/deprecations.html#the-pytest-instance-collector)
    - [pytest changelog 7.0.0rc1 (#9277)](https://docs.pytest.org/en/stable/changelog.html#pytest-7-0-0rc1-2021-12-06)
    - [pytest changelog 8.0.0rc1 (#7363)](https://docs.pytest.org/en/stable/changelog.html#pytest-8-0-0rc1-2023-12-30)
    """

    code = "MCK214"
    name = "pytest-instance"
    summary = "`pytest.Instance` was removed (collector gone in 7.0, stand-in gone in 8.1)"
    messages = {
        "read": (
            "`{name}` raises `AttributeError`: pytest 8.1 removed it",
            "The collector was removed in pytest 7.0; its stand-in errors since 8.0 and is gone since 8.1. "
            "{advice!c}.",
        ),
        "import": (
            "`from {module} import Instance` raises `ImportError`: pytest 8.1 removed it",
            "The collector was removed in pytest 7.0; its stand-in errors since 8.0. {advice!c}.",
        ),
    }
    body_gate = gate(r"Instance")
    gate = gate(r"Instance(?<!\wInstance)\b")  # literal first: the regex engine scans for it fast

    @classmethod
    def might_report(cls, tree: ast.Module, source: str, path: Optional[str]) -> bool:
        """``from pytest import Instance``, or ``<x>.Instance`` where ``x`` is
        imported from pytest (``pytest``, ``pt``, ``_pytest.python``), on a line
        with the word: files that say "Instance" only in strings are spared."""
        bindings = None
        for statement in statements_on_lines(tree, word_lines(source, "Instance")):
            if isinstance(statement, (ast.Import, ast.ImportFrom)):
                if isinstance(statement, ast.ImportFrom) and statement.level == 0 and statement.module in _MODULES:
                    if any(alias.name == "Instance" for alias in statement.names):
                        return True
                bindings = import_bindings(tree, source) if bindings is None else bindings
                if not _QUALIFIED.isdisjoint(import_attributes(statement, bindings)):
                    return True  # ``import pytest.Instance``
                continue
            for node in header_nodes(statement):
                if isinstance(node, ast.Attribute) and node.attr == "Instance":
                    bindings = import_bindings(tree, source) if bindings is None else bindings
                    if not _QUALIFIED.isdisjoint(qualified_names(node, bindings)):
                        return True
        return False

    def __init__(self, context) -> None:  # type: ignore[no-untyped-def]
        super().__init__(context)
        self._found: List[Tuple[cst.CSTNode, Site, str, dict]] = []
        self._future_annotations = False

    def visit_Attribute(self, node: cst.Attribute, site: Site) -> None:
        if node.attr.value != "Instance":
            return
        resolved = self.context.resolve(site, node)
        if resolved not in _QUALIFIED:
            return
        if site.field == "target" or isinstance(site.parent, cst.Del):
            return  # assigning the attribute (a shim) is not reading it
        self._found.append((node, site, "read", {"name": code(node)}))

    def visit_ImportFrom(self, node: cst.ImportFrom, site: Site) -> None:
        if node.relative or node.module is None or isinstance(node.names, cst.ImportStar):
            return
        module = dotted_name(node.module)
        if module == "__future__":
            if any(isinstance(a.name, cst.Name) and a.name.value == "annotations" for a in node.names):
                self._future_annotations = True
            return
        if module not in _MODULES:
            return
        for alias in node.names:
            if isinstance(alias.name, cst.Name) and alias.name.value == "Instance":
                self._found.append((alias, site, "import", {"module": module}))

    def finish(self) -> None:
        for node, site, variant, fields in self._found:
            if self._guarded(site):
                continue
            self.report(node, variant, advice=_advice(site), **fields)

    def _guarded(self, site: Site) -> bool:
        """Whether the read sits where it cannot run, or where its failure is handled."""
        if compat_guarded(site, ("Instance",)):
            return True
        for ancestor, via in site.ancestors():
            if isinstance(ancestor, cst.Annotation) and self._future_annotations:
                return True
            if isinstance(ancestor, cst.Try) and via == "body":
                if any(_catches(handler) for handler in ancestor.handlers):
                    return True
            if isinstance(ancestor, (cst.If, cst.IfExp, cst.While)) and via != "test":
                if _is_guard(ancestor.test):
                    return True
            if isinstance(ancestor, cst.BooleanOperation) and via == "right":
                if _is_guard(ancestor.left):
                    return True
        return False


def _catches(handler: cst.ExceptHandler) -> bool:
    if handler.type is None:
        return True
    types = handler.type.elements if isinstance(handler.type, cst.Tuple) else [handler.type]
    for element in types:
        expr = element.value if isinstance(element, cst.Element) else element
        name = dotted_name(expr)  # type: ignore[arg-type]
        if name is not None and name.rsplit(".", 1)[-1] in _CATCHING:
            return True
    return False


def _is_guard(test: cst.BaseExpression) -> bool:
    """A condition that mentions ``Instance`` as a string, a version, or ``TYPE_CHECKING``."""
    return any(
        (isinstance(node, cst.SimpleString) and node.evaluated_value == "Instance")
        or (isinstance(node, cst.Name) and ("version" in node.value.lower() or node.value == "TYPE_CHECKING"))
        for node in descendants(test)
    )


def _advice(site: Site) -> str:
    """What to write instead, from where the name is used."""
    parent = site.parent
    up = site.parent_site()
    in_tuple = False
    if isinstance(parent, cst.Element) and up is not None:
        tuple_site = up.parent_site()
        if tuple_site is not None and isinstance(tuple_site.node, cst.Tuple):
            in_tuple = True
            up = tuple_site
            parent = up.parent
            up = up.parent_site()
    call = up.parent if up is not None and isinstance(parent, cst.Arg) else None
    if isinstance(call, cst.Call):
        func = call.func
        if isinstance(func, cst.Name) and func.value == "isinstance":
            if in_tuple:
                return (
                    "remove it from this `isinstance` check: "
                    "since pytest 7.0 `pytest.Class` collects test methods directly"
                )
            return "drop this `isinstance` check: since pytest 7.0 `pytest.Class` collects test methods directly"
        if isinstance(func, cst.Attribute) and func.attr.value == "getparent":
            receiver = code(func.value)
            return (
                f"use `{receiver}.instance` for the test's class instance, "
                f"or `{receiver}.getparent(pytest.Class)` for the class node"
            )
    return "remove the `Instance` handling: since pytest 7.0 `pytest.Class` collects test methods directly"
