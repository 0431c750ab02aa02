"""MCK218 pytest-raises-message: ``pytest.raises(..., message=...)``, removed in pytest 5.1."""

from __future__ import annotations

import ast
from typing import Optional

from mocklint.analysis.syntax.ast_scan import header_nodes, import_bindings, qualified_names, statements_on_lines, word_lines
from mocklint.analysis.pytest_model.compat_guards import compat_guarded
from mocklint.analysis.syntax.lazy_import import libcst as cst
from mocklint.analysis.syntax.source import code
from mocklint.analysis.syntax.tree import Site
from mocklint.rule import Edit, Fix, Rule, gate

_RAISES = frozenset({"pytest.raises", "_pytest.python_api.raises", "_pytest.raises.raises"})


class PytestRaisesMessage(Rule):
    """
    ## What it does
    Checks for `pytest.raises(SomeError, message="...")` in its context-manager
    form (no callable passed), also written `raises(...)` after
    `from pytest import raises` or through an import alias.

    ## Why is this bad?
    The `message` parameter was deprecated in pytest 4.1 (#3974), became an
    error in pytest 5.0 and was removed in 5.1 (#5180). The call now raises
    `TypeError: Unexpected keyword arguments passed to pytest.raises: message`,
    so the test fails before its block runs, whatever the code under test does.

    It was removed because it was misread: `message` never checked the
    exception's message, it only replaced the text of the failure when
    nothing was raised. To check what the exception says, use `match=` (a
    regular expression searched in `str(exception)`); to keep the custom
    failure text, call `pytest.fail(...)` as the last statement of the block.

    In the call form, `pytest.raises(SomeError, func, *args, message=...)`,
    pytest passes `message` on to `func`, which may take it: that form is
    not reported.

    ## Example
    ```python
    import pytest

    def test_rejects_negative():
        with pytest.raises(ValueError, message="negative sizes must be rejected"):
            make_buffer(-1)
    ```

    Use instead:
    ```python
    import pytest

    def test_rejects_negative():
        with pytest.raises(ValueError):
            make_buffer(-1)
            pytest.fail("negative sizes must be rejected")
    ```

    ## Fix safety
    The fix is unsafe: it removes `message=` and calls `pytest.fail(<message>)`
    at the end of the `with` block, which keeps what the old pytest did, but the
    author may have meant `match=` instead. It is offered for a `with` block
    of its own lines, when `pytest` is imported as a module.

    ## References
    - [pytest deprecations: `message` parameter of `pytest.raises`](https://docs.pytest.org/en/stable/deprecations.html#message-parameter-of-pytest-raises)
    - [pytest changelog 5.1.0 (#5180)](https://docs.pytest.org/en/stable/changelog.html#pytest-5-1-0-2019-08-15)
    - [`pytest.raises`](https://docs.pytest.org/en/stable/reference/reference.html#pytest-raises)
    """

    fix_safety = "unsafe"
    code = "MCK218"
    name = "pytest-raises-message"
    summary = "`pytest.raises(..., message=...)` stopped working in pytest 5.0 and raises `TypeError`"
    messages = {
        "default": (
            "`{callee}(..., message=...)` raises `TypeError`: pytest 5.0 removed `message`",
            "It never checked the exception: use `match=` to check it, or `{fail}(...)` at the end of the block "
            "to keep the failure text.",
        ),
    }
    body_gate = gate(r"\bmessage\s*=")
    gate = gate(r"\bmessage\s*=")

    @classmethod
    def might_report(cls, tree: ast.Module, source: str, path: Optional[str]) -> bool:
        """A call with ``message=`` and at most one positional argument of a name
        imported as ``pytest.raises``, on a line that spells ``message``."""
        bindings = None
        for statement in statements_on_lines(tree, word_lines(source, "message")):
            for node in header_nodes(statement):
                if not (isinstance(node, ast.Call) and _may_be_removed_form(node)):
                    continue
                bindings = import_bindings(tree, source) if bindings is None else bindings
                if not _RAISES.isdisjoint(qualified_names(node.func, bindings)):
                    return True
        return False

    def visit_Call(self, node: cst.Call, site: Site) -> None:
        message = _message_argument(node)
        if message is None or self.context.resolve(site, node.func) not in _RAISES:
            return
        if compat_guarded(site, ()):
            return  # `with pytest.raises(TypeError): pytest.raises(E, message=...)`
        callee = code(node.func)
        module = code(node.func.value) if isinstance(node.func, cst.Attribute) else None
        fail = f"{module}.fail" if module is not None else "pytest.fail"
        self.report(message, callee=callee, fail=fail, autofix=self._autofix(node, message, site, module))

    def _autofix(self, call: cst.Call, message: cst.Arg, site: Site, module: Optional[str]) -> Optional[Fix]:
        """Drop ``message=`` and fail with it at the end of the ``with`` block."""
        item = site.parent
        with_site = site.parent_site()
        block = with_site.parent if with_site is not None else None
        if module is None or not isinstance(item, cst.WithItem) or not isinstance(block, cst.With):
            return None
        if not isinstance(block.body, cst.IndentedBlock) or not block.body.body:
            return None
        kept = [arg for arg in call.args if arg is not message]
        if not kept:
            return None
        kept[-1] = kept[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        last = block.body.body[-1]
        return Fix(
            f"Call `{module}.fail(...)` at the end of the block",
            (
                Edit(call, code(call.with_changes(args=kept))),
                Edit(last, f"{module}.fail({code(message.value)})", new_line=True),
            ),
            safe=False,
        )


def _message_argument(call: cst.Call) -> Optional[cst.Arg]:
    """The ``message=`` argument of a call in the context-manager form: at most
    one positional argument (the exception), no ``*args``."""
    positional = 0
    found = None
    for arg in call.args:
        if arg.star:
            return None
        if arg.keyword is None:
            positional += 1
        elif arg.keyword.value == "message":
            found = arg
    return found if positional <= 1 else None


def _may_be_removed_form(call: ast.Call) -> bool:
    """Whether ``_message_argument`` may find ``message=`` on the libcst node of ``call``."""
    if len(call.args) > 1 or any(isinstance(arg, ast.Starred) for arg in call.args):
        return False
    return any(keyword.arg == "message" for keyword in call.keywords)
