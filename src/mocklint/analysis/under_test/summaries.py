"""What the code under test demands of the objects handed to it.

For each function and method of a project module (found from a test file as
``patch()`` targets are, never imported), a *summary* lists its demands: an
access path rooted in a parameter, in an attribute its constructor stored on
``self``, or in a module global, and what the code does with the value there:

- ``await self.repo.get(key)``          -> (self.repo, ``get ()``, await)
- ``async with self.session.post(url)`` -> (self.session, ``post ()``, async with)
- ``async for row in conn.stream(q)``   -> (conn, ``stream ()``, async for)
- ``asyncio.gather(client.fetch(a))``   -> (client, ``fetch ()``, scheduled)
- ``cache.invalidate(key)`` as a statement -> (cache, ``invalidate ()``, dropped)

A demand is kept only when it happens on every path through the function:
not under a branch or a loop body, not after an early ``return``/``raise``,
not inside a ``try`` whose handlers catch ``TypeError`` (or anything
broader), not in a nested function, a lambda, a comprehension or the
short-circuited side of ``and``/``or``/``if-else``.  Calls between project
functions (``self.helper(p)``, module functions, imported project functions)
carry the callee's demands into the caller, mapped onto the caller's own
paths, when the call itself is certain (and awaited, for an ``async def``).

Demands are listed in execution order: the first one a value cannot meet is
where the run fails, and nothing after it runs.

Path steps are attribute names, ``"()"`` for a call (its arguments do not
change what a mock returns) and ``"await"`` for awaiting the call before it.
``async with X as r`` makes ``r`` the path ``X.__aenter__() await``.

A module is read once per file and content, whatever dotted names it is
found by (``app.storage.redis``, and ``redis`` from a folder inside
``app/storage``): a read writes the module's own name, and the packages its
relative imports name, as placeholders that each name fills in (see
``_HERE``).  What a read gives is plain data -- names, access paths, and for
each demand the number of its *site*, the node it is made at -- which
``summary_cache`` keeps on disk between runs.  The nodes, whose position and
text only a finding quotes, are this process's parse, or a new parse of the
same text when a finding names a site of a summary the disk cache gave.
"""

from __future__ import annotations

import ast
import enum
import functools
import hashlib
import json
import os
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Dict, Iterator, List, Mapping, Optional, Sequence, Set, Tuple, Union

from mocklint.analysis import reads
from mocklint.analysis.syntax.bindings import bound_names, target_names
from mocklint.analysis.syntax.lazy_import import libcst as cst
from mocklint.analysis.syntax.source import code, parse_module
from mocklint.analysis.syntax.tree import descendants
from mocklint.analysis.under_test import summary_cache
from mocklint.diagnostic import text_digest
from mocklint.files import read_file
from mocklint.stored import expect

#: ("param", name), ("self", attribute) or ("global", "pkg.module.name")
Root = Tuple[str, str]
Path = Tuple[str, ...]

CALL = "()"
AWAIT = "await"
_MAX_PATH = 8
#: what a loop over a parameter may iterate for its first run to be checked
#: against the test's literal: the value itself, or a dict's views (or one
#: attribute of it: a field of a dataclass instance the test built, see ``_iterable``)
_ITERATED = frozenset({(), ("items", "()"), ("keys", "()"), ("values", "()")})
_MAX_DEMANDS = 64
_MAX_CALL_DEPTH = 4
_MAX_SOURCE = 400_000

_SCHEDULERS = {
    "asyncio.gather": "all",
    "asyncio.ensure_future": "first",
    "asyncio.create_task": "first",
    "asyncio.wait_for": "first",
    "asyncio.shield": "first",
}
_SCHEDULING_METHODS = frozenset({"create_task", "run_until_complete"})
# handlers that would catch what a failing demand raises (TypeError, AttributeError before 3.11)
_BROAD_HANDLERS = frozenset({"Exception", "BaseException", "TypeError", "AttributeError"})
_TRANSPARENT = frozenset({"staticmethod", "classmethod"})
#: keywords of ``@dataclass(...)`` that keep its ``__init__`` storing each field as given
_DATACLASS_OPTIONS = frozenset({"repr", "eq", "order", "unsafe_hash", "frozen", "match_args", "kw_only", "slots", "weakref_slot"})
#: keywords of ``field(...)`` that keep the field in ``__init__``, stored as given
_FIELD_OPTIONS = frozenset({"default_factory", "repr", "hash", "compare", "metadata", "kw_only"})
#: methods of a class that change what its ``__init__`` stores or what reading an attribute gives
_FIELD_HOOKS = ("__init__", "__post_init__", "__new__", "__setattr__", "__getattribute__", "__getattr__")


class Protocol(enum.Enum):
    AWAIT = "await"
    ASYNC_WITH = "async with"
    ASYNC_FOR = "async for"
    SCHEDULE = "schedule"
    DROP = "drop"


#: ``(root, path, op, literal)``: the function leaves early when ``root.path op literal``
#: holds; ``op`` is a comparison (``==``, ``!=``, ``is``, ``is not``, ``in``, ``not in``),
#: or ``truthy``/``falsy`` for ``if x:``/``if not x:``
Guard = Tuple["Root", "Path", str, object]
#: by libcst operator type name (libcst is imported on first use, not with this module)
_COMPARISONS = {
    "Equal": "==",
    "NotEqual": "!=",
    "Is": "is",
    "IsNot": "is not",
    "In": "in",
    "NotIn": "not in",
}


@dataclass(frozen=True)
class Where:
    """Where in the code under test a demand is made."""

    module: "ModuleSummary"
    #: the node it is made at, by number in its module's read (see ``node``)
    site: int
    #: the function that makes it, as ``Class.method`` or ``function``
    function: str
    #: for a scheduled value: the function it is handed to (``asyncio.gather``)
    scheduler: str = ""
    #: the project functions called on the way, outermost first
    via: Tuple[str, ...] = ()
    #: the same calls as the dotted names a ``patch()`` would replace them by
    #: (``app.sync.open_event_stream``): a patched one does not run its body
    through: Tuple[str, ...] = ()
    #: what must be a non-empty literal for it to run (``for url in urls:``)
    nonempty: Tuple[Tuple[Root, Path], ...] = ()
    #: early returns passed on the way (``if currency == "EUR": return amount``): it
    #: runs when the test's literal makes each test false, as ``(root, path, op, literal)``
    guards: Tuple[Guard, ...] = ()

    @property
    def node(self) -> Optional[cst.CSTNode]:
        """The node it is made at (None if the module's text no longer reads the same)."""
        return self.module.node_at(self.site)

    @property
    def line(self) -> int:
        return self.module.line_of(self.node)

    @property
    def text(self) -> str:
        node = self.node
        if node is None:
            return "..."
        text = code(node).strip()
        return text if len(text) <= 60 and "\n" not in text else _elided(node)


UNKNOWN = object()


def literal_value(expr: cst.BaseExpression) -> object:
    """The value of a literal written in code (``"EUR"``, ``3``, ``None``, ``("a", 1)``),
    read without running anything, or ``UNKNOWN``."""
    try:
        return ast.literal_eval(code(expr).strip())
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return UNKNOWN



def read_step(step: str) -> Optional[Tuple[str, Tuple[object, ...]]]:
    """A step of a guard's path that reads a literal key (``_Reader._read_of``):
    ``("get", ("silent",))`` for ``.get('silent')``, ``("item", ("type",))`` for
    ``['type']``; None for an attribute, a call or an ``await``."""
    if step.startswith(".get(") and step.endswith(")"):
        given = _literal(f"({step[5:-1]},)")
        return ("get", given) if isinstance(given, tuple) and 1 <= len(given) <= 2 else None
    if step.startswith("[") and step.endswith("]"):
        key = _literal(step[1:-1])
        return ("item", (key,)) if key is not UNKNOWN else None
    return None


def read_literal(value: object, step: str) -> object:
    """What the guard's read ``step`` gives of ``value``, a literal the test
    passed, as the code under test computes it; ``UNKNOWN`` for another
    value, or a read that raises there (``KeyError``: nothing after it runs)."""
    read = read_step(step)
    if read is None:
        return UNKNOWN
    kind, given = read
    try:
        if kind == "get":
            return value.get(*given) if type(value) is dict else UNKNOWN  # type: ignore[attr-defined]
        return value[given[0]] if type(value) in (dict, list, tuple, str) else UNKNOWN  # type: ignore[index]
    except (KeyError, IndexError, TypeError):
        return UNKNOWN


def _elided(node: cst.CSTNode) -> str:
    """``audit_log_for(...).record(...)``: an access chain with its arguments left out."""
    if isinstance(node, cst.Call):
        return f"{_elided(node.func)}(...)"
    if isinstance(node, cst.Attribute):
        return f"{_elided(node.value)}.{node.attr.value}"
    if isinstance(node, cst.Await):
        return f"await {_elided(node.expression)}"
    if isinstance(node, cst.Name):
        return node.value
    return "..."


@dataclass(frozen=True)
class Demand:
    root: Root
    path: Path
    protocol: Protocol
    where: Where


Passed = Optional[Tuple[Root, Path]]


@dataclass(frozen=True)
class ObjectCall:
    """A method called on a value the function was given or stores
    (``self.client.create_room(...)``): which code runs depends on what the test
    hands over, so it is matched there, in order with the demands."""

    root: Root
    path: Path
    method: str
    args: Tuple[Passed, ...]
    keywords: Tuple[Tuple[str, Passed], ...]
    awaited: bool
    where: Where


@dataclass(frozen=True)
class _InnerCall:
    """A certain call from one project function to another, in order with the demands."""

    #: ("method", name), ("function", name), ("qualified", dotted), or
    #: ("object", "pkg.Class.method") on an instance this function built
    callee: Tuple[str, str]
    args: Tuple[Passed, ...]
    keywords: Tuple[Tuple[str, Passed], ...]
    awaited: bool
    #: for ("function", ...) and ("qualified", ...): the name called, as the caller's module binds it
    local: str
    #: for ("object", ...): the arguments the instance was constructed with
    made_with: Optional[Tuple[Tuple[Passed, ...], Tuple[Tuple[str, Passed], ...]]] = None
    #: for ("object", ...): the name the class or factory was looked up by, as a
    #: ``patch()`` would replace it (``app.accounts.AuditLog``)
    maker: str = ""


@dataclass
class FunctionSummary:
    name: str
    qualname: str
    module: "ModuleSummary"
    is_async: bool
    #: parameters that take positional arguments, in order (``self`` of a method left out)
    positional: Tuple[str, ...]
    keyword_only: Tuple[str, ...]
    #: an instance method: ``self`` roots refer to the instance
    method: bool
    #: what it does, in order: demands and calls into other project functions
    steps: List[Union[Demand, ObjectCall, _InnerCall]] = field(default_factory=list)
    #: a factory: the project class it returns an instance of, and the constructor's
    #: arguments in this function's own terms (``return MatrixClient(session_factory(), hs)``)
    made: Optional[Tuple[str, Tuple[Passed, ...], Tuple[Tuple[str, Passed], ...]]] = None
    #: an accessor: the module attribute it returns (``return ledger_client``), as a path
    returns: Optional[Tuple[Root, Path]] = None
    _expanded: Optional[Tuple[Union[Demand, ObjectCall], ...]] = None

    def parameter_for(self, position: Optional[int], keyword: Optional[str]) -> Optional[str]:
        if keyword is not None:
            return keyword if keyword in self.positional or keyword in self.keyword_only else None
        if position is not None and position < len(self.positional):
            return self.positional[position]
        return None

    def demands(self) -> Tuple[Union[Demand, ObjectCall], ...]:
        """Every demand, its callees' included, in execution order, with the
        method calls on given values that decide more of them where matched."""
        return _expand(self, ())


@dataclass
class ClassSummary:
    name: str
    module: "ModuleSummary"
    methods: Dict[str, FunctionSummary]
    #: attribute -> the ``__init__`` parameter stored in it, once and for good
    stores: Dict[str, str]
    #: for a plain ``@dataclass`` (``_dataclass_fields``): the fields its generated
    #: ``__init__`` takes by keyword and stores as given, which reading gives back
    fields: Tuple[str, ...] = ()

    @property
    def init(self) -> Optional[FunctionSummary]:
        return self.methods.get("__init__")


#: the module's own dotted name, as a read writes it: each name the module is
#: found by fills it in (see ``_named``).  Each further ``_HERE`` drops one
#: component of that name: ``\0\0.queues`` is ``queues`` in the package of a
#: module (a relative import's package), ``\0.Client`` the module's ``Client``.
_HERE = "\0"


def _named(written: str, dotted: str) -> str:
    """``written`` (a dotted name as a read writes it) for the module ``dotted``."""
    if not written.startswith(_HERE):
        return written
    rest = written.lstrip(_HERE)
    dropped = len(written) - len(rest) - 1
    parts = dotted.split(".")
    package = ".".join(parts[: max(len(parts) - dropped, 0)])
    if not package:  # a relative import above the top-level package: only the rest is known
        return rest[1:] if rest.startswith(".") else rest
    return package + rest


class _ModuleReader:
    """Reads the summaries of one module from its text: one libcst parse.

    Its dotted name is ``_HERE``: what it reads depends only on the file and
    its text.  The nodes demands are made at are numbered (``site``) in the
    order the read meets them, which is the same for the same text."""

    def __init__(self, path: str, source: str) -> None:
        self.path = path
        self.dotted = _HERE
        self.module = parse_module(source)
        self.imports: Dict[str, str] = {}
        #: names bound by ``import x`` / ``import x.y as z``: module objects
        self.module_imports: Set[str] = set()
        self.functions: Dict[str, FunctionSummary] = {}
        self.classes: Dict[str, ClassSummary] = {}
        #: the nodes of the sites, by number
        self.nodes: List[cst.CSTNode] = []
        #: the paths probed to tell whether an imported name is a project module
        self.probed: Set[str] = set()
        self._read()

    def site(self, node: cst.CSTNode) -> int:
        self.nodes.append(node)
        return len(self.nodes) - 1

    def _read(self) -> None:
        counts: Dict[str, int] = {}
        for statement in self.module.body:
            for name in _statement_binds(statement):
                counts[name] = counts.get(name, 0) + 1
            if isinstance(statement, cst.SimpleStatementLine):
                for small in statement.body:
                    self._read_import(small)
        self.once = {name for name, count in counts.items() if count == 1}
        for statement in self.module.body:
            if isinstance(statement, cst.FunctionDef) and statement.name.value in self.once:
                summary = _read_function(self, statement, statement.name.value, None)
                if summary is not None:
                    self.functions[statement.name.value] = summary
            elif isinstance(statement, cst.ClassDef) and statement.name.value in self.once:
                self.classes[statement.name.value] = _read_class(self, statement)

    def _read_import(self, small: cst.BaseSmallStatement) -> None:
        if isinstance(small, cst.Import):
            for alias in small.names:
                full = code(alias.name)
                if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                    local, self.imports[alias.asname.name.value] = alias.asname.name.value, full
                else:
                    local = full.split(".", 1)[0]
                    self.imports[local] = local
                self.module_imports.add(local)
        elif isinstance(small, cst.ImportFrom) and not isinstance(small.names, cst.ImportStar):
            base = code(small.module) if small.module is not None else ""
            if small.relative:
                # the package: the module's own name less one component per dot, less its
                # own last one unless it is a package's `__init__.py`
                dropped = len(small.relative) - (1 if self.path.endswith("__init__.py") else 0)
                base = _HERE * (dropped + 1) + (f".{base}" if base else "")
            for alias in small.names:
                name = code(alias.name)
                local = alias.asname.name.value if alias.asname is not None and isinstance(alias.asname.name, cst.Name) else name
                self.imports[local] = f"{base}.{name}" if base else name

    def _names_module(self, dotted: str) -> bool:
        """Whether ``from pkg import dotted`` binds a project module (``from app.billing
        import queues``; ``from . import queues``: a module beside this one)."""
        from mocklint.analysis.mock_values import targets

        if dotted.startswith(_HERE):
            rest = dotted.lstrip(_HERE)
            folder = os.path.dirname(self.path)
            for _ in range(len(dotted) - len(rest) - (1 if self.path.endswith("__init__.py") else 2)):
                folder = os.path.dirname(folder)
            found, probed = targets._find_module_file((folder,), rest.lstrip("."))
        else:
            roots = targets.search_roots(os.path.dirname(self.path), installed=False)
            found, probed = targets._find_module_file(tuple(roots), dotted)
        self.probed.update(os.path.abspath(candidate) for candidate in probed)
        return found is not None

    def global_root(self, name: str, path: Path) -> Optional[Tuple[Root, Path]]:
        """The module attribute a global ``name`` (read as ``name.path``) is looked
        up in at run time, which a ``patch()`` of that dotted name replaces."""
        if name not in self.once:
            return None
        if name in self.module_imports or (name in self.imports and self._names_module(self.imports[name])):
            if not path or path[0] in (CALL, AWAIT):
                return None
            return ("global", f"{self.imports[name]}.{path[0]}"), path[1:]
        return ("global", f"{self.dotted}.{name}"), path


class _Record:
    """One read of a module's text: its summaries as plain data (what the disk
    cache keeps, see ``_plain``), the text, and the nodes of its sites, from
    the read itself or, for a record the disk cache gave, read again from the
    text when a finding first names one."""

    def __init__(self, path: str, source: str, plain: Dict[str, Any], reader: Optional[_ModuleReader] = None) -> None:
        self.path = path
        self.source = source
        self.plain = plain
        self._tree = reader.module if reader is not None else None
        self._nodes = reader.nodes if reader is not None else None
        self._positions: Optional[Mapping[cst.CSTNode, Any]] = None
        self._summaries: Dict[str, ModuleSummary] = {}

    def summary(self, dotted: str) -> "ModuleSummary":
        """Its summaries for the module ``dotted`` (read back once per name)."""
        found = self._summaries.get(dotted)
        if found is None:
            found = self._summaries[dotted] = ModuleSummary.of(dotted, self)
        return found

    @property
    def probed(self) -> List[str]:
        return self.plain["probed"]  # type: ignore[no-any-return]

    @classmethod
    def read(cls, path: str, source: str) -> "_Record":
        reader = _ModuleReader(path, source)
        return cls(path, source, _plain(reader), reader)

    def node(self, site: int) -> Optional[cst.CSTNode]:
        if self._nodes is None:
            self._nodes = []
            try:
                again = _Record.read(self.path, self.source)
            except (cst.ParserSyntaxError, RecursionError, MemoryError, ValueError):
                return None
            if _as_stored(again.plain) == _as_stored(self.plain):  # else a probed file changed meanwhile
                self._tree, self._nodes = again._tree, again._nodes
        return self._nodes[site] if 0 <= site < len(self._nodes) else None

    def position(self, node: Optional[cst.CSTNode]) -> Tuple[int, int]:
        if node is None or self._tree is None:
            return 0, 0
        if self._positions is None:
            from mocklint.analysis.syntax.positions import positions_of

            self._positions = positions_of(self._tree, self._nodes or ())
        found = self._positions.get(node)
        return (found.start.line, found.start.column) if found is not None else (0, 0)


class ModuleSummary:
    """The summaries of one project module, under the dotted name it was found by."""

    def __init__(self, path: str, dotted: str, source: str) -> None:
        """Read ``source``, the text of the module ``dotted`` at ``path`` (one libcst parse)."""
        record = _Record.read(path, source)
        self._bind(dotted, record)
        record._summaries[dotted] = self

    @classmethod
    def of(cls, dotted: str, record: _Record) -> "ModuleSummary":
        """The summaries ``record`` holds, for the module ``dotted``; ``ValueError``,
        ``TypeError`` or ``KeyError`` when its plain data is not in the shape
        ``_plain`` writes (a corrupt or foreign cache entry)."""
        summary = cls.__new__(cls)
        summary._bind(dotted, record)
        return summary

    def node_at(self, site: int) -> Optional[cst.CSTNode]:
        return self._record.node(site)

    def line_of(self, node: Optional[cst.CSTNode]) -> int:
        return self.position_of(node)[0]

    def position_of(self, node: Optional[cst.CSTNode]) -> Tuple[int, int]:
        """The 1-based line and 0-based column where ``node`` starts ((0, 0) if not in this module)."""
        return self._record.position(node)

    def _bind(self, dotted: str, record: _Record) -> None:
        plain = expect(record.plain, dict)
        self.path = record.path
        self.dotted = dotted
        self._record = record
        self._sites = expect(plain["sites"], int)
        if not all(os.path.isabs(probed) for probed in _texts(plain["probed"])):
            raise ValueError("a probed path that is not absolute")
        self.imports = {expect(local, str): _named(expect(name, str), dotted) for local, name in expect(plain["imports"], dict).items()}
        self.module_imports = set(_texts(plain["module_imports"]))
        self.once = set(_texts(plain["once"]))
        self.functions: Dict[str, FunctionSummary] = {}
        for item in expect(plain["functions"], list):
            summary = self._function(item)
            self.functions[summary.name] = summary
        self.classes: Dict[str, ClassSummary] = {}
        for item in expect(plain["classes"], list):
            item = expect(item, dict)
            cls = ClassSummary(expect(item["name"], str), self, {}, {})
            for method in expect(item["methods"], list):
                summary = self._function(method)
                cls.methods[summary.name] = summary
            cls.stores = {expect(attribute, str): expect(parameter, str) for attribute, parameter in expect(item["stores"], dict).items()}
            cls.fields = _texts(item["fields"])
            self.classes[cls.name] = cls

    # -- plain data back into summaries (see ``_plain``) ----------------------------
    def _function(self, item: Any) -> FunctionSummary:
        item = expect(item, dict)
        summary = FunctionSummary(
            name=expect(item["name"], str),
            qualname=expect(item["qualname"], str),
            module=self,
            is_async=expect(item["is_async"], bool),
            positional=_texts(item["positional"]),
            keyword_only=_texts(item["keyword_only"]),
            method=expect(item["method"], bool),
            made=self._made(item["made"]) if item["made"] is not None else None,
            returns=self._passed(item["returns"]),
        )
        summary.steps = [self._step(step) for step in expect(item["steps"], list)]
        return summary

    def _step(self, item: Any) -> Union[Demand, ObjectCall, _InnerCall]:
        kind, *fields = expect(item, list)
        if kind == "demand":
            root, path, protocol, where = fields
            return Demand(self._root(root), _path(path), Protocol(protocol), self._where(where))
        if kind == "call":
            root, path, method, args, keywords, awaited, where = fields
            return ObjectCall(
                self._root(root), _path(path), expect(method, str), self._args(args), self._keywords(keywords), expect(awaited, bool), self._where(where)
            )
        if kind == "inner":
            callee, args, keywords, awaited, local, made_with, maker = fields
            callee_kind, name = expect(callee, list)
            if callee_kind not in ("method", "function", "qualified", "object"):
                raise ValueError(f"unknown callee kind {callee_kind!r}")
            made = None
            if made_with is not None:
                made_args, made_keywords = expect(made_with, list)
                made = (self._args(made_args), self._keywords(made_keywords))
            return _InnerCall(
                (callee_kind, _named(expect(name, str), self.dotted)),
                self._args(args),
                self._keywords(keywords),
                expect(awaited, bool),
                expect(local, str),
                made,
                _named(expect(maker, str), self.dotted),
            )
        raise ValueError(f"unknown step {kind!r}")

    def _where(self, item: Any) -> Where:
        site, function, scheduler, nonempty, guards = expect(item, list)
        if not 0 <= expect(site, int) < self._sites:
            raise ValueError("a site the read did not number")
        found: List[Guard] = []
        for guard in expect(guards, list):
            root, path, op, literal = expect(guard, list)
            if op not in _GUARD_TESTS:
                raise ValueError(f"unknown test {op!r}")
            value = _literal(expect(literal, str))
            if value is UNKNOWN:
                raise ValueError("not a literal")
            found.append((self._root(root), _path(path), op, value))
        return Where(
            self,
            site,
            expect(function, str),
            expect(scheduler, str),
            nonempty=tuple(self._rooted(n) for n in expect(nonempty, list)),
            guards=tuple(found),
        )

    def _root(self, item: Any) -> Root:
        kind, name = expect(item, list)
        if kind not in ("param", "self", "global"):
            raise ValueError(f"unknown root {kind!r}")
        return kind, _named(expect(name, str), self.dotted) if kind == "global" else expect(name, str)

    def _rooted(self, item: Any) -> Tuple[Root, Path]:
        root, path = expect(item, list)
        return self._root(root), _path(path)

    def _passed(self, item: Any) -> Passed:
        return self._rooted(item) if item is not None else None

    def _args(self, item: Any) -> Tuple[Passed, ...]:
        return tuple(self._passed(a) for a in expect(item, list))

    def _keywords(self, item: Any) -> Tuple[Tuple[str, Passed], ...]:
        found = []
        for pair in expect(item, list):
            keyword, passed = expect(pair, list)
            found.append((expect(keyword, str), self._passed(passed)))
        return tuple(found)

    def _made(self, item: Any) -> Tuple[str, Tuple[Passed, ...], Tuple[Tuple[str, Passed], ...]]:
        qualified, args, keywords = expect(item, list)
        return _named(expect(qualified, str), self.dotted), self._args(args), self._keywords(keywords)


def _statement_binds(statement: cst.BaseStatement) -> Iterator[str]:
    """Names a module-level statement binds (a conditional one counts twice: unknown)."""
    if isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
        yield statement.name.value
    elif isinstance(statement, cst.SimpleStatementLine):
        for small in statement.body:
            if isinstance(small, cst.Assign):
                for target in small.targets:
                    yield from target_names(target.target)
            elif isinstance(small, (cst.AnnAssign, cst.AugAssign)):
                yield from target_names(small.target)
            elif isinstance(small, cst.Import):
                for alias in small.names:
                    if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                        yield alias.asname.name.value
                    else:
                        yield code(alias.name).split(".", 1)[0]
            elif isinstance(small, cst.ImportFrom) and not isinstance(small.names, cst.ImportStar):
                for alias in small.names:
                    if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                        yield alias.asname.name.value
                    else:
                        yield code(alias.name)
            elif isinstance(small, (cst.Global, cst.Nonlocal)):
                for item in small.names:
                    yield item.name.value
    else:
        # if/try/with/for at module level: whatever they bind is bound conditionally
        for node in descendants(statement, stop_at=(cst.FunctionDef, cst.ClassDef, cst.Lambda)):
            names: List[str] = []
            if isinstance(node, (cst.FunctionDef, cst.ClassDef)):
                names = [node.name.value]
            elif isinstance(node, cst.AssignTarget):
                names = list(target_names(node.target))
            elif isinstance(node, cst.ImportAlias):
                names = [node.asname.name.value if node.asname is not None and isinstance(node.asname.name, cst.Name) else code(node.name).split(".", 1)[0]]
            for name in names:
                yield name
                yield name


def _plain_decorators(func: cst.FunctionDef) -> Optional[Set[str]]:
    """The decorator names of ``func`` when all are transparent to its calls, else None."""
    found: Set[str] = set()
    for decorator in func.decorators:
        if not isinstance(decorator.decorator, cst.Name) or decorator.decorator.value not in _TRANSPARENT:
            return None
        found.add(decorator.decorator.value)
    return found


def _read_class(module: _ModuleReader, node: cst.ClassDef) -> ClassSummary:
    methods: Dict[str, FunctionSummary] = {}
    counts: Dict[str, int] = {}
    body = node.body.body if isinstance(node.body, cst.IndentedBlock) else ()
    for statement in body:
        for name in _statement_binds(statement):
            counts[name] = counts.get(name, 0) + 1
    init_node: Optional[cst.FunctionDef] = None
    for statement in body:
        if isinstance(statement, cst.FunctionDef) and counts.get(statement.name.value) == 1:
            summary = _read_function(module, statement, f"{node.name.value}.{statement.name.value}", node)
            if summary is not None:
                methods[statement.name.value] = summary
                if summary.name == "__init__":
                    init_node = statement
    summary = ClassSummary(node.name.value, module, methods, {}, _dataclass_fields(module, node, counts))  # type: ignore[arg-type]
    init = methods.get("__init__")
    if init is not None and init_node is not None:
        summary.stores = _stores(node, init, init_node)
    return summary


def _dataclass_fields(module: _ModuleReader, node: cst.ClassDef, counts: Mapping[str, int]) -> Tuple[str, ...]:
    """The fields of a plain ``@dataclass`` (no base, no metaclass, no other
    decorator, no method that changes what ``__init__`` stores or what reading
    gives): each a name annotated once in the class body, not a ``ClassVar``,
    ``InitVar`` or ``KW_ONLY``, whose default is none, a literal or a
    ``field()`` that keeps it in ``__init__`` (a descriptor default would see
    the store).  ``Order(lines=[...]).lines`` is then that very list."""
    if node.bases or node.keywords or len(node.decorators) != 1:
        return ()
    decorator = node.decorators[0].decorator
    if isinstance(decorator, cst.Call):
        if any(a.star or a.keyword is None or a.keyword.value not in _DATACLASS_OPTIONS for a in decorator.args):
            return ()
        decorator = decorator.func
    if _dataclasses_name(module, decorator) != "dataclass":
        return ()
    body = node.body.body if isinstance(node.body, cst.IndentedBlock) else ()
    if any(counts.get(hook) for hook in _FIELD_HOOKS):
        return ()
    fields: List[str] = []
    for statement in body:
        small = statement.body[0] if isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1 else None
        if not isinstance(small, cst.AnnAssign) or not isinstance(small.target, cst.Name):
            continue
        name = small.target.value
        annotation = code(small.annotation.annotation)
        if counts.get(name) != 1 or any(word in annotation for word in ("ClassVar", "InitVar", "KW_ONLY")):
            continue
        if small.value is None or literal_value(small.value) is not UNKNOWN or _kept_field(module, small.value):
            fields.append(name)
    return tuple(fields)


def _kept_field(module: _ModuleReader, value: cst.BaseExpression) -> bool:
    """``field(default_factory=list)``: a field ``__init__`` still takes, with no descriptor for a default."""
    if not isinstance(value, cst.Call) or _dataclasses_name(module, value.func) != "field":
        return False
    for arg in value.args:
        if arg.star or arg.keyword is None:
            return False
        if arg.keyword.value == "default" and literal_value(arg.value) is not UNKNOWN:
            continue
        if arg.keyword.value not in _FIELD_OPTIONS:
            return False
    return True


def _dataclasses_name(module: _ModuleReader, expr: cst.BaseExpression) -> str:
    """``dataclass`` for ``dataclass`` imported from ``dataclasses`` or for
    ``dataclasses.dataclass`` (each name bound once in the module), else ""."""
    if isinstance(expr, cst.Name) and expr.value in module.once:
        qualified = module.imports.get(expr.value, "")
    elif isinstance(expr, cst.Attribute) and isinstance(expr.value, cst.Name) and expr.value.value in module.once:
        package = expr.value.value
        qualified = f"dataclasses.{expr.attr.value}" if package in module.module_imports and module.imports.get(package) == "dataclasses" else ""
    else:
        return ""
    package, _, name = qualified.rpartition(".")
    return name if package == "dataclasses" else ""


def _stores(cls: cst.ClassDef, init: FunctionSummary, init_node: cst.FunctionDef) -> Dict[str, str]:
    """``self.attr = param`` at the top of ``__init__``, when nothing else in the
    class (nor a later ``super().__init__``) assigns ``attr``."""
    assigned: Dict[str, int] = {}
    dynamic = False
    for node in descendants(cls.body):
        if isinstance(node, (cst.AssignTarget, cst.AnnAssign, cst.AugAssign)):
            target = node.target
            if isinstance(target, cst.Attribute) and isinstance(target.value, cst.Name) and target.value.value == "self":
                assigned[target.attr.value] = assigned.get(target.attr.value, 0) + 1
        elif isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and node.func.value == "setattr":
            dynamic = True
    if dynamic:
        return {}
    stores: Dict[str, str] = {}
    params = set(init.positional) | set(init.keyword_only)
    rebound = set(bound_names(init_node.body, nested=False).counts)
    body = init_node.body.body if isinstance(init_node.body, cst.IndentedBlock) else ()
    seen_super = False
    for statement in body:
        if not isinstance(statement, cst.SimpleStatementLine):
            if any(_calls_init(n) for n in descendants(statement)):
                seen_super = True
            break  # only the straight-line start of __init__ is certain
        for small in statement.body:
            if any(_calls_init(n) for n in descendants(small)):
                seen_super = True
            if isinstance(small, cst.Return):
                return stores
            if not (isinstance(small, (cst.Assign, cst.AnnAssign))):
                continue
            targets = [t.target for t in small.targets] if isinstance(small, cst.Assign) else [small.target]
            value = small.value
            if len(targets) != 1 or not isinstance(value, cst.Name) or value.value not in params or value.value in rebound:
                continue
            target = targets[0]
            if isinstance(target, cst.Attribute) and isinstance(target.value, cst.Name) and target.value.value == "self":
                if assigned.get(target.attr.value) == 1:
                    stores[target.attr.value] = value.value
    if seen_super:
        # a base __init__ called after the assignment could overwrite it: keep only
        # what is assigned after the last such call
        last_super = _last_init_call_index(body)
        if last_super is not None:
            return {a: p for a, p in stores.items() if _assigned_after(body, a, last_super)}
    return stores


def _calls_init(node: cst.CSTNode) -> bool:
    return isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value == "__init__"


def _last_init_call_index(body: Sequence[cst.BaseStatement]) -> Optional[int]:
    last = None
    for index, statement in enumerate(body):
        if any(_calls_init(n) for n in descendants(statement)):
            last = index
    return last


def _assigned_after(body: Sequence[cst.BaseStatement], attr: str, index: int) -> bool:
    for statement in body[index + 1 :]:
        for node in descendants(statement):
            if isinstance(node, cst.AssignTarget) and isinstance(node.target, cst.Attribute) and node.target.attr.value == attr:
                return True
    return False


def _read_function(
    module: _ModuleReader, node: cst.FunctionDef, qualname: str, owner: Optional[cst.ClassDef]
) -> Optional[FunctionSummary]:
    decorators = _plain_decorators(node)
    if decorators is None:
        return None  # a wrapper may change what the call does
    params = node.params
    positional = [p.name.value for p in (*params.posonly_params, *params.params)]
    method = owner is not None and not decorators and bool(positional)
    self_name = positional[0] if method else None
    if owner is not None and positional and (method or "classmethod" in decorators):
        positional = positional[1:]
    summary = FunctionSummary(
        name=node.name.value,
        qualname=qualname,
        module=module,  # type: ignore[arg-type]
        is_async=node.asynchronous is not None,
        positional=tuple(positional),
        keyword_only=tuple(p.name.value for p in params.kwonly_params),
        method=method,
    )
    if node.asynchronous is not None and any(
        isinstance(n, cst.Yield) for n in descendants(node.body, stop_at=(cst.FunctionDef, cst.ClassDef, cst.Lambda))
    ):
        return summary  # an async generator: its body runs as the test iterates, not on the call
    _Reader(summary, node, self_name).read()
    return summary


class _Reader:
    """Reads one function body in order, keeping what runs on every path."""

    def __init__(self, summary: FunctionSummary, node: cst.FunctionDef, self_name: Optional[str]) -> None:
        self.summary = summary
        self.node = node
        self.module: _ModuleReader = summary.module  # type: ignore[assignment]
        self.self_name = self_name
        bindings = bound_names(node.body, nested=False)
        counts = bindings.counts
        self.counts = counts
        #: the names the body changes in place (``event["silent"] = True``, ``event.pop(...)``)
        self.changed = bindings.changed
        self.params = {p for p in (*summary.positional, *summary.keyword_only) if p not in counts}
        self.aliases: Dict[str, Tuple[Root, Path]] = {}
        self.nonempty: Tuple[Tuple[Root, Path], ...] = ()
        self.guards: Tuple[Guard, ...] = ()
        #: locals bound once to an instance of a project class: (class, constructor arguments)
        self.objects: Dict[str, Tuple[str, Tuple[Passed, ...], Tuple[Tuple[str, Passed], ...]]] = {}
        #: for each of ``objects``: the name its class or factory is looked up by
        self.makers: Dict[str, str] = {}

    def read(self) -> None:
        body = self.node.body
        statements = body.body if isinstance(body, cst.IndentedBlock) else ()
        self._block(statements)
        value = self._returned(statements)
        if value is not None:
            self.summary.made = self.objects.get(value.value) if isinstance(value, cst.Name) else self._constructed(value)
            returned = self._path(value) if self.summary.made is None else None
            if returned is not None and returned[0][0] == "global":
                self.summary.returns = returned

    def _returned(self, statements: Sequence[cst.BaseStatement]) -> Optional[cst.BaseExpression]:
        """What the function returns when its one ``return`` is its last statement."""
        returns = [
            n for n in descendants(self.node.body, stop_at=(cst.FunctionDef, cst.ClassDef, cst.Lambda)) if isinstance(n, cst.Return)
        ]
        last = statements[-1] if statements else None
        if len(returns) != 1 or not isinstance(last, cst.SimpleStatementLine) or last.body[-1] is not returns[0]:
            return None
        return returns[0].value

    # -- statements ----------------------------------------------------------
    def _block(self, statements: Sequence[cst.BaseStatement]) -> bool:
        """Reads ``statements`` while they are certain; False once the rest is not."""
        for statement in statements:
            if len(self.summary.steps) >= _MAX_DEMANDS:
                return False
            if isinstance(statement, cst.SimpleStatementLine):
                for small in statement.body:
                    self._small(small)
                    if isinstance(small, (cst.Return, cst.Raise, cst.Break, cst.Continue)):
                        return False
            elif isinstance(statement, cst.If):
                self._expression(statement.test)
                if _exits(statement):
                    guard = self._guard(statement)
                    if guard is None:
                        return False
                    self.guards = (*self.guards, guard)
            elif isinstance(statement, cst.For):
                self._expression(statement.iter)
                if statement.asynchronous is not None:
                    self._demand(statement.iter, Protocol.ASYNC_FOR, statement.iter)
                else:
                    self._first_iteration(statement)
                if _exits(statement):
                    return False
            elif isinstance(statement, cst.While):
                self._expression(statement.test)
                if _exits(statement):
                    return False
            elif isinstance(statement, cst.With):
                if not self._with(statement):
                    return False
            elif isinstance(statement, cst.Try):
                if _catches_broadly(statement):
                    if _exits(statement):
                        return False
                    continue
                if not self._block(_body(statement.body)):
                    return False
                if statement.handlers and _exits(statement):
                    return False
            elif isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
                continue
            else:  # match, try*: their branches are not certain
                if _exits(statement):
                    return False
        return True

    def _guard(self, statement: cst.If) -> Optional[Guard]:
        """``if currency == "EUR": return amount`` (no ``else``) on a parameter
        and a literal: what comes after runs when the test's literal makes it false.
        The literal as written (``ModuleSummary`` reads its value)."""
        if statement.orelse is not None:
            return None
        test = statement.test
        op, literal = "truthy", "None"
        if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
            test, op = test.expression, "falsy"
        elif isinstance(test, cst.Comparison) and len(test.comparisons) == 1:
            target = test.comparisons[0]
            op = _COMPARISONS.get(type(target.operator).__name__, "")
            if not op or literal_value(target.comparator) is UNKNOWN:
                return None
            literal = code(target.comparator).strip()
            test = test.left
        found = self._read_of(test)
        if found is None or found[0][0] != "param" or not all(read_step(step) for step in found[1]):
            return None
        if found[1] and found[0][1] in self.changed:
            return None  # the key may be set before the test reads it
        return found[0], found[1], op, literal

    def _read_of(self, expr: cst.BaseExpression) -> Optional[Tuple[Root, Path]]:
        """``event``, ``event.get("silent")``, ``event["type"]``: a value, or what a
        read by a literal key gives of it (``read_step``), the calls' arguments kept."""
        steps: List[str] = []
        while len(steps) <= _MAX_PATH:
            if isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute) and expr.func.attr.value == "get":
                given = tuple(literal_value(a.value) if a.keyword is None and not a.star else UNKNOWN for a in expr.args)
                if not 1 <= len(given) <= 2 or any(g is UNKNOWN for g in given):
                    return None
                steps.append(f".get({', '.join(map(repr, given))})")
                expr = expr.func.value
            elif isinstance(expr, cst.Subscript) and len(expr.slice) == 1 and isinstance(expr.slice[0].slice, cst.Index):
                key = literal_value(expr.slice[0].slice.value)
                if key is UNKNOWN:
                    return None
                steps.append(f"[{key!r}]")
                expr = expr.value
            else:
                found = self._path(expr)
                return (found[0], found[1] + tuple(reversed(steps))) if found is not None else None
        return None

    def _first_iteration(self, statement: cst.For) -> None:
        """``for url in urls:`` over a parameter: the body's first run is certain
        when the test passes a non-empty literal (checked where it is matched)."""
        iterated = self._path(statement.iter)
        if iterated is None or not _iterable(iterated[1]) or iterated[0][0] != "param" or statement.orelse is not None:
            return
        outer = self.nonempty
        self.nonempty = (*outer, iterated)
        try:
            self._block(_body(statement.body))
        finally:
            self.nonempty = outer

    def _with(self, statement: cst.With) -> bool:
        for item in statement.items:
            self._expression(item.item)
            if statement.asynchronous is not None:
                self._demand(item.item, Protocol.ASYNC_WITH, item.item)
                entered = self._path(item.item)
                target = item.asname.name if item.asname is not None else None
                if entered is not None and isinstance(target, cst.Name) and self.counts.get(target.value) == 1:
                    root, path = entered
                    self.aliases[target.value] = (root, path + ("__aenter__", CALL, AWAIT))
            if _may_suppress(item.item):
                return not _exits(statement)
        return self._block(_body(statement.body))

    def _small(self, small: cst.BaseSmallStatement) -> None:
        if isinstance(small, cst.Expr):
            self._expression(small.value)
            value = small.value
            if isinstance(value, cst.Call) and not self._scheduler(value):
                self._demand(value, Protocol.DROP, value)
        elif isinstance(small, cst.Assign):
            self._expression(small.value)
            if len(small.targets) == 1 and isinstance(small.targets[0].target, cst.Name):
                name = small.targets[0].target.value
                found = self._path(small.value)
                if found is not None and self.counts.get(name) == 1:
                    self.aliases[name] = found
                made = self._constructed(small.value)
                if made is not None and self.counts.get(name) == 1:
                    self.objects[name] = made
                    self.makers[name] = f"{self.module.dotted}.{small.value.func.value}"  # type: ignore[attr-defined]
        elif isinstance(small, (cst.AnnAssign, cst.AugAssign)):
            if small.value is not None:
                self._expression(small.value)
        elif isinstance(small, cst.Return):
            if small.value is not None:
                self._expression(small.value)
        elif isinstance(small, cst.Raise):
            if small.exc is not None:
                self._expression(small.exc)
        elif isinstance(small, cst.Assert):
            self._expression(small.test)

    # -- expressions ---------------------------------------------------------
    def _expression(self, expr: cst.BaseExpression) -> None:
        """Demands of the parts of ``expr`` that are always evaluated, in order."""
        order: List[cst.CSTNode] = []
        stack: List[cst.CSTNode] = [expr]
        while stack:
            node = stack.pop()
            order.append(node)
            stack.extend(reversed(_evaluated_children(node)))
        # children before parents: `await self.a(await self.b())` awaits b first
        awaited_calls = {id(n.expression) for n in order if isinstance(n, cst.Await)}
        for node in reversed(order):
            if isinstance(node, cst.Await):
                self._demand(node.expression, Protocol.AWAIT, node)
            elif isinstance(node, cst.Call):
                scheduler = self._scheduler(node)
                if scheduler:
                    positional = [a for a in node.args if a.keyword is None and not a.star]
                    every = _SCHEDULERS.get(scheduler) == "all"
                    chosen = positional if every else positional[:1]
                    for arg in chosen:
                        self._demand(arg.value, Protocol.SCHEDULE, arg.value, scheduler=scheduler)
                    for arg in node.args if every else ():
                        # `gather(*(client.send(m) for m in messages))`: each element is scheduled
                        if arg.star == "*" and isinstance(arg.value, (cst.GeneratorExp, cst.ListComp)):
                            elt = arg.value.elt
                            self._comprehension(
                                arg.value, lambda: self._demand(elt, Protocol.SCHEDULE, elt, scheduler=scheduler)
                            )
                else:
                    self._inner_call(node, id(node) in awaited_calls)
            elif isinstance(node, (cst.ListComp, cst.SetComp)):
                elt = node.elt
                self._comprehension(node, lambda: self._expression(elt))

    def _comprehension(self, node: Union[cst.ListComp, cst.SetComp, cst.GeneratorExp], read: Callable[[], None]) -> None:
        """``[create_task(a.archive(i)) for i in ids]``: its element runs for sure
        when the test passes a non-empty literal for ``ids`` (one plain ``for``
        over a parameter, no ``if``), as for a loop's first iteration."""
        for_in = node.for_in
        if for_in.asynchronous is not None or for_in.ifs or for_in.inner_for_in is not None:
            return
        iterated = self._path(for_in.iter)
        if iterated is None or not _iterable(iterated[1]) or iterated[0][0] != "param":
            return
        outer = self.nonempty
        self.nonempty = (*outer, iterated)
        try:
            read()
        finally:
            self.nonempty = outer

    def _scheduler(self, call: cst.Call) -> str:
        func = call.func
        if isinstance(func, cst.Attribute) and func.attr.value in _SCHEDULING_METHODS:
            if not (isinstance(func.value, cst.Name) and self.module.imports.get(func.value.value) == "asyncio"):
                return code(func)  # loop.create_task, task_group.create_task, loop.run_until_complete
        name = code(func) if isinstance(func, (cst.Name, cst.Attribute)) else ""
        head, _, rest = name.partition(".")
        qualified = self.module.imports.get(head)
        full = f"{qualified}.{rest}" if qualified and rest else qualified if qualified else ""
        return full if full in _SCHEDULERS and head not in self.counts else ""

    def _inner_call(self, call: cst.Call, awaited: bool) -> None:
        func = call.func
        callee: Optional[Tuple[str, str]] = None
        if (
            isinstance(func, cst.Attribute)
            and isinstance(func.value, cst.Name)
            and self.self_name is not None
            and func.value.value == self.self_name
        ):
            callee = ("method", func.attr.value)
        elif isinstance(func, cst.Name) and func.value not in self.counts and func.value not in self.params:
            if func.value in self.module.functions or func.value in self.module.once and func.value not in self.module.imports:
                callee = ("function", func.value)
            elif func.value in self.module.imports:
                callee = ("qualified", self.module.imports[func.value])
        if any(a.star for a in call.args):
            return
        args = tuple(self._path(a.value) for a in call.args if a.keyword is None)
        keywords = tuple((a.keyword.value, self._path(a.value)) for a in call.args if a.keyword is not None)
        if callee is not None:
            local = func.value if isinstance(func, cst.Name) else ""
            self.summary.steps.append(_InnerCall(callee, args, keywords, awaited, local))
            return
        if not isinstance(func, cst.Attribute):
            return
        holder = func.value
        if isinstance(holder, cst.Name) and holder.value in self.objects:
            # `client = MatrixClient(session_factory(), homeserver)`, then `client.login(...)`
            cls, made_args, made_keywords = self.objects[holder.value]
            method = ("object", f"{cls}.{func.attr.value}")
            maker = self.makers[holder.value]
            self.summary.steps.append(_InnerCall(method, args, keywords, awaited, "", (made_args, made_keywords), maker))
            return
        found = self._path(holder)
        if found is not None:
            where = Where(self.module, self.module.site(call), self.summary.qualname, nonempty=self.nonempty, guards=self.guards)  # type: ignore[arg-type]
            self.summary.steps.append(ObjectCall(found[0], found[1], func.attr.value, args, keywords, awaited, where))

    def _constructed(self, value: cst.BaseExpression) -> Optional[Tuple[str, Tuple[Passed, ...], Tuple[Tuple[str, Passed], ...]]]:
        """``("pkg.mod.Class", args, keywords)`` for a call of a class (or of a
        factory function) this module defines or imports from its project,
        resolved by ``instance_of`` when the instance is used."""
        if not isinstance(value, cst.Call) or not isinstance(value.func, cst.Name) or any(a.star for a in value.args):
            return None
        name = value.func.value
        if name in self.counts or name in self.params:
            return None
        if name in self.module.imports and name not in self.module.module_imports:
            qualified = self.module.imports[name]
        elif name in self.module.once:  # a class, or a function that may be a factory (see `instance_of`)
            qualified = f"{self.module.dotted}.{name}"
        else:
            return None
        args = tuple(self._path(a.value) for a in value.args if a.keyword is None)
        keywords = tuple((a.keyword.value, self._path(a.value)) for a in value.args if a.keyword is not None)
        return qualified, args, keywords

    def _demand(self, expr: cst.BaseExpression, protocol: Protocol, at: cst.CSTNode, scheduler: str = "") -> None:
        found = self._path(expr)
        if found is None:
            return
        root, path = found
        if protocol is Protocol.DROP and (not path or path[-1] != CALL):
            return
        where = Where(self.module, self.module.site(at), self.summary.qualname, scheduler, nonempty=self.nonempty, guards=self.guards)  # type: ignore[arg-type]
        self.summary.steps.append(Demand(root, path, protocol, where))

    def _path(self, expr: cst.BaseExpression) -> Optional[Tuple[Root, Path]]:
        steps: List[str] = []
        node = expr
        while len(steps) <= _MAX_PATH:
            if isinstance(node, cst.Attribute):
                steps.append(node.attr.value)
                node = node.value
            elif isinstance(node, cst.Call):
                if any(a.star for a in node.args) and isinstance(node.func, cst.Name):
                    return None
                steps.append(CALL)
                node = node.func
            elif isinstance(node, cst.Await):
                if not isinstance(node.expression, cst.Call):
                    return None
                steps.append(AWAIT)
                node = node.expression
            elif isinstance(node, cst.Name):
                return self._rooted(node.value, tuple(reversed(steps)))
            else:
                return None
        return None

    def _rooted(self, name: str, path: Path) -> Optional[Tuple[Root, Path]]:
        if name == self.self_name and name not in self.counts:
            if not path or path[0] in (CALL, AWAIT):
                return None
            return ("self", path[0]), path[1:]
        if name in self.params:
            return ("param", name), path
        if name in self.aliases:
            root, prefix = self.aliases[name]
            return (root, prefix + path) if len(prefix) + len(path) <= _MAX_PATH else None
        if name not in self.counts:
            # a function or class of this module too: a `patch()` of its name replaces it
            return self.module.global_root(name, path)
        return None


def _iterable(path: Path) -> bool:
    """A path a loop's first run can be checked on (``_ITERATED``, or ``order.lines``)."""
    return path in _ITERATED or (len(path) == 1 and path[0] not in (CALL, AWAIT))


def _body(block: cst.BaseSuite) -> Sequence[cst.BaseStatement]:
    return block.body if isinstance(block, cst.IndentedBlock) else ()  # type: ignore[return-value]


def _exits(statement: cst.CSTNode) -> bool:
    """Whether a compound statement may leave the function or loop early."""
    return any(
        isinstance(n, (cst.Return, cst.Raise, cst.Break, cst.Continue))
        for n in descendants(statement, stop_at=(cst.FunctionDef, cst.ClassDef, cst.Lambda))
    )


def _catches_broadly(statement: cst.Try) -> bool:
    for handler in statement.handlers:
        if handler.type is None:
            return True
        kinds = handler.type.elements if isinstance(handler.type, cst.Tuple) else [handler.type]
        for kind in kinds:
            value = kind.value if isinstance(kind, cst.Element) else kind
            name = code(value).rsplit(".", 1)[-1]
            if name in _BROAD_HANDLERS or not name.endswith(("Error", "Exception", "Exit", "Interrupt", "Warning")):
                return True  # broad, or a name mocklint cannot judge
    return False


def _may_suppress(item: cst.BaseExpression) -> bool:
    """A context manager that may swallow the error (``suppress``, ``pytest.raises``...)."""
    func = item.func if isinstance(item, cst.Call) else item
    name = code(func).rsplit(".", 1)[-1].lower() if isinstance(func, (cst.Name, cst.Attribute)) else ""
    return any(word in name for word in ("suppress", "raises", "ignore", "catch", "errors", "warn"))


def _evaluated_children(node: cst.CSTNode) -> List[cst.CSTNode]:
    """The sub-expressions of ``node`` evaluated whenever ``node`` is, in order."""
    if isinstance(node, cst.Await):
        return [node.expression]
    if isinstance(node, cst.Call):
        return [node.func, *(a.value for a in node.args)]
    if isinstance(node, cst.Attribute):
        return [node.value]
    if isinstance(node, cst.Subscript):
        return [node.value]
    if isinstance(node, cst.BooleanOperation):
        return [node.left]
    if isinstance(node, cst.IfExp):
        return [node.test]
    if isinstance(node, cst.BinaryOperation):
        return [node.left, node.right]
    if isinstance(node, cst.UnaryOperation):
        return [node.expression]
    if isinstance(node, cst.Comparison):
        return [node.left, node.comparisons[0].comparator] if node.comparisons else [node.left]
    if isinstance(node, (cst.Tuple, cst.List, cst.Set)):
        return [e.value for e in node.elements]
    if isinstance(node, cst.Dict):
        found: List[cst.CSTNode] = []
        for element in node.elements:
            if isinstance(element, cst.DictElement):
                found.extend((element.key, element.value))
            else:
                found.append(element.value)
        return found
    if isinstance(node, cst.NamedExpr):
        return [node.value]
    if isinstance(node, (cst.ListComp, cst.SetComp, cst.GeneratorExp, cst.DictComp)):
        return [node.for_in.iter] if not isinstance(node, cst.GeneratorExp) else []
    if isinstance(node, cst.FormattedString):
        return [p.expression for p in node.parts if isinstance(p, cst.FormattedStringExpression)]
    return []


# -- transitive demands -------------------------------------------------------------
Step = Union[Demand, ObjectCall]
#: ``("pkg.mod.Class", args, keywords)``: a call that builds an instance (see ``instance_of``)
Made = Tuple[str, Tuple[Passed, ...], Tuple[Tuple[str, Passed], ...]]
_MAX_FACTORY_HOPS = 3


def _expand(summary: FunctionSummary, stack: Tuple[int, ...]) -> Tuple[Step, ...]:
    if summary._expanded is not None:
        return summary._expanded
    if id(summary) in stack or len(stack) > _MAX_CALL_DEPTH:
        return ()
    found: List[Step] = []
    for step in summary.steps:
        if not isinstance(step, _InnerCall):
            found.append(step)
            continue
        resolved = _callee(summary, step)
        if resolved is None:
            continue
        callee, stores = resolved[0], resolved[1]
        if len(resolved) > 2:
            step = resolved[2]  # through a factory: the class's constructor arguments
        if callee.is_async and not step.awaited:
            continue
        patched_as = _patched_as(summary, step, callee)
        for demand in _expand(callee, stack + (id(summary),)):
            mapped = _map(demand, step, callee, stores, patched_as)
            if mapped is not None:
                found.append(mapped)
        if len(found) >= _MAX_DEMANDS:
            break
    result = tuple(found[:_MAX_DEMANDS])
    if not stack:
        summary._expanded = result
    return result


def instance_of(made: Made, directory: str, hops: int = 0) -> Optional[Tuple["ClassSummary", Tuple[Passed, ...], Tuple[Tuple[str, Passed], ...]]]:
    """The project class of what ``made`` builds (``("pkg.Class", args, keywords)``,
    or a factory function that returns one), with the constructor's arguments
    in the terms ``made`` gives them."""
    qualified, args, keywords = made
    target = locate(qualified, directory)
    if isinstance(target, ClassSummary):
        return target, args, keywords
    if hops >= _MAX_FACTORY_HOPS or not isinstance(target, FunctionSummary) or target.made is None:
        return None
    if target.method or target.is_async:
        return None
    inner = instance_of(target.made, os.path.dirname(target.module.path), hops + 1)
    if inner is None:
        return None
    cls, inner_args, inner_keywords = inner

    def given(passed: Passed) -> Passed:
        if passed is None or passed[0][0] == "global":
            return passed
        if passed[0][0] != "param":
            return None
        found = _passed(target.positional, args, keywords, passed[0][1])  # type: ignore[union-attr]
        return (found[0], found[1] + passed[1]) if found is not None and len(found[1]) + len(passed[1]) <= _MAX_PATH else None

    return cls, tuple(given(a) for a in inner_args), tuple((k, given(v)) for k, v in inner_keywords)


def _callee(caller: FunctionSummary, call: _InnerCall) -> Optional[Tuple[Any, ...]]:
    """The function ``call`` runs, and for a method of an instance the caller
    built, that instance's class (whose stores map ``self`` to its arguments),
    and the call with the constructor's arguments when a factory built it."""
    kind, name = call.callee
    module = caller.module
    if kind == "method":
        owner = module.classes.get(caller.qualname.split(".", 1)[0]) if "." in caller.qualname else None
        found = owner.methods.get(name) if owner is not None else None
        return (found, None) if found is not None and found.method else None
    if kind == "function":
        found = module.functions.get(name)
        return (found, None) if found is not None else None
    if kind == "object":
        maker, _, method = name.rpartition(".")
        assert call.made_with is not None
        instance = instance_of((maker, *call.made_with), os.path.dirname(module.path))
        if instance is None:
            return None
        cls, args, keywords = instance
        found = cls.methods.get(method)
        if found is None or not found.method:
            return None
        if (args, keywords) != call.made_with:
            made = replace(call, made_with=(args, keywords))
            return found, cls, made
        return found, cls
    located = locate(name, os.path.dirname(module.path))
    return (located, None) if isinstance(located, FunctionSummary) and not located.method else None


def _passed(params: Sequence[str], args: Sequence[Passed], keywords: Sequence[Tuple[str, Passed]], name: str) -> Passed:
    """The caller's path given for the parameter ``name``, if any."""
    for index, parameter in enumerate(params):
        if parameter == name and index < len(args):
            return args[index]
    for keyword, value in keywords:
        if keyword == name:
            return value
    return None


def _map(
    item: Step, call: _InnerCall, callee: FunctionSummary, cls: Optional["ClassSummary"], patched_as: Tuple[str, ...]
) -> Optional[Step]:
    """``item`` of ``callee`` as the caller sees it: rooted in the caller's own values."""
    mapped = _rerooted((item.root, item.path), call, callee, cls)
    if mapped is None:
        return None
    nonempty = tuple(_rerooted(n, call, callee, cls) for n in item.where.nonempty)
    if any(n is None for n in nonempty):
        return None
    guards = []
    for root, path, op, literal in item.where.guards:
        rerooted = _rerooted((root, path), call, callee, cls)
        if rerooted is None:
            return None
        guards.append((rerooted[0], rerooted[1], op, literal))
    where = replace(
        item.where,
        via=(callee.qualname, *item.where.via),
        through=(*patched_as, *item.where.through),
        nonempty=nonempty,
        guards=tuple(guards),
    )
    if isinstance(item, ObjectCall):
        args = tuple(_rerooted(a, call, callee, cls) if a else None for a in item.args)
        keywords = tuple((k, _rerooted(v, call, callee, cls) if v else None) for k, v in item.keywords)
        return replace(item, root=mapped[0], path=mapped[1], where=where, args=args, keywords=keywords)
    return replace(item, root=mapped[0], path=mapped[1], where=where)


def _patched_as(caller: FunctionSummary, call: _InnerCall, callee: FunctionSummary) -> Tuple[str, ...]:
    """The dotted names whose ``patch()`` keeps what ``call`` runs from running:
    the name as the caller looks it up (a global of the caller's module,
    imported or not), the class attribute a method is (``app.mod.Client.login``),
    and for a method of an instance the caller built, its class or factory."""
    kind, name = call.callee
    if kind == "object":
        return (call.maker, name, f"{callee.module.dotted}.{callee.qualname}")
    if kind == "method":
        return (f"{callee.module.dotted}.{callee.qualname}",)
    return (f"{caller.module.dotted}.{call.local or name}",)


def _rerooted(passed: Tuple[Root, Path], call: _InnerCall, callee: FunctionSummary, cls: Optional["ClassSummary"]) -> Passed:
    """A path of ``callee`` rooted in what the caller gave it, or None."""
    root, path = passed
    if root[0] == "global":
        return passed
    if root[0] == "self":
        if cls is None:
            return passed if call.callee[0] == "method" else None
        init = cls.init
        parameter = cls.stores.get(root[1])
        if init is None or parameter is None or call.made_with is None:
            return None
        given = _passed(init.positional, call.made_with[0], call.made_with[1], parameter)
    else:
        given = _passed(callee.positional, call.args, call.keywords, root[1])
    if given is None or len(given[1]) + len(path) > _MAX_PATH:
        return None
    return given[0], given[1] + path


# -- plain data: what a read gives, as the disk cache keeps it ------------------------
#: the tests a guard may make (``Guard``)
_GUARD_TESTS = frozenset({*_COMPARISONS.values(), "truthy", "falsy"})


def _plain(reader: _ModuleReader) -> Dict[str, Any]:
    """The summaries ``reader`` read, as JSON's plain data (lists, dicts, strings,
    numbers): names as the read writes them (``_HERE``), each demand's node by
    its site number, a guard's literal as written.  ``ModuleSummary.of`` reads
    them back."""

    def root(found: Root) -> List[str]:
        return [found[0], found[1]]

    def rooted(found: Tuple[Root, Path]) -> List[Any]:
        return [root(found[0]), list(found[1])]

    def passed(found: Passed) -> Optional[List[Any]]:
        return rooted(found) if found is not None else None

    def keywords(found: Sequence[Tuple[str, Passed]]) -> List[Any]:
        return [[keyword, passed(value)] for keyword, value in found]

    def where(found: Where) -> List[Any]:
        guards = [[root(r), list(p), op, literal] for r, p, op, literal in found.guards]
        return [found.site, found.function, found.scheduler, [rooted(n) for n in found.nonempty], guards]

    def step(found: Union[Demand, ObjectCall, _InnerCall]) -> List[Any]:
        if isinstance(found, Demand):
            return ["demand", root(found.root), list(found.path), found.protocol.value, where(found.where)]
        if isinstance(found, ObjectCall):
            args = [passed(a) for a in found.args]
            return ["call", root(found.root), list(found.path), found.method, args, keywords(found.keywords), found.awaited, where(found.where)]
        made = [[passed(a) for a in found.made_with[0]], keywords(found.made_with[1])] if found.made_with is not None else None
        args = [passed(a) for a in found.args]
        return ["inner", list(found.callee), args, keywords(found.keywords), found.awaited, found.local, made, found.maker]

    def function(found: FunctionSummary) -> Dict[str, Any]:
        made = found.made
        return {
            "name": found.name,
            "qualname": found.qualname,
            "is_async": found.is_async,
            "positional": list(found.positional),
            "keyword_only": list(found.keyword_only),
            "method": found.method,
            "steps": [step(s) for s in found.steps],
            "made": [made[0], [passed(a) for a in made[1]], keywords(made[2])] if made is not None else None,
            "returns": passed(found.returns),
        }

    return {
        "imports": dict(reader.imports),
        "module_imports": sorted(reader.module_imports),
        "once": sorted(reader.once),
        "functions": [function(f) for f in reader.functions.values()],
        "classes": [
            {"name": c.name, "methods": [function(m) for m in c.methods.values()], "stores": dict(c.stores), "fields": list(c.fields)}
            for c in reader.classes.values()
        ],
        "sites": len(reader.nodes),
        "probed": sorted(reader.probed),
    }


def _as_stored(plain: Dict[str, Any]) -> str:
    return json.dumps(plain, sort_keys=True)


def _texts(value: Any) -> Tuple[str, ...]:
    return tuple(expect(item, str) for item in expect(value, list))


def _path(value: Any) -> Path:
    return _texts(value)


def _literal(text: str) -> object:
    """The value of a literal as written (``"EUR"``, ``3``), as ``literal_value`` reads it."""
    try:
        return ast.literal_eval(text)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return UNKNOWN


# -- finding the project's modules ----------------------------------------------------
#: reads of modules by absolute path and digest of the text (None: not Python libcst
#: parses, or too large): one per file and content, whatever names it is found by
_RECORDS: Dict[Tuple[str, str], Optional[_Record]] = {}
#: the digest each file's text had at a stat, so that a lookup reads no unchanged file again
_DIGESTS: Dict[Tuple[str, int, int, int], str] = {}
_MAX_RECORDS = 256
#: the texts of modules open in an editor, by absolute path (see ``open_buffers``)
_OPEN: Dict[str, str] = {}


def open_buffers(texts: Mapping[str, str]) -> None:
    """Read these texts instead of the files at these paths: the documents open
    in an editor, which the language server knows before they are saved."""
    _OPEN.clear()
    _OPEN.update({os.path.abspath(path): text for path, text in texts.items()})


def module_summary(path: str, dotted: str) -> Optional[ModuleSummary]:
    """The summary of the project module at ``path``, found as ``dotted``.

    Its text is read once per file and content in a process, whatever names it
    is found by, and parsed only when the disk cache (``summary_cache``) has
    no read of that content; a text open in an editor is parsed, never kept on
    disk.  However it was found, the module's file and the files probed while
    reading it are recorded as what the linted file depends on."""
    reads.record(path)
    absolute = os.path.abspath(path)
    text = _OPEN.get(absolute)
    if text is not None:
        key = (absolute, "open " + text_digest(text))
        if key not in _RECORDS:
            _remember(key, _parsed(path, dotted, text) if len(text) <= _MAX_SOURCE else None)
    else:
        found = _file_key(path, absolute)
        if found is None:
            return None
        key, data = found
        if data is not None and key not in _RECORDS:
            _remember(key, _file_record(path, dotted, data))
    record = _RECORDS.get(key)
    if record is None:
        return None
    for probed in record.probed:
        reads.record(probed)
    return record.summary(dotted)


def _file_key(path: str, absolute: str) -> Optional[Tuple[Tuple[str, str], Optional[bytes]]]:
    """The key of the file's current text, with its bytes unless this process
    read that text already (a file unchanged since, by its stat); None when it
    cannot be read (gone, too large, not a regular file)."""
    try:
        status = os.stat(path)
    except OSError:
        return None
    seen = (absolute, status.st_mtime_ns, status.st_size, status.st_ino)
    digest = _DIGESTS.get(seen)
    if digest is not None and (absolute, digest) in _RECORDS:
        return (absolute, digest), None
    try:
        data = read_file(path, _MAX_SOURCE)
    except OSError:  # refused (too large, not a regular file) or unreadable
        return None
    digest = hashlib.sha256(data).hexdigest()
    _DIGESTS[seen] = digest
    return (absolute, digest), data


def _file_record(path: str, dotted: str, data: bytes) -> Optional[_Record]:
    """The read of a file's bytes ``data``: from the disk cache when it has one
    that reads back as the module ``dotted``, else parsed, and kept there."""
    try:
        source = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    cache = summary_cache.current()
    if cache is None:
        return _parsed(path, dotted, source)
    key = cache.key(path, data)
    loaded = cache.load(key, functools.partial(_loaded, path, source, dotted))
    if loaded is not None:
        return loaded
    record = _parsed(path, dotted, source)
    if record is not None:
        dependencies = reads.Dependencies(cache.stamps)
        for probed in record.probed:
            dependencies.add_file(probed)
        cache.store(key, record.plain, dependencies)
    return record


def _loaded(path: str, source: str, dotted: str, plain: Any) -> _Record:
    """The record of a disk cache entry's ``plain`` data, checked by reading it
    back (``ValueError``, ``TypeError`` or ``KeyError`` when it is not sound)."""
    record = _Record(path, source, expect(plain, dict))
    record.summary(dotted)
    return record


def _parsed(path: str, dotted: str, source: str) -> Optional[_Record]:
    try:
        return ModuleSummary(path, dotted, source)._record
    except (cst.ParserSyntaxError, RecursionError, MemoryError, ValueError):
        return None  # not Python mocklint can parse


def _remember(key: Tuple[str, str], record: Optional[_Record]) -> None:
    if len(_RECORDS) >= _MAX_RECORDS:
        _RECORDS.clear()
        _DIGESTS.clear()
    _RECORDS[key] = record


def locate(dotted: str, directory: str) -> Union[FunctionSummary, ClassSummary, None]:
    """The summary of the project function or class ``dotted`` names, seen from ``directory``."""
    from mocklint.analysis.mock_values import targets

    roots = targets.search_roots(directory, installed=False)
    return _locate(dotted, roots, 0)


def _locate(dotted: str, roots: Sequence[str], hops: int) -> Union[FunctionSummary, ClassSummary, None]:
    from mocklint.analysis.mock_values import targets

    if hops > 3:
        return None
    parts = dotted.split(".")
    for split in range(len(parts) - 1, 0, -1):
        module_name = ".".join(parts[:split])
        module_file = targets._module_file(roots, module_name)
        if module_file is None:
            continue
        summary = module_summary(module_file, module_name)
        if summary is None:
            return None
        rest = parts[split:]
        name = rest[0]
        if name in summary.imports and name in summary.once:
            # a re-export: `from .client import MatrixClient`
            return _locate(".".join([summary.imports[name], *rest[1:]]), roots, hops + 1)
        if len(rest) == 1:
            return summary.functions.get(name) or summary.classes.get(name)
        if len(rest) == 2 and name in summary.classes:
            return summary.classes[name].methods.get(rest[1])
        return None
    return None
