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
   place (``analysis.bodies``), so that a module with one mock in two hundred
   tests parses one test.
4. **Parse once** with ``libcst.parse_module`` (only files some rule may report on).
5. **Walk once** (``analysis.tree.walk``): the name resolver records bindings,
   and the nodes the gated rules asked for are collected with their frames.
6. **Rules run** over the collected nodes, now that all imports are known.
7. **Positions** are computed only when something was reported, by one
   ``PositionProvider`` pass over the tree, without copying it.

The engine never imports or executes the code it lints.
"""

from __future__ import annotations

import ast
import logging
import os
import traceback
import warnings
from collections import defaultdict
from typing import (
    AbstractSet,
    Callable,
    DefaultDict,
    Dict,
    Iterable,
    List,
    Optional,
    Sequence,
    Set,
    Tuple,
    Type,
)

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from mocklint.analysis import project
from mocklint.analysis.ast_scan import LastTree, node_fields
from mocklint.analysis.bodies import reduce_source
from mocklint.analysis.names import NameResolver
from mocklint.analysis.project import SettingsOverride, settings_override
from mocklint.analysis.source import parse_module
from mocklint.analysis.tree import Frame, Site, walk
from mocklint.diagnostic import INTERNAL_ERROR_CODE, INTERNAL_ERROR_NAME, Diagnostic, FileResult
from mocklint.registry import ALL_RULES
from mocklint.rule import FileContext, Fix, Rule, to_text_fix
from mocklint.settings import Selection

LOG = logging.getLogger("mocklint")

ISSUE_HINT = "please report it with the file that triggers it"


# libcst's parser slows down quadratically with nesting depth (a 2,000-term
# `a + b + ...` takes seconds) and its position provider recurses past
# Python's default limit at about 350 levels; CPython itself refuses 200 nested
# brackets, so only long operator chains get this deep.  Such files are left alone.
MAX_DEPTH = 250

# libcst parses about a megabyte in several seconds, and more than linearly
# (a generated 50 MB module would take hours and gigabytes).  Such files are
# data, not test code worth waiting for: they get a note instead.
MAX_SOURCE_CHARS = 1_000_000


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
            where = f" at line {exc.lineno}" if exc.lineno else ""
            return f"syntax error{where}: {exc.msg}", None
        except (RecursionError, MemoryError):
            return "too deeply nested for mocklint to analyse", None
        except ValueError as exc:  # null bytes on older Pythons
            return f"not valid Python source: {exc}", None
    return None, tree


def _too_deep(tree: ast.AST, dropped: AbstractSet[int] = frozenset()) -> Optional[str]:
    """Why a tree that parsed should still not reach libcst, or None (a walk
    over every node: only for files some rule will analyse, and not into the
    functions in ``dropped``, whose bodies libcst will not see)."""
    stack = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        if dropped and id(node) in dropped:
            continue
        if depth > MAX_DEPTH:
            return f"nested more than {MAX_DEPTH} levels deep; mocklint leaves such files alone"
        # libcst nests what ast keeps flat: `a and b and c ...` is one BoolOp but
        # n-1 nested BooleanOperations (8,000 terms overflow libcst's native
        # stack: a segfault), and each extra `for` of a comprehension nests a CompFor.
        kind = type(node)
        if kind is ast.BoolOp:
            depth += len(node.values) - 2  # type: ignore[attr-defined]
        elif kind in _COMPREHENSIONS:
            depth += len(node.generators) - 1  # type: ignore[attr-defined]
        depth += 1
        for name in node_fields(kind):
            value = getattr(node, name, None)
            if isinstance(value, list):
                stack.extend((item, depth) for item in value if isinstance(item, ast.AST))
            elif isinstance(value, ast.AST):
                stack.append((value, depth))
    return None


_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


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
        self._handled = {rule: rule.handled_types() for rule in self.rules}
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
            with settings_override(self.project_settings):
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
        where = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
        location = f" at {where.filename.rsplit('/', 1)[-1]}:{where.lineno}" if where else ""
        summary = f"{type(exc).__name__}: {exc}".splitlines()[0][:200]
        message = f"mocklint failed on this file ({summary}{location}); {ISSUE_HINT}"
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
        problem = _too_deep(tree, dropped)
        if problem:
            return FileResult(display, parse_error=problem)
        if module is None:
            try:
                module = parse_module(parsed)
            except cst.ParserSyntaxError as exc:
                where = f"line {exc.raw_line}, column {exc.raw_column + 1}"
                return FileResult(display, parse_error=f"syntax error at {where}")
            self.parsed_files += 1
        else:
            conftest_path = None  # the model's own parse: nothing to hand back

        names = NameResolver()
        context = FileContext(path, source, module, names)
        instances = [rule(context) for rule in rules]
        collected: DefaultDict[type, List[Tuple[cst.CSTNode, Frame]]] = defaultdict(list)

        handlers: Dict[type, List[Callable[[cst.CSTNode, Frame], None]]] = defaultdict(list)
        for node_type in NameResolver.HANDLED_TYPES:
            handlers[node_type].append(names.handle)

        def remember_function(node: cst.CSTNode, frame: Frame) -> None:
            context.function_frames[id(node)] = frame

        handlers[cst.FunctionDef].append(remember_function)
        wanted = {node_type for rule in rules for node_type in self._handled[rule]}
        for node_type in wanted:
            bucket = collected[node_type]
            handlers[node_type].append(lambda node, frame, bucket=bucket: bucket.append((node, frame)))

        walk(module, handlers)
        if conftest_path:
            project.remember_parse(conftest_path, source, module, names, context.function_frames)

        for instance in instances:
            for node_type, method_name in self._handled[type(instance)].items():
                method = getattr(instance, method_name)
                for node, frame in collected[node_type]:
                    method(node, Site(frame))
            instance.finish()

        if not context.reports:
            return FileResult(display, parsed=True)
        return FileResult(display, tuple(self._diagnostics(display, module, context.reports)), parsed=True)

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
        display: str, module: cst.Module, reports: Iterable[Tuple[cst.CSTNode, str, str, str, Optional[Fix]]]
    ) -> List[Diagnostic]:
        positions = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
        found = {}
        for node, code, message, name, fix in reports:
            span = positions[node]
            text_fix = to_text_fix(fix, module, positions) if fix is not None else None
            diagnostic = Diagnostic(
                display, span.start.line, span.start.column, code, message, span.end.line, span.end.column, name, text_fix
            )
            found.setdefault(diagnostic, diagnostic)
        return sorted(found)
