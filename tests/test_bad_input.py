"""Bad input, through the real command and through real flake8.

Every case runs the ``mocklint`` command (and, where flake8 reads the file
itself, flake8) and checks that

- nothing crashes: no traceback, no ``MCK000``, no death by a signal;
- each problem is one line on stderr (``PATH: skipped: ...`` or ``PATH: not
  checked: ...``), and the other files' findings are still reported;
- the exit status is the documented one.

Already covered by tests/test_cli.py, and not repeated here: undecodable
files, bad coding cookies, coding cookie/BOM/CRLF/CR equivalence on the
command line, symlink loops and broken links, unreadable folders (simulated),
malformed ``pyproject.toml`` on the command line, stdin decoding and
``--stdin-filename``.  tests/test_flake8.py covers flake8's E999 for a
syntax error.

The cases that take the ``mocklint`` and ``flake8`` fixtures run both front
ends in this process in the everyday set and as ``python -m mocklint`` and
``python -m flake8`` in the ``slow`` set (``front_ends.MODES``).  Files
mocklint once crashed on live in ``tests/fixtures/crashes/``; every one of
them is run here in subprocesses only, because a crash may be a segfault, as
are the cases of a failing rule in every process (``sitecustomize``) and the
deep and huge files (``slow``).
"""

from __future__ import annotations

import ast
import functools
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import front_ends
import pytest

from mocklint.engine import MAX_DEPTH, MAX_SOURCE_CHARS
from mocklint.flake8_plugin import Plugin

CRASHES = Path(__file__).parent / "fixtures" / "crashes"

HEADER = "import pytest\nX = pytest.config\n"  # an MCK201 finding at 2:5 once the file is checked
FINDING = 'import pytest\n\nX = pytest.config.getoption("--slow")\n'  # MCK201 at 3:5

NOTE = re.compile(r"^(?P<path>.+?): (?P<kind>skipped|not checked|internal error): (?P<reason>\S.*)$")
SUMMARY = re.compile(r"^(Found \d+ problems? in \d+ files?\.|All checks passed! \(\d+ files? checked\)|\[\*\] .*|No fixes .*)$")
FINDING_LINE = re.compile(r"^(?P<path>.+?):(?P<line>\d+):(?P<column>\d+): (?P<code>[A-Z]+\d+) ")


# -- running things ------------------------------------------------------------------
def _completed(done: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    return subprocess.CompletedProcess(
        done.args,
        done.returncode,
        done.stdout.decode("utf-8", "replace"),
        done.stderr.decode("utf-8", "replace"),
    )


def run_mocklint(
    args: Sequence[str], cwd: Path, stdin: bytes = b"", timeout: float = 120, mode: str = front_ends.SUBPROCESS
) -> subprocess.CompletedProcess:
    """``python -m mocklint``; the timeout is the bound for hangs."""
    return _completed(front_ends.run("mocklint", args, cwd, stdin, timeout, mode))


def run_flake8(
    args: Sequence[str], cwd: Path, stdin: bytes = b"", timeout: float = 120, mode: str = front_ends.SUBPROCESS
) -> subprocess.CompletedProcess:
    """``python -m flake8 --isolated --select=MCK,E999``: mocklint's codes and syntax errors."""
    return _completed(front_ends.run("flake8", ["--isolated", "--select=MCK,E999", *args], cwd, stdin, timeout, mode))


Run = Callable[..., subprocess.CompletedProcess]


@pytest.fixture(params=front_ends.MODES)
def front(request: pytest.FixtureRequest) -> str:
    """In this process (everyday), or in new processes (slow)."""
    return request.param


@pytest.fixture()
def mocklint(front: str) -> Run:
    return functools.partial(run_mocklint, mode=front)


@pytest.fixture()
def flake8(front: str) -> Run:
    return functools.partial(run_flake8, mode=front)


def write(root: Path, relative: str, content: object = FINDING) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content if isinstance(content, bytes) else str(content).encode("utf-8"))
    return path


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    """A project root whose ``pyproject.toml`` stops the configuration search."""
    (tmp_path / "pyproject.toml").write_text("[tool.mocklint]\n", encoding="utf-8")
    return tmp_path


def findings(stdout: str) -> List[Tuple[str, int, int, str]]:
    """``(path, line, column, code)`` of each text or flake8 line."""
    found = []
    for line in stdout.splitlines():
        match = FINDING_LINE.match(line)
        assert match, f"not a finding: {line!r}"
        found.append((match["path"], int(match["line"]), int(match["column"]), match["code"]))
    return found


def clean_run(done: subprocess.CompletedProcess, *statuses: int) -> Dict[str, Tuple[str, str]]:
    """Check a ``mocklint`` run ended normally; its notes, by path.

    Every stderr line is a one-line note, the summary, or a ``mocklint:``
    message: a traceback or a stray warning fails the test.
    """
    assert done.returncode in statuses, (done.returncode, done.stdout, done.stderr)
    assert "Traceback" not in done.stderr and "MCK000" not in done.stdout, done.stderr
    notes: Dict[str, Tuple[str, str]] = {}
    for line in done.stderr.splitlines():
        if SUMMARY.match(line) or line.startswith("mocklint: "):
            continue
        match = NOTE.match(line)
        assert match, f"stderr line is not a one-line note: {line!r}"
        assert match["kind"] != "internal error", line
        notes[match["path"]] = (match["kind"], match["reason"])
    return notes


def clean_flake8(done: subprocess.CompletedProcess) -> List[Tuple[str, int, int, str]]:
    assert done.returncode in (0, 1), (done.returncode, done.stdout, done.stderr)
    assert "Traceback" not in done.stderr and "mocklint" not in done.stderr, done.stderr
    found = findings(done.stdout)
    assert all(code != "MCK000" for *_, code in found), done.stdout
    return found


# -- syntax errors and Python 2 ----------------------------------------------------------
PYTHON_2 = {
    "print_statement": 'print "hello"\n',
    "except_comma": "try:\n    pass\nexcept ValueError, e:\n    pass\n",
    "backticks": "Y = `X`\n",
    "octal": "Y = 0777\n",
    "exec_statement": 'exec "Y = 1"\n',
    "raise_comma": 'raise ValueError, "no"\n',
    "not_equal": "Y = 1 <> 2\n",
    "ur_prefix": "Y = ur'x'\n",
    "long_suffix": "Y = 10L\n",
    "tabs_and_spaces": "if X:\n\tY = 1\n        Y = 2\n",
}


def test_syntax_errors_and_python_2_files_get_one_note_each(project: Path, mocklint: Run, flake8: Run) -> None:
    for name, body in PYTHON_2.items():
        write(project, f"py2/test_{name}.py", HEADER + body)
    write(project, "py2/test_syntax.py", HEADER + "def f(:\n    pass\n")
    write(project, "py2/test_unclosed.py", HEADER + "Y = (1,\n")
    write(project, "py2/test_ok.py")

    done = mocklint(["py2"], project)
    notes = clean_run(done, 1)
    assert findings(done.stdout) == [("py2/test_ok.py", 3, 5, "MCK201")]
    bad = sorted(f"py2/test_{name}.py" for name in [*PYTHON_2, "syntax", "unclosed"])
    assert sorted(notes) == bad
    for path, (kind, reason) in notes.items():
        where = re.match(r"syntax error for Python 3\.\d+'s grammar at line (\d+): \S", reason)
        assert kind == "not checked" and where and int(where[1]) >= 3, (path, reason)

    found = clean_flake8(flake8(["py2"], project))
    assert sorted((path, code) for path, _, _, code in found) == sorted(
        [(path, "E999") for path in bad] + [("py2/test_ok.py", "MCK201")]
    )


def test_a_conftest_with_a_syntax_error(project: Path, mocklint: Run, flake8: Run) -> None:
    """A broken conftest.py is one note; the tests beside it are still linted,
    and nothing is claimed about what the broken file would have defined."""
    write(project, "tests/conftest.py", "import pytest\n\n@pytest.yield_fixture\ndef db(:\n    return 1\n")
    write(project, "tests/test_a.py", FINDING + "\n\ndef test_db(db):\n    assert db\n")
    done = mocklint(["tests"], project)
    notes = clean_run(done, 1)
    assert findings(done.stdout) == [("tests/test_a.py", 3, 5, "MCK201")]
    assert list(notes) == ["tests/conftest.py"] and notes["tests/conftest.py"][0] == "not checked"
    found = clean_flake8(flake8(["tests"], project))
    assert [(path, code) for path, _, _, code in found] == [
        ("tests/conftest.py", "E999"),
        ("tests/test_a.py", "MCK201"),
    ]


# -- encodings -------------------------------------------------------------------------
def test_encodings_through_flake8(project: Path, mocklint: Run, flake8: Run) -> None:
    """flake8 decodes files itself; mocklint's findings keep their columns.

    (The command line's side of cookies, BOMs and undecodable bytes is in
    tests/test_cli.py.)"""
    source = 'import pytest\nX = "é"; Y = pytest.config.getoption("--slow")\n'
    write(project, "test_utf8.py", source)
    write(project, "test_cookie.py", ("# -*- coding: latin-1 -*-\n" + source).encode("latin-1"))
    write(project, "test_bom.py", b"\xef\xbb\xbf" + source.encode("utf-8"))
    # undeclared latin-1: Python refuses it; flake8 falls back to latin-1 and lints it
    write(project, "test_undeclared.py", source.encode("latin-1"))
    write(project, "test_bom_and_cookie.py", b"\xef\xbb\xbf# coding: latin-1\n" + source.encode("utf-8"))
    if sys.version_info >= (3, 12):  # its null bytes end flake8 itself before (see test_null_bytes)
        write(project, "test_utf16.py", source.encode("utf-16"))
    found = clean_flake8(flake8(["."], project))
    positions = {path: (line, column) for path, line, column, code in found if code == "MCK201"}
    assert positions["./test_utf8.py"] == (2, 14)
    assert positions["./test_bom.py"] == (2, 14)
    assert positions["./test_cookie.py"] == (3, 14)

    done = mocklint(["."], project)
    notes = clean_run(done, 1)
    skipped = ["test_bom_and_cookie.py", "test_undeclared.py"] + ["test_utf16.py"] * (sys.version_info >= (3, 12))
    assert sorted(notes) == skipped
    assert all(kind == "skipped" for kind, _ in notes.values())
    assert sorted(path for path, *_ in findings(done.stdout)) == ["test_bom.py", "test_cookie.py", "test_utf8.py"]


def test_null_bytes(project: Path, mocklint: Run, flake8: Run) -> None:
    write(project, "test_null.py", HEADER.encode() + b"Y = 1\x00\n")
    write(project, "test_null_in_string.py", HEADER.encode() + b"Y = '\x00'\n")
    write(project, "test_ok.py")
    done = mocklint(["."], project)
    notes = clean_run(done, 1)
    assert findings(done.stdout) == [("test_ok.py", 3, 5, "MCK201")]
    assert sorted(notes) == ["test_null.py", "test_null_in_string.py"]
    assert all("null bytes" in reason for _, reason in notes.values()), notes
    # before 3.12, CPython raises ValueError for null bytes, and flake8 itself
    # dies on it in its own ast.parse, before any plugin runs
    if sys.version_info >= (3, 12):
        found = clean_flake8(flake8(["."], project))
        assert ("./test_ok.py", 3, 5, "MCK201") in found
        assert not [f for f in found if f[0] != "./test_ok.py" and f[3].startswith("MCK")]
    # and on stdin
    done = mocklint(["-"], project, stdin=HEADER.encode() + b"\x00")
    assert clean_run(done, 0) == {"<stdin>": ("not checked", notes["test_null.py"][1])}


def test_mixed_line_endings_give_the_same_lines_everywhere(project: Path, mocklint: Run, flake8: Run) -> None:
    write(
        project,
        "test_mixed.py",
        b"import pytest\r\nY = 1\rX = pytest.config\nZ = (\r\n  pytest.config)\r\n\x0cW = pytest.config\n",
    )
    expected = [(3, 5), (5, 3), (6, 5)]  # a form feed resets the column, as in CPython's tokenizer
    done = mocklint(["test_mixed.py"], project)
    clean_run(done, 1)
    assert [(line, column) for _, line, column, _ in findings(done.stdout)] == expected
    found = clean_flake8(flake8(["test_mixed.py"], project))
    assert [(line, column) for _, line, column, _ in found] == expected


def test_empty_and_almost_empty_files(project: Path, mocklint: Run, flake8: Run) -> None:
    write(project, "test_empty.py", b"")
    write(project, "test_bom_only.py", b"\xef\xbb\xbf")
    write(project, "test_blank.py", b"\n\n   \n\t\n")
    write(project, "test_comment.py", b"# import pytest; pytest.config")
    write(project, "test_crlf_only.py", b"\r\n\r\n")
    write(project, "test_no_final_newline.py", b"import pytest\nX = pytest.config")
    done = mocklint(["."], project)
    assert clean_run(done, 1) == {}
    assert findings(done.stdout) == [("test_no_final_newline.py", 2, 5, "MCK201")]
    found = clean_flake8(flake8(["."], project))
    assert [f for f in found if f[3].startswith("MCK")] == [("./test_no_final_newline.py", 2, 5, "MCK201")]
    done = mocklint(["-"], project, stdin=b"")
    assert (clean_run(done, 0), done.stdout) == ({}, "")


# -- size and depth ----------------------------------------------------------------------
@pytest.mark.slow  # a megabyte input, by design
def test_a_50_megabyte_file(project: Path) -> None:
    """Finishes (within the subprocess timeout), with a note, and the
    other files are linted as usual."""
    block = (
        "\n\ndef test_case_{}(request):\n"
        "    value = request.config.getoption('--slow')\n"
        "    assert value in (True, False, None), 'x' * 40\n"
    )
    chunk = "".join(block.format(i) for i in range(1000))
    count = 50_000_000 // len(chunk) + 1
    with open(project / "test_huge.py", "w", encoding="utf-8") as handle:
        handle.write(HEADER)
        for _ in range(count):
            handle.write(chunk)
    assert (project / "test_huge.py").stat().st_size > 50_000_000
    write(project, "test_ok.py")
    done = run_mocklint(["."], project, timeout=300)
    notes = clean_run(done, 1)
    assert findings(done.stdout) == [("test_ok.py", 3, 5, "MCK201")]
    kind, reason = notes["test_huge.py"]
    assert kind == "not checked" and "more than the" in reason, reason

    # flake8 would parse it for its own checks first; the plugin's side is the
    # same engine limit, checked here without the cost (a tree is not used)
    source = (project / "test_huge.py").read_text(encoding="utf-8")
    assert len(source) > MAX_SOURCE_CHARS
    assert list(Plugin(ast.Module(body=[], type_ignores=[]), source.splitlines(True), "test_huge.py").run()) == []


DEPTH = 1000
DEEP_SHAPES = {
    "parentheses": lambda n: "Y = " + "(" * n + "a" + ")" * n,
    "lists": lambda n: "Y = " + "[" * n + "a" + "]" * n,
    "attributes": lambda n: "Y = a" + ".b" * n,
    "plus_chain": lambda n: "Y = " + " + ".join(["a"] * n),
    "power_chain": lambda n: "Y = " + " ** ".join(["a"] * n),
    "and_chain": lambda n: "Y = " + " and ".join(["a"] * n),
    "string_concatenation": lambda n: "Y = " + " ".join(["'a'"] * n),
    "comprehension_fors": lambda n: "Y = [a " + " ".join(f"for a{i} in b" for i in range(n)) + "]",
    "unary": lambda n: "Y = " + "-" * n + "a",
    "not": lambda n: "Y = " + "not " * n + "a",
    "calls": lambda n: "Y = f" + "()" * n,
    "subscripts": lambda n: "Y = a" + "[0]" * n,
    "lambdas": lambda n: "Y = " + "lambda: " * n + "a",
    "conditionals": lambda n: "Y = " + "a if b else " * n + "a",
    "elif": lambda n: "if a:\n    pass\n" + "elif a:\n    pass\n" * n,
    "indentation": lambda n: "".join(" " * i + "if a:\n" for i in range(n)) + " " * n + "pass",
}
#: shapes on which pyflakes itself overflows the recursion limit (its
#: failure, which flake8 reports before mocklint's turn)
PYFLAKES_OVERFLOWS = {
    "attributes",
    "plus_chain",
    "power_chain",
    "unary",
    "not",
    "calls",
    "subscripts",
    "conditionals",
    "elif",
}

ADAPTER = """
import ast, json, sys, tokenize
from mocklint.flake8_plugin import Plugin
out = {}
for path in sys.argv[1:]:
    with tokenize.open(path) as handle:
        lines = handle.readlines()
    try:
        tree = ast.parse("".join(lines))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        continue
    out[path] = [message.split()[0] for _, _, message, _ in Plugin(tree, lines, path).run()]
print(json.dumps(out))
"""


@pytest.mark.slow  # deep trees, by design
def test_deep_nesting(project: Path) -> None:
    """1,000 levels of every shape: a note each, never a crash; just below
    the limit mocklint still reports or leaves a note."""
    names = []
    for shape, make in DEEP_SHAPES.items():
        for depth in (MAX_DEPTH - 10, DEPTH):
            names.append(f"test_{shape}_{depth}.py")
            write(project, names[-1], HEADER + make(depth) + "\n")
    done = run_mocklint(["."], project)
    notes = clean_run(done, 0, 1)
    reported = {path for path, *_ in findings(done.stdout)}
    assert all(code == "MCK201" for *_, code in findings(done.stdout))
    for name in names:
        assert (name in reported) != (name in notes), name  # a finding or a note, never both or neither
        if name.endswith(f"_{DEPTH}.py"):
            assert name in notes, name

    # flake8's adapter, as flake8 calls it, in a child process (a segfault
    # would end the child, not this test run)
    child = subprocess.run(
        [sys.executable, "-c", ADAPTER, *names], cwd=project, capture_output=True, text=True, timeout=120
    )
    assert child.returncode == 0, child.stderr
    emitted = json.loads(child.stdout)
    assert all(codes in ([], ["MCK201"]) for codes in emitted.values()), emitted
    # and real flake8 on the shapes pyflakes survives
    survivors = [name for name in names if not any(name.startswith(f"test_{s}_") for s in PYFLAKES_OVERFLOWS)]
    clean_flake8(run_flake8(survivors, project))


@pytest.mark.parametrize("path", sorted(CRASHES.glob("*.py")), ids=lambda p: p.name)
def test_files_mocklint_once_crashed_on(path: Path, project: Path) -> None:
    """Each file in tests/fixtures/crashes/ once crashed mocklint: now the
    command and flake8 finish normally on it."""
    target = write(project, f"tests/{path.name}", path.read_bytes())
    done = run_mocklint([str(target.relative_to(project))], project)
    clean_run(done, 0, 1)
    clean_flake8(run_flake8([str(target.relative_to(project))], project))


# -- the project around the files ----------------------------------------------------------
def test_circular_imports_between_conftests_and_helpers(project: Path, mocklint: Run, flake8: Run) -> None:
    (project / "pytest.ini").write_text("[pytest]\naddopts = -p plugins.a\n", encoding="utf-8")
    write(
        project,
        "conftest.py",
        "from helpers import *\nimport tests.conftest\npytest_plugins = ['helpers', 'plugins.a']\n",
    )
    write(
        project,
        "helpers.py",
        "import pytest\nfrom conftest import *\nimport helpers\n\n\n@pytest.fixture\ndef helper():\n    return 1\n",
    )
    write(project, "plugins/__init__.py", "")
    write(project, "plugins/a.py", "from plugins.b import *\npytest_plugins = ['plugins.b']\n")
    write(
        project,
        "plugins/b.py",
        "import pytest\nfrom plugins.a import *\npytest_plugins = ['plugins.a', 'plugins.b']\n\n\n"
        "@pytest.fixture\ndef plugged():\n    return 2\n",
    )
    write(project, "tests/__init__.py", "")
    write(
        project,
        "tests/conftest.py",
        "from conftest import *\nfrom tests.conftest import *\npytest_plugins = ['tests.conftest']\n",
    )
    write(
        project, "tests/test_a.py", FINDING + "\n\ndef test_uses(helper, plugged):\n    assert helper + plugged == 3\n"
    )
    done = mocklint(["."], project)
    assert clean_run(done, 1) == {}
    assert findings(done.stdout) == [("tests/test_a.py", 3, 5, "MCK201")]
    found = clean_flake8(flake8(["."], project))
    assert [f for f in found if f[3].startswith("MCK")] == [("./tests/test_a.py", 3, 5, "MCK201")]


def _unreadable(path: Path) -> Optional[str]:
    """Make ``path`` a file that exists but cannot be read; None if impossible here."""
    if hasattr(os, "geteuid") and os.geteuid() != 0:
        path.write_text("import pytest\nX = pytest.config\n", encoding="utf-8")
        path.chmod(0)
        return "Permission denied"
    # root reads any file; a file whose read fails with EIO is unreadable to root too
    if sys.platform.startswith("linux") and os.path.exists("/proc/self/mem"):
        path.symlink_to("/proc/self/mem")
        return "Input/output error"
    return None


def test_unreadable_files_in_a_linted_folder(project: Path, mocklint: Run) -> None:
    """Real file-system errors (tests/test_cli.py simulates them in-process)."""
    (project / "tests").mkdir()
    reason = _unreadable(project / "tests" / "test_secret.py")
    if reason is None:
        pytest.skip("cannot make an unreadable file here (root, and no /proc/self/mem)")
    _unreadable(project / "tests" / "conftest.py")  # the project model must cope too
    write(project, "tests/test_a.py", FINDING + "\n\ndef test_db(db):\n    assert db\n")
    done = mocklint(["tests"], project)
    notes = clean_run(done, 1)
    assert findings(done.stdout) == [("tests/test_a.py", 3, 5, "MCK201")]
    assert notes == {
        "tests/conftest.py": ("skipped", f"cannot read: {reason}"),
        "tests/test_secret.py": ("skipped", f"cannot read: {reason}"),
    }


MALFORMED_PYTEST_CONFIGURATION = [
    ("pytest.ini", "[pytest\naddopts = -p\n"),
    ("pytest.ini", b"\xff\xfe\x00garbage\x00"),
    ("pytest.ini", "[pytest]\naddopts = -p 'unclosed\npython_files = [\n"),
    ("tox.ini", "[pytest]\n  = \n[[[\n"),
    ("setup.cfg", "[tool:pytest]\npython_files\n"),
    ("pyproject.toml", "[tool.pytest.ini_options]\naddopts = 3\npython_files = {a = 1}\n"),
    ("pyproject.toml", "[tool.pytest]\nminversion = []\n"),
    ("pyproject.toml", "[tool.pytest.ini_options\n"),
    ("pytest.ini", None),  # a folder named pytest.ini
]


def test_malformed_pytest_configuration(project: Path, mocklint: Run, flake8: Run) -> None:
    """mocklint reads pytest's configuration as text and never fails on it:
    the findings that do not depend on it are still reported.  (Each case is
    a folder of its own, found as its rootdir, so two runs cover them all.)"""
    expected = []
    for index, (name, content) in enumerate(MALFORMED_PYTEST_CONFIGURATION):
        if content is None:
            (project / f"case{index}" / name).mkdir(parents=True)
        else:
            write(project, f"case{index}/{name}", content)
        write(project, f"case{index}/tests/test_a.py")
        expected.append((f"case{index}/tests/test_a.py", 3, 5, "MCK201"))
    done = mocklint(["."], project)
    assert clean_run(done, 1) == {}
    assert findings(done.stdout) == expected
    found = clean_flake8(flake8(["."], project))
    assert sorted(found) == [(f"./{path}", *rest) for path, *rest in expected]


def test_no_configuration_at_all(tmp_path: Path, mocklint: Run) -> None:
    write(tmp_path, "tests/test_a.py")
    done = mocklint(["tests"], tmp_path)
    assert clean_run(done, 1) == {}
    assert findings(done.stdout) == [("tests/test_a.py", 3, 5, "MCK201")]


def test_a_malformed_pyproject_does_not_affect_flake8(project: Path, mocklint: Run, flake8: Run) -> None:
    """Under flake8, ``[tool.mocklint]`` is not read (the command line's side,
    exit 2 with one line, is in tests/test_cli.py)."""
    (project / "pyproject.toml").write_text("[tool.mocklint\nselect = 3\n", encoding="utf-8")
    write(project, "tests/test_a.py")
    assert clean_flake8(flake8(["tests"], project)) == [("tests/test_a.py", 3, 5, "MCK201")]
    done = mocklint(["tests"], project)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and "invalid TOML" in done.stderr


def test_paths_outside_the_current_folder(project: Path, mocklint: Run, flake8: Run) -> None:
    """Paths are printed as given, and rules judge a file by where it is,
    not by where mocklint was started."""
    write(project, "tests/test_a.py")
    legacy = "import pytest\n\n\ndef pytest_configure(config):\n    pytest.config = config\n"
    write(project, "legacy/conftest.py", legacy)
    write(project, "legacy/test_old.py")  # silent: its conftest sets pytest.config
    (project / "elsewhere").mkdir()
    done = mocklint(["../tests", "../legacy", str(project / "tests" / "test_a.py")], project / "elsewhere")
    assert clean_run(done, 1) == {}
    assert findings(done.stdout) == [("../tests/test_a.py", 3, 5, "MCK201")]  # the absolute path is the same file
    found = clean_flake8(flake8(["../tests", "../legacy"], project / "elsewhere"))
    assert found == [("../tests/test_a.py", 3, 5, "MCK201")]


def test_stdin_with_bad_input(project: Path, mocklint: Run, flake8: Run) -> None:
    done = mocklint(["-"], project, stdin=HEADER.encode() + b"def f(:\n")
    grammar = f"Python {sys.version_info[0]}.{sys.version_info[1]}'s grammar"
    assert clean_run(done, 0) == {"<stdin>": ("not checked", f"syntax error for {grammar} at line 3: invalid syntax")}
    done = mocklint(["-", "--stdin-filename", "tests/conftest.py"], project, stdin=b"\xef\xbb\xbf# coding: latin-1\n")
    assert list(clean_run(done, 0)) == ["tests/conftest.py"]
    found = clean_flake8(
        flake8(["--stdin-display-name", "tests/test_x.py", "-"], project, stdin=HEADER.encode() + b"Y = (\n")
    )
    assert [code for *_, code in found] == ["E999"]


# -- internal errors: loud but contained --------------------------------------------------
#: Installed through ``sitecustomize`` in every process of a run (flake8's and
#: mocklint's workers included, whatever their start method): a rule that
#: fails on files saying BOOM, standing for a bug in mocklint.
SITECUSTOMIZE = """
import mocklint.registry
from mocklint.rule import Rule, gate


class Bomb(Rule):
    code = "MCK999"
    name = "bomb"
    summary = "fails"
    messages = {"default": "unused"}
    gate = gate(r"BOOM")

    def finish(self):
        raise RuntimeError("boom")


mocklint.registry.ALL_RULES = mocklint.registry.ALL_RULES + (Bomb,)
"""

ISSUE_LINE = re.compile(
    r"^test_boom\.py:1:1: MCK000 mocklint failed on this file \(RuntimeError: boom at \S+:\d+\); "
    r"please report it with the file that triggers it$"
)


@pytest.fixture()
def bomb(project: Path, tmp_path_factory: pytest.TempPathFactory) -> Dict[str, str]:
    """A project with one failing file among good ones; the environment that fails it."""
    site = tmp_path_factory.mktemp("site")
    (site / "sitecustomize.py").write_text(SITECUSTOMIZE, encoding="utf-8")
    write(project, "test_a.py")
    write(project, "test_boom.py", FINDING + "BOOM = 1\n")
    write(project, "test_c.py", FINDING + "Y = pytest.config\n")
    path = os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH")]))
    return dict(os.environ, PYTHONPATH=path)


@pytest.mark.parametrize("jobs", ["1", pytest.param("2", marks=pytest.mark.slow)])  # slow: -j2 worker processes
def test_one_failing_file_is_one_mck000_and_the_run_goes_on(project: Path, bomb: Dict[str, str], jobs: str) -> None:
    command = [sys.executable, "-m", "mocklint", "-j", jobs, "."]
    done = _completed(subprocess.run(command, cwd=project, env=bomb, capture_output=True, timeout=120))
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert "Traceback" not in done.stderr
    lines = done.stdout.splitlines()
    assert [line for line in lines if "MCK000" in line] == [lines[1]]
    assert ISSUE_LINE.match(lines[1]), lines[1]
    assert [(path, line, code) for path, line, _, code in findings(done.stdout)] == [
        ("test_a.py", 3, "MCK201"),
        ("test_boom.py", 1, "MCK000"),
        ("test_c.py", 3, "MCK201"),
        ("test_c.py", 4, "MCK201"),
    ]
    assert "test_boom.py: internal error: RuntimeError: boom\n" in done.stderr

    # the machine-readable formats say the run failed
    command[-1:] = ["--format", "sarif", "."]
    done = _completed(subprocess.run(command, cwd=project, env=bomb, capture_output=True, timeout=120))
    document = json.loads(done.stdout)
    assert done.returncode == 2 and document["runs"][0]["invocations"][0]["executionSuccessful"] is False
    assert [r["ruleId"] for r in document["runs"][0]["results"]].count("MCK000") == 1


@pytest.mark.parametrize("jobs", ["1", pytest.param("2", marks=pytest.mark.slow)])  # slow: -j2 worker processes
def test_one_failing_file_under_flake8(project: Path, bomb: Dict[str, str], jobs: str) -> None:
    command = [sys.executable, "-m", "flake8", "--isolated", "--select=MCK", f"--jobs={jobs}", "."]
    done = _completed(subprocess.run(command, cwd=project, env=bomb, capture_output=True, timeout=120))
    assert done.returncode == 1 and "Traceback" not in done.stderr, (done.stdout, done.stderr)
    assert [(path, line, code) for path, line, _, code in findings(done.stdout)] == [
        ("./test_a.py", 3, "MCK201"),
        ("./test_boom.py", 1, "MCK000"),
        ("./test_c.py", 3, "MCK201"),
        ("./test_c.py", 4, "MCK201"),
    ]
    assert "RuntimeError: boom" in done.stdout and "please report it" in done.stdout
