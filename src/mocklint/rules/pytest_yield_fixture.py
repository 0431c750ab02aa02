"""MCK202 pytest-yield-fixture: ``@pytest.yield_fixture``, deprecated since pytest 6.2."""

from __future__ import annotations

import builtins
from typing import List, Optional

from mocklint.analysis.pytest_model.compat_guards import version_guarded
from mocklint.analysis.syntax.lazy_import import libcst as cst
from mocklint.analysis.syntax.source import call_arguments, code
from mocklint.analysis.syntax.tree import Site
from mocklint.rule import Edit, Fix, Rule, gate

_YIELD_FIXTURE = frozenset({"pytest.yield_fixture", "_pytest.fixtures.yield_fixture"})
_WARNS = frozenset({"pytest.warns", "_pytest.recwarn.warns"})
_DEPRECATED_CALL = frozenset({"pytest.deprecated_call", "_pytest.recwarn.deprecated_call"})
#: what ``yield_fixture`` warns: a ``PytestRemovedIn10Warning`` on pytest 9 (a
#: ``PytestDeprecationWarning`` before), hence also a ``DeprecationWarning`` and,
#: through ``PytestWarning``, a ``UserWarning``
_CAUGHT_BY = frozenset(
    {
        "Warning",
        "UserWarning",
        "DeprecationWarning",
        "PytestWarning",
        "PytestDeprecationWarning",
        "PytestRemovedIn10Warning",
    }
)
_WARNING_TEXT = "@pytest.yield_fixture is deprecated.\nUse @pytest.fixture instead; they are the same."
_BUILTINS = frozenset(dir(builtins))
#: the fields of a ``def`` evaluated where it is defined, not when it is called
_DEFINITION_FIELDS = frozenset({"decorators", "params", "returns"})


class PytestYieldFixture(Rule):
    """
    ## What it does
    Checks for uses of `pytest.yield_fixture`: as a decorator (`@pytest.yield_fixture`,
    `@pytest.yield_fixture(scope="module")`) or called
    (`pytest.yield_fixture(scope="module")(make_db)`), also after
    `from pytest import yield_fixture` or through an import alias.

    ## Why is this bad?
    `yield_fixture` has been a plain alias of `pytest.fixture` since pytest 3.0,
    when `@pytest.fixture` learnt to run `yield` fixtures, and it is deprecated
    since pytest 6.2 (#7988). Each use warns when it runs, for a decorator while
    pytest imports the test module: `PytestDeprecationWarning` on pytest 8.4,
    `PytestRemovedIn10Warning` on pytest 9.2, which scheduled the alias for
    removal (#14755). pytest's backwards-compatibility policy turns
    `PytestRemovedIn10Warning` into an error by default in pytest 10, and the
    module will then fail to import; under
    `-W error::pytest.PytestDeprecationWarning` (or `filterwarnings = error`) it
    already does.

    The replacement is a rename: `@pytest.fixture` takes the same arguments and
    runs `yield` fixtures, teardown included.

    ## Example
    ```python
    import pytest

    @pytest.yield_fixture(scope="module")
    def db():
        conn = connect()
        yield conn
        conn.close()
    ```

    Use instead:
    ```python
    import pytest

    @pytest.fixture(scope="module")
    def db():
        conn = connect()
        yield conn
        conn.close()
    ```

    Code that runs inside `pytest.warns(...)` or `pytest.deprecated_call()`
    (the `with` block, or a `lambda` given to their callable form) whose
    category and `match=` catch this warning tests the deprecation on purpose
    (pytest's own test of it does), and is not reported: renaming it would make
    that test fail with "DID NOT WARN".

    ## Known problems
    A `yield_fixture` stored in a variable first (`yf = pytest.yield_fixture`)
    is not followed, and uses in a branch chosen by a version check are not
    reported, nor uses in a function handed by name to the callable form of
    `pytest.warns`, or checked through `recwarn` or `warnings.catch_warnings`.

    ## Fix safety
    The fix is safe: `yield_fixture` is an alias of `fixture`. Only the
    `pytest.yield_fixture` spelling is fixed; a name imported with
    `from pytest import yield_fixture` is left to you, with its import.

    ## References
    - [pytest deprecations: the `yield_fixture` function/decorator](https://docs.pytest.org/en/stable/deprecations.html#yield-fixture-deprecated)
    - [pytest changelog 9.2.0: scheduled for removal (#14755)](https://docs.pytest.org/en/stable/changelog.html#pytest-9-2-0-2026-10-27)
    - [pytest changelog 6.2.0: deprecated (#7988)](https://docs.pytest.org/en/stable/changelog.html#pytest-6-2-0-2020-12-12)
    - [How to use yield fixtures](https://docs.pytest.org/en/stable/how-to/fixtures.html#yield-fixtures-recommended)
    """

    fix_safety = "safe"
    code = "MCK202"
    name = "pytest-yield-fixture"
    summary = "`pytest.yield_fixture` is a deprecated alias of `pytest.fixture`, scheduled for removal"
    messages = {
        "default": (
            "`{used!b}` is a deprecated alias of `pytest.fixture`, and warns",
            "It warns {when} (deprecated since pytest 6.2; `PytestRemovedIn10Warning` since pytest 9.2 scheduled "
            "it for removal). Write `{replacement}`{note}.",
        ),
    }
    gate = gate(r"\byield_fixture\b")
    body_gate = gate  # the bodies holding what it reports, and what excuses it
    body_gate_name = "yield_fixture"


    def visit_Call(self, node: cst.Call, site: Site) -> None:
        if self._is_yield_fixture(node.func, site):
            self._report(node.func, site, node)

    def visit_Decorator(self, node: cst.Decorator, site: Site) -> None:
        if not isinstance(node.decorator, cst.Call) and self._is_yield_fixture(node.decorator, site):
            self._report(node.decorator, site, None)

    def _is_yield_fixture(self, expr: cst.BaseExpression, site: Site) -> bool:
        if self.context.resolve(site, expr) not in _YIELD_FIXTURE:
            return False
        return not version_guarded(site) and not self._expected(site)

    # -- code that tests the deprecation -----------------------------------------------
    def _expected(self, site: Site) -> bool:
        """Whether the code at ``site`` runs inside a ``pytest.warns`` or
        ``pytest.deprecated_call`` that catches the ``yield_fixture`` warning."""
        current = site
        parent = current.parent_site()
        while parent is not None:
            node = parent.node
            if isinstance(node, cst.With) and current.field == "body":
                if any(isinstance(item.item, cst.Call) and self._catches(item.item, parent) for item in node.items):
                    return True
            elif isinstance(node, cst.Lambda) and current.field == "body":
                return self._called_by_check(parent)  # runs when the callable form calls it
            elif isinstance(node, cst.FunctionDef) and current.field not in _DEFINITION_FIELDS:
                return False  # runs when called, later
            current, parent = parent, parent.parent_site()
        return False

    def _called_by_check(self, function: Site) -> bool:
        """``pytest.warns(W, <function>)``, ``pytest.deprecated_call(<function>)``."""
        arg = function.parent_site()
        call = arg.parent_site() if arg is not None else None
        if arg is None or call is None or not isinstance(arg.node, cst.Arg) or not isinstance(call.node, cst.Call):
            return False
        positional = [a for a in call.node.args if a.keyword is None and not a.star]
        callable_at = 0 if self.context.resolve(call, call.node.func) in _DEPRECATED_CALL else 1
        return len(positional) > callable_at and positional[callable_at] is arg.node and self._catches(call.node, call)

    def _catches(self, call: cst.Call, site: Site) -> bool:
        """Whether the check ``call`` makes catches the ``yield_fixture`` warning:
        its category (``Warning`` when none is given) and ``match=`` fit it, or
        mocklint cannot read them."""
        qualified = self.context.resolve(site, call.func)
        if qualified not in _WARNS and qualified not in _DEPRECATED_CALL:
            return False
        keywords = {a.keyword.value: a.value for a in call.args if a.keyword is not None}
        match = keywords.get("match")
        if isinstance(match, cst.SimpleString) and isinstance(match.evaluated_value, str):
            if not _may_match(match.evaluated_value, _WARNING_TEXT):
                return False
        if qualified in _DEPRECATED_CALL:
            return True  # DeprecationWarning, PendingDeprecationWarning, FutureWarning
        positional = [a.value for a in call.args if a.keyword is None and not a.star]
        category = positional[0] if positional else keywords.get("expected_warning")
        return category is None or self._category_catches(category, site)

    def _category_catches(self, category: cst.BaseExpression, site: Site) -> bool:
        """Whether ``category`` (or one of a tuple) may be one the warning is an instance of."""
        if isinstance(category, cst.Tuple):
            return any(self._category_catches(element.value, site) for element in category.elements)
        qualified = self.context.resolve(site, category)
        if qualified is None and isinstance(category, cst.Name) and category.value in _BUILTINS:
            qualified = None if self.context.names.bindings(site, category.value) else category.value
        if qualified is None or not (qualified in _BUILTINS or qualified.startswith(("pytest.", "_pytest."))):
            return True  # a category mocklint cannot read
        return qualified.rsplit(".", 1)[-1] in _CAUGHT_BY

    def _report(self, target: cst.BaseExpression, site: Site, call: Optional[cst.Call]) -> None:
        written = code(target)
        new_callee = code(target.value) + ".fixture" if isinstance(target, cst.Attribute) else "pytest.fixture"
        arguments = ""
        if call is not None:
            arguments = f"({call_arguments(call)})"
        at = "@" if _decorates(site, call) else ""
        used = f"{at}{written}" + ("(...)" if call is not None and call.args else "()" if call is not None else "")
        note = ""
        if isinstance(target, cst.Name):
            new_callee, note = "fixture", " with `from pytest import fixture`"
        replacement = f"{at}{new_callee}{arguments}"
        when = "each time this code runs" if site.function_chain() else "while pytest imports this module"
        autofix = None
        if isinstance(target, cst.Attribute):
            autofix = Fix("Use `pytest.fixture`", (Edit(target.attr, "fixture"),))
        self.report(target, "default", used=used, replacement=replacement, note=note, when=when, autofix=autofix)


def _may_match(pattern: str, text: str) -> bool:
    """Whether ``re.search(pattern, text)`` may find a match, decided without
    running the user's pattern (a nested repeat takes exponential time): a
    pattern of plain characters, ``.`` and escaped punctuation is matched here,
    any other is taken to match."""
    tokens: List[Optional[str]] = []  # None: `.`, any character but a newline
    chars = iter(pattern)
    for char in chars:
        if char == "\\":
            escaped = next(chars, "")
            if escaped.isalnum() or not escaped:
                return True  # `\d`, `\b`...: a class or an assertion
            tokens.append(escaped)
        elif char in "^$*+?{}[]|()":
            return True
        else:
            tokens.append(None if char == "." else char)
    return any(
        all(c == t if t is not None else c != "\n" for t, c in zip(tokens, text[start:]))
        for start in range(len(text) - len(tokens) + 1)
    )


def _decorates(site: Site, call: Optional[cst.Call]) -> bool:
    """Whether the reported expression is a decorator (``site`` is the Call's or the Decorator's)."""
    if call is None:
        return True
    return isinstance(site.parent, cst.Decorator)

