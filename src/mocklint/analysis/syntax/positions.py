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

The code generation stops once the last node asked for is generated: a
node's range depends only on the text before its end.  And given the text
the module was parsed from and an ``ast`` tree of its lines (the engine has
both), only the statements that hold the nodes are generated, not the module:
a statement starts a line, and ``ast`` says which (see :class:`_Statements`).
A test file's findings sit in a few statements of a few tests (often in a
test's parameters): on hass-nabucasa's tests this takes the positions of a
file with findings from about 11 to 5 ms of CPU.  Wherever the statements'
places are not certain, the module is generated from its start as before.

It falls back to the provider itself where the offsets could disagree with
it: text with a carriage return (the provider counts a ``\\r`` and a ``\\n``
that end and start two tokens as two line breaks), or a hoisted child that was
generated before its parent's range opened.  ``tests/test_speed.py`` compares
both over every node of every fixture file, ``tests/test_positions_fast.py``
over the shapes where a statement's place is easy to get wrong.
"""

from __future__ import annotations

import ast
import bisect
import contextlib
from typing import Dict, Iterable, Iterator, List, Mapping, Optional, Sequence, Set, Tuple

import libcst as cst
from libcst._nodes.internal import CodegenState
from libcst.metadata import CodePosition, CodeRange, MetadataWrapper, PositionProvider

from mocklint.analysis.syntax.bodies import Lines
from mocklint.analysis.syntax.tree import child_fields, descendants

_Span = Tuple[int, int]


class _Unsure(Exception):
    """The offsets may differ from the provider's here: use the provider."""


class _Done(Exception):
    """Every node asked for has its span: the rest need not be generated."""


class _OffsetState(CodegenState):
    """libcst's code generation, counting characters, recording the spans of ``wanted`` nodes.

    It stops (:class:`_Done`) once the last of them is generated: a span, once
    its node is generated, never changes, and depends on the text before it only.
    """

    def __init__(self, module: cst.Module, wanted: Set[cst.CSTNode], indents: Sequence[str] = ()) -> None:
        super().__init__(default_indent=module.default_indent, default_newline=module.default_newline)
        self.indent_tokens = list(indents)
        self.wanted = set(wanted)  # and the children whose ranges are hoisted into theirs
        self.left = set(wanted)
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
            self.left.discard(node)
            if not self.left:
                raise _Done

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


def positions_of(
    module: cst.Module,
    nodes: Iterable[cst.CSTNode],
    text: Optional[str] = None,
    tree: Optional[ast.AST] = None,
) -> Mapping[cst.CSTNode, CodeRange]:
    """The ``PositionProvider`` range of each of ``nodes`` that is in ``module``.

    ``text`` is the source ``module`` was parsed from and ``tree`` the ``ast``
    tree of a source with the same lines (the engine's tree is of the file,
    its libcst module of the file with unread bodies reduced in place): with
    both, only the statements holding the nodes are generated.
    """
    wanted = set(nodes)
    if not wanted:
        return {}
    try:
        placed = None
        if text is not None and isinstance(tree, ast.Module):
            placed = _statements_placed(module, wanted, text, tree)
        if placed is None:
            placed = _module_placed(module, wanted)
    except (_Unsure, KeyError):
        placed = None
    if placed is None:
        return _provider_positions(module)
    lines, spans = placed

    def position(offset: int) -> CodePosition:
        line = bisect.bisect_right(lines.starts, offset)
        return CodePosition(line, offset - lines.starts[line - 1])

    return {node: CodeRange(position(span[0]), position(span[1])) for node, span in spans.items() if node in wanted}


#: the generated text (as lines) and the character spans of the nodes found in it
_Placed = Tuple[Lines, Dict[cst.CSTNode, _Span]]


def _module_placed(module: cst.Module, wanted: Set[cst.CSTNode]) -> Optional[_Placed]:
    """The module generated (up to its last wanted node); None when that text
    holds a carriage return."""
    state = _OffsetState(module, wanted)
    _generate(module, state)
    text = "".join(state.tokens) + state.popped
    if "\r" in text:
        return None
    return Lines(text), state.spans


def _statements_placed(module: cst.Module, wanted: Set[cst.CSTNode], text: str, tree: ast.Module) -> Optional[_Placed]:
    """Only the statements that hold a wanted node generated; None when where
    they are is not certain (see :class:`_Statements`)."""
    if text.startswith("\ufeff"):
        text = text[1:]  # libcst's code has none, and the ast parse strips it
    if "\r" in text:
        return None  # ast counts a carriage return as a line break where the provider may not
    if not module.has_trailing_newline:
        text += "\n"  # the module's code pops its last newline, after every position was taken
    holders = _holders(module.body, wanted)
    placer = _Statements(module, text)
    if holders is None or not placer.place(module.body, tree.body, holders, []):
        return None
    return placer.lines, placer.spans


class _Statements:
    """Statements generated where ``ast`` says they are.

    A statement of a module or of an indented block starts a line, and its
    code generation covers whole lines (its indentation and its
    ``leading_lines`` included): it starts at column 0 of the line of its first
    token (``ast``'s line for it, its first decorator's for a decorated one)
    less one line per ``leading_lines`` entry.  A ``def`` or ``class`` whose
    wanted nodes are all in statements of its body is not generated: those
    statements are, with its indentation.

    Nothing is taken on trust: libcst's statements must line up with the
    ``ast`` ones (a line of ``k`` small statements is ``k`` of them), every
    wanted node must be among the meaningful nodes (``descendants``) of a
    statement, and each generated statement (up to its last wanted node) must
    be the text found where it was placed: that catches where ``ast``'s line is
    not the first token's (``@(\n  decorator\n)``, a continuation line).
    """

    def __init__(self, module: cst.Module, text: str) -> None:
        self.module = module
        self.text = text
        self.lines = Lines(text)
        self.spans: Dict[cst.CSTNode, _Span] = {}

    def place(
        self, statements: Sequence[cst.BaseStatement], tree: Sequence[ast.stmt], holders: _Held, indents: List[str]
    ) -> bool:
        """Place the nodes ``holders`` hold among ``statements`` (``tree``: the
        same in ``ast``), indented by ``indents``; False when that is not certain."""
        starts = _first_statements(statements, tree)
        if starts is None:
            return False
        for index, held in holders:
            statement, first = statements[index], starts[index]
            block = getattr(statement, "body", None)
            inner = None
            if (
                isinstance(statement, (cst.FunctionDef, cst.ClassDef))
                and isinstance(block, cst.IndentedBlock)
                and isinstance(first, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
                and not _in_header(statement, held)
            ):
                inner = _holders(block.body, held)
            if inner is None:
                placed = self.generate(statement, first, held, indents)
            else:
                indent = self.module.default_indent if block.indent is None else block.indent
                placed = self.place(block.body, first.body, inner, [*indents, indent])
            if not placed:
                return False
        return True

    def generate(
        self, statement: cst.BaseStatement, first: ast.stmt, wanted: Set[cst.CSTNode], indents: List[str]
    ) -> bool:
        """Generate ``statement`` up to the last of the ``wanted`` nodes in it, keeping their spans."""
        decorators = getattr(first, "decorator_list", None)
        line = (decorators[0].lineno if decorators else first.lineno) - len(statement.leading_lines)
        if not 0 < line <= len(self.lines.starts):
            return False
        state = _OffsetState(self.module, wanted, indents)
        _generate(statement, state)
        start = self.lines.offset(line)
        if not self.text.startswith("".join(state.tokens), start):
            return False
        for node, (begin, end) in state.spans.items():
            self.spans.setdefault(node, (start + begin, start + end))
        return True


#: the index of each statement that holds wanted nodes, with those nodes
_Held = List[Tuple[int, Set[cst.CSTNode]]]


def _holders(statements: Sequence[cst.BaseStatement], wanted: Set[cst.CSTNode]) -> Optional[_Held]:
    """The index of each of ``statements`` that holds ``wanted`` nodes, with
    those nodes; None when some are not among their meaningful nodes (the
    module itself, a comment, some whitespace: the whole module then)."""
    left = {id(node): node for node in wanted}  # by id: a node's own __hash__ is a Python call
    found = []
    for index, statement in enumerate(statements):
        if not left:
            break
        held = left.keys() & map(id, descendants(statement))
        if held:
            found.append((index, {left.pop(key) for key in held}))
    return None if left else found


def _in_header(statement: cst.BaseStatement, held: Set[cst.CSTNode]) -> bool:
    """Whether any of ``held`` (nodes of ``statement``) is ``statement`` itself or outside its body."""
    if statement in held:
        return True
    ids = {id(node) for node in held}
    for name in child_fields(type(statement)):
        if name == "body":
            continue
        value = getattr(statement, name)
        for part in value if isinstance(value, (tuple, list)) else (value,):  # the decorators, a class's bases
            if isinstance(part, cst.CSTNode) and not ids.isdisjoint(map(id, descendants(part))):
                return True
    return False


def _first_statements(statements: Sequence[cst.BaseStatement], tree: Sequence[ast.stmt]) -> Optional[List[ast.stmt]]:
    """The ``ast`` statement each of ``statements`` starts with, or None when
    the two do not line up."""
    firsts = []
    count = 0
    for statement in statements:
        if count >= len(tree):
            return None
        firsts.append(tree[count])
        count += len(statement.body) if isinstance(statement, cst.SimpleStatementLine) else 1
    return firsts if count == len(tree) else None


def _generate(node: cst.CSTNode, state: _OffsetState) -> None:
    try:
        node._codegen(state)
    except _Done:
        pass


def _provider_positions(module: cst.Module) -> Mapping[cst.CSTNode, CodeRange]:
    return MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
