"""Source text in and out of libcst: the one parse mocklint makes of a file,
and the text of nodes as rules quote it in messages."""

from __future__ import annotations

import ast
import threading
import warnings
from typing import Optional

from mocklint.analysis.syntax.lazy_import import libcst as cst

#: the module whose ``code_for_node`` renders nodes (made with the first)
_EMPTY_MODULE: Optional[cst.Module] = None

#: beyond this length a message shows ``...`` instead of the arguments
MAX_ARGUMENTS_SHOWN = 60


def code(node: cst.CSTNode) -> str:
    """The source of ``node`` as written (comments and spacing inside it kept)."""
    global _EMPTY_MODULE
    if _EMPTY_MODULE is None:
        _EMPTY_MODULE = cst.Module([])
    return _EMPTY_MODULE.code_for_node(node)


def call_arguments(call: cst.Call) -> str:
    """The call's arguments as written, or ``...`` when they are long or span lines."""
    parts = []
    for arg in call.args:
        prefix = f"{arg.keyword.value}=" if arg.keyword is not None else arg.star
        parts.append(prefix + code(arg.value))
    text = ", ".join(parts)
    if len(text) > MAX_ARGUMENTS_SHOWN or "\n" in text:
        return "..."
    return text


def parse_python(text: str) -> ast.Module:
    """``ast.parse(text)`` without the warnings CPython gives about the source
    it compiles (``SyntaxWarning``, ``DeprecationWarning`` before 3.12: an
    invalid escape sequence, ``is`` with a literal).  They are the project's
    business, and printed as ``<unknown>:184: SyntaxWarning`` on mocklint's
    stderr they name neither the file nor the tool (aiohttp 2.3's tests)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SyntaxWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        return ast.parse(text)


_VALIDATION = threading.Lock()


def _skip_validation(self: cst.CSTNode) -> None:
    """``CSTNode.__post_init__`` while mocklint parses: no ``_validate()``."""


def parse_module(source: str) -> cst.Module:
    """``libcst.parse_module(source)`` without validating each node it builds.

    libcst validates every node in ``__post_init__`` (``_validate``: that
    parentheses balance, that keywords have the whitespace they need): a
    check for trees built by hand, which its own parser's output passes by
    construction ("PERF: ... avoid validating the tree when parsing a file",
    libcst/_nodes/base.py).  It is a fifth of the parse.  The validation is
    switched off only for the parse, and back on after it, under a lock, so
    another thread building nodes by hand in the meantime is at worst not
    validated, never wrongly refused.
    """
    with _VALIDATION:
        node = cst.CSTNode
        original = node.__dict__["__post_init__"]
        node.__post_init__ = _skip_validation  # type: ignore[method-assign]
        try:
            return cst.parse_module(source)
        finally:
            node.__post_init__ = original  # type: ignore[method-assign]
