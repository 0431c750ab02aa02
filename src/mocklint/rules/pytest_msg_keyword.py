"""MCK204 pytest-msg-keyword: ``msg=`` passed to ``pytest.skip``/``fail``/``exit``/``xfail``."""

from __future__ import annotations

import ast
from typing import Optional

from mocklint.analysis.syntax.ast_scan import header_nodes, import_bindings, qualified_names, statements_on_lines, word_lines
from mocklint.analysis.pytest_model.compat_guards import compat_guarded
from mocklint.analysis.syntax.lazy_import import libcst as cst
from mocklint.analysis.syntax.source import code
from mocklint.analysis.syntax.tree import Site
from mocklint.rule import Edit, Fix, Rule, gate, gate_all

# qualified name -> the function's name in messages
_REMOVED = {
    "pytest.skip": "skip",
    "pytest.fail": "fail",
    "pytest.exit": "exit",
    "_pytest.outcomes.skip": "skip",
    "_pytest.outcomes.fail": "fail",
    "_pytest.outcomes.exit": "exit",
}
_NEVER = {"pytest.xfail": "xfail", "_pytest.outcomes.xfail": "xfail"}
# `msg=` after `(` or `,`, past whitespace and comments (as before, `msg=` in the text of such
# a comment counts too).  Linear: a comment's text is a run of characters other than `(`, `,`
# and newlines, then a whole run of `(` and `,`: never two ways to split it (`(?:#[^\n]*\s*)*`
# tried every split of a run of `#`, 2**n); and its scan stops at a `(` or `,` followed by
# another comment, where the search, tried there anyway, matches whatever this one would:
# each character is read by one search, not by one per `(` before it on its line.
_KEYWORD = r"[(,]\s*(?:#[^\n(,]*(?:(?:[(,]+(?![(,]|\s*#)|\n\s*#)[^\n(,]*)*(?:\n\s*)?)?msg\s*=(?!=)"
_CALLEES = frozenset(_REMOVED) | frozenset(_NEVER)


class PytestMsgKeyword(Rule):
    """
    ## What it does
    Checks for the `msg=` keyword in calls of `pytest.skip`, `pytest.fail`,
    `pytest.exit` and `pytest.xfail`, also after `from pytest import skip` or
    through an import alias.

    ## Why is this bad?
    pytest 7.0 renamed the `msg` parameter of `pytest.skip`, `pytest.fail` and
    `pytest.exit` to `reason` (#8948), for consistency with
    `@pytest.mark.skip(reason=...)`. `msg=` stopped working in pytest 8.0 and
    now raises `TypeError: ... got an unexpected keyword argument 'msg'`. The
    call was meant to end the test with a skip, a failure or an exit; instead the
    test fails with an unrelated error, and a module-level
    `pytest.skip(msg=..., allow_module_level=True)` becomes a collection error.

    `pytest.xfail` never had a `msg` parameter (its parameter is `reason`), so
    `pytest.xfail(msg=...)` raises the same `TypeError` on every pytest.

    The fix is the rename: `reason=`, or pass the text positionally.

    ## Example
    ```python
    import sys

    import pytest

    def test_symlinks(tmp_path):
        if sys.platform == "win32":
            pytest.skip(msg="symlinks need admin rights on Windows")
        (tmp_path / "link").symlink_to(tmp_path)
    ```

    Use instead:
    ```python
    import sys

    import pytest

    def test_symlinks(tmp_path):
        if sys.platform == "win32":
            pytest.skip(reason="symlinks need admin rights on Windows")
        (tmp_path / "link").symlink_to(tmp_path)
    ```

    ## Known problems
    `msg` passed through `**kwargs` is not seen, and calls in a branch chosen by
    a version check (`if PYTEST_VERSION < (7,):`) are not reported.

    ## Fix safety
    The fix is safe: it renames the keyword to `reason=`, the parameter `msg=`
    was an alias of. Calls that already pass `reason=` are not fixed.

    ## References
    - [pytest deprecations: passing `msg=` to `pytest.skip`, `pytest.fail` or `pytest.exit`](https://docs.pytest.org/en/stable/deprecations.html#passing-msg-to-pytest-skip-pytest-fail-or-pytest-exit)
    - [pytest changelog 7.0.0rc1 (#8948)](https://docs.pytest.org/en/stable/changelog.html#pytest-7-0-0rc1-2021-12-06)
    - [`pytest.skip`](https://docs.pytest.org/en/stable/reference/reference.html#pytest-skip)
    """

    fix_safety = "safe"
    code = "MCK204"
    name = "pytest-msg-keyword"
    summary = "`msg=` in `pytest.skip`/`fail`/`exit` stopped working in pytest 8.0; use `reason=`"
    messages = {
        "removed": (
            "`{callee!b}(msg=...)` raises `TypeError`: pytest 8.0 removed `msg`",
            "So the call raises instead of {outcome} (`msg` was deprecated in pytest 7.0). "
            "Use `{callee}(reason=...)`.",
        ),
        "never": (
            "`{callee!b}()` has no `msg` parameter, so this raises `TypeError`",
            "The test errors instead of being marked xfailed. Use `{callee}(reason=...)`.",
        ),
    }
    # `msg=` as a keyword: after `(` or `,` (and comments), not the `msg = ...` of an assignment
    body_gate = gate(gate_all(r"\bmsg\s*=", _KEYWORD))
    gate = gate_all(r"\bmsg\s*=", r"\b(?:skip|fail|exit|xfail)\b", _KEYWORD)

    @classmethod
    def might_report(cls, tree: ast.Module, source: str, path: Optional[str]) -> bool:
        """A call with ``msg=`` of a name imported from pytest that may stand for
        one of the four functions (``pytest.skip``, ``pt.fail``, ``from pytest
        import exit as stop``), on a line with the word: ``self.fail(msg=...)``
        of unittest and a ``fail`` of one's own are spared."""
        bindings = None
        for statement in statements_on_lines(tree, word_lines(source, "msg")):
            for node in header_nodes(statement):
                if isinstance(node, ast.Call) and any(keyword.arg == "msg" for keyword in node.keywords):
                    bindings = import_bindings(tree, source) if bindings is None else bindings
                    if not _CALLEES.isdisjoint(qualified_names(node.func, bindings)):
                        return True
        return False

    def visit_Call(self, node: cst.Call, site: Site) -> None:
        keyword = next((arg for arg in node.args if arg.keyword is not None and arg.keyword.value == "msg"), None)
        if keyword is None:
            return
        qualified = self.context.resolve(site, node.func)
        if qualified not in _REMOVED and qualified not in _NEVER:
            return
        if compat_guarded(site, ()):
            return
        callee = code(node.func)
        autofix = None
        if keyword.keyword is not None and not any(a.keyword is not None and a.keyword.value == "reason" for a in node.args):
            autofix = Fix("Use `reason=`", (Edit(keyword.keyword, "reason"),))
        if qualified in _NEVER:
            self.report(keyword, "never", callee=callee, autofix=autofix)
            return
        module_level = not site.function_chain() or any(
            arg.keyword is not None and arg.keyword.value == "allow_module_level" for arg in node.args
        )
        outcome = {
            "skip": "skipping the module" if module_level else "skipping the test",
            "fail": "failing the test with your message",
            "exit": "stopping the run",
        }[_REMOVED[qualified]]
        self.report(keyword, "removed", callee=callee, outcome=outcome, autofix=autofix)
