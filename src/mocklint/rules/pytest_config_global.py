"""MCK201 pytest-config-global: reads of the removed ``pytest.config`` global."""

from __future__ import annotations

import ast
import os
import re
from typing import List, Optional, Tuple

import libcst as cst

from mocklint.analysis.ast_scan import (
    header_nodes,
    import_attributes,
    import_bindings,
    qualified_names,
    statements_on_lines,
    word_lines,
)
from mocklint.analysis.compat_guards import compat_guarded
from mocklint.analysis.project import conftest_chain_matches
from mocklint.analysis.pytest_roles import Role, parameter_names
from mocklint.analysis.source import code
from mocklint.analysis.tree import Site
from mocklint.rule import Edit, Fix, Rule, gate

_MARK_CONDITIONS = frozenset({"pytest.mark.skipif", "pytest.mark.xfail"})
_HOOK_CONFIG_HOLDERS = ("item", "session", "node", "collector", "metafunc", "request", "pyfuncitem", "parser")
_ASSIGNS_PYTEST_CONFIG = re.compile(r"\bpytest\s*\.\s*config\s*=[^=]|\bsetattr\s*\(\s*pytest\s*,\s*['\"]config['\"]")


class PytestConfigGlobal(Rule):
    """
    ## What it does
    Checks for reads of the `pytest.config` global: `pytest.config.getoption(...)`,
    `pytest.config.option.x`, `getattr(pytest, "config")`, `from pytest import config`,
    also through an import alias (`import pytest as pt`). The guards
    `hasattr(pytest, "config")` and `getattr(pytest, "config", default)` get their
    own message.

    ## Why is this bad?
    `pytest.config` was deprecated in pytest 4.1 and removed in pytest 5.1 (pytest
    5.0 already turned its deprecation warning into an error). Reading it raises
    `AttributeError: module 'pytest' has no attribute 'config'`, and
    `from pytest import config` raises `ImportError`. At module level this happens
    at import time, so pytest reports a collection error for the whole file.

    The guard forms never crash, which makes them worse in a skip condition:
    `hasattr(pytest, "config")` is always `False` and `getattr(pytest, "config",
    None)` always returns the default, so a `skipif` built on them always skips,
    or never does, whatever the command line says. (Inside a function body such a
    guard is compatibility code with a fallback, and is not reported; neither is a
    read of `pytest.config` in a branch or `try` block that only old pytest
    versions reach.)

    The replacement depends on where the code stands: inside a test or fixture,
    `request.config` or the `pytestconfig` fixture; inside a hook, the hook's
    `config` argument (or `item.config`); at module level there is no
    configuration yet, so use a string condition
    (`@pytest.mark.skipif("config.getoption('--slow')")`, which pytest evaluates
    with `config` in scope) or a marker handled in `pytest_collection_modifyitems`.

    A module that assigns `pytest.config = ...` itself, or whose conftest.py does,
    is not flagged: there the attribute exists at run time.

    ## Example
    ```python
    import pytest

    @pytest.mark.skipif(not pytest.config.getoption("--slow"), reason="needs --slow")
    def test_big_upload():
        ...

    def test_verbose():
        if pytest.config.getoption("verbose") > 1:
            print("details")
    ```

    Use instead:
    ```python
    import pytest

    @pytest.mark.skipif("not config.getoption('--slow')", reason="needs --slow")
    def test_big_upload():
        ...

    def test_verbose(request):
        if request.config.getoption("verbose") > 1:
            print("details")
    ```

    ## Fix safety
    The fix is safe. Inside a test or fixture it replaces the global with
    `request.config` (or the `pytestconfig` fixture the function already
    requests), adding a `request` parameter when the function has none and a new
    parameter is certain to be a fixture request (no `*args`, no decorators that
    inject arguments, not in a class with bases such as `unittest.TestCase`).
    Reads at module level, in hooks and in helpers are not fixed.

    ## Known problems
    An assignment to `pytest.config` in a plugin module that is not a conftest.py on
    the file's path is not seen, so such a project gets a false alarm; add
    `# noqa: MCK201` there.

    ## References
    - [pytest deprecations: the `pytest.config` global](https://docs.pytest.org/en/stable/deprecations.html#pytest-config-global)
    - [pytest changelog 5.1.0 (#5180)](https://docs.pytest.org/en/stable/changelog.html#pytest-5-1-0-2019-08-15)
    - [How to use `request.config`](https://docs.pytest.org/en/stable/reference/reference.html#request)
    """

    fix_safety = "safe"
    code = "MCK201"
    name = "pytest-config-global"
    summary = "`pytest.config` was removed in pytest 5.1"
    messages = {
        "read": "`pytest.config` was removed in pytest 5.1, so this raises `AttributeError`; {replacement}",
        "import": "`from pytest import config` raises `ImportError` since pytest 5.1 removed `pytest.config`; {replacement}",
        "guard": "`{guard}` is always {value} since pytest 5.1 removed `pytest.config`, so {consequence}; {replacement}",
    }
    body_gate = gate(r"\bconfig\b")  # reads, assignments, getattr/hasattr/setattr of `config`
    gate = gate(
        r"\bpytest\s*\.\s*config\b",
        r"\bpytest\s+as\b",
        r"\bfrom\s+pytest\s+import\b[^\n]*(?:\bconfig\b|\(|\\)",
        r"\bhasattr\s*\(\s*pytest\s*,",
        r"\bgetattr\s*\(\s*pytest\s*,",
    )

    @classmethod
    def might_report(cls, tree: ast.Module, source: str, path: Optional[str]) -> bool:
        """``<x>.config`` where ``x`` is imported as ``pytest``, ``from pytest
        import config``, or ``getattr``/``hasattr(<pytest>, "config", ...)``, on
        a line that spells ``config`` or the builtin: files whose ``hasattr(pytest,
        ...)`` asks for something else, or that import ``pytest`` under another
        name without reading ``config``, are spared."""
        bindings = None
        for statement in statements_on_lines(tree, word_lines(source, "config", "getattr", "hasattr")):
            if isinstance(statement, (ast.Import, ast.ImportFrom)):
                if isinstance(statement, ast.ImportFrom) and statement.level == 0 and statement.module == "pytest":
                    if any(alias.name == "config" for alias in statement.names):
                        return True
                bindings = import_bindings(tree, source) if bindings is None else bindings
                if "pytest.config" in import_attributes(statement, bindings):
                    return True  # ``import pytest.config``
                continue
            for node in header_nodes(statement):
                if isinstance(node, ast.Attribute) and node.attr == "config":
                    holder, wanted = node, "pytest.config"
                elif _may_ask_for_config(node):
                    holder, wanted = node.args[0], "pytest"  # type: ignore[attr-defined]
                else:
                    continue
                bindings = import_bindings(tree, source) if bindings is None else bindings
                if wanted in qualified_names(holder, bindings):
                    return True
        return False

    def __init__(self, context) -> None:  # type: ignore[no-untyped-def]
        super().__init__(context)
        self._reads: List[Tuple[cst.CSTNode, Site, str, dict]] = []
        self._assigned_here = False

    # -- collection ---------------------------------------------------------
    def visit_Attribute(self, node: cst.Attribute, site: Site) -> None:
        if node.attr.value != "config" or self.context.resolve(site, node) != "pytest.config":
            return
        if site.field == "target" and isinstance(site.parent, (cst.AssignTarget, cst.AnnAssign, cst.AugAssign)):
            self._assigned_here = True
            return
        if isinstance(site.parent, cst.Del):
            return
        self._reads.append((node, site, "read", {}))

    def visit_Call(self, node: cst.Call, site: Site) -> None:
        func = node.func
        if not isinstance(func, cst.Name) or func.value not in ("getattr", "hasattr", "setattr"):
            return
        if self.context.names.bindings(site, func.value) is not None:
            return  # a local getattr/hasattr is not the builtin
        args = node.args
        if len(args) < 2 or any(arg.keyword is not None or arg.star for arg in args):
            return
        if self.context.resolve(site, args[0].value) != "pytest" or not _is_string(args[1].value, "config"):
            return
        if func.value == "setattr":
            self._assigned_here = True
        elif func.value == "getattr" and len(args) == 2:
            self._reads.append((node, site, "read", {}))
        elif func.value == "getattr":
            default = code(args[2].value)
            self._reads.append(
                (node, site, "guard", {"guard": f'getattr(pytest, "config", {default})', "value": f"`{default}`"})
            )
        else:
            self._reads.append((node, site, "guard", {"guard": 'hasattr(pytest, "config")', "value": "`False`"}))

    def visit_ImportFrom(self, node: cst.ImportFrom, site: Site) -> None:
        if node.relative or node.module is None or isinstance(node.names, cst.ImportStar):
            return
        if code(node.module) != "pytest":
            return
        for alias in node.names:
            if isinstance(alias.name, cst.Name) and alias.name.value == "config":
                self._reads.append((alias, site, "import", {}))

    # -- decision -----------------------------------------------------------
    def finish(self) -> None:
        if not self._reads or self._assigned_here:
            return
        path = self.context.path
        if path and conftest_chain_matches(os.path.dirname(os.path.abspath(path)), _ASSIGNS_PYTEST_CONFIG):
            return
        for node, site, variant, fields in self._reads:
            if variant == "guard":
                # In a function body a guard is compatibility code with a working
                # fallback; in a skip condition it silently decides the outcome.
                if not self._in_skip_condition(site):
                    continue
                fields["consequence"] = "this condition never reads the command line"
            elif compat_guarded(site, ("config",), fallback_handlers=True):
                continue  # a branch for old pytest versions, never run on new ones
            replacement, _ = self._replacement(site)
            autofix = self._autofix(node, site) if variant == "read" else None
            self.report(node, variant, replacement=replacement, autofix=autofix, **fields)

    def _autofix(self, node: cst.CSTNode, site: Site) -> Optional[Fix]:
        """``request.config`` or ``pytestconfig`` in the test or fixture that reads
        the global, adding a ``request`` parameter when it has neither."""
        chain = site.function_chain()
        if not chain or self.context.role(chain[0]) not in (Role.TEST, Role.FIXTURE):
            return None
        func = chain[0]
        params = parameter_names(func)
        if "pytestconfig" in params:
            return Fix("Use the `pytestconfig` fixture", (Edit(node, "pytestconfig"),))
        if "request" in params:
            return Fix("Use `request.config`", (Edit(node, "request.config"),))
        if not self._can_add_parameter(func):
            return None
        signature = func.params.with_changes(params=(*func.params.params, cst.Param(cst.Name("request"))))
        return Fix(
            "Use `request.config`, requesting `request`",
            (Edit(node, "request.config"), Edit(func.params, code(signature))),
        )

    def _can_add_parameter(self, func: cst.FunctionDef) -> bool:
        """A new last parameter is a fixture request: not after ``*args`` or
        keyword-only ones, not where decorators inject arguments, not in a class
        that may be a ``unittest.TestCase``."""
        params = func.params
        if params.star_arg is not cst.MaybeSentinel.DEFAULT or params.kwonly_params or params.star_kwarg:
            return False
        site = self.context.site_of(func)
        for decorator in func.decorators:
            target = decorator.decorator.func if isinstance(decorator.decorator, cst.Call) else decorator.decorator
            qualified = self.context.resolve(site, target) or ""
            if not qualified.startswith(("pytest.mark.", "pytest.fixture", "pytest.yield_fixture")):
                return False
        owner = site.enclosing_class()
        return owner is None or not owner.bases

    def _in_skip_condition(self, site: Site) -> bool:
        for ancestor, _ in site.ancestors():
            if isinstance(ancestor, cst.Decorator):
                return True
            if isinstance(ancestor, cst.Call) and self.context.resolve(site, ancestor.func) in _MARK_CONDITIONS:
                return True
        return False

    def _replacement(self, site: Site) -> Tuple[str, bool]:
        """The fix that fits where the read stands, and whether it runs at import time."""
        for func in site.function_chain():
            role = self.context.role(func)
            params = parameter_names(func)
            if role in (Role.TEST, Role.FIXTURE):
                if "pytestconfig" in params:
                    return "use the `pytestconfig` fixture this function already requests", False
                if "request" in params:
                    return "use `request.config`", False
                return "request the `pytestconfig` fixture, or `request` and use `request.config`", False
            if role is Role.HOOK:
                if "config" in params:
                    return "use the hook's `config` argument", False
                holder = next((p for p in params if p in _HOOK_CONFIG_HOLDERS), None)
                if holder is not None:
                    return f"use `{holder}.config`", False
                return "take the config from the hook's arguments (`config`, or `item.config`)", False
        if site.function_chain():
            return "pass `request.config` (or the `pytestconfig` fixture) in from the calling test or fixture", False
        return (
            "at import time there is no config: use a string condition such as "
            "`skipif(\"config.getoption('--slow')\")` or a marker handled in `pytest_collection_modifyitems`",
            True,
        )


def _may_ask_for_config(node: ast.AST) -> bool:
    """``getattr(x, "config", ...)`` or ``hasattr(x, "config")``, as ``visit_Call`` reads them."""
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("getattr", "hasattr")):
        return False
    args = node.args
    if len(args) < 2 or node.keywords or any(isinstance(arg, ast.Starred) for arg in args):
        return False
    return isinstance(args[1], ast.Constant) and args[1].value == "config"


def _is_string(node: cst.BaseExpression, value: str) -> bool:
    if isinstance(node, cst.SimpleString):
        evaluated: Optional[object] = node.evaluated_value
        return evaluated == value
    return False
