"""The engine: source text in, diagnostics out.  It knows nothing of flake8.

For each file:

1. **Gate.**  Each selected rule's ``gate`` (a regular expression) is searched
   in the raw text.  A file no gate matches is done: no parse at all.
2. **Decide on ``ast``.**  The file's ``ast`` tree (flake8 hands it over; the
   CLI parses it, a tenth of libcst's cost) rules out syntax errors, and each
   gated rule's ``might_report`` may rule the file out from the tree and the
   project model.  Most test files end here.
3. **Drop unread bodies**: each remaining rule names the function bodies it
   reads (``Rule.needed_bodies``); the others become ``pass``, lines kept in
   place (``analysis.syntax.bodies``), so that a module with one mock in two hundred
   tests parses one test.
4. **Parse once** with ``libcst.parse_module`` (only files some rule may report on).
   libcst itself is imported then, by the first file that needs it
   (``analysis.syntax.lazy_import``): a run over files the steps above answer never imports it.
5. **Walk once** (``analysis.syntax.tree.walk``): the name resolver records bindings,
   and the nodes the gated rules asked for are collected with their frames.
6. **Rules run** over the collected nodes, now that all imports are known.
7. **Positions** are computed only when something was reported, and only for
   the reported nodes and those their fixes edit (``analysis.syntax.positions``: the
   ``PositionProvider``'s ranges from one code generation, without its
   record of every node or its walk of the tree).

The engine never imports or executes the code it lints.
"""

from __future__ import annotations

import ast
import io
import logging
import os
import sys
import tokenize
import warnings
from collections import defaultdict
from typing import (
    AbstractSet,
    Callable,
    DefaultDict,
    Dict,
    Iterable,
    Iterator,
    List,
    Optional,
    Sequence,
    Set,
    Tuple,
    Type,
)

from mocklint.analysis.pytest_model import project
from mocklint.analysis.syntax.ast_scan import LastTree, node_fields
from mocklint.analysis.syntax.bodies import Lines, reduce_source
from mocklint.analysis.syntax.lazy_import import libcst as cst
from mocklint.analysis.syntax.names import NameResolver
from mocklint.analysis.pytest_model.project import SettingsOverride, settings_override
from mocklint.analysis.syntax.source import parse_module
from mocklint.analysis.syntax.tree import Frame, Site, walk
from mocklint.diagnostic import INTERNAL_ERROR_CODE, INTERNAL_ERROR_NAME, Diagnostic, FileResult
from mocklint.gates import MAX_SOURCE_CHARS
from mocklint.registry import ALL_RULES
from mocklint.rule import FileContext, Report, Rule, to_text_fix
from mocklint.settings import Selection

LOG = logging.getLogger("mocklint")

ISSUE_HINT = "please report it with the file that triggers it"


# libcst's parser slows down quadratically with nesting depth (a 2,000-term
# `a + b + ...` takes seconds) and its visitors and position provider recurse
# past Python's default limit at about 330 levels; CPython itself refuses 200
# nested brackets, but libcst nests more than ``ast`` does (see
# ``_beyond_limits``).  Such files are left alone.
MAX_DEPTH = 250

# What reaches libcst costs time and memory in proportion to its syntax nodes
# (its parse, the rules, the positions), and lines are a poor measure of them:
# 990 KB of tests using mocks (31,000 lines, 130,000 ``ast`` nodes) took 34 s
# and 640 MB, and a 630 KB literal table (4,500 lines, as many nodes) 21 s and
# 800 MB.  Counted in the code that reaches libcst (not the bodies no rule
# reads), this bound keeps either near 10 s of CPU and 330 MB on a slow
# machine, and analyses in full some 12,000 lines of tests that all use mocks,
# or a 24,000-line module where one test in six does; of CPython's test
# modules, test_inspect.py sends libcst the most: 26,000 nodes.
MAX_NODES = 50_000

TOO_LARGE = (
    f"more than {MAX_NODES:,} syntax nodes to analyse in full; mocklint leaves files this large alone, "
    "to bound its time and memory per file"
)
TOO_DEEP = f"nested more than {MAX_DEPTH} levels deep; mocklint leaves such files alone"


def _syntax_tree(source: str, tree: Optional[ast.AST]) -> Tuple[Optional[str], Optional[ast.AST]]:
    """Why ``source`` cannot be analysed (or None), and its ``ast`` tree.

    CPython's own parser decides what is a syntax error, so mocklint agrees
    with flake8's E999 on the running interpreter, at a tenth of libcst's cost.
    """
    if tree is None:
        try:
            # CPython warns about the source (invalid escapes, `is` with a
            # literal): not mocklint's business, and not for its stderr.
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                tree = ast.parse(source.lstrip("\ufeff"))
        except SyntaxError as exc:
            # which Python's grammar: the same file parses on another version (a `match`, an `except*`)
            where = f" at line {exc.lineno}" if exc.lineno else ""
            grammar = f"Python {sys.version_info[0]}.{sys.version_info[1]}'s grammar"
            return f"syntax error for {grammar}{where}: {exc.msg}", None
        except (RecursionError, MemoryError):
            return "too deeply nested for mocklint to analyse", None
        except ValueError as exc:  # null bytes on older Pythons
            return f"not valid Python source: {exc}", None
    return None, tree


# -- what libcst nests that ast does not ---------------------------------------------
#: libcst levels between a node and what a field of it holds, where ``ast`` has
#: none: a call's argument sits in an Arg, a list's item in an Element, a
#: subscript's index in a SubscriptElement and an Index, a comparison's
#: operand in a ComparisonTarget, an annotation in an Annotation...
_WRAPPERS: Dict[Tuple[str, str], int] = {
    ("Call", "args"): 1,
    ("ClassDef", "bases"): 1,
    ("ClassDef", "keywords"): 1,
    ("Subscript", "slice"): 2,
    ("List", "elts"): 1,
    ("Tuple", "elts"): 1,
    ("Set", "elts"): 1,
    ("Dict", "keys"): 1,
    ("Dict", "values"): 1,
    ("Compare", "comparators"): 1,
    ("Assign", "targets"): 1,
    ("AnnAssign", "annotation"): 1,
    ("arg", "annotation"): 1,
    ("arguments", "defaults"): 1,
    ("arguments", "kw_defaults"): 1,
    ("FunctionDef", "returns"): 1,
    ("AsyncFunctionDef", "returns"): 1,
    ("FunctionDef", "decorator_list"): 1,
    ("AsyncFunctionDef", "decorator_list"): 1,
    ("ClassDef", "decorator_list"): 1,
    ("comprehension", "ifs"): 1,
    ("withitem", "optional_vars"): 1,
    ("MatchSequence", "patterns"): 1,
    ("MatchMapping", "keys"): 1,
    ("MatchMapping", "patterns"): 1,
    ("MatchClass", "patterns"): 1,
    ("MatchClass", "kwd_patterns"): 1,
    ("MatchOr", "patterns"): 1,
}
#: a statement's body is an IndentedBlock; its `else:` and `finally:` an Else
#: or a Finally around one (but an `elif` is the If itself: ``_levels`` marks
#: an If's ``orelse`` -1, for the walk to ask ``_is_elif``)
_BLOCKS = {"body": 1, "orelse": 2, "finalbody": 2}
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
#: the kinds libcst nests deeper than ``ast`` by how many items they hold (``_flat_levels``)
_FLAT = frozenset(
    {ast.BoolOp, *_COMPREHENSIONS, ast.Constant, ast.JoinedStr, ast.FormattedValue, ast.alias, ast.ImportFrom}
)
_LEVELS: Dict[type, Tuple[int, Tuple[Tuple[str, int], ...], bool]] = {}


def _levels(kind: type) -> Tuple[int, Tuple[Tuple[str, int], ...], bool]:
    """The libcst levels a node of ``kind`` adds around itself (a simple
    statement's SimpleStatementLine), those of each of its fields, and
    whether it may hold more (``_flat_levels``)."""
    block = issubclass(kind, (ast.stmt, ast.excepthandler)) or kind.__name__ == "match_case"
    fields = node_fields(kind)
    simple = issubclass(kind, ast.stmt) and "body" not in fields and "cases" not in fields
    levels = tuple(
        (name, _BLOCKS[name] if block and name in _BLOCKS else _WRAPPERS.get((kind.__name__, name), 0))
        for name in fields
    )
    if kind is ast.If:
        levels = tuple((name, -1 if name == "orelse" else extra) for name, extra in levels)
    found = _LEVELS[kind] = (1 if simple else 0, levels, kind in _FLAT)
    return found


def _is_elif(node: ast.If) -> bool:
    """``elif``: the If in the ``orelse`` starts in the column of the outer
    one (an `if` in an `else:` block is indented)."""
    orelse = node.orelse
    return len(orelse) == 1 and type(orelse[0]) is ast.If and orelse[0].col_offset == node.col_offset


_STRING_STARTS = {tokenize.STRING, getattr(tokenize, "FSTRING_START", -1), getattr(tokenize, "TSTRING_START", -1)}
_STRING_ENDS = {getattr(tokenize, "FSTRING_END", -1), getattr(tokenize, "TSTRING_END", -1)}


class _Concatenations:
    """How many literals make each string of a file: ``"a" "b" "c"`` is one
    ``ast`` node (a Constant, or a JoinedStr with an f-string among them) but
    a ConcatenatedString per extra literal in libcst, each inside the last."""

    def __init__(self, source: str) -> None:
        self.source = source
        self._lines: Optional[Lines] = None
        #: the literals and format specs of the f-strings met: counted with them (before
        #: Python 3.12 they even sit where the whole f-string does)
        self.inner: Set[int] = set()

    def extra_levels(self, node: ast.expr, budget: int) -> int:
        """The literals of ``node`` but one, or 0 without looking when its text
        is too short to hold more than ``budget`` of them (two characters each)."""
        line, end_line = node.lineno, node.end_lineno or node.lineno
        end_column = node.end_col_offset or 0
        if line == end_line:
            span = end_column - node.col_offset  # UTF-8 bytes, no fewer than characters
        else:
            lines = self._lines = self._lines or Lines(self.source)
            span = lines.offset(end_line) - lines.offset(line) + end_column
        if span // 2 - 1 <= budget:
            return 0
        return max(self._literals(node, line, end_line, end_column, budget) - 1, 0)

    def _literals(self, node: ast.expr, line: int, end_line: int, end_column: int, budget: int) -> int:
        lines = self._lines = self._lines or Lines(self.source)
        text = lines.text(line, end_line).encode("utf-8", "surrogatepass")
        last_line = len(text) - len(lines.text(end_line, end_line).encode("utf-8", "surrogatepass"))
        segment = text[node.col_offset : last_line + end_column].decode("utf-8", "replace")
        count = inside = 0
        try:  # in parentheses, the literals may stand on several lines
            for token in tokenize.generate_tokens(io.StringIO(f"({segment})").readline):
                if token.type in _STRING_STARTS:
                    count += inside == 0
                    inside += token.type != tokenize.STRING
                elif token.type in _STRING_ENDS:
                    inside -= 1
                if count > budget + 1:
                    break
        except (tokenize.TokenError, SyntaxError):  # positions that do not frame the string
            return 1
        return count


def _flat_levels(node: ast.AST, kind: type, strings: _Concatenations, budget: int) -> int:
    """The libcst levels ``node`` holds beyond its own, where ``ast`` keeps a
    list flat: `a and b and c ...` is one BoolOp but n-1 nested
    BooleanOperations (8,000 terms overflow libcst's native stack: a
    segfault), each extra `for` of a comprehension nests a CompFor, each extra
    literal of `"a" "b" ...` a ConcatenatedString, each name of `import
    a.b.c` an Attribute."""
    if kind is ast.BoolOp:
        return len(node.values) - 2  # type: ignore[attr-defined]
    if kind in _COMPREHENSIONS:
        return len(node.generators) - 1  # type: ignore[attr-defined]
    if kind is ast.alias:
        return node.name.count(".")  # type: ignore[attr-defined]
    if kind is ast.ImportFrom:
        return (node.module or "").count(".")  # type: ignore[attr-defined]
    if kind is ast.FormattedValue:
        if node.format_spec is not None:  # type: ignore[attr-defined]
            strings.inner.add(id(node.format_spec))  # type: ignore[attr-defined]
        return 0
    if id(node) in strings.inner:
        return 0
    if kind is ast.JoinedStr:
        strings.inner.update(id(value) for value in node.values)  # type: ignore[attr-defined]
    elif not isinstance(node.value, (str, bytes)):  # type: ignore[attr-defined]
        return 0
    return strings.extra_levels(node, budget)  # type: ignore[arg-type]


def _beyond_limits(tree: ast.AST, source: str, dropped: AbstractSet[int] = frozenset()) -> Optional[str]:
    """Why a tree that parsed should still not reach libcst, or None: more
    than ``MAX_DEPTH`` levels deep as libcst nests it, or more than
    ``MAX_NODES`` nodes.

    One walk over the nodes libcst will see (not the bodies of the functions
    in ``dropped``: ``pass`` replaces them, their signatures stay), only for
    files some rule will analyse.  libcst nests what ast keeps flat
    (``_flat_levels``), and wraps what ast does not (``_levels``): 90 blocks
    each in the `else:` of the last are 270 levels deep.
    """
    strings = _Concatenations(source.lstrip("\ufeff"))
    nodes = 0
    stack: List[Tuple[ast.AST, int]] = [(tree, 1)]
    pop, push, levels_of = stack.pop, stack.append, _LEVELS.get
    while stack:
        node, depth = pop()
        nodes += 1
        if nodes > MAX_NODES:
            return TOO_LARGE
        kind = type(node)
        own, fields, flat = levels_of(kind) or _levels(kind)
        depth += own
        if flat:
            depth += _flat_levels(node, kind, strings, MAX_DEPTH - depth)
        if depth > MAX_DEPTH:
            return TOO_DEEP
        skipped = "body" if dropped and id(node) in dropped else ""
        for name, extra in fields:
            if name == skipped:
                continue
            if extra < 0:
                extra = 0 if _is_elif(node) else 2  # type: ignore[arg-type]
            value = getattr(node, name, None)
            if type(value) is list:
                for item in value:
                    if isinstance(item, ast.AST):
                        push((item, depth + 1 + extra))
            elif isinstance(value, ast.AST):
                push((value, depth + 1 + extra))
    return None


def _exception_text(exc: BaseException) -> str:
    """``str(exc)``, which must not fail: a libcst node among its arguments (a
    KeyError from a lookup by node) is named by its type, since its repr is
    its whole subtree (slow, and past the recursion limit for a deep one); an
    exception whose ``__str__`` fails is named alone.  (Before libcst is
    imported no argument can be a node, and this net must not import it.)"""
    arguments = getattr(exc, "args", ())
    nodes = "libcst" in sys.modules and isinstance(arguments, tuple)
    if nodes and any(isinstance(argument, cst.CSTNode) for argument in arguments):
        return ", ".join(f"<{type(argument).__name__}>" for argument in arguments)
    try:
        return str(exc)
    except Exception:  # noqa: BLE001 - RecursionError included
        return "<its text cannot be shown>"


def _where(exc: BaseException) -> str:
    """`` at file.py:12``: where ``exc`` was raised (the last frame, no source read)."""
    frame = exc.__traceback__
    if frame is None:
        return ""
    while frame.tb_next is not None:
        frame = frame.tb_next
    return f" at {os.path.basename(frame.tb_frame.f_code.co_filename)}:{frame.tb_lineno}"


class Engine:
    """Lints source text with the selected rules.  Build one and reuse it."""

    def __init__(
        self,
        selection: Optional[Selection] = None,
        rules: Sequence[Type[Rule]] = ALL_RULES,
        project_settings: Optional[SettingsOverride] = None,
        skip_bodies: bool = True,
    ) -> None:
        selection = selection or Selection()
        self.selection = selection
        #: replaces [tool.mocklint]'s extra-fixtures/plugins for the project model (flake8's options)
        self.project_settings = project_settings
        self.rules: Tuple[Type[Rule], ...] = tuple(r for r in rules if selection.is_selected(r.code))
        self.report_internal_errors = selection.is_selected(INTERNAL_ERROR_CODE)
        #: the node types each rule visits, with its methods: resolved when a file first
        #: reaches libcst (``_visits``), so that a run no file of which needs libcst never imports it
        self._handled: Dict[Type[Rule], Dict[type, str]] = {}
        #: drop the function bodies no rule reads before the libcst parse (tests turn it off to compare)
        self.skip_bodies = skip_bodies
        #: files that reached libcst, for benchmarks and the CLI's statistics
        self.parsed_files = 0
        #: lines of those files that were parsed, and that were dropped as unread bodies
        self.parsed_lines = 0
        self.skipped_lines = 0

    # -- public -------------------------------------------------------------
    def lint(self, source: str, path: Optional[str] = None, tree: Optional[ast.AST] = None) -> FileResult:
        """Lint ``source``; never raises.  ``path`` is used for messages and for
        rules that depend on where the file is (test modules, conftest files).
        ``tree`` is the ``ast`` of ``source`` when the caller has one (flake8 does)."""
        display = path or "<stdin>"
        try:
            with settings_override(self.project_settings), project.one_lint():
                return self._lint(source, path, display, tree)
        except RecursionError:
            # libcst's parser and codegen recurse; a 1,000-deep expression is not
            # a bug in the user's code that mocklint can report on.
            return FileResult(display, parse_error="too deeply nested for mocklint to analyse")
        except Exception as exc:  # noqa: BLE001 - the whole point: contain everything
            LOG.debug("internal error on %s", display, exc_info=True)
            return self.internal_error(display, exc)
        finally:
            LastTree.forget_all()  # no tree outlives its file: the host's garbage collector would walk it

    def internal_error(self, display: str, exc: BaseException) -> FileResult:
        """``MCK000`` for ``exc``.  Never raises, whatever ``exc`` holds: it is
        the last net of :meth:`lint` and of the command."""
        summary = f"{type(exc).__name__}: {_exception_text(exc)}".splitlines()[0][:200]
        message = f"mocklint failed on this file ({summary}{_where(exc)}); {ISSUE_HINT}"
        diagnostics: Tuple[Diagnostic, ...] = ()
        if self.report_internal_errors:
            diagnostics = (Diagnostic(display, 1, 0, INTERNAL_ERROR_CODE, message, 1, 0, INTERNAL_ERROR_NAME),)
        return FileResult(display, diagnostics, internal_error=summary)

    # -- steps --------------------------------------------------------------
    def gated_rules(self, source: str) -> List[Type[Rule]]:
        return [rule for rule in self.rules if rule.gate.search(source)]

    def _lint(self, source: str, path: Optional[str], display: str, tree: Optional[ast.AST]) -> FileResult:
        if len(source) > MAX_SOURCE_CHARS:  # before the gates: they alone take seconds on 50 MB
            size = f"{len(source) / 1e6:.1f} million characters"
            limit = f"{MAX_SOURCE_CHARS / 1e6:g} million"
            return FileResult(display, parse_error=f"{size}, more than the {limit} mocklint analyses")
        rules = self.gated_rules(source)
        if not rules:
            return FileResult(display)
        problem, tree = _syntax_tree(source, tree)
        if problem or tree is None:
            return FileResult(display, parse_error=problem)
        if isinstance(tree, ast.Module):
            rules = [rule for rule in rules if rule.might_report(tree, source, path)]
            if not rules:
                return FileResult(display)
        conftest_path = path if path is not None and os.path.basename(path) == "conftest.py" else None
        module = project.parsed_module(conftest_path, source) if conftest_path else None
        parsed, dropped = source, set()
        # a conftest.py is parsed whole: its tree goes to the project model
        if module is None and conftest_path is None and self.skip_bodies and isinstance(tree, ast.Module):
            parsed, dropped = self._unread_bodies_dropped(rules, tree, source, path)
        problem = _beyond_limits(tree, source, dropped)
        if problem:
            return FileResult(display, parse_error=problem)
        if module is None:
            try:
                module = parse_module(parsed)
            except cst.ParserSyntaxError as exc:
                where = f"line {exc.raw_line}, column {exc.raw_column + 1}"
                return FileResult(display, parse_error=f"syntax error for libcst's grammar at {where}")
            self.parsed_files += 1
        else:
            conftest_path = None  # the model's own parse: nothing to hand back

        names = NameResolver(os.path.dirname(os.path.abspath(path)) if path else None)
        context = FileContext(path, source, module, names)
        instances = [rule(context) for rule in rules]
        collected: DefaultDict[type, List[Tuple[cst.CSTNode, Frame]]] = defaultdict(list)

        handlers: Dict[type, List[Callable[[cst.CSTNode, Frame], None]]] = defaultdict(list)
        for node_type in NameResolver.handled_types():
            handlers[node_type].append(names.handle)

        def remember_function(node: cst.CSTNode, frame: Frame) -> None:
            context.function_frames[id(node)] = frame

        handlers[cst.FunctionDef].append(remember_function)
        wanted = {node_type for rule in rules for node_type in self._visits(rule)}
        for node_type in wanted:
            bucket = collected[node_type]
            handlers[node_type].append(lambda node, frame, bucket=bucket: bucket.append((node, frame)))

        walk(module, handlers)
        if conftest_path:
            project.remember_parse(conftest_path, source, module, names, context.function_frames)

        for instance in instances:
            for node_type, method_name in self._visits(type(instance)).items():
                method = getattr(instance, method_name)
                for node, frame in collected[node_type]:
                    method(node, Site(frame))
            instance.finish()

        if not context.reports:
            return FileResult(display, parsed=True)
        diagnostics = self._diagnostics(display, module, context.reports, parsed, tree)
        return FileResult(display, tuple(diagnostics), parsed=True)

    def _visits(self, rule: Type[Rule]) -> Dict[type, str]:
        """The libcst node types ``rule`` visits, mapped to its methods."""
        visits = self._handled.get(rule)
        if visits is None:
            visits = self._handled[rule] = rule.handled_types()
        return visits

    def _unread_bodies_dropped(
        self, rules: Sequence[Type[Rule]], tree: ast.Module, source: str, path: Optional[str]
    ) -> Tuple[str, Set[int]]:
        """``source`` with the bodies no rule reads replaced by ``pass`` (its
        lines kept in place), and the ids of the functions whose bodies were."""
        filters = []
        for rule in rules:
            keep = rule.needed_bodies(tree, source, path)
            if keep is None:
                self.parsed_lines += source.count("\n")
                return source, set()
            filters.append(keep)
        reduced, lines, functions = reduce_source(source, tree, filters)
        self.skipped_lines += lines
        self.parsed_lines += source.count("\n") - lines
        return reduced, functions

    @staticmethod
    def _diagnostics(
        display: str, module: cst.Module, reports: Iterable[Report], text: str, tree: ast.AST
    ) -> List[Diagnostic]:
        from mocklint.analysis.syntax.positions import positions_of  # libcst's metadata: only with findings

        positions = positions_of(module, _placed_nodes(reports), text, tree)
        found = {}
        for report in reports:
            span = positions[report.node]
            text_fix = to_text_fix(report.fix, module, positions) if report.fix is not None else None
            diagnostic = Diagnostic(
                display,
                span.start.line,
                span.start.column,
                report.code,
                report.message,
                span.end.line,
                span.end.column,
                report.name,
                text_fix,
                detail=report.detail,
                related=report.related,
            )
            found.setdefault(diagnostic, diagnostic)
        return sorted(found)


def _placed_nodes(reports: Iterable[Report]) -> Iterator[cst.CSTNode]:
    """The nodes of the linted file whose positions the diagnostics need: each
    report's, and those its fix edits there (other files' edits get their own)."""
    for report in reports:
        yield report.node
        if report.fix is not None:
            yield from (edit.node for edit in report.fix.edits if edit.file is None)
