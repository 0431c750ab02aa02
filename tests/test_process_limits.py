"""What one file, one run or one file name may cost the host: bounded.

- **Workers die with their parent** (issue 20, item 5): ``mocklint -j2``
  killed by SIGTERM or SIGKILL leaves no worker behind, with the kernel's
  parent-death signal and with the portable watchdog alike.
- **Depth as libcst counts it** (item 6): shapes ``ast`` keeps flat or
  shallow but libcst nests (``"a" "b" ...``, ``import a.b.c...``, blocks
  inside ``else:``) never reach libcst past the limit, and
  ``Engine.lint`` never raises, not even for an exception whose text cannot
  be built; the language server keeps publishing.
- **Size** (item 19): a file too large to analyse in bounded time and memory
  gets a note, in the command and in the language server, while large
  ordinary test files are still checked.
- **File names** (item 15): a name that is not valid UTF-8 breaks no output
  format.

Everything that may hang or crash runs in a subprocess with a timeout.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Set, Tuple

import front_ends
import libcst as cst
import pytest
from lsp_client import LspClient
from test_output import assert_valid_sarif, sarif_validator  # noqa: F401 - the fixture

from mocklint.diagnostic import FileResult
from mocklint.engine import MAX_DEPTH, Engine

HEADER = "import pytest\nX = pytest.config\n"  # MCK201 at 2:5 once the file is checked
FINDING = 'import pytest\n\nX = pytest.config.getoption("--slow")\n'  # MCK201 at 3:5

LINUX_PROC = Path("/proc/self/stat").exists()


def _env() -> Dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    return env


def _project(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text("[tool.mocklint]\n", encoding="utf-8")
    return root


# -- realistic test files ---------------------------------------------------------------
TEST_MODULE_HEADER = "from unittest import mock\n\nimport pytest\n\nfrom app import service\n"
MOCK_TESTS = '''

@mock.patch("app.service.client_{i}")
def test_fetch_{i}(client, tmp_path):
    client.get.return_value = {{"id": {i}, "name": "item-{i}"}}
    result = service.fetch({i}, root=tmp_path)
    assert result.name == "item-{i}"
    client.get.assert_called_once_with("/items/{i}")
    client.close.called_once_with()


async def test_async_{i}(monkeypatch):
    fake = mock.AsyncMock(return_value={i})
    monkeypatch.setattr(service, "load_{i}", fake)
    value = await service.load_{i}()
    assert value == {i}
    fake.assert_awaited_once()


class TestThing{i}:
    def test_patch_{i}(self):
        with mock.patch.object(service, "helper_{i}") as helper:
            helper.return_value = [1, 2, 3]
            assert service.run_{i}() == 6
            helper.assert_called_with(mode="fast")
'''  # one MCK403 (`called_once_with`) per block
PLAIN_TESTS = '''

def test_parse_{i}():
    parsed = service.parse("item-{i}", strict=True)
    assert parsed.number == {i}
    assert parsed.name.startswith("item")


def test_render_{i}(tmp_path):
    page = service.render({{"id": {i}}}, root=tmp_path)
    assert "{i}" in page
    assert page.count("<li>") == {i} % 7
'''


def mock_test_module(size: int) -> str:
    """About ``size`` characters of tests that all use mocks (every body is read)."""
    parts, total, i = [TEST_MODULE_HEADER], len(TEST_MODULE_HEADER), 0
    while total < size:
        parts.append(MOCK_TESTS.format(i=i))
        total += len(parts[-1])
        i += 1
    return "".join(parts)


def mostly_plain_test_module(lines: int, every: int) -> str:
    """About ``lines`` lines of tests, one block in ``every`` using mocks."""
    parts, total, i = [TEST_MODULE_HEADER], 0, 0
    while total < lines:
        parts.append((MOCK_TESTS if i % every == 0 else PLAIN_TESTS).format(i=i))
        total += parts[-1].count("\n")
        i += 1
    return "".join(parts)


def data_table_module(rows: int) -> str:
    """A test module whose bulk is one long literal table: few lines, many nodes."""
    row = "    (" + ", ".join(f'"value-{i}", {i}' for i in range(14)) + "),\n"
    return HEADER + "CASES = [\n" + row * rows + "]\n"


# -- 5. workers die with their parent ----------------------------------------------------
PARENT = """
import sys
from mocklint import cli
if sys.argv[1] == "watchdog":
    cli._parent_death_signal = lambda: False  # as on a system without prctl(PR_SET_PDEATHSIG)
sys.exit(cli.main(["-j2", "--no-cache", "--isolated", sys.argv[2]]))
"""


def _stat(pid: int) -> Optional[List[str]]:
    """``/proc/PID/stat`` split after the command name (state first), or None if gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text.rsplit(")", 1)[1].split()


def _group(pgid: int) -> Set[int]:
    """The live (not zombie) processes of process group ``pgid``."""
    found = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            fields = _stat(int(entry))
            if fields is not None and fields[0] != "Z" and int(fields[2]) == pgid:
                found.add(int(entry))
    return found


def _busy(pid: int) -> bool:
    fields = _stat(pid)
    return fields is not None and int(fields[11]) + int(fields[12]) > 20  # utime + stime, in ticks


def _wait_until(predicate: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return predicate()


@pytest.fixture(scope="module")
def busy_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Enough work to keep two workers busy for many seconds."""
    root = _project(tmp_path_factory.mktemp("busy"))
    text = mock_test_module(60_000)
    for number in range(60):
        (root / f"test_busy_{number:02}.py").write_text(text, encoding="utf-8")
    return root


@pytest.mark.skipif(not LINUX_PROC, reason="reads /proc to find the workers")
@pytest.mark.parametrize(
    "how, kill",
    [("prctl", signal.SIGTERM), ("prctl", signal.SIGKILL), ("watchdog", signal.SIGKILL)],
    ids=["sigterm", "sigkill", "sigkill-watchdog"],
)
def test_workers_die_with_their_parent(busy_project: Path, tmp_path: Path, how: str, kill: int) -> None:
    stderr = tmp_path / "stderr"  # a file: a pipe would stay open as long as any orphan lives
    with open(stderr, "wb") as errors:
        parent = subprocess.Popen(
            [sys.executable, "-c", PARENT, how, str(busy_project)],
            cwd=busy_project,
            env=_env(),
            stdout=subprocess.DEVNULL,
            stderr=errors,
            start_new_session=True,  # its own process group: the workers are found by it, and cleaned up
        )
    try:
        workers: Set[int] = set()

        def working() -> bool:
            workers.update(_group(parent.pid) - {parent.pid})
            return sum(_busy(pid) for pid in workers) >= 2

        assert _wait_until(working, 60), f"no two busy workers: {workers}"
        os.kill(parent.pid, kill)
        parent.wait(timeout=30)
        if kill == signal.SIGTERM:  # handled: the pool is stopped, the command exits 143
            assert parent.returncode == 128 + signal.SIGTERM, (parent.returncode, stderr.read_bytes())
        assert _wait_until(lambda: not _group(parent.pid), 10), f"workers left behind: {_group(parent.pid)}"
        assert b"Traceback" not in stderr.read_bytes()
    finally:
        for pid in _group(parent.pid):  # only what this test started, by its group
            os.kill(pid, signal.SIGKILL)
        if parent.poll() is None:
            parent.kill()
            parent.wait(timeout=10)


# -- 6. depth as libcst counts it, and lint never raises ---------------------------------
def _else_if_ladder(levels: int, inner: str) -> str:
    """``levels`` blocks, each in the ``else:`` of the one above (not ``elif``)."""
    lines = []
    for level in range(levels):
        indent = " " * level
        lines.append(f"{indent}if a:\n{indent} pass\n{indent}else:\n")
    return "".join(lines) + " " * levels + inner + "\n"


#: shape -> (deep, shallow): statements CPython accepts whose depth as ``ast``
#: counts it is under the limit, but not as libcst nests them
LIBCST_DEEP = {
    "string_concatenation": lambda n: "Y = " + " ".join(["'a'"] * n),
    "bytes_concatenation": lambda n: "Y = " + " ".join(["b'a'"] * n),
    "fstring_concatenation": lambda n: "Y = " + " ".join(["f'{a}'"] * n),
    "mixed_concatenation_in_a_call": lambda n: "Y = f(" + " ".join(["'a'", "f'b'"] * (n // 2)) + ")",
    "dotted_import": lambda n: "import " + ".".join(["a"] * n),
    "dotted_from_import": lambda n: "from " + ".".join(["a"] * n) + " import b",
    "nested_lists": lambda n: "Y = " + "[" * (n // 5) + "a" + "]" * (n // 5),
    "nested_subscripts": lambda n: "Y = " + "a[" * (n // 5) + "0" + "]" * (n // 5),
    "blocks_in_else": lambda n: _else_if_ladder(n // 10, "Y = " + " + ".join(["a"] * (n // 8))),
}
DEEP, SHALLOW = 950, 100


def _lint(source: str, path: str = "test_deep.py") -> Tuple[Engine, FileResult]:
    engine = Engine()
    return engine, engine.lint(source, path)


@pytest.mark.parametrize("shape", sorted(LIBCST_DEEP))
def test_what_libcst_nests_deeply_never_reaches_it(shape: str) -> None:
    engine, result = _lint(HEADER + LIBCST_DEEP[shape](DEEP) + "\n")
    assert result.parse_error == f"nested more than {MAX_DEPTH} levels deep; mocklint leaves such files alone"
    assert engine.parsed_files == 0  # refused before libcst, not caught failing in it


@pytest.mark.parametrize("shape", sorted(LIBCST_DEEP))
def test_below_the_depth_limit_files_are_still_checked(shape: str) -> None:
    engine, result = _lint(HEADER + LIBCST_DEEP[shape](SHALLOW) + "\n")
    assert result.parse_error is None and result.internal_error is None
    assert [d.code for d in result.diagnostics] == ["MCK201"]


def test_a_deep_signature_of_a_dropped_body_counts() -> None:
    """The body no rule reads is dropped; its ``def`` line still reaches libcst."""
    deep = " ".join(["'a'"] * DEEP)
    engine, result = _lint(HEADER + f"\n\ndef test_other(a={deep}):\n    assert a\n")
    assert "nested more than" in (result.parse_error or "")
    assert engine.parsed_files == 0


def _deep_node() -> cst.CSTNode:
    return cst.parse_module("Y = " + " ".join(["'a'"] * 1000) + "\n").body[0]


class _Unprintable(Exception):
    def __str__(self) -> str:
        raise ValueError("no text")


@pytest.mark.parametrize(
    "make", [lambda: KeyError(_deep_node()), lambda: _Unprintable("x")], ids=["key-error-on-a-deep-node", "bad-str"]
)
def test_internal_error_never_raises(make: Callable[[], Exception]) -> None:
    exc = make()
    try:
        raise exc
    except Exception as raised:  # noqa: BLE001 - with a traceback, as the engine sees it
        result = Engine().internal_error("test_a.py", raised)
    assert result.internal_error and result.internal_error.startswith(type(exc).__name__)
    assert [d.code for d in result.diagnostics] == ["MCK000"]
    assert "\n" not in result.diagnostics[0].message and len(result.diagnostics[0].message) < 400


def test_lint_never_raises_when_the_failure_cannot_be_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    """libcst's position provider, overflowing the stack, raises a KeyError
    holding a statement node from its ``finally``: ``str()`` of it recursed."""
    node = _deep_node()

    def fail(*args: object) -> None:
        raise KeyError(node)

    monkeypatch.setattr(Engine, "_lint", fail)
    result = Engine().lint(HEADER, "test_a.py")
    assert result.internal_error is not None and result.internal_error.startswith("KeyError")


POISONED_SERVER = """
import sys
import libcst
from mocklint import engine, lsp
node = libcst.parse_module("Y = " + " ".join(["'a'"] * 1000) + "\\n").body[0]
original = engine.Engine._lint
def _lint(self, source, path, display, tree):
    if path and path.endswith("test_poison.py"):
        raise KeyError(node)
    return original(self, source, path, display, tree)
engine.Engine._lint = _lint
sys.exit(lsp.main())
"""


def _poison_this_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """What ``POISONED_SERVER`` does, for the server in this process."""
    node = cst.parse_module("Y = " + " ".join(["'a'"] * 1000) + "\n").body[0]
    original = Engine._lint

    def _lint(self: Engine, source: str, path: Optional[str], *args: Any) -> Any:
        if path and path.endswith("test_poison.py"):
            raise KeyError(node)
        return original(self, source, path, *args)

    monkeypatch.setattr(Engine, "_lint", _lint)


@pytest.mark.parametrize("mode", front_ends.MODES)  # the server in this process (everyday), a new one (slow)
def test_language_server_keeps_publishing_after_a_failure_it_cannot_show(
    tmp_path: Path, mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = _project(tmp_path / "project")
    if mode == front_ends.IN_PROCESS:
        _poison_this_process(monkeypatch)
        started = LspClient.start(mode, env=_env())
    else:
        started = LspClient([sys.executable, "-c", POISONED_SERVER], cwd=project, env=_env())
    with started as client:
        client.initialize(project)
        poison = client.open(project / "test_poison.py", HEADER)
        assert [d["code"] for d in client.diagnostics(poison, timeout=30)] == ["MCK000"]
        healthy = client.open(project / "test_ok.py", HEADER)
        assert [d["code"] for d in client.diagnostics(healthy, timeout=30)] == ["MCK201"]
        assert client.close() == 0


# -- 19. size: bounded time and memory ----------------------------------------------------
MEASURED = """
import json, resource, subprocess, sys
done = subprocess.run([sys.executable, "-m", "mocklint", *sys.argv[1:]], capture_output=True, text=True)
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({
    "status": done.returncode, "stdout": done.stdout, "stderr": done.stderr,
    "cpu": usage.ru_utime + usage.ru_stime, "peak_mb": usage.ru_maxrss / 1024,
}))
"""


def _measured(args: Sequence[str], cwd: Path) -> Dict[str, Any]:
    """``python -m mocklint ARGS``, with the CPU time and peak memory it took
    (measured by a fresh parent, so that no other child counts)."""
    done = subprocess.run(
        [sys.executable, "-c", MEASURED, *args], cwd=cwd, env=_env(), capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


LARGE = {
    # the files: 850 KB and 990 KB of tests using mocks (about 31,000 lines);
    # the 850 KB one, the same shape, is the language server's (below)
    "mock_tests_990kb": lambda: mock_test_module(990_000),
    # few lines, many nodes: 4,500 lines took 800 MB
    "data_table_630kb": lambda: data_table_module(4_500),
}


@pytest.mark.slow  # megabyte files, by design
@pytest.mark.skipif(sys.platform == "win32", reason="resource.getrusage")
@pytest.mark.parametrize("name", sorted(LARGE))
def test_a_huge_file_gets_a_note_in_bounded_time_and_memory(tmp_path: Path, name: str) -> None:
    project = _project(tmp_path / "project")
    (project / "test_huge.py").write_text(LARGE[name](), encoding="utf-8")
    (project / "test_small.py").write_text(FINDING, encoding="utf-8")
    run = _measured(["--no-cache", "."], project)
    assert run["status"] == 1, run["stderr"]
    assert run["stdout"].splitlines() == [
        "test_small.py:3:5: MCK201 `pytest.config` raises `AttributeError`: pytest 5.1 removed it"
    ]
    notes = [line for line in run["stderr"].splitlines() if line.startswith("test_huge.py: ")]
    assert len(notes) == 1 and notes[0].startswith("test_huge.py: not checked: "), run["stderr"]
    assert "to bound its time and memory" in notes[0]
    # before the bound: 24-34 s of CPU and 540-800 MB here; now the ast stages only
    assert run["peak_mb"] < 300, run
    assert run["cpu"] < 30, run


@pytest.mark.slow  # megabyte files, by design
def test_large_ordinary_test_files_are_still_checked() -> None:
    """Tens of thousands of lines where some tests use mocks, and a module of
    thousands of lines of mock tests, are analysed in full."""
    long_file = mostly_plain_test_module(24_000, every=6)
    assert long_file.count("\n") > 20_000
    engine, result = _lint(long_file, "test_long.py")
    assert result.parse_error is None, result.parse_error
    assert len(result.diagnostics) == long_file.count(".close.called_once_with(")

    mock_file = mock_test_module(200_000)
    assert mock_file.count("\n") > 6_000
    engine, result = _lint(mock_file, "test_mocks.py")
    assert result.parse_error is None, result.parse_error
    assert len(result.diagnostics) == mock_file.count(".close.called_once_with(")


@pytest.mark.slow  # megabyte files, by design
def test_the_language_server_stays_responsive_on_a_huge_file(tmp_path: Path) -> None:
    project = _project(tmp_path / "project")
    with LspClient([sys.executable, "-m", "mocklint", "lsp"], cwd=project, env=_env()) as client:
        client.initialize(project)
        text = mock_test_module(850_000)
        huge = client.open(project / "test_huge.py", text)
        small = client.open(project / "test_small.py", FINDING)
        assert client.diagnostics(huge, timeout=120) == []
        assert [d["code"] for d in client.diagnostics(small, timeout=120)] == ["MCK201"]
        client.change(huge, text + "\n", 2)
        assert client.diagnostics(huge, timeout=120) == []
        logged = [
            m["params"]["message"]
            for m in client.received
            if m["method"] == "window/logMessage" and "test_huge.py" in m["params"]["message"]
        ]
        assert len(logged) == 1 and "test_huge.py: not checked: " in logged[0], logged
        assert "to bound its time and memory" in logged[0]
        assert client.request("mocklint/stats")["filesParsed"] == 1  # the small file only
        assert client.close() == 0


# -- 15. file names that are not UTF-8 ------------------------------------------------------
BAD_NAME = b"test_\xff.py"


@pytest.fixture()
def badly_named(tmp_path: Path) -> Path:
    if sys.platform in ("win32", "darwin"):
        pytest.skip("the file system refuses names that are not valid UTF-8")
    project = _project(tmp_path / "project")
    try:
        with open(os.path.join(os.fsencode(project), BAD_NAME), "wb") as handle:
            handle.write(HEADER.encode())
        with open(os.path.join(os.fsencode(project), b"test_\xfe_undecodable.py"), "wb") as handle:
            handle.write(b"X = '\xff'\n")
    except OSError as exc:
        pytest.skip(f"cannot create a file named with an invalid UTF-8 byte here: {exc}")
    (project / "test_ok.py").write_text(HEADER, encoding="utf-8")
    return project


def _run_strict(args: Sequence[str], cwd: Path) -> subprocess.CompletedProcess:
    """The command with stdout and stderr strict UTF-8 (a UTF-8 locale's default)."""
    env = dict(_env(), PYTHONIOENCODING="utf-8:strict")
    command = [sys.executable, "-m", "mocklint", "--no-cache", *args]
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, timeout=120)


def _no_lone_surrogates(document: object) -> None:
    """Every string of a JSON document is valid Unicode (jq, node's encodeURI and
    serde reject or mangle lone surrogates)."""
    json.dumps(document, ensure_ascii=False).encode("utf-8")


@pytest.mark.parametrize(
    "format",
    ["text", "github", "json", pytest.param("sarif", marks=pytest.mark.slow)],  # slow: fetches the SARIF schema
)
def test_a_file_name_that_is_not_utf8_breaks_no_format(
    badly_named: Path, format: str, request: pytest.FixtureRequest
) -> None:
    done = _run_strict(["--format", format, "."], badly_named)
    assert done.returncode == 1, done.stderr
    stdout = done.stdout.decode("utf-8")  # valid UTF-8 whatever the names
    assert b"Traceback" not in done.stderr and b"unexpected failure" not in done.stderr, done.stderr
    shown = r"test_\xff.py"
    if format == "text":
        assert sorted(line.split(":")[0] for line in stdout.splitlines()) == [shown, "test_ok.py"]
    elif format == "github":
        assert sorted(re.findall(r"^::error file=([^,]+),", stdout, re.M)) == [shown, "test_ok.py"]
    elif format == "json":
        document = json.loads(stdout)
        _no_lone_surrogates(document)
        assert sorted(d["path"] for d in document["diagnostics"]) == [shown, "test_ok.py"]
    else:
        document = json.loads(stdout)
        _no_lone_surrogates(document)
        assert_valid_sarif(request.getfixturevalue("sarif_validator"), document)
        run = document["runs"][0]
        uris = sorted(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"])
        assert uris == ["test_%FF.py", "test_ok.py"]  # the name's bytes, percent-encoded
        notified = run["invocations"][0]["toolExecutionNotifications"]
        assert [n["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for n in notified] == [
            "test_%FE_undecodable.py"
        ]
        assert notified[0]["message"]["text"].startswith(r"test_\xfe_undecodable.py: skipped: ")


def test_a_file_name_that_is_not_utf8_outside_the_current_folder(badly_named: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    done = _run_strict(["--format", "sarif", str(badly_named)], elsewhere)
    assert done.returncode == 1, done.stderr
    document = json.loads(done.stdout)
    _no_lone_surrogates(document)
    run = document["runs"][0]
    uris = sorted(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"])
    assert uris == [badly_named.as_uri() + "/test_%FF.py", badly_named.as_uri() + "/test_ok.py"]
