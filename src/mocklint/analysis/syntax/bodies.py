"""Parse only the function bodies some rule reads.

libcst costs about 80 microseconds per line of test code, and most test
functions of a file that reaches libcst are of no interest to any rule: in a
module that patches one thing in one test, the other two hundred tests hold no
mock.  Before the parse, each rule that may report says which bodies it reads
(``Rule.needed_bodies``); a body no rule reads is replaced by ``pass`` on its
first line and blank lines after it.  Every kept line stays where it was, so
positions, fixes and messages are those of the full file, and the ``def`` line
with its decorators and parameters is always kept: the module's bindings, the
fixtures it defines and the signatures of its tests are all still there.

Only whole bodies of functions at module level and of methods of module-level
classes are dropped, never a statement inside a body, and never a body that
declares ``global`` or ``nonlocal`` (it binds names outside itself).
``tests/test_prefilters.py`` checks on every fixture file that the findings
are the same with and without the reduction, and
``scripts/check_prefilters.py`` on real projects.
"""

from __future__ import annotations

import ast
import re
from typing import Callable, Iterator, List, Optional, Sequence, Set, Tuple, Union

Function = Union[ast.FunctionDef, ast.AsyncFunctionDef]
#: (function, the text of its body) -> whether a rule reads that body
BodyFilter = Callable[[Function, str], bool]

_BINDS_OUTSIDE = re.compile(r"\b(?:global|nonlocal)\b")


def candidates(tree: ast.Module) -> Iterator[Function]:
    """Functions at module level and methods of module-level classes (nested
    classes included): the bodies that may be dropped."""
    stack: List[Sequence[ast.stmt]] = [tree.body]
    while stack:
        for statement in stack.pop():
            if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
                yield statement
            elif isinstance(statement, ast.ClassDef):
                stack.append(statement.body)


class Lines:
    """The source split into lines the way CPython numbers them."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.starts = [0]
        self.starts.extend(m.end() for m in re.finditer("\n", source))

    def offset(self, line: int) -> int:
        return self.starts[line - 1]

    def text(self, first: int, last: int) -> str:
        end = self.starts[last] if last < len(self.starts) else len(self.source)
        return self.source[self.offset(first): end]


def body_start(func: Function, lines: Lines) -> Optional[int]:
    """The first line of ``func``'s body when the body starts on a line of its
    own (not ``def f(): return 1``), else None."""
    first = func.body[0]
    decorators = getattr(first, "decorator_list", None)
    if decorators:
        return min(d.lineno for d in decorators)  # a decorator always starts a line
    line = first.lineno
    if line <= func.lineno:
        return None
    # ``col_offset`` counts UTF-8 bytes; `def f(\n    x): return x` shares its line
    if lines.text(line, line).encode("utf-8")[: first.col_offset].strip(b" \t\x0c"):
        return None
    return line


def reduce_source(source: str, tree: ast.Module, filters: Sequence[BodyFilter]) -> Tuple[str, int, Set[int]]:
    """``source`` with the bodies no filter keeps replaced by ``pass``, the
    number of lines dropped, and the ids of the functions whose bodies were
    (``source`` itself, 0 and none when nothing is)."""
    if "\r" in source.replace("\r\n", ""):
        return source, 0, set()  # a lone carriage return: CPython and libcst may count lines apart
    lines = Lines(source)
    dropped: List[Tuple[int, int]] = []
    functions: Set[int] = set()
    for func in candidates(tree):
        end = getattr(func, "end_lineno", None)
        start = body_start(func, lines) if end else None
        if start is None or end is None or end - start < 1:
            continue  # one-line bodies are not worth it
        body = lines.text(start, end)
        if _BINDS_OUTSIDE.search(body) or any(keep(func, body) for keep in filters):
            continue
        dropped.append((start, end))
        functions.add(id(func))
    if not dropped:
        return source, 0, functions
    out: List[str] = []
    position = 0
    count = 0
    for start, end in sorted(dropped):
        begin = lines.offset(start)
        out.append(source[position:begin])
        first_line = lines.text(start, start)
        indent = first_line[: len(first_line) - len(first_line.lstrip(" \t\x0c"))]
        body = lines.text(start, end)
        newline = "\r\n" if body.endswith("\r\n") or first_line.endswith("\r\n") else "\n"
        breaks = body.count("\n")
        if not body.endswith("\n"):
            breaks += 1  # the file's last line, without a newline of its own
            out.append(indent + "pass" + newline * (breaks - 1))
        else:
            out.append(indent + "pass" + newline * breaks)
        position = begin + len(body)
        count += end - start
    out.append(source[position:])
    return "".join(out), count, functions

