"""MCK201 pytest-config-global: reads of the removed ``pytest.config`` global."""

from __future__ import annotations

import ast
import os
import re
import warnings
from typing import List, Optional, Set, Tuple

from mocklint.analysis.syntax.ast_scan import (
    header_nodes,
    import_attributes,
    import_bindings,
    qualified_names,
    statements_on_lines,
    word_lines,
)
from mocklint.analysis.pytest_model.compat_guards import compat_guarded, mentions
from mocklint.analysis.pytest_model.project import conftest_chain_matches
from mocklint.analysis.pytest_model.pytest_roles import Role, parameter_names
from mocklint.analysis.syntax.lazy_import import libcst as cst
from mocklint.analysis.syntax.source import code
from mocklint.analysis.syntax.tree import Site, descendants
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
    own message. So does `pytest.config` inside a `skipif`/`xfail` string
    condition (`@pytest.mark.skipif("pytest.config.getoption('--slow')")`).
    Every read is reported, those in a branch whose condition itself reads
    `pytest.config` included.

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

    In a string condition, pytest evaluates the text when the test is set up,
    with the module's globals and `config` in scope: `pytest.config` there
    fails with `Error evaluating 'skipif' condition` and the same
    `AttributeError`, for every test the mark applies to. Write `config`.

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
    Reads at module level, in hooks and in helpers are not fixed. In a string
    condition the fix writes `config` for `pytest.config` (safe: pytest puts the
    active config there), unless the module defines a global `config` of its
    own, which would take its place.

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
        "read": ("`pytest.config` raises `AttributeError`: pytest 5.1 removed it", "{replacement!c}."),
        "import": (
            "`from pytest import config` raises `ImportError`: pytest 5.1 removed `pytest.config`",
            "{replacement!c}.",
        ),
        "guard": (
            "`{guard!b}` is always {value}: pytest 5.1 removed `pytest.config`",
            "Because of that, {consequence}. {replacement!c}.",
        ),
        "string": (
            "`{read}` in this `{mark}` condition raises `AttributeError`: pytest 5.1 removed it",
            "pytest evaluates the string condition, and fails on it. Write `config`, which pytest puts in the "
            "condition's namespace.",
        ),
    }
    body_gate = gate(r"\bconfig\b")  # reads, assignments, getattr/hasattr/setattr of `config`
    gate = gate(
        r"\bpytest\s*\.\s*config\b",
        r"\bpytest\s+as\b",
        # literal first, the lookbehind after it (as `\b` before it); the scan of the line stops
        # at another `from pytest import`, where the search takes over: read once, not once per import
        r"from(?<!\wfrom)\s+pytest\s+import\b[^\n(\\f]*(?:f+(?!f|(?<!\wf)rom\s+pytest\s+import\b)[^\n(\\f]*)*"
        r"(?:\bconfig\b|\(|\\)",
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
                if isinstance(node, ast.Call) and _string_conditions(node):
                    bindings = import_bindings(tree, source) if bindings is None else bindings
                    if not _MARK_CONDITIONS.isdisjoint(qualified_names(node.func, bindings)):
                        return True
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
        if isinstance(func, cst.Attribute) and func.attr.value in ("skipif", "xfail"):
            self._string_conditions(node, site)
            return
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
        reads = {id(node) for node, _, variant, _ in self._reads if variant == "read"}
        for node, site, variant, fields in self._reads:
            if variant == "string":
                self.report(node, "string", **fields)
                continue
            if variant == "guard":
                # In a function body a guard is compatibility code with a working
                # fallback; in a skip condition it silently decides the outcome.
                if not self._in_skip_condition(site):
                    continue
                fields["consequence"] = "this condition never reads the command line"
            elif compat_guarded(site, (), fallback_handlers=True) or _in_config_branch(site, reads):
                continue  # a branch for old pytest versions, never run on new ones
            replacement, _ = self._replacement(site)
            autofix = self._autofix(node, site) if variant == "read" else None
            self.report(node, variant, replacement=replacement, autofix=autofix, **fields)

    def _string_conditions(self, node: cst.Call, site: Site) -> None:
        """``pytest.config`` in the string conditions of a ``skipif``/``xfail`` mark."""
        mark = self.context.resolve(site, node.func)
        if mark not in _MARK_CONDITIONS:
            return
        for arg in node.args:
            if arg.keyword is not None and arg.keyword.value != "condition":
                continue
            if not isinstance(arg.value, cst.SimpleString) or not isinstance(arg.value.evaluated_value, str):
                continue
            spans = [
                span
                for span, name in _config_reads(arg.value.evaluated_value)
                if self.context.names.resolve_name(site, name) == "pytest"
            ]
            if not spans:
                continue
            text = arg.value.evaluated_value
            self._reads.append(
                (
                    arg.value,
                    site,
                    "string",
                    {
                        "read": text[spans[0][0]: spans[0][1]],
                        "mark": mark.rsplit(".", 1)[-1],
                        "autofix": self._string_fix(arg.value, spans),
                    },
                )
            )

    def _string_fix(self, string: cst.SimpleString, spans: List[Tuple[int, int]]) -> Optional[Fix]:
        """``config`` for each ``pytest.config`` of a one-line string written without escapes."""
        text = string.evaluated_value
        assert isinstance(text, str)
        quote = string.quote
        body = string.value[len(string.prefix) + len(quote): -len(quote)]
        if body != text or "\\" in body or "\n" in body or not text.isascii():
            return None
        if self.context.names.module_binds(self.context.module, "config"):
            return None  # the module's own `config` global would take the place of pytest's
        for start, end in sorted(spans, reverse=True):
            body = body[:start] + "config" + body[end:]
        return Fix("Write `config`", (Edit(string, f"{string.prefix}{quote}{body}{quote}"),))

    def _autofix(self, node: cst.CSTNode, site: Site) -> Optional[Fix]:
        """``request.config`` or ``pytestconfig`` in the test or fixture that reads
        the global, adding a ``request`` parameter when it requests neither."""
        chain = site.function_chain()
        if not chain or self.context.role(chain[0]) not in (Role.TEST, Role.FIXTURE):
            return None
        func = chain[0]
        requested = _fixture_arguments(func)
        if "pytestconfig" in requested:
            return Fix("Use the `pytestconfig` fixture", (Edit(node, "pytestconfig"),))
        if "request" in requested:
            return Fix("Use `request.config`", (Edit(node, "request.config"),))
        if "request" in parameter_names(func) or not self._can_add_parameter(func):
            return None  # a `request` pytest passes nothing to (it has a default, say) cannot be added again
        return Fix(
            "Use `request.config`, requesting `request`",
            (Edit(node, "request.config"), Edit(func.params, code(_with_request(func.params)))),
        )

    def _can_add_parameter(self, func: cst.FunctionDef) -> bool:
        """A new parameter is a fixture request: no ``*args``, keyword-only
        parameters or ``**kwargs``, no decorators that inject arguments, not in
        a class that may be a ``unittest.TestCase``."""
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


def _fixture_arguments(func: cst.FunctionDef) -> List[str]:
    """The parameters pytest passes fixtures to: positional-or-keyword and
    keyword-only ones without a default (as ``_pytest.compat.getfuncargnames``
    tells them; a positional-only one gets nothing)."""
    params = func.params
    return [param.name.value for param in (*params.params, *params.kwonly_params) if param.default is None]


def _with_request(params: cst.Parameters) -> cst.Parameters:
    """``params`` with a ``request`` parameter pytest passes the fixture to: one
    without a default, before the first parameter with one (``def test(request,
    n=3)``: none without a default may follow it), or keyword-only when a
    positional-only parameter has a default (``def test(n=3, /, *, request)``).
    ``params`` has no ``*args``, keyword-only parameters or ``**kwargs``."""
    request = cst.Param(cst.Name("request"))
    if any(param.default is not None for param in params.posonly_params):
        return params.with_changes(star_arg=cst.ParamStar(), kwonly_params=(request,))
    ordinary = list(params.params)
    at = next((i for i, param in enumerate(ordinary) if param.default is not None), len(ordinary))
    if at == len(ordinary) and ordinary and isinstance(ordinary[-1].comma, cst.Comma):
        # a trailing comma stays last: `def test(a,)` -> `def test(a, request,)`
        request = request.with_changes(comma=ordinary[-1].comma)
        ordinary[-1] = ordinary[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
    return params.with_changes(params=(*ordinary[:at], request, *ordinary[at:]))


def _config_reads(condition: str) -> List[Tuple[Tuple[int, int], str]]:
    """The spans of ``<name>.config`` in a string condition, with ``<name>``."""
    try:
        with warnings.catch_warnings():  # what CPython says of the condition's escapes is not mocklint's to print
            warnings.simplefilter("ignore")
            tree = ast.parse(condition.strip(), mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []
    offset = len(condition) - len(condition.lstrip())
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr == "config" and isinstance(node.value, ast.Name):
            if node.lineno == node.end_lineno == 1 and node.end_col_offset is not None:
                found.append(((node.col_offset + offset, node.end_col_offset + offset), node.value.id))
    return found


def _string_conditions(call: ast.Call) -> bool:
    """A string argument of a call that mentions ``.config``."""
    values = [*call.args, *(k.value for k in call.keywords if k.arg == "condition")]
    return any(isinstance(v, ast.Constant) and isinstance(v.value, str) and "config" in v.value for v in values)


def _in_config_branch(site: Site, reads: Set[int]) -> bool:
    """In a branch chosen by a condition that mentions ``config`` without reading
    ``pytest.config`` itself (``if hasattr(pytest, "config"):``), or after such
    an ``if`` that leaves the block: a condition that reads the global fails
    before choosing anything, so it guards nothing."""

    def guard(test: cst.CSTNode) -> bool:
        return mentions(test, ("config",)) and not any(id(n) in reads for n in descendants(test))

    child: cst.CSTNode = site.node
    for ancestor, via in site.ancestors():
        if isinstance(ancestor, (cst.If, cst.While, cst.IfExp)) and via != "test" and guard(ancestor.test):
            return True
        if isinstance(ancestor, cst.BooleanOperation) and via == "right" and guard(ancestor.left):
            return True
        if isinstance(ancestor, (cst.IndentedBlock, cst.Module)) and via == "body":
            for statement in ancestor.body:
                if statement is child:
                    break
                if isinstance(statement, cst.If) and _leaves(statement.body) and guard(statement.test):
                    return True
        child = ancestor
    return False


def _leaves(block: cst.BaseSuite) -> bool:
    """Whether a block always ends its function or loop (its last statement returns, raises, ...)."""
    body = block.body if isinstance(block, cst.IndentedBlock) else [block]
    last = body[-1] if body else None
    if isinstance(last, (cst.SimpleStatementLine, cst.SimpleStatementSuite)) and last.body:
        return isinstance(last.body[-1], (cst.Return, cst.Raise, cst.Continue, cst.Break))
    return False


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
