"""Every regular expression mocklint runs takes time linear in its input (issue #20, item 1).

mocklint searches user files with regular expressions before any parse (the
rules' gates), and after it (``# noqa`` comments, conftest.py files, imported
modules).  One pattern that backtracks exponentially hangs the command, flake8
and the language server on a single file: MCK204's gate was
``[(,]\\s*(?:#[^\\n]*\\s*)*msg\\s*=(?!=)``, where a ``(`` followed by a comment
of 24 ``#`` took 6 s, 30 half an hour, and CPython's own ``zipimport.py``
never finished.  A quadratic one does the same on a long enough line (a line
repeating ``warns(#`` made every ``warns(`` rescan the rest of it).

The tests find every pattern the package runs, with no list to keep up to date:

- the compiled patterns reachable from module globals and class attributes
  (a rule's ``gate`` and ``body_gate`` keep theirs in closures);
- the patterns built in functions (``re.search(rf"\\b{name}...", text)``),
  found in the source with ``ast`` and rebuilt with a sample identifier for
  each value only known at run time;

and time each on inputs of 50,000 characters built from the pattern's own
atoms: a run of each character it names, its literal words and each prefix of
its literal skeleton repeated (``warns(#warns(#...``), and each prefix followed
by a run of one character (``(`` then 50,000 ``#``).  A linear pattern takes
milliseconds; the bound is one second.  The slowest input is then taken ten
times longer, with a bound of two seconds: a quadratic pattern, a few tenths
of a second on 50,000 characters, takes a hundred times longer.  A pattern only
ever called as ``.match`` (it is tried at one position) is timed with
``match``, every other one with ``search``, which retries at each position.

Then the exact reproduction of the issue goes through the whole engine in a
subprocess with a timeout, and the patterns rewritten to be linear are checked
to match exactly the texts their exponential or quadratic originals matched.
"""

from __future__ import annotations

import ast
import builtins
import contextlib
import faulthandler
import functools
import importlib
import itertools
import json
import random
import re
import signal
import subprocess
import sys
import sysconfig
import textwrap
import threading
import time
from collections import Counter, deque
from pathlib import Path
from typing import Any, Callable, Deque, Dict, Iterator, List, Optional, Sequence, Set, Tuple

import pytest

import mocklint
from mocklint.analysis.pytest_model import fixture_defs, plugin_fixtures
from mocklint.analysis.mock_values import leaks
from mocklint.rules import patcher_started_without_stop, pytest_msg_keyword
from mocklint.rules.fixture_positional_arguments import FixturePositionalArguments
from mocklint.rules.pytest_config_global import PytestConfigGlobal
from mocklint.rules.pytest_warns_none import PytestWarnsNone

try:  # Python 3.11+
    from re import _parser as sre_parse  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - Python 3.10
    import sre_parse  # type: ignore[no-redef]

#: characters of each adversarial input, and the seconds one search (or match) may take on it:
#: a linear pattern takes milliseconds, an exponential one forever
SIZE, BOUND = 50_000, 1.0
#: the slowest input of each pattern again, ten times longer: a linear pattern takes ten times
#: longer, a quadratic one a hundred (seconds on a megabyte, which the first bound can miss)
LARGE, LARGE_BOUND = 500_000, 2.0


# -- finding the patterns --------------------------------------------------------------
def _modules() -> List[Any]:
    """Every module of the package (``mocklint.analysis`` is a namespace
    package, which ``pkgutil.walk_packages`` does not enter), but one whose
    optional dependency is not installed (the language server's)."""
    root = Path(mocklint.__file__).parent
    names = sorted(
        ".".join(("mocklint", *path.relative_to(root).with_suffix("").parts)).replace(".__init__", "")
        for path in root.rglob("*.py")
    )
    modules = []
    for name in names:
        try:
            modules.append(importlib.import_module(name))
        except ModuleNotFoundError as exc:
            if (exc.name or "mocklint").split(".")[0] == "mocklint":
                raise
    return modules


MODULES = _modules()


@functools.lru_cache(maxsize=None)
def _tree(path: str) -> ast.Module:
    return ast.parse(Path(path).read_text(encoding="utf-8"))


def _ours(value: object) -> bool:
    return str(getattr(value, "__module__", None) or type(value).__module__).startswith("mocklint")


def _reachable_patterns(value: object, seen: Set[int]) -> Iterator["re.Pattern[str]"]:
    """The compiled patterns held by ``value``: itself, the parts of a gate,
    the cells of a closure of the package (``rule._matcher`` keeps its
    patterns there), the pattern of a bound ``pattern.search``."""
    if id(value) in seen:
        return
    seen.add(id(value))
    if isinstance(value, re.Pattern):
        yield value
    elif isinstance(value, (tuple, list, set, frozenset)):
        for item in value:
            yield from _reachable_patterns(item, seen)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _reachable_patterns(item, seen)
    elif isinstance(value, type):
        return
    elif getattr(value, "__closure__", None) and _ours(value):
        for cell in value.__closure__:  # type: ignore[attr-defined]
            with contextlib.suppress(ValueError):  # an empty cell
                yield from _reachable_patterns(cell.cell_contents, seen)
    elif hasattr(value, "__self__") and (isinstance(value.__self__, re.Pattern) or _ours(value.__self__)):
        yield from _reachable_patterns(value.__self__, seen)  # a bound method: `exact.search`
    elif type(value).__module__.startswith("mocklint"):
        names = [*getattr(type(value), "__slots__", ()), *getattr(value, "__dict__", {})]
        for name in names:
            if hasattr(value, name):
                yield from _reachable_patterns(getattr(value, name), seen)


def _live_patterns() -> Dict[Tuple[str, int], Tuple[str, "re.Pattern[str]"]]:
    """(pattern, flags) -> (where it was found, the compiled pattern)."""
    found: Dict[Tuple[str, int], Tuple[str, "re.Pattern[str]"]] = {}
    for module in MODULES:
        for name, value in vars(module).items():
            holders = [(f"{module.__name__}.{name}", value)]
            if isinstance(value, type) and value.__module__ == module.__name__:
                holders += [(f"{module.__name__}.{name}.{attr}", item) for attr, item in vars(value).items()]
            for where, holder in holders:
                for pattern in _reachable_patterns(holder, set()):
                    found.setdefault((pattern.pattern, pattern.flags), (where, pattern))
    return found


class _Sample(str):
    """A value only known at run time (a name in the linted file): an
    identifier, whatever attribute of it the expression reads."""

    def __getattr__(self, name: str) -> "_Sample":
        return self


SAMPLE = _Sample("ab")

#: the ``re`` functions that take a pattern first, and the position of their flags
_RE_FUNCTIONS = {
    "compile": 1,
    "search": 2,
    "match": 2,
    "fullmatch": 2,
    "findall": 2,
    "finditer": 2,
    "split": 3,
    "sub": 4,
    "subn": 4,
}


class _Scope(dict):  # type: ignore[type-arg]
    """The locals an expression of the package is evaluated with: the simple
    assignments of its function, evaluated in turn; any other name that is not
    a module global is a run-time value (``SAMPLE``)."""

    def __init__(self, module: Any, assignments: Dict[str, ast.expr], path: str) -> None:
        super().__init__()
        self.module, self.assignments, self.path = module, assignments, path

    def __missing__(self, name: str) -> object:
        if name in self.assignments:
            expression = self.assignments.pop(name)  # popped: a self-referring assignment ends here
            self[name] = _evaluate(expression, self)
            return self[name]
        if name in vars(self.module) or hasattr(builtins, name):
            raise KeyError(name)
        return SAMPLE


def _evaluate(expression: ast.expr, scope: _Scope) -> object:
    code = compile(ast.Expression(expression), scope.path, "eval")
    return eval(code, vars(scope.module), scope)  # noqa: S307 - the package's own expressions


def _assignments(function: ast.AST) -> Dict[str, ast.expr]:
    found: Dict[str, ast.expr] = {}
    for node in ast.walk(function):
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            found.setdefault(node.targets[0].id, node.value)
        elif isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Tuple):
            if isinstance(node.value, ast.Tuple) and len(node.value.elts) == len(node.targets[0].elts):
                for target, value in zip(node.targets[0].elts, node.value.elts):
                    if isinstance(target, ast.Name):
                        found.setdefault(target.id, value)
    return found


def _calls(tree: ast.AST) -> Iterator[Tuple[ast.Call, Optional[ast.AST]]]:
    """Each call in ``tree``, in ``ast.walk``'s order, with the innermost function
    holding it (its decorators and defaults included), in one walk."""
    todo: Deque[Tuple[ast.AST, Optional[ast.AST]]] = deque([(tree, None)])
    while todo:
        node, function = todo.popleft()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            function = node
        todo.extend((child, function) for child in ast.iter_child_nodes(node))
        if isinstance(node, ast.Call):
            yield node, function


def _built_patterns() -> Dict[Tuple[str, int], Tuple[str, Optional[str]]]:
    """(pattern, flags) -> (where, how it is used) for every call
    ``re.<function>(pattern, ...)`` in the package's source: "match",
    "search", or None for ``re.compile`` (its result's use is not followed)."""
    found: Dict[Tuple[str, int], Tuple[str, Optional[str]]] = {}
    for module in MODULES:
        path = module.__file__
        for node, function in _calls(_tree(path)):
            if not (
                isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "re"
                and node.func.attr in _RE_FUNCTIONS
                and node.args
            ):
                continue
            where = f"{module.__name__}:{node.lineno}"
            scope = _Scope(module, _assignments(function) if function else {}, path)
            try:
                pattern = _evaluate(node.args[0], scope)
            except Exception as exc:  # pragma: no cover - a new kind of expression
                pytest.fail(f"{where}: cannot rebuild the pattern of this call ({exc!r}); teach {__name__} how")
            assert isinstance(pattern, str), f"{where}: {pattern!r}"
            flags: object = 0
            position = _RE_FUNCTIONS[node.func.attr]
            given = [k.value for k in node.keywords if k.arg == "flags"] or node.args[position:position + 1]
            if given:
                with contextlib.suppress(Exception):
                    flags = _evaluate(given[0], _Scope(module, _assignments(function) if function else {}, path))
            flags = int(flags) if isinstance(flags, int) else 0  # a parameter: 0 stands for any
            mode = {"compile": None, "match": "match", "fullmatch": "match"}.get(node.func.attr, "search")
            key = (str(pattern), re.compile(str(pattern), flags).flags)  # with the implied re.UNICODE
            if key not in found or mode == "search":
                found[key] = (where, mode)
    return found


def _match_only(pattern: "re.Pattern[str]") -> bool:
    """Whether every use of the globals bound to ``pattern`` is ``name.match(...)``
    (or ``fullmatch``): such a pattern is tried at the one position given."""
    uses = matches = 0
    for module in MODULES:
        names = {name for name, value in vars(module).items() if value is pattern}
        if not names:
            continue
        loads, matched = _name_uses(module.__file__)
        uses += sum(loads[name] for name in names)
        matches += sum(matched[name] for name in names)
    return uses > 0 and uses == matches


@functools.lru_cache(maxsize=None)
def _name_uses(path: str) -> Tuple["Counter[str]", "Counter[str]"]:
    """How often each name is read in the module, and how often as ``name.match``
    (or ``fullmatch``): one walk of each module for every pattern asked about."""
    loads: Counter[str] = Counter()
    matched: Counter[str] = Counter()
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            loads[node.id] += 1
        elif (
            isinstance(node, ast.Attribute)
            and node.attr in ("match", "fullmatch")
            and isinstance(node.value, ast.Name)
        ):
            matched[node.value.id] += 1
    return loads, matched


def _all_patterns() -> List[Tuple[str, "re.Pattern[str]", str]]:
    """(where, compiled pattern, "match" or "search") for every pattern of the package."""
    patterns: Dict[Tuple[str, int], Tuple[str, str]] = {}
    for key, (where, pattern) in _live_patterns().items():
        patterns[key] = (where, "match" if _match_only(pattern) else "search")
    for key, (where, built_mode) in _built_patterns().items():
        if key not in patterns or built_mode == "search":
            patterns[key] = (where, built_mode or "search")  # a compiled one of unknown use: searched
    return [(where, re.compile(text, flags), mode) for (text, flags), (where, mode) in sorted(patterns.items())]


PATTERNS = _all_patterns()


def test_the_search_finds_the_patterns() -> None:
    """The collection sees the gates (in closures), the module constants and
    the patterns built at run time, or the timing below proves nothing."""
    texts = {pattern.pattern for _, pattern, _ in PATTERNS}
    assert pytest_msg_keyword._KEYWORD in texts  # a gate part, only in closures
    assert fixture_defs.FIXTURE_LIKE.pattern in texts  # a module constant
    assert any(text.startswith(r"\bab[ \t]*") and text.endswith(r"patch\b") for text in texts)  # built from a name


# -- adversarial inputs ------------------------------------------------------------------
#: the characters an input may be made of, in order of preference for a class's representative
_UNIVERSE = " \n#(,)=:.a_\t0xA!'\"\\@-*$\r\x0c"
_CATEGORIES = {
    "CATEGORY_DIGIT": r"\d",
    "CATEGORY_NOT_DIGIT": r"\D",
    "CATEGORY_SPACE": r"\s",
    "CATEGORY_NOT_SPACE": r"\S",
    "CATEGORY_WORD": r"\w",
    "CATEGORY_NOT_WORD": r"\W",
}


def _in_class(items: Sequence[Tuple[Any, Any]], char: str) -> bool:
    negate, member = False, False
    for op, value in items:
        kind = op.name
        if kind == "NEGATE":
            negate = True
        elif kind == "LITERAL":
            member = member or char == chr(value)
        elif kind == "RANGE":
            member = member or value[0] <= ord(char) <= value[1]
        elif kind == "CATEGORY":
            member = member or re.match(_CATEGORIES.get(value.name, r"(?!)"), char) is not None
    return member != negate


def _representatives(op: Any, value: Any) -> str:
    """Up to three characters a one-character node matches (spaces and newlines first)."""
    kind = op.name
    if kind == "LITERAL":
        return chr(value)
    if kind == "NOT_LITERAL":
        return next(c for c in _UNIVERSE if c != chr(value))
    if kind == "ANY":
        return "a"
    items = value if kind == "IN" else [(op, value)]
    return "".join(c for c in _UNIVERSE if _in_class(items, c))[:3]


class _Atoms:
    """What a parsed pattern is made of: its characters, its literal words and
    its skeletons (paths through it, each repetition taken once; a run of
    literal characters is one step of a path)."""

    def __init__(self, text: str, flags: int) -> None:
        self.chars: Set[str] = {" ", "\n"}
        self.words: Set[str] = set()
        self.anchored_end = False
        self.paths = [p for p in self._paths(sre_parse.parse(text, flags)) if p][:24]

    def _paths(self, nodes: Any) -> List[List[str]]:
        paths: List[List[str]] = [[]]
        word = ""
        for op, value in [*nodes, (None, None)]:
            kind = op.name if op is not None else None
            if kind == "LITERAL":
                word += chr(value)
                self.chars.add(chr(value))
                continue
            options: List[List[str]] = [[word]] if word else [[]]
            if len(word) > 1:
                self.words.add(word)
            word = ""
            paths = [path + option for path, option in itertools.product(paths, options)][:64]
            if kind in ("NOT_LITERAL", "IN", "ANY", "CATEGORY"):
                chars = _representatives(op, value)
                self.chars.update(chars)
                options = [[chars[:1]]]
            elif kind == "SUBPATTERN":
                options = self._paths(value[-1])
            elif kind == "ATOMIC_GROUP":
                options = self._paths(value)
            elif kind == "BRANCH":
                options = [path for branch in value[1] for path in self._paths(branch)]
            elif kind in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
                options = self._paths(value[2])
            elif kind in ("ASSERT", "ASSERT_NOT"):
                self._paths(value[1])  # its characters and words count; it consumes nothing
                options = [[]]
            elif kind == "GROUPREF_EXISTS":
                options = self._paths(value[1]) + (self._paths(value[2]) if value[2] else [[]])
            else:  # AT, GROUPREF, the end
                if kind == "AT" and value.name in ("AT_END", "AT_END_STRING", "AT_END_LINE"):
                    self.anchored_end = True
                options = [[]]
            paths = [path + option for path, option in itertools.product(paths, options)][:64]
        return paths


_Input = Tuple[str, Callable[[int], str]]


def _run(char: str) -> _Input:
    return f"{char!r} * n", lambda size: char * size


def _repeated(unit: str, ending: str = "") -> _Input:
    def make(size: int) -> str:
        return (unit * (size // len(unit) + 1))[:size] + ending

    return f"{unit!r} repeated, then {ending!r}", make


def _then_run(unit: str, char: str) -> _Input:
    return f"{unit!r} then {char!r} * n", lambda size: unit + char * size


def adversarial_inputs(pattern: "re.Pattern[str]") -> Iterator[_Input]:
    """(description, text of a given size) pairs built from the pattern's atoms."""
    atoms = _Atoms(pattern.pattern, pattern.flags)
    breaker = next(c for c in "!\x00~" if c not in atoms.chars)
    endings = ("", breaker) if atoms.anchored_end else ("",)
    for char in sorted(atoms.chars | set(" \t\n#(),")):
        yield _run(char)
    for word in sorted(w for w in atoms.words if w):  # (a class of surrogates has no printable word)
        yield _repeated(word)
        yield _repeated(word + " ")
    units = sorted({"".join(path[:k]) for path in atoms.paths for k in range(1, len(path) + 1)} - {""})
    for unit in units:
        for separator, ending in itertools.product(("", " ", "\n"), endings):
            yield _repeated(unit + separator, ending)
        for char in sorted(atoms.chars):
            yield _then_run(unit, char)


# -- timing ----------------------------------------------------------------------------------
class Hang(BaseException):
    """Raised by the timer in the middle of a search (``re`` checks for signals)."""


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise :class:`Hang` after ``seconds``; as a last resort (no interval
    timers) dump the tracebacks and end the process after ``60 * seconds``."""
    use_alarm = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    if use_alarm:

        def expired(signum: int, frame: object) -> None:
            raise Hang()

        previous = signal.signal(signal.SIGALRM, expired)
        signal.setitimer(signal.ITIMER_REAL, seconds)
    faulthandler.dump_traceback_later(60 * seconds, exit=True)
    try:
        yield
    finally:
        faulthandler.cancel_dump_traceback_later()
        if use_alarm:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)


def _seconds(run: Callable[[str], object], text: str, bound: float) -> float:
    """The processor time ``run(text)`` took (other processes slowing this one
    down do not count), or infinity when stopped after three times the bound."""
    start = time.process_time()
    try:
        with time_limit(3 * bound):
            run(text)
    except Hang:
        return float("inf")
    return time.process_time() - start


def _slowest(pattern: "re.Pattern[str]", mode: str) -> Tuple[float, str]:
    """(seconds, on what) for the first search (or match) over BOUND, or for the
    slowest one taken again at LARGE characters when that is over LARGE_BOUND;
    (0.0, "") when neither is."""
    run: Callable[[str], object] = pattern.search if mode == "search" else pattern.match
    worst: Tuple[float, Optional[_Input]] = (-1.0, None)
    for found in adversarial_inputs(pattern):
        seconds = _seconds(run, found[1](SIZE), BOUND)
        if seconds > BOUND:
            return seconds, f"{found[0]} (n = {SIZE})"
        worst = max(worst, (seconds, found), key=lambda pair: pair[0])
    description, make = worst[1]  # type: ignore[misc]
    seconds = _seconds(run, make(LARGE), LARGE_BOUND)
    return (seconds, f"{description} (n = {LARGE})") if seconds > LARGE_BOUND else (0.0, "")


@pytest.mark.parametrize(("where", "pattern", "mode"), PATTERNS, ids=[f"{w}:{p.pattern[:40]}" for w, p, _ in PATTERNS])
def test_pattern_is_linear(where: str, pattern: "re.Pattern[str]", mode: str) -> None:
    seconds, on = _slowest(pattern, mode)
    assert not on, f"{where}: {mode} of {pattern.pattern!r} took {seconds:.2f} s on {on}"


@pytest.mark.slow  # each case searches until a pattern takes seconds, by design
@pytest.mark.parametrize(
    ("pattern", "mode"),
    [
        pytest.param(r"[(,]\s*(?:#[^\n]*\s*)*msg\s*=(?!=)", "search", id="the-issue-exponential-gate"),
        pytest.param(r"\s*#x", "search", id="search-retried-in-a-run-of-spaces"),
        pytest.param(r"\bwarns\s*\(\s*(?:#[^\n]*\n\s*)*None\b", "search", id="a-line-of-warns(#-quadratic"),
    ],
)
def test_the_timing_catches_a_slow_pattern(pattern: str, mode: str) -> None:
    """The inputs expose each shape of blow-up this module was written for
    (MCK204's and MCK203's gates as they were, and ``\\s*`` before a literal)."""
    assert _slowest(re.compile(pattern), mode)[1]


def test_the_timing_passes_an_anchored_match() -> None:
    assert not _slowest(re.compile(r"\s*#x"), "match")[1]


# -- the whole engine ------------------------------------------------------------------------
_LINT = """
import json, sys
from mocklint.engine import Engine
result = Engine().lint(sys.stdin.read(), sys.argv[1])
print(json.dumps({
    "found": [[d.code, d.line] for d in result.diagnostics],
    "parse_error": result.parse_error,
    "internal_error": result.internal_error,
}))
"""


def _lint_in_subprocess(source: str, path: str, cwd: Path, timeout: float = 60.0) -> Dict[str, Any]:
    try:
        done = subprocess.run(
            [sys.executable, "-c", _LINT, path],
            input=source,
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=timeout,
            cwd=cwd,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"linting {path} took more than {timeout:.0f} s")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_issue_reproduction_lints_in_time(tmp_path: Path) -> None:
    """A file that mentions ``msg =`` and ``pytest.skip``, with a ``(``
    followed by a comment of 40 ``#``: the gate tried 2**39 ways to split the
    comment before the engine could go on."""
    source = textwrap.dedent(
        """\
        import pytest

        msg = "Linux only"


        def test_linux_only():
            pytest.skip(  ########################################
                msg,
            )


        def test_windows_only():
            pytest.fail(msg="Windows only")
        """
    )
    assert "(  " + "#" * 40 + "\n" in source
    result = _lint_in_subprocess(source, "test_platforms.py", tmp_path)
    assert result == {"found": [["MCK204", 13]], "parse_error": None, "internal_error": None}


_CPYTHON_FILES = [
    Path(sysconfig.get_paths()["stdlib"]) / "zipimport.py",
    Path(sysconfig.get_paths()["stdlib"]) / "test" / "test_descr.py",
]


@pytest.mark.parametrize("path", _CPYTHON_FILES, ids=[p.name for p in _CPYTHON_FILES])
def test_cpython_files_from_the_issue_lint_in_time(path: Path, tmp_path: Path) -> None:
    """The issue's real files (CPython's own, when this Python ships them as source)."""
    if not path.is_file():
        pytest.skip(f"{path} is not in this Python's library")
    result = _lint_in_subprocess(path.read_text(encoding="utf-8"), path.name, tmp_path)
    assert result["internal_error"] is None


# -- the rewritten patterns match what their originals matched ---------------------------------
#: the tokens random texts are made of, for each pattern compared
_MSG_TOKENS = ["(", ",", "#", " ", "\n", "msg=", "msg", "=", "x", "m", "\t", "msg =", "=="]
_WARNS_TOKENS = ["warns(", "warns", "(", "#", "\n", " ", "None", "x", "w", "a"]
_FIXTURE_TOKENS = ["fixture(", "fixture", "yield_", "(", "#", "\n", " ", ")", "*", "a=", "x", "f", "=="]
_FROM_TOKENS = ["from pytest import", "from", " ", "pytest", "import", "\n", "config", "(", "\\", "x", "f"]
_ASSIGN_TOKENS = ["ab", ":", "=", " ", "\n", "patch", "Mock(", "x", "a", ".", "\t", "b"]
_FIXTURE_LIKE_TOKENS = ["fixture", "FIXTURE", "_", "a", "!", "\n", "fix", "ture", " ", "1"]


def _texts(tokens: Sequence[str], count: int = 60_000, longest: int = 24) -> Iterator[str]:
    """Every text of up to three tokens, then ``count`` random ones (seeded)."""
    for size in range(4):
        for combination in itertools.product(tokens, repeat=size):
            yield "".join(combination)
    rng = random.Random(20)
    for _ in range(count):
        yield "".join(rng.choice(tokens) for _ in range(rng.randint(0, longest)))


def _same_texts(before: Callable[[str], object], after: Callable[[str], object], tokens: Sequence[str]) -> None:
    with time_limit(120):
        for text in _texts(tokens):
            assert bool(after(text)) == bool(before(text)), f"{text!r}: matched {bool(before(text))} before"


def test_msg_keyword_gate_matches_what_it_matched() -> None:
    """MCK204's ``msg=`` after ``(`` or ``,``, past comments (a comment between
    still matches, ``msg ==`` does not), exactly as the exponential original."""
    before = re.compile(r"[(,]\s*(?:#[^\n]*\s*)*msg\s*=(?!=)").search
    _same_texts(before, re.compile(pytest_msg_keyword._KEYWORD).search, _MSG_TOKENS)
    assert re.search(pytest_msg_keyword._KEYWORD, "pytest.skip(  # why\n    msg='x')")
    assert not re.search(pytest_msg_keyword._KEYWORD, "f(msg == 'x')")


def test_warns_none_gate_matches_what_it_matched() -> None:
    before = re.compile(r"\bwarns\s*\(\s*(?:#[^\n]*\n\s*)*None\b").search
    _same_texts(before, PytestWarnsNone.gate.parts[0], _WARNS_TOKENS)


def test_fixture_positional_gate_matches_what_it_matched() -> None:
    before = re.compile(
        r"fixture(?:(?<!\wfixture)|(?<=yield_fixture))\s*\(\s*(?:#[^\n]*\n\s*)*(?![)*#\s]|\w+\s*=(?!=))"
    ).search
    _same_texts(before, FixturePositionalArguments.gate.parts[0], _FIXTURE_TOKENS)


def test_pytest_config_gate_matches_what_it_matched() -> None:
    before = re.compile(r"\bfrom\s+pytest\s+import\b[^\n]*(?:\bconfig\b|\(|\\)").search
    _same_texts(before, PytestConfigGlobal.gate.parts[2], _FROM_TOKENS)


def test_assignment_scans_match_what_they_matched() -> None:
    """``name = patch(...)`` and ``name: T = MagicMock(...)`` on one line."""
    assigned = patcher_started_without_stop._assigned_a_patch
    patched = re.compile(r"\bab[ \t]*(?::[^=\n]*)?=[ \t]*[\w.]*patch\b").search
    _same_texts(patched, lambda text: assigned("ab", text), _ASSIGN_TOKENS)
    # `(a or b).start()`: no name, where every word ends a candidate
    patched = re.compile(r"\b[ \t]*(?::[^=\n]*)?=[ \t]*[\w.]*patch\b").search
    _same_texts(patched, lambda text: assigned("", text), _ASSIGN_TOKENS)
    mocked = re.compile(r"\bab[ \t]*(?::[^=\n]*)?=[ \t]*[\w.]*(?:Mock|create_autospec)\(").search
    _same_texts(mocked, re.compile(leaks.ASSIGNS_A_MOCK.format(name="ab")).search, _ASSIGN_TOKENS)


def test_fixture_like_names_match_what_they_matched() -> None:
    before = re.compile(r"^\w*?_?fixture(?:_\w+)?$", re.IGNORECASE).match
    _same_texts(before, fixture_defs.FIXTURE_LIKE.match, _FIXTURE_LIKE_TOKENS)
    _same_texts(before, plugin_fixtures._FIXTURE_LIKE.match, _FIXTURE_LIKE_TOKENS)
