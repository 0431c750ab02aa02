"""Line and column positions of chosen nodes, as libcst's ``PositionProvider`` gives them.

``MetadataWrapper(module).resolve(PositionProvider)`` generates the module's
code while recording a position for every node of the tree (a regular
expression over every token, a dictionary entry per node), and then walks the
whole tree once more with an empty batch of visitors.  The engine needs the
positions of the few nodes it reports on (and those its fixes edit): on a
large file the full pass cost several times the code generation itself.

:func:`positions_of` runs the same code generation (libcst's own, so the
text and every node's place in it are exactly those the provider sees), and
keeps only a character offset for the nodes asked for, the provider's way:

- a node's range is the text its code generation produced (whitespace it owns
  included), unless the node records a *syntactic* range, possibly hoisted
  from a child (``start_node``/``end_node``), which then wins;
- offsets become lines and columns at the end, from the generated text.

It falls back to the provider itself where the offsets could disagree with
it: text with a carriage return (the provider counts a ``\\r`` and a ``\\n``
that end and start two tokens as two line breaks), or a hoisted child that was
generated before its parent's range opened.  ``tests/test_speed.py`` compares
both over every node of every fixture file.
"""

from __future__ import annotations

import bisect
import contextlib
import re
from typing import Dict, Iterable, Iterator, List, Mapping, Optional, Set, Tuple

import libcst as cst
from libcst._nodes.internal import CodegenState
from libcst.metadata import CodePosition, CodeRange, MetadataWrapper, PositionProvider

_Span = Tuple[int, int]


class _Unsure(Exception):
    """The offsets may differ from the provider's here: use the provider."""


class _OffsetState(CodegenState):
    """libcst's code generation, counting characters, recording the spans of ``wanted`` nodes."""

    def __init__(self, module: cst.Module, wanted: Set[cst.CSTNode]) -> None:
        super().__init__(default_indent=module.default_indent, default_newline=module.default_newline)
        self.wanted = wanted
        self.offset = 0
        self.spans: Dict[cst.CSTNode, _Span] = {}
        self.starts: List[int] = []
        self.popped = ""

    def add_indent_tokens(self) -> None:
        super().add_indent_tokens()
        for token in self.indent_tokens:
            self.offset += len(token)

    def add_token(self, value: str) -> None:
        self.tokens.append(value)
        self.offset += len(value)

    def pop_trailing_newline(self) -> None:
        if self.tokens:
            self.popped = self.tokens[-1]
        super().pop_trailing_newline()

    def before_codegen(self, node: cst.CSTNode) -> None:
        if node in self.wanted:
            self.starts.append(self.offset)

    def after_codegen(self, node: cst.CSTNode) -> None:
        if node in self.wanted:
            start = self.starts.pop()
            if node not in self.spans:  # a syntactic range, recorded inside, wins
                self.spans[node] = (start, self.offset)

    @contextlib.contextmanager
    def record_syntactic_position(
        self,
        node: cst.CSTNode,
        *,
        start_node: Optional[cst.CSTNode] = None,
        end_node: Optional[cst.CSTNode] = None,
    ) -> Iterator[None]:
        if node not in self.wanted:
            yield
            return
        for child in (start_node, end_node):
            if child is not None:
                if child in self.spans:  # generated before this range opened: not the provider's order
                    raise _Unsure
                self.wanted.add(child)
        start = self.offset
        try:
            yield
        finally:
            end = self.offset
            if start_node is not None:
                start = self.spans[start_node][0]
            if end_node is not None:
                end = self.spans[end_node][1]
            self.spans[node] = (start, end)


def positions_of(module: cst.Module, nodes: Iterable[cst.CSTNode]) -> Mapping[cst.CSTNode, CodeRange]:
    """The ``PositionProvider`` range of each of ``nodes`` that is in ``module``."""
    wanted = set(nodes)
    if not wanted:
        return {}
    state = _OffsetState(module, set(wanted))
    try:
        module._codegen(state)
    except (_Unsure, KeyError):
        return _provider_positions(module)
    text = "".join(state.tokens) + state.popped
    if "\r" in text:
        return _provider_positions(module)
    starts = [0] + [found.end() for found in re.finditer("\n", text)]

    def position(offset: int) -> CodePosition:
        line = bisect.bisect_right(starts, offset)
        return CodePosition(line, offset - starts[line - 1])

    return {node: CodeRange(position(span[0]), position(span[1])) for node, span in state.spans.items() if node in wanted}


def _provider_positions(module: cst.Module) -> Mapping[cst.CSTNode, CodeRange]:
    return MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
