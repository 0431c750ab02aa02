"""MCK207 fixture-positional-arguments: ``@pytest.fixture("module")`` and other positional options."""

from __future__ import annotations

import ast
from typing import List, Optional, Tuple

from mocklint.analysis.syntax.ast_scan import header_nodes, import_bindings, qualified_names, statements_on_lines, word_lines
from mocklint.analysis.pytest_model.compat_guards import compat_guarded
from mocklint.analysis.syntax.lazy_import import libcst as cst
from mocklint.analysis.syntax.names import dotted_name
from mocklint.analysis.syntax.source import code
from mocklint.analysis.syntax.tree import Site
from mocklint.rule import Edit, Fix, Rule, gate

_FIXTURE = frozenset(
    {"pytest.fixture", "pytest.yield_fixture", "_pytest.fixtures.fixture", "_pytest.fixtures.yield_fixture"}
)
# The order of pytest.fixture's parameters before pytest 6.1 made them keyword-only.
_OLD_ORDER = ("scope", "params", "autouse", "ids", "name")
#: libcst literal node types, by name (its node types are final: a name is one exact type)
_LITERALS = frozenset(
    {
        "SimpleString",
        "ConcatenatedString",
        "FormattedString",
        "Integer",
        "Float",
        "Imaginary",
        "List",
        "Tuple",
        "Dict",
        "Set",
        "ListComp",
        "SetComp",
        "DictComp",
    }
)
_MAX_SHOWN = 80


class FixturePositionalArguments(Rule):
    """
    ## What it does
    Checks for options passed positionally to `pytest.fixture`:
    `@pytest.fixture("module")`, `@pytest.fixture("session", autouse=True)`,
    `@pytest.fixture("module", [1, 2])`, and the same through
    `pytest.yield_fixture`, `from pytest import fixture` or an import alias.

    A single positional argument that can be a function (`pytest.fixture(make_db)`)
    is the documented way to call the decorator and is not reported, and neither
    is `pytest.fixture(None)`.

    ## Why is this bad?
    Before pytest 5.2 `pytest.fixture(scope, params, autouse, ids, name)` took its
    options positionally. pytest 5.2 deprecated that (#1682), pytest 6.0 turned
    the deprecation warning into an error and pytest 6.1 removed it (#5585; the
    deprecations page lists it under 6.0). Now the only positional parameter is
    the fixture function itself:

    - a single option, `@pytest.fixture("module")`, is taken as the fixture
      function, and the decorator raises
      `AttributeError: 'str' object has no attribute '__name__'` (with `name=`
      also given, the decorated function fails as a fixture "called directly");
    - two or more raise `TypeError: fixture() takes from 0 to 1 positional arguments`.

    On a module-level fixture this happens while pytest imports the module, so
    every test in it errors. Name each option instead; the message spells out
    the call with your arguments, in the old order (`scope`, `params`,
    `autouse`, `ids`, `name`).

    ## Example
    ```python
    import pytest

    @pytest.fixture("session", autouse=True)
    def clean_env(monkeypatch):
        monkeypatch.delenv("APP_CONFIG", raising=False)
    ```

    Use instead:
    ```python
    import pytest

    @pytest.fixture(scope="session", autouse=True)
    def clean_env(monkeypatch):
        monkeypatch.delenv("APP_CONFIG", raising=False)
    ```

    ## Known problems
    A single positional option held in a variable (`@pytest.fixture(SCOPE)`) is
    not reported: the variable could hold the fixture function. Calls in a branch
    chosen by a version check are not reported either.

    ## Fix safety
    The fix is safe: it passes each positional value under the keyword it had
    in the old signature (`scope`, `params`, `autouse`, `ids`, `name`), and only
    when every value is plausible for its keyword.

    ## References
    - [pytest deprecations: `pytest.fixture` arguments are keyword only](https://docs.pytest.org/en/stable/deprecations.html#pytest-fixture-arguments-are-keyword-only)
    - [pytest changelog 6.1.0: removals (#5585)](https://docs.pytest.org/en/stable/changelog.html#pytest-6-1-0-2020-09-26)
    - [`pytest.fixture` reference](https://docs.pytest.org/en/stable/reference/reference.html#pytest-fixture)
    """

    fix_safety = "safe"
    code = "MCK207"
    name = "fixture-positional-arguments"
    summary = "`pytest.fixture` options passed positionally stopped working in pytest 6.0"
    messages = {
        "several": (
            "positional arguments to `{callee!b}()` raise `TypeError` since pytest 6.1",
            "They stopped working in pytest 6.0 and were removed in 6.1: this raises `TypeError`{when}. {fix!c}.",
        ),
        "function": (
            "`{callee!b}()` raises `AttributeError`: pytest 6.1 takes `{first!b}` for the fixture",
            "Positional arguments to `{callee}()` stopped working in pytest 6.0 and were removed in 6.1: "
            "`{first}` is taken as the fixture function, so this raises `AttributeError`{when}. {fix!c}.",
        ),
        "named": (
            "`{callee!b}()` fails with `Fixture \"{fixture}\" called directly` since pytest 6.1",
            "Positional arguments to `{callee}()` stopped working in pytest 6.0 and were removed in 6.1: "
            "`{first}` is taken as the fixture function, so decorating with this fails{when}. {fix!c}.",
        ),
    }
    body_gate = gate(r"fixture\s*\(")  # the call, unless the module renames `fixture`
    body_gate_name = "fixture"

    gate = gate(
        # literal first (the regex engine scans for it fast); not `self._fixture(`; past comments,
        # whose scan stops at a `fixture(` on their line that opens another comment, where the
        # search takes over: each character is read once, not once per `fixture(#` before it
        r"fixture(?:(?<!\wfixture)|(?<=yield_fixture))\s*\(\s*"
        r"(?:#[^\nf]*(?:f+(?!f|(?<!ff)ixture(?:(?<!\wfixture)|(?<=yield_fixture))[^\S\n]*\(\s*#)[^\nf]*)*\n\s*)*"
        r"(?![)*#\s]|\w+\s*=(?!=))",
        r"\bfixture\s+as\b",
    )

    @classmethod
    def might_report(cls, tree: ast.Module, source: str, path: Optional[str]) -> bool:
        """A call with a positional argument and no ``*``/``**`` of a name
        imported as ``fixture`` or ``yield_fixture`` (``pytest.fixture``,
        ``from pytest import fixture as make``), by its qualified name: not
        ``def fixture(...)``, nor a local ``fixture = pytest.fixture(**kw)``,
        nor a call in a string, nor ``pytest.fixture(function)``.  Only the
        statements on lines that spell such a name are read."""
        bindings = import_bindings(tree, source)
        words = {"fixture", "yield_fixture"}
        words.update(name for name, qualified in bindings.items() if not _FIXTURE.isdisjoint(qualified))
        for statement in statements_on_lines(tree, word_lines(source, *words)):
            for node in header_nodes(statement):
                if not isinstance(node, ast.Call) or not node.args:
                    continue
                if any(isinstance(a, ast.Starred) for a in node.args) or any(k.arg is None for k in node.keywords):
                    continue
                if len(node.args) == 1 and not _may_be_option_literal(node.args[0]):
                    continue
                if not _FIXTURE.isdisjoint(qualified_names(node.func, bindings)):
                    return True
        return False

    def visit_Call(self, node: cst.Call, site: Site) -> None:
        if any(arg.star for arg in node.args):
            return  # ``*args``/``**kwargs``: unknown
        positional = [arg for arg in node.args if arg.keyword is None]
        if not positional:
            return
        if len(positional) == 1 and not _is_option_literal(positional[0].value):
            return  # ``pytest.fixture(make_db)`` or ``pytest.fixture(None)``
        if self.context.resolve(site, node.func) not in _FIXTURE or compat_guarded(site, ()):
            return
        callee = code(node.func)
        decorates = isinstance(site.parent, cst.Decorator)
        when = "" if site.function_chain() else " while pytest imports this module"
        fix, call_text = self._fix(node, positional, callee, decorates)
        autofix = Fix("Pass the options by keyword", (Edit(node, call_text),)) if call_text else None
        first = _short(code(positional[0].value))
        if len(positional) >= 2:
            self.report(positional[0], "several", callee=callee, when=when, fix=fix, autofix=autofix)
            return
        name_arg = next((a for a in node.args if a.keyword is not None and a.keyword.value == "name"), None)
        if name_arg is None:
            self.report(positional[0], "function", callee=callee, first=first, when=when, fix=fix, autofix=autofix)
            return
        fixture = name_arg.value.evaluated_value if isinstance(name_arg.value, cst.SimpleString) else None
        if decorates and isinstance(fixture, str):
            # with ``name=`` the call itself succeeds; the decorated function then fails
            self.report(
                positional[0], "named", callee=callee, first=first, fixture=fixture, when=when, fix=fix, autofix=autofix
            )

    @staticmethod
    def _fix(node: cst.Call, positional: List[cst.Arg], callee: str, decorates: bool) -> Tuple[str, Optional[str]]:
        """The advice for the message, and the corrected call when it is certain."""
        keywords = [a for a in node.args if a.keyword is not None]
        taken = {a.keyword.value for a in keywords if a.keyword is not None}
        mapped = _OLD_ORDER[: len(positional)]
        fits = all(_fits(key, arg.value) for key, arg in zip(mapped, positional))
        if len(positional) > len(_OLD_ORDER) or taken & set(mapped) or not fits:
            return "pass each option by keyword (`scope=`, `params=`, `autouse=`, `ids=`, `name=`)", None
        parts = [f"{key}={code(arg.value)}" for key, arg in zip(mapped, positional)]
        parts += [f"{a.keyword.value}={code(a.value)}" for a in keywords if a.keyword is not None]
        call_text = f"{callee}({', '.join(parts)})"
        text = f"{'@' if decorates else ''}{call_text}"
        if "\n" in text:
            return "pass each option by keyword: " + ", ".join(f"`{key}=`" for key in mapped), None
        if len(text) > _MAX_SHOWN:
            return "pass each option by keyword: " + ", ".join(f"`{key}=`" for key in mapped), call_text
        return f"write `{text}`", call_text


def _may_be_option_literal(node: ast.expr) -> bool:
    """Whether ``_is_option_literal`` may hold for the libcst node of ``node``."""
    if isinstance(node, ast.Constant):
        return node.value is not None and node.value is not Ellipsis
    if isinstance(node, ast.UnaryOp):
        return isinstance(node.operand, ast.Constant)
    return isinstance(
        node, (ast.JoinedStr, ast.List, ast.Tuple, ast.Dict, ast.Set, ast.ListComp, ast.SetComp, ast.DictComp)
    )


def _is_option_literal(node: cst.BaseExpression) -> bool:
    """A literal that cannot be a fixture function (``None`` can: it is the default)."""
    if type(node).__name__ in _LITERALS:
        return True
    if isinstance(node, cst.Name):
        return node.value in ("True", "False")
    if isinstance(node, cst.UnaryOperation):
        return isinstance(node.expression, (cst.Integer, cst.Float, cst.Imaginary))
    return False


def _fits(key: str, value: cst.BaseExpression) -> bool:
    """Whether ``value`` is a plausible ``key=`` option, so the spelled-out fix makes sense."""
    strings = (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString)
    if key in ("scope", "name"):
        return isinstance(value, strings)
    if key == "autouse":
        return isinstance(value, cst.Name) and value.value in ("True", "False")
    constant = isinstance(value, cst.Name) and value.value in ("True", "False", "None")
    if key == "params":
        return not constant and (isinstance(value, (cst.List, cst.Tuple, cst.ListComp)) or dotted_name(value) is not None)
    if key == "ids":
        return not constant and (
            isinstance(value, (cst.List, cst.Tuple, cst.ListComp, cst.Lambda)) or dotted_name(value) is not None
        )
    return False


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= 30 else text[:27] + "..."
