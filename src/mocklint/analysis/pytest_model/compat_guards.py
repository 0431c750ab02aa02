"""Is a use of a removed pytest API dead or guarded code?  And is its receiver
really a pytest object?

Old plugins and test suites keep compatibility branches such as::

    if hasattr(request, "getfixturevalue"):
        value = request.getfixturevalue(name)
    else:
        value = request.getfuncargvalue(name)  # never runs on pytest >= 3.0

or ``try: ... except AttributeError:`` fallbacks, and tests assert that an old
API is gone with ``pytest.raises(AttributeError)``.  None of these fail at run
time, so rules about removed APIs stay silent inside them.  The checks are
deliberately generous: a condition that merely *mentions* the API, its
replacement or a version makes the branch a guard.
"""

from __future__ import annotations

import ast
from typing import Iterable, Iterator, List, Optional, Sequence

from mocklint.analysis.syntax.ast_scan import statements_on_lines
from mocklint.analysis.syntax.lazy_import import libcst as cst
from mocklint.analysis.syntax.names import NameResolver, dotted_name
from mocklint.analysis.syntax.tree import Site, descendants

# Names of exceptions whose handlers swallow an AttributeError or TypeError.
_CATCH_ALL = frozenset({"AttributeError", "TypeError", "Exception", "BaseException"})


def _texts(node: cst.CSTNode) -> Iterator[str]:
    """Identifiers and string contents under ``node``, lower-cased."""
    for child in descendants(node):
        if isinstance(child, cst.Name):
            yield child.value.lower()
        elif isinstance(child, cst.Attribute):
            yield child.attr.value.lower()
        elif isinstance(child, (cst.SimpleString, cst.FormattedStringText)):
            yield child.value.lower()


def mentions(node: cst.CSTNode, words: Sequence[str]) -> bool:
    """Whether ``node`` tests a feature or pytest's version: an identifier or
    string under it contains one of ``words``, or the condition names both
    pytest and a version (``pytest.__version__``, ``PYTEST_VERSION``); a Python
    version check alone (``sys.version_info``) is not one."""
    lowered = tuple(word.lower() for word in words)
    texts = list(_texts(node))
    if any(word in text for text in texts for word in lowered):
        return True
    return any("version" in text for text in texts) and any("pytest" in text for text in texts)


def _names_catch_all(node: cst.CSTNode) -> bool:
    return any(isinstance(n, cst.Name) and n.value in _CATCH_ALL for n in descendants(node))


def _handler_catches(handler: cst.ExceptHandler) -> bool:
    return handler.type is None or _names_catch_all(handler.type)  # bare ``except:`` catches all


def _exits(block: cst.BaseSuite) -> bool:
    """Whether a block always leaves its function or loop (ends with return/raise/continue/break)."""
    body = block.body if isinstance(block, cst.IndentedBlock) else [block]
    last = body[-1] if body else None
    if isinstance(last, (cst.SimpleStatementLine, cst.SimpleStatementSuite)) and last.body:
        return isinstance(last.body[-1], (cst.Return, cst.Raise, cst.Continue, cst.Break))
    return False


def _in_version_or_feature_branch(site: Site, words: Sequence[str]) -> bool:
    child: cst.CSTNode = site.node
    for ancestor, via in site.ancestors():
        if isinstance(ancestor, (cst.If, cst.While)) and via != "test":
            if mentions(ancestor.test, words):
                return True
        elif isinstance(ancestor, cst.IfExp) and via != "test":
            if mentions(ancestor.test, words):
                return True
        elif isinstance(ancestor, cst.BooleanOperation) and via == "right":
            if mentions(ancestor.left, words):
                return True
        elif isinstance(ancestor, (cst.IndentedBlock, cst.Module)) and via == "body":
            # ``if hasattr(request, "getfixturevalue"): return ...`` earlier in the block
            for statement in ancestor.body:
                if statement is child:
                    break
                if isinstance(statement, cst.If) and _exits(statement.body) and mentions(statement.test, words):
                    return True
        child = ancestor
    return False


def compat_guarded(site: Site, words: Sequence[str], *, fallback_handlers: bool = False) -> bool:
    """Whether the node at ``site`` sits where failing is handled or unreachable:

    - in a branch of an ``if``/``while``/conditional expression whose condition
      mentions one of ``words`` or pytest's version, after such an ``if`` that
      returns or raises earlier in the same block, or on the right of
      ``and``/``or`` after such a test;
    - in the body of a ``try`` that catches ``AttributeError``, ``TypeError``,
      ``Exception`` or everything;
    - with ``fallback_handlers``, in an ``except AttributeError:`` handler: the
      fallback of ``try: request.getfixturevalue(...)``, which a current pytest
      never reaches for that reason;
    - in a ``with`` block that expects or suppresses one of those exceptions
      (``pytest.raises(AttributeError)``, ``contextlib.suppress(TypeError)``),
      or in the arguments of such a ``raises(...)`` call.
    """
    if _in_version_or_feature_branch(site, words):
        return True
    child: cst.CSTNode = site.node
    for ancestor, via in site.ancestors():
        if isinstance(ancestor, cst.Try):
            if via == "body" and any(_handler_catches(h) for h in ancestor.handlers):
                return True
            if via == "handlers" and fallback_handlers and isinstance(child, cst.ExceptHandler):
                if child.type is not None and any(
                    isinstance(n, cst.Name) and n.value == "AttributeError" for n in descendants(child.type)
                ):
                    return True
        elif isinstance(ancestor, cst.With) and via == "body":
            if any(_names_catch_all(item.item) for item in ancestor.items):
                return True
        elif isinstance(ancestor, cst.Call) and via == "args":
            name = dotted_name(ancestor.func)
            if name is not None and name.rsplit(".", 1)[-1] == "raises" and _names_catch_all(ancestor):
                return True
        child = ancestor
    return False


def version_guarded(site: Site) -> bool:
    """Whether the node at ``site`` is in a branch chosen by a version check."""
    return _in_version_or_feature_branch(site, ())


# Attributes through which a fixture request, node or metafunc is usually held
# on ``self`` (unittest-style classes, helper objects).
_HELD_ON_SELF = frozenset({"request", "_request", "node", "item", "metafunc", "pyfuncitem", "_pyfuncitem"})


class PytestReceivers:
    """Decides whether ``<expr>.attr`` is read on an object pytest hands out.

    A receiver counts when its dotted chain starts at a function parameter
    (``request``, ``metafunc``, ``item``, a hook's argument, ...) that is the
    name's only binding, or at the target of a ``for`` loop over such a
    parameter (``for item in items``).  ``self.<x>`` counts only for the usual
    holders (``self.request``, ``self.node``, ...).  Anything else -- a local
    assignment (maybe a ``Mock()``), an import, a call result -- is unknown.

    Rules feed every ``For`` node to :meth:`add_loop` and ask :meth:`is_pytest_object`
    once the walk is over.
    """

    def __init__(self, names: NameResolver) -> None:
        self.names = names
        # (target name, iterable expression, site of the For)
        self._loops: List[tuple] = []

    def add_loop(self, node: cst.For, site: Site) -> None:
        if isinstance(node.target, cst.Name):
            self._loops.append((node.target.value, node.iter, site))

    def is_pytest_object(self, receiver: cst.BaseExpression, site: Site, depth: int = 0) -> bool:
        chain = dotted_name(receiver)
        if chain is None or depth > 3:
            return False
        parts = chain.split(".")
        root = parts[0]
        owner = self.names.parameter_owner(site, root)
        if owner is not None:
            if root in ("self", "cls") and self._is_method(owner, site):
                return len(parts) >= 2 and parts[1] in _HELD_ON_SELF
            return True
        return self._loop_over_pytest_objects(root, site, depth)

    def _is_method(self, func: cst.FunctionDef, site: Site) -> bool:
        params = func.params.posonly_params or func.params.params
        return bool(params) and params[0].name.value in ("self", "cls")

    def _binding_scope(self, site: Site, name: str) -> Optional[cst.CSTNode]:
        for scope in site.scopes():
            if self.names.scope_bindings(scope, name):
                return scope
        return None

    def _loop_over_pytest_objects(self, name: str, site: Site, depth: int) -> bool:
        scope = self._binding_scope(site, name)
        if scope is None or len(self.names.scope_bindings(scope, name)) != 1:
            return False
        for target, iterable, loop_site in self._loops:
            if target != name:
                continue
            if next(loop_site.scopes(), None) is not scope:
                continue
            return self.is_pytest_object(iterable, loop_site, depth + 1)
        return False


def string_values(nodes: Iterable[cst.CSTNode]) -> Iterator[str]:
    """The values of the plain string literals among ``nodes``."""
    for node in nodes:
        if isinstance(node, cst.SimpleString):
            value = node.evaluated_value
            if isinstance(value, str):
                yield value


# -- before libcst, on the ``ast`` ----------------------------------------------


def in_catching_with(tree: ast.AST, statement: ast.stmt) -> bool:
    """Whether ``statement`` sits in the body of a ``with`` of ``tree`` whose
    items name an exception ``compat_guarded`` sees as handled there
    (``pytest.raises(TypeError)``, ``contextlib.suppress(Exception)``)."""
    start, end = statement.lineno, statement.end_lineno or statement.lineno
    for other in statements_on_lines(tree, [start]):  # the statement and those around it
        if (
            isinstance(other, (ast.With, ast.AsyncWith))
            and other is not statement
            and other.body[0].lineno <= start
            and end <= (other.end_lineno or 0)
            and any(
                isinstance(node, ast.Name) and node.id in _CATCH_ALL
                for item in other.items
                for node in ast.walk(item.context_expr)
            )
        ):
            return True
    return False
