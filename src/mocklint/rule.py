"""The base class of every rule, and the per-file context rules work in.

A rule is one class in one module under ``mocklint.rules``:

- ``code`` (``MCK201``), ``name`` (kebab-case, names the pattern it flags) and
  ``summary`` (one line, for tables);
- ``messages``: message templates with named fields, keyed by variant;
- ``gate``: a regular expression over the raw source.  A file reaches libcst
  only when the gate of some selected rule matches, so the gate must match
  every file in which the rule could report (a cheap over-approximation);
  ``gate_all(a, b)`` when the rule needs several things in one file;
- the docstring: ruff-style documentation (What it does / Why is this bad? /
  Example / Use instead / References), rendered to ``docs/rules/<name>.md``;
- ``visit_<NodeType>(self, node, site)`` methods, called once per node of that
  libcst type after the engine's single walk, when all imports are known.

Rules report with ``self.report(node, variant, **fields)``; they never compute
positions, never parse, never read other files except through the context.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import (
    TYPE_CHECKING,
    Any,
    ClassVar,
    Dict,
    List,
    Mapping,
    Optional,
    Pattern,
    Tuple,
    Union,
)

import libcst as cst

from mocklint.analysis.pytest_roles import Role, function_role

if TYPE_CHECKING:  # pragma: no cover
    from mocklint.analysis.names import NameResolver
    from mocklint.analysis.tree import Frame, Site


@dataclass(frozen=True)
class Edit:
    """Replace the source of ``node`` with ``text`` (an empty node span inserts)."""

    node: cst.CSTNode
    text: str


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


class FileContext:
    """Everything a rule may know about the file being linted."""

    def __init__(self, path: Optional[str], source: str, module: cst.Module, names: "NameResolver") -> None:
        self.path = path
        self.source = source
        self.module = module
        self.names = names
        # id(FunctionDef) -> its frame, filled by the engine's walk
        self.function_frames: Dict[int, "Frame"] = {}
        self.reports: List[Tuple[cst.CSTNode, str, str, str, Optional[Fix]]] = []

    def resolve(self, site: "Site", node: cst.BaseExpression) -> Optional[str]:
        return self.names.resolve(site, node)

    def role(self, func: cst.FunctionDef) -> Role:
        from mocklint.analysis.tree import Site

        return function_role(func, Site(self.function_frames[id(func)]), self.names)

    def site_of(self, func: cst.FunctionDef) -> "Site":
        from mocklint.analysis.tree import Site

        return Site(self.function_frames[id(func)])


class Rule:
    """Base class of all rules.  See the module docstring for the contract."""

    code: ClassVar[str]
    name: ClassVar[str]
    summary: ClassVar[str]
    messages: ClassVar[Mapping[str, str]]
    #: "safe", "unsafe", or None when the rule offers no fix (documented under "## Fix safety")
    fix_safety: ClassVar[Optional[str]] = None
    gate: ClassVar[Union[Pattern[str], "AllOf"]]

    def __init__(self, context: FileContext) -> None:
        self.context = context

    def finish(self) -> None:
        """Called once after every ``visit_*`` call of the file: for rules that
        collect candidates first and decide once they have seen the whole module."""

    def report(self, node: cst.CSTNode, variant: str = "default", *, autofix: Optional[Fix] = None, **fields: Any) -> None:
        message = self.messages[variant].format(**fields)
        self.context.reports.append((node, self.code, message, self.name, autofix))

    @classmethod
    def handled_types(cls) -> Dict[type, str]:
        """libcst node types this rule visits, mapped to the method names."""
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


def gate(*alternatives: str) -> Pattern[str]:
    """A gate matching any of the given regular expressions."""
    return re.compile("|".join(f"(?:{alt})" for alt in alternatives))


class AllOf:
    """A gate that matches only when *every* one of its patterns matches.

    It answers ``search`` like a compiled pattern (the engine calls nothing else),
    and each part keeps the regex engine's literal-prefix scan: about 25 times
    faster than the single-pattern equivalent, lookaheads anchored at ``\\A``.
    """

    __slots__ = ("parts", "pattern")

    def __init__(self, *parts: str) -> None:
        self.parts: Tuple[Pattern[str], ...] = tuple(re.compile(part) for part in parts)
        self.pattern = " AND ".join(f"({part})" for part in parts)

    def search(self, text: str) -> "Optional[re.Match[str]]":
        found: "Optional[re.Match[str]]" = None
        for part in self.parts:
            found = part.search(text)
            if found is None:
                return None
        return found


def gate_all(*required: str) -> AllOf:
    """A gate for rules that need several things in one file (``yield`` *and* a
    ``def test``).  Put the rarest part first: the first miss ends the search."""
    return AllOf(*required)
