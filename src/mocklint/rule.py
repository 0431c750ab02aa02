"""The base class of every rule, and the per-file context rules work in.

A rule is one class in one module under ``mocklint.rules``:

- ``code`` (``MCK201``), ``name`` (kebab-case, names the pattern it flags) and
  ``summary`` (one line, for tables);
- ``messages``: message templates with named fields, keyed by variant (see
  "Messages" below);
- ``gate``: a regular expression over the raw source.  A file reaches libcst
  only when the gate of some selected rule matches, so the gate must match
  every file in which the rule could report (a cheap over-approximation);
  ``gate_all(a, b)`` when the rule needs several things in one file;
- ``might_report(tree, source, path)``: optionally, a sharper over-approximation
  decided on the file's ``ast`` tree and the project model, before libcst;
- ``body_gate`` (or ``needed_bodies``): which function bodies the rule reads.
  Bodies no selected rule reads are replaced by ``pass`` before the parse
  (``analysis.syntax.bodies``); the default, None, reads them all;
- the docstring: ruff-style documentation (What it does / Why is this bad? /
  Example / Use instead / References), rendered to ``docs/rules/<name>.md``;
- ``visit_<NodeType>(self, node, site)`` methods, called once per node of that
  libcst type after the engine's single walk, when all imports are known.

Rules report with ``self.report(node, variant, **fields)``; they never compute
positions, never parse, never read other files except through the context.

Messages
--------
The first sentence says what fails and why, in the user's own names, short
enough for an editor hover (about 100 characters once filled in, no final
period): ``session.get(...)`` returns a coroutine, so `async with` fails.  The
chain that leads there and the fix follow in the detail (JSON ``detail``, the
editor's hover, ``--show-source``) and in the rule's page; flake8 shows the
first sentence only.  A template is therefore either a pair of strings
``(first sentence, detail)`` or a plain string, the first sentence alone.
Both are ``str.format`` templates over the same fields, with two more
conversions (:func:`format_message`): ``{call!b}`` shortens quoted code for the
first sentence (:func:`brief`; in a field that quotes code itself, each
quote), ``{fix!c}`` capitalises a field that starts a sentence of the detail.
The detail is prose: sentences that end with a period.
Keep the text a user would search for (pytest's own error, ``fixture 'db' not
found``) in the first sentence where it fits.
"""

from __future__ import annotations

import ast
import logging
import re
import string
from dataclasses import dataclass
from typing import (
    TYPE_CHECKING,
    Any,
    Callable,
    ClassVar,
    Dict,
    List,
    Mapping,
    Optional,
    Tuple,
    Union,
)

from mocklint.analysis.syntax.ast_scan import LastTree
from mocklint.analysis.syntax.lazy_import import libcst as cst
from mocklint.analysis.pytest_model.pytest_roles import Role, function_role
from mocklint.diagnostic import Related, TextEdit, TextFix, line_starts, text_digest

if TYPE_CHECKING:  # pragma: no cover
    from libcst.metadata import CodeRange

    from mocklint.analysis.syntax.bodies import BodyFilter
    from mocklint.analysis.syntax.names import NameResolver
    from mocklint.analysis.syntax.tree import Frame, Site

LOG = logging.getLogger("mocklint")


@dataclass(frozen=True)
class OtherFile:
    """A file other than the linted one, as mocklint read it (a conftest.py of
    the project model): its path and its tree, whose nodes an :class:`Edit` may name."""

    path: str
    module: cst.Module


@dataclass(frozen=True)
class Edit:
    """Replace the source of ``node`` with ``text`` (an empty node span inserts).

    ``new_line``: insert ``text`` as a line of its own after the line where
    ``node`` ends, indented like the line where it starts (``node`` is then a
    statement, ``text`` one line without its newline).

    ``file``: ``node`` is in that file, not in the linted one, and the fix
    changes it too.  The edit is tied to the text mocklint read: when the
    file has changed by the time the fix is applied, the fix is dropped.
    """

    node: cst.CSTNode
    text: str
    new_line: bool = False
    file: Optional[OtherFile] = None


@dataclass(frozen=True)
class Fix:
    """A fix a rule offers with a finding: edits applied together, or not at all.

    ``safe`` follows ruff's convention: a safe fix keeps the code's meaning
    (a rename of a removed alias); an unsafe one may change behaviour and is
    applied only with ``--unsafe-fixes``.
    """

    title: str
    edits: Tuple[Edit, ...]
    safe: bool = True


#: the code of the linted file's tree and where its lines start: the text the
#: positions of its fixes' edits refer to (generated once per file, and only
#: for a file with a fix)
_CODE: "LastTree[Tuple[str, List[int]]]" = LastTree()


def to_text_fix(fix: Fix, module: cst.Module, positions: Mapping[cst.CSTNode, "CodeRange"]) -> Optional[TextFix]:
    """``fix`` with the positions of its edits, or None when they cannot be
    computed (a node not in the tree, say): a fix that fails costs the fix,
    never the finding.  ``positions`` are those of ``module`` (the linted
    file); the trees of other files get their own.  Each edit keeps the lines
    it touches as the tree has them (:attr:`TextEdit.old`)."""
    try:
        return _placed(fix, module, positions)
    except Exception:  # noqa: BLE001 - a rule's broken fix must not take its finding along
        LOG.debug("fix %r dropped: its edits cannot be placed", fix.title, exc_info=True)
        return None


def _placed(fix: Fix, module: cst.Module, positions: Mapping[cst.CSTNode, "CodeRange"]) -> TextFix:
    trees: Dict[int, Tuple[Mapping[cst.CSTNode, "CodeRange"], str, List[int], Optional[str], str]] = {}

    def tree_of(edit: Edit) -> Tuple[Mapping[cst.CSTNode, "CodeRange"], str, List[int], Optional[str], str]:
        if edit.file is None:
            code, starts = _CODE.get(module, lambda: _code_and_starts(module))  # type: ignore[arg-type]
            return positions, code, starts, None, ""
        other = edit.file.module
        if id(other) not in trees:
            from libcst.metadata import MetadataWrapper, PositionProvider

            where = MetadataWrapper(other, unsafe_skip_copy=True).resolve(PositionProvider)
            code, starts = _code_and_starts(other)
            trees[id(other)] = (where, code, starts, edit.file.path, text_digest(code))
        return trees[id(other)]

    edits: List[TextEdit] = []
    for edit in fix.edits:
        where, code, starts, path, digest = tree_of(edit)
        span = where[edit.node]
        if not edit.new_line:
            first, column, text = span.start.line, span.start.column, edit.text
            last, end_column = span.end.line, span.end.column
        else:
            opening = _lines(code, starts, span.start.line, span.start.line)
            indent = opening[: len(opening) - len(opening.lstrip(" \t"))]
            newline = "\n" if path is not None else module.default_newline
            closing = _lines(code, starts, span.end.line, span.end.line)
            if closing.endswith(("\n", "\r")):
                first, column, text = span.end.line + 1, 0, indent + edit.text + newline
            else:  # the last line of a file without a final newline
                first, column, text = span.end.line, len(closing), newline + indent + edit.text
            last, end_column = first, column
        old = _lines(code, starts, first, last)
        edits.append(TextEdit(first, column, last, end_column, text, path, digest, old))
    return TextFix(fix.title, tuple(edits), fix.safe)


def _code_and_starts(module: cst.Module) -> Tuple[str, List[int]]:
    code = module.code
    return code, line_starts(code)


def _lines(code: str, starts: List[int], first: int, last: int) -> str:
    """Lines ``first`` to ``last`` (1-based) of ``code``, with their ends."""
    return code[starts[first - 1]: starts[last] if last < len(starts) else len(code)]


@dataclass(frozen=True)
class Report:
    """One ``Rule.report`` call, before the engine turns its node into a position."""

    node: cst.CSTNode
    code: str
    message: str
    name: str
    fix: Optional[Fix]
    related: Tuple[Related, ...] = ()
    #: what follows the first sentence (:attr:`Diagnostic.detail`)
    detail: str = ""


#: a rule's message template: ``(first sentence, detail)``, or the first sentence alone
Template = Union[str, Tuple[str, str]]

#: how long quoted code may be in a first sentence (``{field!b}``): two such
#: quotes and the words around them stay within about 100 characters
BRIEF_WIDTH = 30


class _MessageFormatter(string.Formatter):
    """``str.format`` plus the conversions ``!b`` (:func:`brief`) and ``!c``
    (first letter capitalised: a field that starts a sentence)."""

    def convert_field(self, value: Any, conversion: Optional[str]) -> Any:
        if conversion == "b":
            return _brief_field(str(value))
        if conversion == "c":
            text = str(value)
            return text[:1].upper() + text[1:]
        return super().convert_field(value, conversion)


_FORMATTER = _MessageFormatter()


def format_message(template: Template, fields: Mapping[str, Any]) -> Tuple[str, str]:
    """The first sentence and the detail that ``template`` makes of ``fields``
    (a plain string template has no detail)."""
    first, detail = (template, "") if isinstance(template, str) else template
    return _FORMATTER.vformat(first, (), fields), _FORMATTER.vformat(detail, (), fields)


def _brief_field(text: str) -> str:
    """``text`` made brief: each of its backquoted spans when it has any
    (a field that quotes code itself), else the whole of it."""
    if "`" not in text:
        return brief(text)
    return re.sub(r"`([^`]+)`", lambda quoted: f"`{brief(quoted.group(1))}`", text)


def brief(text: str, width: int = BRIEF_WIDTH) -> str:
    """Quoted code made short enough for a first sentence: on one line, the
    arguments of calls as ``...`` when too long, then the middle of a dotted
    chain, then the end cut.  The finding's position shows the whole code, and
    the detail may quote it in full."""
    text = " ".join(text.split())
    if len(text) <= width:
        return text
    text = _without_arguments(text)
    if len(text) <= width:
        return text
    parts = _top_level_parts(text)
    if len(parts) > 2:
        kept = [parts[-1]]
        for part in reversed(parts[1:-1]):
            if len(parts[0]) + len("...") + len(".".join([part, *kept])) > width:
                break
            kept.insert(0, part)
        shortened = f"{parts[0]}...{'.'.join(kept)}"
        if len(shortened) <= width:
            return shortened
    return text[: width - len("...")].rstrip() + "..."


def _without_arguments(text: str) -> str:
    """``text`` with the arguments of each outermost call written ``...``
    (``session.get(url, timeout=1).json()`` -> ``session.get(...).json()``);
    unchanged when its brackets do not pair up."""
    out: List[str] = []
    index = 0
    while index < len(text):
        char = text[index]
        end = _closing(text, index) if char in "([{" else index
        if end < 0:
            return text
        called = char == "(" and index > 0 and (text[index - 1].isalnum() or text[index - 1] in "_)]")
        out.append("(...)" if called and end > index + 1 else text[index: end + 1])
        index = end + 1
    return "".join(out)


def _closing(text: str, start: int) -> int:
    """Where the bracket opened at ``start`` closes, or -1."""
    depth = 0
    for index in range(start, len(text)):
        if text[index] in "([{":
            depth += 1
        elif text[index] in ")]}":
            depth -= 1
            if depth == 0:
                return index
    return -1


def _top_level_parts(text: str) -> List[str]:
    """``text`` split at the dots outside brackets."""
    parts: List[str] = []
    depth = start = 0
    for index, char in enumerate(text):
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif char == "." and depth == 0:
            parts.append(text[start:index])
            start = index + 1
    parts.append(text[start:])
    return parts


class FileContext:
    """Everything a rule may know about the file being linted."""

    def __init__(self, path: Optional[str], source: str, module: cst.Module, names: "NameResolver") -> None:
        self.path = path
        self.source = source
        self.module = module
        self.names = names
        # id(FunctionDef) -> its frame, filled by the engine's walk
        self.function_frames: Dict[int, "Frame"] = {}
        self.reports: List[Report] = []

    def resolve(self, site: "Site", node: cst.BaseExpression) -> Optional[str]:
        return self.names.resolve(site, node)

    def role(self, func: cst.FunctionDef) -> Role:
        from mocklint.analysis.syntax.tree import Site

        return function_role(func, Site(self.function_frames[id(func)]), self.names)

    def site_of(self, func: cst.FunctionDef) -> "Site":
        from mocklint.analysis.syntax.tree import Site

        return Site(self.function_frames[id(func)])


class Rule:
    """Base class of all rules.  See the module docstring for the contract."""

    code: ClassVar[str]
    name: ClassVar[str]
    summary: ClassVar[str]
    messages: ClassVar[Mapping[str, Template]]
    #: "safe", "unsafe", or None when the rule offers no fix (documented under "## Fix safety")
    fix_safety: ClassVar[Optional[str]] = None
    gate: ClassVar[Union["AnyOf", "AllOf"]]
    #: the bodies the rule reads: those of functions whose body text this
    #: matches (None: every body).  Headers (decorators, parameters) are always
    #: read.  It must match every body holding a node the rule reports on or
    #: whose content changes a report, anywhere in the file.
    body_gate: ClassVar[Optional["AnyOf"]] = None
    #: the name ``body_gate`` spells when a module may rename it (``from pytest
    #: import warns as w``): a module that does gets every body read
    body_gate_name: ClassVar[Optional[str]] = None

    def __init__(self, context: FileContext) -> None:
        self.context = context

    @classmethod
    def might_report(cls, tree: ast.Module, source: str, path: Optional[str]) -> bool:
        """Whether the rule could report on this file, decided before libcst.

        Called after the gate matched, with the file's CPython ``ast`` tree and
        the project model at hand.  It must answer True whenever ``visit_*`` and
        ``finish`` could report (an over-approximation, like the gate), and it
        should be cheap: a walk over top-level statements, not over every node.
        A rule returns False where it can prove silence, and the file is spared
        the libcst parse that costs ten times the ``ast`` one.
        """
        return True

    @classmethod
    def needed_bodies(cls, tree: ast.Module, source: str, path: Optional[str]) -> Optional["BodyFilter"]:
        """Which function bodies the rule reads in this file: a filter called
        with each function at module level or in a module-level class and the
        text of its body, or None for all of them.  From ``body_gate`` unless
        a rule knows better; called only when ``might_report`` said True."""
        body_gate = cls.body_gate
        if body_gate is None or (cls.body_gate_name is not None and _renames(source, cls.body_gate_name)):
            return None
        search = body_gate.search
        return lambda func, body: search(body) is not None

    def finish(self) -> None:
        """Called once after every ``visit_*`` call of the file: for rules that
        collect candidates first and decide once they have seen the whole module."""

    def report(
        self,
        node: cst.CSTNode,
        variant: str = "default",
        *,
        autofix: Optional[Fix] = None,
        related: Tuple[Related, ...] = (),
        **fields: Any,
    ) -> None:
        message, detail = format_message(self.messages[variant], fields)
        self.context.reports.append(Report(node, self.code, message, self.name, autofix, related, detail))

    @classmethod
    def handled_types(cls) -> Dict[type, str]:
        """libcst node types this rule visits, mapped to the method names (the
        engine asks when a file first reaches libcst: the methods are named
        after the types, so that importing a rule does not import libcst)."""
        found: Dict[type, str] = {}
        for attr in dir(cls):
            if attr.startswith("visit_"):
                node_type = getattr(cst, attr[len("visit_"):], None)
                if not (isinstance(node_type, type) and issubclass(node_type, cst.CSTNode)):
                    raise TypeError(f"{cls.__name__}.{attr} names no libcst node type")
                found[node_type] = attr
        return found

    @classmethod
    def documentation(cls) -> str:
        """The rule's documentation (its docstring, dedented)."""
        import inspect

        return inspect.cleandoc(cls.__doc__ or "")


def _renames(source: str, name: str) -> bool:
    """Whether ``source`` may give ``name`` another name (``import name as x``,
    ``x = pytest.name``): calls through the new name do not spell ``name``."""
    return re.search(r"\b%s\s+as\b|=\s*[\w.]*\b%s\s*$" % (name, name), source, re.MULTILINE) is not None


def gate(*alternatives: Union[str, "AllOf"]) -> "AnyOf":
    """A gate matching any of the given regular expressions (or ``gate_all`` parts)."""
    return AnyOf(*alternatives)


_PLAIN = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")


def literal_prefix(pattern: str) -> str:
    """The literal text every match of ``pattern`` starts with ("" when unsure).

    Conservative: only a run of plain characters (or escaped punctuation) after
    optional ``\\b`` and ``(?:``, cut before any character a quantifier makes
    optional.  Used to skip the regex engine on files without the literal:
    ``str.__contains__`` scans a megabyte in about a tenth of a millisecond,
    while a pattern opening with ``\\b`` or an alternation scans character by
    character, thirty times slower.
    """
    if _top_level_bar(pattern):
        return ""
    i = 0
    while True:
        if pattern.startswith("\\b", i):
            i += 2
        elif pattern.startswith("(?:", i):
            # a group is only safe to enter when it holds no alternation
            depth, j = 0, i
            for j in range(i, len(pattern)):
                if pattern[j] == "(":
                    depth += 1
                elif pattern[j] == ")":
                    depth -= 1
                    if depth == 0:
                        break
                elif pattern[j] == "|" and depth == 1:
                    return ""
            if pattern[j + 1: j + 2] in ("?", "*", "{"):
                return ""  # an optional group
            i += 3
        else:
            break
    out: List[str] = []
    while i < len(pattern):
        char = pattern[i]
        if char == "\\" and i + 1 < len(pattern) and not pattern[i + 1].isalnum():
            piece, step = pattern[i + 1], 2
        elif char in _PLAIN:
            piece, step = char, 1
        else:
            break
        if pattern[i + step: i + step + 1] in ("?", "*", "{"):
            break
        out.append(piece)
        i += step
    return "".join(out) if len(out) >= 3 else ""


def _top_level_bar(pattern: str) -> bool:
    depth, i = 0, 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            i += 2
            continue
        if char == "[":
            end = pattern.find("]", i + 2)
            i = end + 1 if end > 0 else len(pattern)
            continue
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            return True
        i += 1
    return False


_Search = Callable[[str], "Optional[re.Match[str]]"]


def _matcher(pattern: Union[str, "AllOf"]) -> _Search:
    """``pattern.search`` made fast: ``str.__contains__`` on its literal prefix
    first, and a leading ``\\b`` checked only where the rest matched (the regex
    engine's own fast scan for a literal works only when the pattern starts
    with it, and ``re.match(text, pos)`` still sees the character before ``pos``)."""
    if isinstance(pattern, AllOf):
        return pattern.search
    literal = literal_prefix(pattern)
    exact = re.compile(pattern)
    if not literal:
        return exact.search
    if not pattern.startswith("\\b"):

        def search(text: str) -> "Optional[re.Match[str]]":
            return exact.search(text) if literal in text else None

        return search
    fast = re.compile(pattern[2:])

    def search_word(text: str) -> "Optional[re.Match[str]]":
        if literal not in text:
            return None
        position = 0
        while True:
            candidate = fast.search(text, position)
            if candidate is None:
                return None
            found = exact.match(text, candidate.start())
            if found is not None:
                return found
            position = candidate.start() + 1

    return search_word


class AnyOf:
    """A gate that matches when *any* of its patterns matches.

    Each alternative is searched on its own through ``_matcher``, so a file
    without any of the literals costs a few ``in`` scans and never reaches the
    regex engine.
    """

    __slots__ = ("alternatives", "parts", "pattern")

    def __init__(self, *alternatives: Union[str, "AllOf"]) -> None:
        #: as given: the flake8 plugin keeps them in its cache to gate files before importing the rules
        self.alternatives = alternatives
        self.parts: Tuple[_Search, ...] = tuple(_matcher(alt) for alt in alternatives)
        # an AllOf alternative is shown (and checked by tests) as its last, most precise part
        self.pattern = "|".join(f"(?:{alt if isinstance(alt, str) else alt.texts[-1]})" for alt in alternatives)

    def search(self, text: str) -> "Optional[re.Match[str]]":
        for search in self.parts:
            found = search(text)
            if found is not None:
                return found
        return None


class AllOf:
    """A gate that matches only when *every* one of its patterns matches.

    It answers ``search`` like a compiled pattern (the engine calls nothing else),
    and each part keeps the regex engine's literal-prefix scan: about 25 times
    faster than the single-pattern equivalent, lookaheads anchored at ``\\A``.
    """

    __slots__ = ("parts", "pattern", "texts")

    def __init__(self, *parts: str) -> None:
        self.parts: Tuple[_Search, ...] = tuple(_matcher(part) for part in parts)
        self.texts = parts
        self.pattern = " AND ".join(f"({part})" for part in parts)

    def search(self, text: str) -> "Optional[re.Match[str]]":
        found: "Optional[re.Match[str]]" = None
        for search in self.parts:
            found = search(text)
            if found is None:
                return None
        return found


def gate_all(*required: str) -> AllOf:
    """A gate for rules that need several things in one file (``yield`` *and* a
    ``def test``).  Put the rarest part first: the first miss ends the search."""
    return AllOf(*required)
