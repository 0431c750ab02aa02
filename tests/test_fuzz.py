"""Fuzzing: generated and mutated programs never crash mocklint.

Each example runs the engine (``Engine().lint``) and, when CPython parses the
text, the flake8 adapter the way flake8 calls it (``Plugin(tree, lines,
filename).run()``), and checks that

- no exception escapes and no ``MCK000`` appears (an ``MCK000`` is a bug in
  mocklint: investigate it, then add the input to ``tests/fixtures/crashes/``);
- no call hangs: each is bounded by a per-call timeout (``TIMEOUT`` seconds,
  then a ``Hang`` is raised; a hang inside native code ends the process with
  every thread's traceback after three times as long);
- the positions are inside the file, and flake8 gets exactly the engine's findings.

Programs come from hypothesmith (the Python grammar, and libcst nodes) and
from mutating mocklint's own fixture files (token deletions, truncations,
byte and character insertions, swapped lines, spliced snippets).  Random
programs almost never contain ``pytest.config`` or ``def test_``, so the
generated ones are biased: an import header and snippets that each rule's
gate looks for are spliced in, so that most examples reach libcst and the
rules instead of stopping at the gates.

The default run is short (a few hundred programs, reproducible).  The slow
mode runs ``MOCKLINT_FUZZ_EXAMPLES`` programs in all, spread over the
properties, with a fresh random seed each time::

    MOCKLINT_FUZZ_EXAMPLES=20000 python -m pytest tests/test_fuzz.py

and prints how many programs ran and how many reached libcst.
"""

from __future__ import annotations

import ast
import contextlib
import faulthandler
import math
import os
import re
import signal
import sys
import threading
import warnings
from collections import Counter
from pathlib import Path
from types import ModuleType
from typing import Iterator, List, Optional, Tuple

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mocklint.engine import INTERNAL_ERROR_CODE, Engine
from mocklint.files import SourceError, decode_source
from mocklint.flake8_plugin import Plugin
from mocklint.registry import ALL_RULES
from mocklint.rule import Rule, gate

FIXTURES = Path(__file__).parent / "fixtures"

#: programs in all for the slow mode; 0: the short default run
TOTAL = int(os.environ.get("MOCKLINT_FUZZ_EXAMPLES") or 0)
SLOW = TOTAL > 0
#: the properties below that share TOTAL
PROPERTIES = 3


def examples(default: int) -> int:
    return math.ceil(TOTAL / PROPERTIES) if SLOW else default


def fuzz_settings(default: int) -> settings:
    return settings(
        max_examples=examples(default),
        # the per-call timeout bounds each example; a deadline would only
        # flake on a busy machine
        deadline=None,
        # CI: the same programs every run; slow mode: new ones every run
        derandomize=not SLOW,
        database=None,
        print_blob=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
    )


# -- bounded calls ------------------------------------------------------------
#: seconds one lint call may take; a fuzzed program takes milliseconds
TIMEOUT = 20.0


class Hang(BaseException):
    """Raised by the timer; a BaseException so that the engine's own
    ``except Exception`` cannot turn it into an MCK000."""


@contextlib.contextmanager
def time_limit(seconds: float = TIMEOUT) -> Iterator[None]:
    """Raise :class:`Hang` in the main thread after ``seconds``; as a last
    resort (a hang in native code never returns to Python to see the signal)
    dump every thread's traceback and end the process after ``3 * seconds``."""
    use_alarm = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    if use_alarm:

        def expired(signum: int, frame: object) -> None:
            raise Hang(f"a lint call took more than {seconds} s")

        previous = signal.signal(signal.SIGALRM, expired)
        signal.setitimer(signal.ITIMER_REAL, seconds)
    faulthandler.dump_traceback_later(3 * seconds, exit=True)
    try:
        yield
    finally:
        faulthandler.cancel_dump_traceback_later()
        if use_alarm:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)


# -- the property every example must have -----------------------------------------
ENGINE = Engine()
STATS: Counter = Counter()


def flake8_lines(source: str) -> List[str]:
    """The lines flake8 hands to plugins: read in universal-newline mode,
    split on ``\\n`` only (``str.splitlines`` would also split on ``\\x0c``)."""
    text = source.replace("\r\n", "\n").replace("\r", "\n")
    return re.findall(r"[^\n]*\n|[^\n]+\Z", text)


def check(source: str, path: Optional[str]) -> None:
    """Lint ``source`` with the engine and through the flake8 adapter."""
    STATS["programs"] += 1
    before = ENGINE.parsed_files
    with time_limit():
        result = ENGINE.lint(source, path)
    STATS["reached libcst"] += ENGINE.parsed_files - before
    STATS["findings"] += len(result.diagnostics)
    assert result.internal_error is None, f"mocklint failed: {result.internal_error}\n{source!r}"
    assert all(d.code != INTERNAL_ERROR_CODE for d in result.diagnostics)
    line_count = source.count("\n") + source.count("\r") + 1
    for d in result.diagnostics:
        assert 1 <= d.line <= d.end_line <= line_count, d
        assert d.column >= 0 and (d.end_line, d.end_column) >= (d.line, d.column), d
        assert d.message and "\n" not in d.message, d

    # flake8: the plugin only runs on files CPython parses, with CPython's tree
    lines = flake8_lines(source)
    if lines and lines[0].startswith("\ufeff"):
        lines[0] = lines[0][1:]  # flake8 strips the BOM
    text = "".join(lines)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escapes and the like: flake8's to report
            tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return
    STATS["flake8 adapter runs"] += 1
    filename = path or "stdin"
    with time_limit():
        emitted = list(Plugin(tree, lines, filename).run())
        expected = result if text == source else ENGINE.lint(text, path)
    assert all(not message.startswith(INTERNAL_ERROR_CODE) for _, _, message, _ in emitted), emitted
    assert [(line, column, message) for line, column, message, _ in emitted] == [
        (d.line, d.column, f"{d.code} {d.message}") for d in expected.diagnostics
    ]


@pytest.fixture(scope="module", autouse=True)
def report_counts(request: pytest.FixtureRequest) -> Iterator[None]:
    """Print how many programs ran and reached libcst (the slow mode's receipt);
    with ``MOCKLINT_FUZZ_REPORT=FILE``, also append it to that file."""
    STATS.clear()
    yield
    summary = ", ".join(f"{value} {key}" for key, value in STATS.items())
    line = f"mocklint fuzz: {summary} (python {sys.version.split()[0]})"
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if reporter is not None and capture is not None:
        with capture.global_and_fixture_disabled():
            reporter.write_line("")
            reporter.write_line(line)
    report = os.environ.get("MOCKLINT_FUZZ_REPORT")
    if report:
        with open(report, "a", encoding="utf-8") as handle:
            handle.write(line + "\n")


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project root for the paths rules see (conftest lookups stay inside it)."""
    path = tmp_path_factory.mktemp("fuzz")
    (path / "pyproject.toml").write_text("[tool.mocklint]\n", encoding="utf-8")
    (path / "tests").mkdir()
    return path


PATHS = ["test_fuzz.py", "tests/test_fuzz.py", "conftest.py", "tests/conftest.py", "helpers.py", None]


def paths(root: Path) -> st.SearchStrategy[Optional[str]]:
    return st.sampled_from(PATHS).map(lambda p: None if p is None else str(root / p))


# -- what the rules look at ------------------------------------------------------
HEADER = "import pytest\nfrom unittest import mock\n"

#: one or more snippets per rule family, each valid at module level
SNIPPETS = [
    "def pytest_ignore_collect(path, config):\n    return None\n",
    "def test_raises():\n    with pytest.raises(ValueError, message='expected'):\n        int('x')\n",
    "def test_loop():\n    loop = asyncio.get_event_loop()\n    loop.run_until_complete(asyncio.sleep(0))\n",
    "X = pytest.config\n",
    "if pytest.config.getoption('--slow'):\n    pass\n",
    "@pytest.mark.skipif(not pytest.config.option.slow, reason='slow')\ndef test_c():\n    pass\n",
    "@pytest.fixture\ndef fx():\n    yield 1\n",
    "@pytest.yield_fixture\ndef fy():\n    yield 1\n",
    "@pytest.yield_fixture(scope='module')\ndef fy2():\n    yield 1\n",
    "@pytest.fixture('module')\ndef fz():\n    return 1\n",
    "@pytest.fixture('module', [1, 2], True)\ndef fz2(request):\n    return request.param\n",
    "@pytest.mark.usefixtures('fx')\n@pytest.fixture\ndef fm():\n    return 1\n",
    "@pytest.fixture\n@pytest.mark.parametrize('a', [1])\ndef fm2(a):\n    return a\n",
    "def test_y():\n    yield check, 1\n",
    "def test_y2():\n    for i in range(3):\n        yield i\n",
    "def test_w():\n    with pytest.warns(None):\n        pass\n",
    "def test_w2():\n    with pytest.warns(None) as record:\n        pass\n",
    "def test_s():\n    pytest.skip(msg='x')\n",
    "def test_f():\n    pytest.fail(msg='x')\n    pytest.exit(msg='y')\n",
    "def test_r(request):\n    request.getfuncargvalue('x')\n    request.cached_setup(lambda: 1)\n",
    "def test_n(request):\n    return request.funcargnames\n",
    "def pytest_generate_tests(metafunc):\n    metafunc.addcall(funcargs={})\n    metafunc.funcargnames\n",
    "def pytest_funcarg__thing(request):\n    return 1\n",
    "class TestN:\n    def setup(self):\n        pass\n\n    def teardown(self):\n        pass\n\n"
    "    def test_a(self):\n        pass\n",
    "def setup():\n    pass\n\n\ndef teardown():\n    pass\n\n\ndef test_m():\n    pass\n",
    "assert isinstance(x, pytest.Instance)\n",
    "from pytest import config, yield_fixture, Instance\n",
    "from _pytest.python import Instance as I\n",
    "import pytest as pt\nY = pt.config\n",
    "try:\n    pytest.config\nexcept AttributeError:\n    pass\n",
    "if sys.version_info < (3,):\n    Z = pytest.config\n",
    "if hasattr(pytest, 'config'):\n    Z = pytest.config\n",
    "pytest.config = None\n",
    "del pytest\n",
    "m = mock.Mock()\nm.assert_called_once()\n",
    "m = mock.AsyncMock()\nm.assert_awaited_once()\n",
    "@mock.patch('os.path.exists')\nasync def test_p(m):\n    await m()\n    with m():\n        pass\n",
    "async def test_q():\n    m = mock.MagicMock()\n    await m.run()\n    async with m:\n        pass\n",
    "@mock.patch.object(pytest, 'config')\ndef test_o(c):\n    c.getoption()\n",
    "async def test_a1():\n    session = mock.AsyncMock()\n    async with session.post('u') as r:\n        pass\n",
    "async def test_a2():\n    ws = AsyncMock()\n    async for m in ws.iter():\n        pass\n",
    "async def test_a3():\n    client = MagicMock()\n    await client.get('u')\n"
    "    await asyncio.gather(client.a(), client.b())\n",
    "def test_a4():\n    notifier = mock.AsyncMock()\n    notifier.send('x')\n"
    "    notifier.send.assert_awaited_once()\n",
    "async def test_a5():\n    with mock.patch('json.loads', new_callable=AsyncMock) as loads:\n"
    "        loads()\n        async with loads.stream() as s:\n            pass\n",
    "@pytest.fixture\ndef pool():\n    return AsyncMock()\n\n\nasync def test_a6(pool):\n"
    "    async with pool.acquire() as c:\n        await c\n",
    "from unittest.mock import AsyncMock, MagicMock, Mock, patch\n",
    "pytest_plugins = ['plugins.fixtures', 'pytester']\n",
    "@pytest.mark.usefixtures('missing', 'tmp_path')\ndef test_u(request, undefined_fixture, monkeypatch):\n"
    "    request.getfixturevalue('other')\n",
    "class TestK:\n    @pytest.fixture\n    def own(self):\n        return 1\n\n"
    "    def test_k(self, own, nope):\n        pass\n",
    "class TestL(unittest.TestCase):\n    def setUp(self):\n        self.p = mock.patch('os.getcwd')\n"
    "        self.p.start()\n        patch.object(os, 'sep').start()\n",
    "sys.modules['boto3'] = MagicMock()\n\n\ndef test_l2():\n    os.environ = mock.Mock()\n",
    "def test_m():\n    sender = MagicMock()\n    sender.called_once_with(1)\n    sender.assert_called_once\n",
    "@pytest.fixture\ndef gateway():\n    with patch('os.getcwd') as fake:\n        return fake\n",
]

FUNCTION_HEADS = [
    "def test_gen():\n",
    "async def test_gen():\n",
    "@pytest.fixture\ndef gen(request):\n",
    "def pytest_generate_tests(metafunc):\n",
    "class TestGen:\n    def setup(self):\n        pass\n\n    def test_gen(self):\n",
]


def _indent(code: str, head: str) -> str:
    """``code`` as the body of the function ``head`` opens (its own indentation plus four)."""
    last = head.rstrip("\n").splitlines()[-1]
    prefix = " " * (len(last) - len(last.lstrip()) + 4)
    body = "".join(prefix + line if line.strip() else line for line in code.splitlines(True))
    return head + (body if body.strip() else prefix + "pass\n")


def _top_level_boundaries(code: str) -> List[int]:
    """Offsets of the starts of unindented lines: where a snippet most likely stays valid."""
    offsets = [0]
    for match in re.finditer(r"\n(?=[^ \t\n#])", code):
        offsets.append(match.end())
    offsets.append(len(code))
    return offsets


@st.composite
def biased(draw: st.DrawFn, programs: st.SearchStrategy[str]) -> str:
    """A generated program with the imports and API uses the rules look for."""
    code = draw(programs)
    if code and not code.endswith("\n"):
        code += "\n"
    how = draw(st.sampled_from(["splice", "wrap", "both", "plain"]))
    if how in ("wrap", "both"):
        code = _indent(code, draw(st.sampled_from(FUNCTION_HEADS)))
    if how in ("splice", "both"):
        for snippet in draw(st.lists(st.sampled_from(SNIPPETS), min_size=1, max_size=4)):
            offsets = _top_level_boundaries(code)
            at = draw(st.sampled_from(offsets))
            code = code[:at] + snippet + code[at:]
    if how != "plain" or draw(st.booleans()):
        code = HEADER + code
    return code


# -- mutations of real test files ------------------------------------------------------
def _seeds() -> List[Tuple[str, str]]:
    found = []
    for path in sorted(FIXTURES.rglob("*.py")):
        try:
            found.append((path.relative_to(FIXTURES).as_posix(), decode_source(path.read_bytes())))
        except (OSError, SourceError):  # pragma: no cover - a fixture being written right now
            continue
    return found


SEEDS = _seeds()
TOKEN = re.compile(r"\w+|'[^'\n]*'|\"[^\"\n]*\"|[^\w\s]|[ \t]+|\n")
CHARACTERS = [
    "\x00",
    "\r",
    "\r\n",
    "\x0c",
    "\t",
    "\\",
    "\\\n",
    "\ufeff",
    "\u2028",
    "\x1a",
    "\x85",
    "é",
    "\U0001d518",
    "😀",
    ";",
    ":",
    ",",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    "'",
    '"',
    "'''",
    '"""',
    "#",
    "\n",
    " ",
    "    ",
    "=",
    "@",
    "*",
    "**",
    ".",
    "...",
    "yield ",
    "async ",
    "await ",
    "lambda: ",
    "return ",
    "not ",
    "pytest.",
    "mock.",
    ".config",
    "def ",
    "class ",
    "if x:\n",
    "global x\n",
    "nonlocal x\n",
    "@pytest.fixture\n",
    "f'{",
    "}",
    "b'",
    "u'",
    "r'",
]


def _mutate(source: str, op: str, data: st.DataObject) -> str:
    if op == "delete_token":
        tokens = [m.span() for m in TOKEN.finditer(source)]
        if not tokens:
            return source
        start, end = data.draw(st.sampled_from(tokens))
        return source[:start] + source[end:]
    if op == "truncate":
        return source[: data.draw(st.integers(0, len(source)))]
    if op == "insert_bytes":
        # what a front end would hand over after reading such bytes from disk:
        # the CLI's decoding, or flake8's latin-1 fallback when it fails
        raw = source.encode("utf-8")
        at = data.draw(st.integers(0, len(raw)))
        raw = raw[:at] + data.draw(st.binary(min_size=1, max_size=4)) + raw[at:]
        try:
            return decode_source(raw)
        except SourceError:
            return raw.decode("latin-1")
    if op == "insert_text":
        at = data.draw(st.integers(0, len(source)))
        return source[:at] + data.draw(st.sampled_from(CHARACTERS)) + source[at:]
    if op == "swap_lines":
        lines = source.splitlines(True)
        if len(lines) < 2:
            return source
        i = data.draw(st.integers(0, len(lines) - 1))
        j = data.draw(st.integers(0, len(lines) - 1))
        lines[i], lines[j] = lines[j], lines[i]
        return "".join(lines)
    if op == "duplicate_line":
        lines = source.splitlines(True)
        if not lines:
            return source
        i = data.draw(st.integers(0, len(lines) - 1))
        return "".join(lines[: i + 1] + lines[i:])
    if op == "splice":
        at = data.draw(st.sampled_from(_top_level_boundaries(source)))
        return source[:at] + data.draw(st.sampled_from(SNIPPETS)) + source[at:]
    raise AssertionError(op)  # pragma: no cover


MUTATIONS = ["delete_token", "truncate", "insert_bytes", "insert_text", "swap_lines", "duplicate_line", "splice"]


def _hypothesmith() -> ModuleType:
    """hypothesmith, imported when a property first draws a program: importing it
    builds the Python grammar's parser (seconds), which every pytest-xdist worker
    would otherwise pay while collecting, whether it runs these tests or not."""
    import hypothesmith

    return hypothesmith


# -- the properties ----------------------------------------------------------------
@pytest.mark.skipif(not SLOW, reason="slow mode only; the short run meets them unmutated now and then")
def test_the_seeds_themselves(root: Path) -> None:
    assert len(SEEDS) >= 50, "the fixture files are the mutation seeds"
    for name, source in SEEDS:
        check(source, str(root / "tests" / Path(name).name))


def test_biased_snippets_reach_every_rule() -> None:
    """The bias is worth something only if each rule's gate can open on it."""
    text = HEADER + "".join(SNIPPETS)
    assert [rule.code for rule in ALL_RULES if not rule.gate.search(text)] == []


@fuzz_settings(default=80)
@given(data=st.data(), program=biased(st.deferred(lambda: _hypothesmith().from_grammar())))
def test_programs_from_the_grammar(root: Path, data: st.DataObject, program: str) -> None:
    check(program, data.draw(paths(root)))


@fuzz_settings(default=30)
@given(data=st.data(), program=biased(st.deferred(lambda: _hypothesmith().from_node())))
def test_programs_from_libcst_nodes(root: Path, data: st.DataObject, program: str) -> None:
    check(program, data.draw(paths(root)))


@fuzz_settings(default=200)
@given(
    data=st.data(),
    seed=st.sampled_from(SEEDS) if SEEDS else st.nothing(),
    operations=st.lists(st.sampled_from(MUTATIONS), min_size=0, max_size=5),
)
def test_mutated_fixture_files(root: Path, data: st.DataObject, seed: Tuple[str, str], operations: List[str]) -> None:
    name, source = seed
    for op in operations:
        source = _mutate(source, op, data)
    check(source, str(root / "tests" / Path(name).name))


def test_the_timer_interrupts_a_hang() -> None:
    """The per-call bound works (a Hang escapes the engine's own net)."""
    if not hasattr(signal, "setitimer"):
        pytest.skip("no interval timers on this platform")

    class Sleeper(Rule):
        code = "MCK998"
        name = "sleeper"
        summary = "never returns"
        messages = {"default": "unused"}
        gate = gate(r"pytest")

        def finish(self) -> None:
            while True:
                pass

    engine = Engine(rules=(Sleeper,))
    with pytest.raises(Hang):
        with time_limit(0.2):
            engine.lint("import pytest\nX = pytest.config\n", "test_x.py")
