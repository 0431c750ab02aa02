"""The ``ast`` questions ``might_report`` asks before libcst (``analysis.syntax.ast_scan``).

A wrong line number there is a statement not looked at, and so a finding lost:
``word_lines`` must number lines exactly as CPython's ``ast`` does, whatever
the line endings.
"""

from __future__ import annotations

import ast
from typing import List

import pytest

from mocklint.analysis.syntax.ast_scan import statements_on_lines, word_lines


def _lines_of_names(source: str, word: str) -> List[int]:
    """The truth: where CPython's own tree has the name ``word``."""
    return sorted({n.lineno for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Name) and n.id == word})


@pytest.mark.parametrize(
    "source",
    [
        "a = 1\nyield_ = 2\nx = yield_\ny = (1,\n     yield_)\n",
        "a = 1\r\nx = yield_\r\n\r\ny = yield_\r\n",
        # lone carriage returns end lines for CPython, and for libcst
        "a = 1\rx = yield_\r\ry = yield_\n",
        "a = 1\r\nb = 2\rx = yield_\ny = yield_\r\n",
        # one occurrence per line, however many there are
        "x = yield_ + yield_\n\n\nz = yield_\n",
    ],
    ids=["lf", "crlf", "cr", "mixed", "twice-on-a-line"],
)
def test_word_lines_number_lines_as_cpython_does(source: str) -> None:
    assert word_lines(source, "yield_") == _lines_of_names(source, "yield_")


def test_word_lines_finds_whole_words_only() -> None:
    source = "my_yield_ = 1\nyield_x = 2\nx = yield_\n# yield_ in a comment counts: text, not tree\n"
    assert word_lines(source, "yield_") == [3, 4]


def test_word_lines_of_several_words_are_merged_in_order() -> None:
    source = "b = 1\na = 2\nc = a + b\n"
    assert word_lines(source, "b", "a") == [1, 2, 3]


def test_statements_on_lines_reach_nested_blocks() -> None:
    source = "class A:\n    def f(self):\n        if x:\n            return target\n    def g(self):\n        pass\n"
    found = statements_on_lines(ast.parse(source), word_lines(source, "target"))
    assert [type(s).__name__ for s in found] == ["ClassDef", "FunctionDef", "If", "Return"]
