"""What the file system can throw at mocklint: FIFOs, devices, huge files,
symlinked folders leading out of the project or round in circles, ``testpaths``
globs over the whole machine, a ``pyproject.toml`` too deep for Python's TOML
reader, and bytes Python cannot decode (issue #20, items 2, 3, 4, 16 and 20).

Every case runs the command and flake8 in processes of their own, in a
session of their own with a memory limit, so that a hang is a test failure
after ``HANG`` seconds (the whole group killed), and a read that never ends a
``MemoryError`` instead of the machine's memory: children forked from the test
process in the everyday set, ``python -m mocklint`` and ``python -m flake8``
in the ``slow`` set (``front_ends.ISOLATED_MODES``).  When mocklint behaves,
each run takes its start-up time and little more.
"""

from __future__ import annotations

import glob
import os
import subprocess
import sys
from pathlib import Path
from typing import Callable, List, Sequence, Tuple

import front_ends
import pytest

from test_bad_input import clean_run as notes_of  # a run that ended normally: its notes, by path
from test_bad_input import findings

from mocklint import engine, files
from mocklint.analysis.pytest_model import project, pytest_config

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="FIFOs, devices and symlinks as on POSIX")

#: seconds: every case finishes in a few, a hang is what fails
HANG = 60
#: bytes of address space for each subprocess: a read of /dev/zero fails fast
MEMORY = 2 << 30

FINDING = 'import pytest\n\nX = pytest.config.getoption("--slow")\n'  # MCK201 at 3:5
MISSING = "def test_b(nosuch):\n    assert nosuch\n"  # MCK301 at 1:12 (no conftest defines it)


# -- running things ------------------------------------------------------------------
def _limits() -> None:  # pragma: no cover - runs in the child
    import resource

    try:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))
    except (ValueError, OSError):  # not every system lets a process lower it (macOS)
        pass


def _run(program: str, args: Sequence[str], cwd: Path, stdin: bytes, mode: str) -> subprocess.CompletedProcess:
    try:
        done = front_ends.run(program, args, cwd, stdin, timeout=HANG, mode=mode, limits=_limits)
    except subprocess.TimeoutExpired:
        pytest.fail(f"{program} {' '.join(args)} still running after {HANG} s ({mode})")
    return subprocess.CompletedProcess(
        done.args, done.returncode, done.stdout.decode("utf-8", "replace"), done.stderr.decode("utf-8", "replace")
    )


Run = Callable[..., subprocess.CompletedProcess]


@pytest.fixture(params=front_ends.ISOLATED_MODES)
def front(request: pytest.FixtureRequest) -> str:
    """Forked from this process (everyday), or new processes (slow)."""
    return request.param


@pytest.fixture()
def mocklint(front: str) -> Run:
    def run(args: Sequence[str], cwd: Path, stdin: bytes = b"") -> subprocess.CompletedProcess:
        return _run("mocklint", ["--no-cache", *args], cwd, stdin, front)

    return run


@pytest.fixture()
def flake8(front: str) -> Run:
    def run(args: Sequence[str], cwd: Path, stdin: bytes = b"") -> subprocess.CompletedProcess:
        return _run("flake8", ["--isolated", "--select=MCK,E999", *args], cwd, stdin, front)

    return run


def flake8_findings(done: subprocess.CompletedProcess) -> List[Tuple[str, int, int, str]]:
    assert done.returncode in (0, 1), (done.returncode, done.stdout, done.stderr)
    assert "Traceback" not in done.stderr, done.stderr
    found = findings(done.stdout)
    assert all(code != "MCK000" for *_, code in found), done.stdout
    return found


def write(root: Path, relative: str, content: object = FINDING) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content if isinstance(content, bytes) else str(content).encode("utf-8"))
    return path


@pytest.fixture()
def project_dir(tmp_path: Path) -> Path:
    """A project root whose ``pyproject.toml`` stops the configuration search."""
    root = tmp_path / "project"
    root.mkdir()
    (root / "pyproject.toml").write_text("[tool.mocklint]\n", encoding="utf-8")
    return root


# -- item 2: FIFOs, devices and huge files ---------------------------------------------------
def test_a_fifo_named_conftest_py_blocks_nothing(project_dir: Path, mocklint: Run, flake8: Run) -> None:
    write(project_dir, "tests/test_a.py")
    os.mkfifo(project_dir / "tests" / "conftest.py")
    done = mocklint(["tests"], project_dir)
    assert notes_of(done, 1) == {"tests/conftest.py": ("skipped", "not a regular file (a named pipe)")}
    assert findings(done.stdout) == [("tests/test_a.py", 3, 5, "MCK201")]
    assert flake8_findings(flake8(["tests/test_a.py"], project_dir)) == [("tests/test_a.py", 3, 5, "MCK201")]


def test_a_fifo_module_read_for_a_fixture_message(project_dir: Path, mocklint: Run, flake8: Run) -> None:
    """MCK301's message searches every project file for the fixture; a FIFO
    among them (or named on the command line) is not read."""
    write(project_dir, "tests/test_a.py", FINDING + "\n\n" + MISSING)
    os.mkfifo(project_dir / "tests" / "helpers.py")
    os.mkfifo(project_dir / "tests" / "test_pipe.py")
    done = mocklint(["tests/test_a.py", "tests/test_pipe.py"], project_dir)
    assert notes_of(done, 1) == {"tests/test_pipe.py": ("skipped", "not a regular file (a named pipe)")}
    assert [(path, code) for path, _, _, code in findings(done.stdout)] == [
        ("tests/test_a.py", "MCK201"),
        ("tests/test_a.py", "MCK301"),
    ]
    found = flake8_findings(flake8(["tests/test_a.py"], project_dir))
    assert [code for *_, code in found] == ["MCK201", "MCK301"]


def test_a_conftest_linked_to_dev_zero(project_dir: Path, mocklint: Run, flake8: Run) -> None:
    if not os.path.exists("/dev/zero"):
        pytest.skip("no /dev/zero")
    write(project_dir, "tests/test_a.py")
    os.symlink("/dev/zero", project_dir / "tests" / "conftest.py")
    done = mocklint(["tests"], project_dir)
    assert notes_of(done, 1) == {"tests/conftest.py": ("skipped", "not a regular file (a character device)")}
    assert findings(done.stdout) == [("tests/test_a.py", 3, 5, "MCK201")]
    done = mocklint(["tests/conftest.py"], project_dir)  # named on the command line
    assert notes_of(done, 0) == {"tests/conftest.py": ("skipped", "not a regular file (a character device)")}
    assert flake8_findings(flake8(["tests/test_a.py"], project_dir)) == [("tests/test_a.py", 3, 5, "MCK201")]


@pytest.mark.slow  # megabyte files, by design
def test_a_huge_conftest_is_never_read(project_dir: Path, mocklint: Run, flake8: Run) -> None:
    """A (sparse) conftest.py larger than the memory the run may use: refused
    unread, by the command's own read and by the project model's."""
    write(project_dir, "tests/test_a.py")
    with open(project_dir / "tests" / "conftest.py", "wb") as handle:
        handle.truncate(MEMORY + (1 << 30))
    done = mocklint(["tests"], project_dir)
    notes = notes_of(done, 1)
    size = (MEMORY + (1 << 30)) / 1e6
    assert notes == {"tests/conftest.py": ("not checked", f"{size:.1f} MB, more than the 4 MB mocklint reads")}
    assert findings(done.stdout) == [("tests/test_a.py", 3, 5, "MCK201")]
    assert flake8_findings(flake8(["tests/test_a.py"], project_dir)) == [("tests/test_a.py", 3, 5, "MCK201")]


def test_the_read_cap_admits_every_file_the_engine_analyses() -> None:
    """No encoding Python source may use takes more than four bytes a character."""
    assert files.MAX_FILE_BYTES >= 4 * engine.MAX_SOURCE_CHARS


# -- item 3: symlinked folders ----------------------------------------------------------------
def test_folder_symlinks_out_of_the_project_are_not_followed(project_dir: Path, tmp_path: Path, mocklint: Run) -> None:
    write(project_dir, "tests/test_a.py")
    write(tmp_path, "elsewhere/test_x.py")
    os.symlink("/", project_dir / "tests" / "root")
    os.symlink(tmp_path / "elsewhere", project_dir / "tests" / "elsewhere")
    links = {"tests/root": "/", "tests/elsewhere": os.path.realpath(tmp_path / "elsewhere")}
    if os.path.isdir("/sys"):
        os.symlink("/sys", project_dir / "tests" / "sys")
        links["tests/sys"] = "/sys"
    done = mocklint(["tests"], project_dir)
    assert notes_of(done, 1) == {
        link: ("skipped", f"symlink to {target}, outside the project") for link, target in links.items()
    }
    assert findings(done.stdout) == [("tests/test_a.py", 3, 5, "MCK201")]
    # named on the command line, the folder is walked: the user asked for it
    done = mocklint(["tests/elsewhere"], project_dir)
    assert findings(done.stdout) == [("tests/elsewhere/test_x.py", 3, 5, "MCK201")]


def test_each_folder_is_walked_once_however_many_links_lead_to_it(
    project_dir: Path, mocklint: Run
) -> None:
    """Two links per level to the next: 2**24 paths to the last folder, which
    holds the only test file.  It is linted once, under its own name."""
    levels = 24
    for level in range(levels + 1):
        (project_dir / "tests" / f"d{level:02}").mkdir(parents=True)
    for level in range(levels):
        for name in ("x", "y"):
            os.symlink(f"../d{level + 1:02}", project_dir / "tests" / f"d{level:02}" / name)
    write(project_dir, f"tests/d{levels:02}/test_a.py")
    done = mocklint(["tests"], project_dir)
    assert notes_of(done, 1) == {}
    assert findings(done.stdout) == [(f"tests/d{levels:02}/test_a.py", 3, 5, "MCK201")]


def test_walk_markers_are_the_project_models() -> None:
    assert files.PROJECT_MARKERS == project.PROJECT_MARKERS


# -- item 4: testpaths -------------------------------------------------------------------------
@pytest.mark.parametrize("testpaths", ["/**", "../**"])
def test_testpaths_outside_the_rootdir_are_not_expanded(
    tmp_path: Path, testpaths: str, mocklint: Run, flake8: Run
) -> None:
    """pytest would collect (and load the conftest files of) what they match:
    mocklint cannot tell which plugins those name, so MCK301 stays silent."""
    root = tmp_path / "project"
    write(root, "pytest.ini", f"[pytest]\ntestpaths = {testpaths}\n")
    write(root, "tests/test_a.py", FINDING + "\n\n" + MISSING)
    done = mocklint(["tests"], root)
    assert notes_of(done, 1) == {}
    assert findings(done.stdout) == [("tests/test_a.py", 3, 5, "MCK201")]
    assert flake8_findings(flake8(["tests"], root)) == [("tests/test_a.py", 3, 5, "MCK201")]


def test_a_testpaths_glob_through_symlink_loops_is_bounded(tmp_path: Path, mocklint: Run, flake8: Run) -> None:
    """``**`` follows symlinked folders; two loops make glob's walk exponential."""
    root = tmp_path / "project"
    write(root, "pytest.ini", "[pytest]\ntestpaths = tests/**/unit\n")
    write(root, "tests/test_a.py", FINDING + "\n\n" + MISSING)
    os.symlink("..", root / "tests" / "up")
    os.symlink("..", root / "tests" / "back")
    done = mocklint(["tests/test_a.py"], root)
    assert notes_of(done, 1) == {}
    assert [code for *_, code in findings(done.stdout)] == ["MCK201", "MCK301"]  # nothing matched: the rootdir runs
    found = flake8_findings(flake8(["tests/test_a.py"], root))
    assert [code for *_, code in found] == ["MCK201", "MCK301"]


GLOB_TREE = [
    "tests/test_x.py",
    "tests/unit/test_u.py",
    "tests/unit/deep/unit/test_v.py",
    "tests/.hidden/unit/test_h.py",
    "pkg/tests/test_p.py",
    "pkg/sub/tests/test_q.py",
    "tools/x.txt",
    ".dot/tests/test_d.py",
]
GLOB_PATTERNS = [
    "tests",
    "tests/",
    "tests/*",
    "*/tests",
    "**/tests",
    "**/unit",
    "tests/**",
    "tests/**/",
    "tests/**/*.py",
    "**",
    "**/",
    "**/*.py",
    "*/",
    "./tests/*",
    "t?sts",
    "[tp]*",
    ".dot",
    ".*/tests",
    "missing",
    "tests/*/unit",
    "pkg/*/tests/",
    "tests/unit/../unit",
]


def test_testpaths_globs_match_what_glob_matches(tmp_path: Path) -> None:
    """The bounded expansion gives pytest's ``sorted(glob.iglob(path, recursive=True))``
    from the rootdir, for each entry, as absolute paths."""
    root = tmp_path / "project"
    for relative in GLOB_TREE:
        write(root, relative, "")
    os.symlink("../pkg", root / "tests" / "shared")  # followed by glob, and by the expansion
    for pattern in GLOB_PATTERNS:
        expected = [os.path.normpath(os.path.join(root, found)) for found in _glob(root, pattern)]
        expanded = pytest_config.expand_testpaths(str(root), (pattern,))
        if ".." in pattern.split("/"):
            assert expanded is None, pattern  # not followed out of a folder
        else:
            assert expanded == expected, pattern
    both = pytest_config.expand_testpaths(str(root), ("tests", "pkg/*"))
    assert both == [str(root / "tests"), str(root / "pkg" / "sub"), str(root / "pkg" / "tests")]
    assert pytest_config.expand_testpaths(str(root), (str(root / "tests" / "*"),)) == [
        str(root / "tests" / "shared"),
        str(root / "tests" / "test_x.py"),
        str(root / "tests" / "unit"),
    ]


def _glob(root: Path, pattern: str) -> List[str]:
    cwd = os.getcwd()
    os.chdir(root)
    try:
        return sorted(glob.iglob(pattern, recursive=True))
    finally:
        os.chdir(cwd)


def test_testpaths_expansion_is_bounded(tmp_path: Path) -> None:
    root = tmp_path / "project"
    for index in range(pytest_config.MAX_TESTPATHS + 1):
        (root / "tests" / f"t{index}").mkdir(parents=True)
    assert pytest_config.expand_testpaths(str(root), ("tests/*",)) is None
    assert pytest_config.expand_testpaths(str(root), ("tests/t1*",)) is not None
    assert pytest_config.expand_testpaths(str(root), ("/usr/*",)) is None
    assert pytest_config.expand_testpaths(str(root), (str(tmp_path / "*"),)) is None
    assert pytest_config.expand_testpaths(str(root), ("tests/../../*",)) is None


# -- item 16: a pyproject.toml too deep for tomllib ------------------------------------------
DEEP_TOML = "[tool.mocklint]\n\n[tool.other]\nx = " + "[" * 2000 + "]" * 2000 + "\n"


def test_a_pyproject_nested_too_deeply(project_dir: Path, tmp_path: Path, mocklint: Run, flake8: Run) -> None:
    write(project_dir, "pyproject.toml", DEEP_TOML)
    write(project_dir, "tests/test_a.py", FINDING + "\n\n" + MISSING)
    done = mocklint(["tests"], project_dir)
    assert (done.returncode, done.stdout) == (2, "")
    assert "Traceback" not in done.stderr and done.stderr.count("\n") == 1, done.stderr
    reason = "cannot read: nested too deeply for Python's TOML reader"
    assert done.stderr == f"mocklint: error: {project_dir / 'pyproject.toml'}: {reason}\n"
    # flake8 does not read [tool.mocklint]: the file's findings stay (its
    # pytest configuration is unreadable, so the fixture rules are silent)
    assert flake8_findings(flake8(["tests"], project_dir)) == [("tests/test_a.py", 3, 5, "MCK201")]
    # nor does the command with another --config: only the project model reads it
    write(tmp_path, "config/pyproject.toml", "[tool.mocklint]\n")
    done = mocklint(["--config", str(tmp_path / "config" / "pyproject.toml"), "tests"], project_dir)
    assert notes_of(done, 1) == {}
    assert findings(done.stdout) == [("tests/test_a.py", 3, 5, "MCK201")]


# -- item 20: undecodable files, through both front ends ------------------------------------
DECODING_CASES = {
    # Python refuses each of these files (so pytest cannot import them), flake8 falls back to latin-1
    "test_undeclared.py": ('import pytest\nX = "\xe9"\nY = pytest.config\n').encode("latin-1"),
    "test_klingon.py": b"# -*- coding: klingon -*-\nimport pytest\nY = pytest.config\n",
    "test_bom_and_cookie.py": b"\xef\xbb\xbf# coding: latin-1\nimport pytest\nY = pytest.config\n",
    "test_bad_utf8_cookie.py": b"# coding: utf-8\nimport pytest\nX = '\xff'\nY = pytest.config\n",
}
DECODABLE = {
    "test_declared.py": ('# coding: latin-1\nimport pytest\nX = "\xe9"\nY = pytest.config\n').encode("latin-1"),
    "test_utf8.py": 'import pytest\nX = "\xe9"\nY = pytest.config\n'.encode("utf-8"),
}


def test_undecodable_files_are_skipped_by_both_front_ends(project_dir: Path, mocklint: Run, flake8: Run) -> None:
    for name, content in {**DECODING_CASES, **DECODABLE}.items():
        write(project_dir, name, content)
    done = mocklint(["."], project_dir)
    notes = notes_of(done, 1)
    assert sorted(notes) == sorted(DECODING_CASES) and all(kind == "skipped" for kind, _ in notes.values())
    expected = [("test_declared.py", 4, 5, "MCK201"), ("test_utf8.py", 3, 5, "MCK201")]
    assert findings(done.stdout) == expected
    found = flake8_findings(flake8(["."], project_dir))
    assert sorted(found) == [(f"./{path}", *rest) for path, *rest in expected]


def test_stdin_with_a_bad_coding_cookie_through_both_front_ends(project_dir: Path, mocklint: Run, flake8: Run) -> None:
    """flake8 decodes such stdin as UTF-8; Python (and the command) refuses it."""
    data = DECODING_CASES["test_klingon.py"]
    done = mocklint(["-", "--stdin-filename", "tests/test_x.py"], project_dir, stdin=data)
    assert notes_of(done, 0) == {"tests/test_x.py": ("skipped", "unknown encoding: klingon")}
    found = flake8_findings(flake8(["--stdin-display-name", "tests/test_x.py", "-"], project_dir, stdin=data))
    assert found == []
    good = DECODABLE["test_declared.py"]
    found = flake8_findings(flake8(["--stdin-display-name", "tests/test_x.py", "-"], project_dir, stdin=good))
    assert found == [("tests/test_x.py", 4, 5, "MCK201")]


def test_the_flake8_plugin_does_not_reread_a_file_it_cannot_read(tmp_path: Path) -> None:
    """In process (no file on disk, or not readable): flake8's text is linted."""
    import ast

    from mocklint.flake8_plugin import Plugin

    source = "import pytest\nY = pytest.config\n"
    plugin = Plugin(ast.parse(source), source.splitlines(True), str(tmp_path / "missing.py"))
    assert [code.split()[0] for _, _, code, _ in plugin.run()] == ["MCK201"]
