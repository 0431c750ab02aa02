"""Source text of nodes, as rules quote it in messages."""

from __future__ import annotations

import libcst as cst

_EMPTY_MODULE = cst.Module([])

#: beyond this length a message shows ``...`` instead of the arguments
MAX_ARGUMENTS_SHOWN = 60


def code(node: cst.CSTNode) -> str:
    """The source of ``node`` as written (comments and spacing inside it kept)."""
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
