"""The ``mocklint`` command: files, configuration, ``# noqa``, exit status.

What users and CI see (exit status, stdout/stderr, stdin, ``-j``) is checked
as a shell sees it: on real ``python -m mocklint`` subprocesses (a clean run
and ``-j`` always; the other cases in the ``slow`` set) and through
``front_ends`` in this process (everyday); the many small cases of discovery,
configuration and ``# noqa`` call ``main()`` in-process, which is the same
code path minus interpreter start-up, to keep the suite fast.

Every project lives in ``tmp_path`` with its own ``pyproject.toml`` holding an
empty ``[tool.mocklint]`` table, so the configuration search never wanders
into the machine's folders above it.
"""

from __future__ import annotations

import functools
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import front_ends
import pytest

from mocklint import __version__, cli, engine, noqa
from mocklint.diagnostic import Diagnostic
from mocklint.engine import Engine
from mocklint.registry import ALL_RULES
from mocklint.rule import Rule, gate

FINDING = 'import pytest\n\nX = pytest.config.getoption("--slow")\n'
FINDING_LINE = "X = pytest.config.getoption(\"--slow\")"
CLEAN = "import pytest\n\n\ndef test_ok(pytestconfig):\n    assert pytestconfig.getoption('--slow') is not None\n"


# -- helpers ------------------------------------------------------------------
@pytest.fixture()
def project(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text("[tool.mocklint]\n", encoding="utf-8")
    return tmp_path


def write(root: Path, relative: str, text: str = FINDING, encoding: str = "utf-8") -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))
    return path


def run(
    args: Sequence[str], cwd: Path, stdin: Optional[bytes] = None, mode: str = front_ends.SUBPROCESS
) -> subprocess.CompletedProcess:
    """``python -m mocklint`` in a subprocess (or, with ``mode``, ``front_ends``'
    run in this process); stdout/stderr as text."""
    done = front_ends.run("mocklint", args, cwd, stdin or b"", mode=mode)
    return subprocess.CompletedProcess(
        done.args, done.returncode, done.stdout.decode("utf-8"), done.stderr.decode("utf-8")
    )


Run = Callable[..., subprocess.CompletedProcess]


@pytest.fixture(params=front_ends.MODES)
def command(request: pytest.FixtureRequest) -> Run:
    """``run`` in this process (everyday) and as ``python -m mocklint`` (slow)."""
    return functools.partial(run, mode=request.param)


class Call:
    """``main()`` in-process, in a folder, with stdin and captured output."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
        self.monkeypatch = monkeypatch
        self.capsys = capsys

    def __call__(self, args: Sequence[str], cwd: Path, stdin: bytes = b"") -> Tuple[int, str, str]:
        self.monkeypatch.chdir(cwd)
        self.monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8"))
        self.capsys.readouterr()
        status = cli.main(list(args))
        out, err = self.capsys.readouterr()
        return status, out, err


@pytest.fixture()
def call(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> Call:
    return Call(monkeypatch, capsys)


def reported(out: str) -> List[str]:
    """``path:line`` of each text-format line."""
    return [":".join(line.split(":")[:2]) for line in out.splitlines()]


# -- exit status, on the real command -------------------------------------------
def test_exit_0_when_clean(project: Path) -> None:
    write(project, "test_ok.py", CLEAN)
    done = run([], project)
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "All checks passed! (1 file checked)\n")


def test_exit_1_with_findings_flake8_layout_and_summary(project: Path, command: Run) -> None:
    write(project, "tests/test_a.py")
    write(project, "tests/test_b.py", FINDING + "Y = pytest.config\n")
    done = command(["tests"], project)
    assert done.returncode == 1, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("tests/test_a.py:3:5: MCK201 `pytest.config` raises `AttributeError`: pytest 5.1 removed it")
    assert reported(done.stdout) == ["tests/test_a.py:3", "tests/test_b.py:3", "tests/test_b.py:4"]
    assert done.stderr == "Found 3 problems in 2 files.\n"


def test_exit_2_for_a_missing_path_after_linting_the_others(project: Path, command: Run) -> None:
    write(project, "test_a.py")
    done = command(["nope.py", "test_a.py"], project)
    assert done.returncode == 2
    assert "mocklint: error: path not found: nope.py\n" in done.stderr
    assert reported(done.stdout) == ["test_a.py:3"]


def test_exit_2_for_a_usage_error(project: Path, command: Run) -> None:
    done = command(["--no-such-option"], project)
    assert done.returncode == 2
    assert "usage: mocklint" in done.stderr and "Traceback" not in done.stderr


def test_version(project: Path, command: Run) -> None:
    done = command(["--version"], project)
    assert (done.returncode, done.stdout.strip()) == (0, f"mocklint {__version__}")


def test_main_returns_argparse_exits(call: Call, project: Path) -> None:
    assert call(["--help"], project)[0] == 0
    assert call(["--jobs", "-3"], project)[0] == 2


class Bomb(Rule):
    """Stands for a bug in a rule: raises on the first name it sees."""

    code = "MCK999"
    name = "bomb"
    summary = "raises"
    messages = {"default": "unused"}
    gate = gate(r"pytest")

    def visit_Name(self, node: object, site: object) -> None:
        raise RuntimeError("boom")


def test_internal_error_exits_2_even_when_mck000_is_ignored(
    call: Call, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine, "Engine", lambda selection: Engine(selection, rules=(*ALL_RULES, Bomb)))
    write(project, "test_a.py")
    status, out, err = call(["test_a.py"], project)
    assert status == 2
    assert out.startswith("test_a.py:1:1: MCK000 mocklint failed on this file (RuntimeError: boom")
    assert "test_a.py: internal error: RuntimeError: boom" in err
    status, out, err = call(["--ignore", "MCK000", "test_a.py"], project)
    assert (status, out) == (2, "")
    assert "internal error" in err


def test_an_unexpected_failure_is_one_line_and_exit_2(
    call: Call, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(*args: object) -> None:
        raise ValueError("disk on fire")

    monkeypatch.setattr(cli, "discover", explode)
    status, out, err = call([], project)
    assert status == 2
    assert err == "mocklint: error: unexpected failure (ValueError: disk on fire); please report it\n"


def test_a_file_that_does_not_parse_is_a_note_not_a_failure(call: Call, project: Path) -> None:
    write(project, "test_bad.py", "import pytest\nX = (pytest.config\n")
    status, out, err = call([], project)
    assert (status, out) == (0, "")
    assert err.startswith("test_bad.py: not checked: ")
    assert len(err.splitlines()) == 1


# -- discovery ------------------------------------------------------------------
def test_recursion_is_sorted_and_skips_default_excludes(call: Call, project: Path) -> None:
    for relative in [
        "b/test_b.py",
        "a/z/test_z.py",
        "a/test_a.py",
        "test_top.py",
        "notes.txt",
        "script",
        ".git/hooks/x.py",
        "build/x.py",
        "dist/x.py",
        ".venv/lib/x.py",
        "venv/x.py",
        "pkg.egg-info/x.py",
        "node_modules/x.py",
        "__pycache__/x.py",
        ".tox/x.py",
        ".nox/x.py",
        ".eggs/x.py",
        ".hg/x.py",
        ".svn/x.py",
        ".mypy_cache/x.py",
        ".pytest_cache/x.py",
        ".mocklint_cache/x.py",
    ]:
        write(project, relative)
    status, out, _ = call([], project)
    assert status == 1
    assert reported(out) == ["a/test_a.py:3", "a/z/test_z.py:3", "b/test_b.py:3", "test_top.py:3"]


def test_excludes_from_the_command_line(call: Call, project: Path) -> None:
    write(project, "tests/test_a.py")
    write(project, "tests/fixtures/test_f.py")
    write(project, "tests/generated_x.py")
    write(project, "build/test_b.py")
    _, out, _ = call(["--extend-exclude", "tests/fixtures,generated_*"], project)
    assert reported(out) == ["tests/test_a.py:3"]
    # --exclude replaces the defaults: build/ is searched again
    _, out, _ = call(["--exclude", "fixtures"], project)
    assert reported(out) == ["build/test_b.py:3", "tests/generated_x.py:3", "tests/test_a.py:3"]


def test_excludes_from_the_config_are_relative_to_its_folder(call: Call, project: Path) -> None:
    (project / "pyproject.toml").write_text(
        '[tool.mocklint]\nextend-exclude = ["tests/fixtures", "*_skip.py"]\n', encoding="utf-8"
    )
    write(project, "tests/test_a.py")
    write(project, "tests/fixtures/test_f.py")
    write(project, "tests/test_skip.py")
    write(project, "build/test_b.py")
    _, out, _ = call([], project)
    assert reported(out) == ["tests/test_a.py:3"]
    _, out, _ = call(["."], project / "tests")  # run from a sub-folder: same config, same meaning
    assert reported(out) == ["test_a.py:3"]
    (project / "pyproject.toml").write_text('[tool.mocklint]\nexclude = ["fixtures"]\n', encoding="utf-8")
    _, out, _ = call([], project)
    assert reported(out) == ["build/test_b.py:3", "tests/test_a.py:3", "tests/test_skip.py:3"]


def test_paths_named_explicitly_are_linted_even_if_excluded(project: Path, command: Run) -> None:
    write(project, "build/test_b.py")
    write(project, "build/inner/test_c.py")
    write(project, "tests/fixtures/test_f.py")
    write(project, "tests/fixtures/data.txt", FINDING)
    done = command(
        ["--extend-exclude", "tests/fixtures", "build/test_b.py", "tests/fixtures/data.txt", "build", "tests"],
        project,
    )
    assert done.returncode == 1, done.stderr
    assert reported(done.stdout) == [
        "build/test_b.py:3",
        "tests/fixtures/data.txt:3",
        "build/inner/test_c.py:3",
    ]


def test_a_file_named_twice_is_linted_once(call: Call, project: Path) -> None:
    write(project, "tests/test_a.py")
    _, out, _ = call([".", "tests", "./tests/test_a.py"], project)
    assert reported(out) == ["tests/test_a.py:3"]


@pytest.mark.skipif(not hasattr(os, "symlink") or sys.platform == "win32", reason="needs symlinks")
def test_symlink_loops_and_broken_links_are_skipped_with_a_note(call: Call, project: Path) -> None:
    write(project, "pkg/test_a.py")
    os.symlink(".", project / "pkg" / "loop")
    (project / "pkg" / "sub").mkdir()
    os.symlink("..", project / "pkg" / "sub" / "up")
    os.symlink("missing.py", project / "pkg" / "test_broken.py")
    write(project, "elsewhere/test_linked.py")
    os.symlink(project / "elsewhere", project / "pkg" / "linked")
    status, out, err = call(["pkg"], project)
    assert status == 1
    assert reported(out) == ["pkg/linked/test_linked.py:3", "pkg/test_a.py:3"]
    assert "pkg/loop: skipped: symlink loop\n" in err
    assert "pkg/sub/up: skipped: symlink loop\n" in err
    assert "pkg/test_broken.py: skipped: broken symbolic link\n" in err


def test_unreadable_folders_and_files_are_skipped_with_a_note(
    call: Call, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(project, "locked/test_x.py")
    write(project, "open/test_a.py")
    write(project, "open/test_secret.py")
    real_scandir, real_open = os.scandir, os.open

    def scandir(path: str = ".") -> object:
        if os.path.basename(path) == "locked":
            raise PermissionError(13, "Permission denied", path)
        return real_scandir(path)

    def guarded_open(path: object, *args: object, **kwargs: object) -> object:
        if str(path).endswith("test_secret.py"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "scandir", scandir)
    monkeypatch.setattr(os, "open", guarded_open)  # files.read_file opens with os.open
    status, out, err = call([], project)
    assert status == 1
    assert reported(out) == ["open/test_a.py:3"]
    assert "locked: skipped: cannot list directory: Permission denied\n" in err
    assert "open/test_secret.py: skipped: cannot read: Permission denied\n" in err


def test_no_python_files_is_a_warning(call: Call, project: Path) -> None:
    (project / "empty").mkdir()
    assert call(["empty"], project) == (0, "", "mocklint: warning: no Python files found\n")


# -- encodings and newlines -------------------------------------------------------
def test_undecodable_file_is_skipped_with_a_one_line_note(project: Path, command: Run) -> None:
    write(project, "test_bad.py", 'import pytest\nX = "\xe9"\nY = pytest.config\n', encoding="latin-1")
    write(project, "test_ok.py", CLEAN)
    done = command([], project)
    assert (done.returncode, done.stdout) == (0, "")
    assert done.stderr == (
        "test_bad.py: skipped: cannot decode line 2 as utf-8 (byte 0xe9: invalid continuation byte)\n"
        "All checks passed! (1 file checked)\n"
    )


def test_bad_coding_cookie_is_skipped(call: Call, project: Path) -> None:
    write(project, "test_bad.py", "# -*- coding: klingon -*-\n" + FINDING)
    assert call([], project) == (0, "", "test_bad.py: skipped: unknown encoding: klingon\n")


def test_coding_cookie_bom_and_crlf_give_the_same_findings(call: Call, project: Path) -> None:
    source = 'import pytest\nX = "é"; Y = pytest.config.getoption("--slow")\n'
    write(project, "test_utf8.py", source)
    write(project, "test_latin1.py", "# coding: latin-1\n" + source, encoding="latin-1")
    (project / "test_bom.py").write_bytes(b"\xef\xbb\xbf" + source.encode("utf-8"))
    (project / "test_crlf.py").write_bytes(source.replace("\n", "\r\n").encode("utf-8"))
    (project / "test_cr.py").write_bytes(source.replace("\n", "\r").encode("utf-8"))
    status, out, err = call(["--format", "json"], project)
    assert status == 1, err
    found: Dict[str, Tuple[int, int, int, int]] = {}
    for item in json.loads(out)["diagnostics"]:
        found[item["path"]] = (item["line"], item["column"], item["end_line"], item["end_column"])
    assert found == {
        "test_utf8.py": (2, 14, 2, 27),
        "test_bom.py": (2, 14, 2, 27),
        "test_crlf.py": (2, 14, 2, 27),
        "test_cr.py": (2, 14, 2, 27),
        "test_latin1.py": (3, 14, 3, 27),
    }


def test_noqa_in_a_crlf_file(call: Call, project: Path) -> None:
    source = FINDING.replace('"--slow")', '"--slow")  # noqa: MCK201') + "Y = pytest.config\n"
    (project / "test_crlf.py").write_bytes(source.replace("\n", "\r\n").encode("utf-8"))
    _, out, _ = call([], project)
    assert reported(out) == ["test_crlf.py:4"]


# -- selection --------------------------------------------------------------------
@pytest.mark.parametrize(
    "options, expected",
    [
        ([], 1),
        (["--select", "MCK1"], 0),
        (["--select", "MCK2,MCK101"], 1),
        (["--select", "MCK1", "--select", "MCK201"], 1),
        (["--ignore", "MCK2"], 0),
        (["--ignore", "MCK20"], 0),
        (["--ignore", "MCK1,MCK202"], 1),
        (["--select", "MCK201", "--ignore", "MCK2"], 1),  # the more specific prefix wins
        (["--select", "MCK2", "--ignore", "MCK2"], 0),  # a tie: ignore wins
    ],
)
def test_select_and_ignore(call: Call, project: Path, options: List[str], expected: int) -> None:
    write(project, "test_a.py")
    assert call(options, project)[0] == expected


def test_command_line_selection_overrides_the_config(call: Call, project: Path) -> None:
    write(project, "test_a.py")
    (project / "pyproject.toml").write_text('[tool.mocklint]\nignore = ["MCK201"]\n', encoding="utf-8")
    assert call([], project)[0] == 0
    assert call(["--ignore", "MCK1"], project)[0] == 1
    (project / "pyproject.toml").write_text('[tool.mocklint]\nselect = ["MCK1"]\n', encoding="utf-8")
    assert call([], project)[0] == 0
    assert call(["--select", "MCK"], project)[0] == 1


def test_a_bad_code_prefix_is_a_usage_error(call: Call, project: Path) -> None:
    status, _, err = call(["--select", "mck201"], project)
    assert status == 2
    assert err == (
        "mocklint: error: --select: 'mck201' is not a code prefix (expected something like MCK, MCK2 or MCK201)\n"
    )


# -- configuration ---------------------------------------------------------------
def test_config_is_found_upward_from_the_common_parent_of_the_paths(call: Call, tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.mocklint]\nformat = "github"\n', encoding="utf-8")
    # a nearer pyproject.toml without the table is passed over
    (tmp_path / "sub" / "pyproject.toml").parent.mkdir()
    (tmp_path / "sub" / "pyproject.toml").write_text('[project]\nname = "x"\n', encoding="utf-8")
    write(tmp_path, "sub/tests/a/test_a.py")
    write(tmp_path, "sub/tests/b/test_b.py")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "pyproject.toml").write_text('[tool.mocklint]\nformat = "json"\n', encoding="utf-8")
    status, out, _ = call([str(tmp_path / "sub/tests/a"), str(tmp_path / "sub/tests/b/test_b.py")], elsewhere)
    assert status == 1
    assert out.startswith("::error file=")


def test_config_file_option_and_isolated(call: Call, project: Path) -> None:
    write(project, "test_a.py")
    other = write(project, "conf/custom.toml", '[tool.mocklint]\nignore = ["MCK2"]\n')
    assert call(["--config", str(other)], project)[0] == 0
    (project / "pyproject.toml").write_text('[tool.mocklint]\nignore = ["MCK2"]\n', encoding="utf-8")
    assert call([], project)[0] == 0
    assert call(["--isolated"], project)[0] == 1


def test_format_from_the_config_and_overridden(call: Call, project: Path) -> None:
    write(project, "test_a.py")
    (project / "pyproject.toml").write_text('[tool.mocklint]\nformat = "json"\n', encoding="utf-8")
    assert json.loads(call([], project)[1])["version"] == 1
    assert call(["--format", "text"], project)[1].startswith("test_a.py:3:5: MCK201")


@pytest.mark.parametrize(
    "table, message",
    [
        ('selct = ["MCK"]', "unknown key `selct`; known keys: select, ignore, exclude, extend-exclude, format"),
        ('extend_exclude = ["x"]', "unknown key `extend_exclude` (did you mean `extend-exclude`?)"),
        ('select = "MCK"', "`select` must be a list of strings, got str 'MCK'"),
        ("ignore = [201]", "`ignore` must be a list of strings, got list [201]"),
        ('exclude = [".git", 3]', "`exclude` must be a list of strings"),
        ('format = "xml"', "`format` must be one of text, json, sarif, github, got str 'xml'"),
        ('ignore = ["MCK-201"]', "`ignore`: 'MCK-201' is not a code prefix"),
    ],
)
def test_a_bad_config_is_one_line_and_exit_2(call: Call, project: Path, table: str, message: str) -> None:
    write(project, "test_a.py")
    (project / "pyproject.toml").write_text(f"[tool.mocklint]\n{table}\n", encoding="utf-8")
    status, out, err = call([], project)
    assert (status, out) == (2, "")
    assert err.startswith(f"mocklint: error: {project / 'pyproject.toml'}: [tool.mocklint]: ")
    assert message in err
    assert len(err.splitlines()) == 1


@pytest.mark.parametrize(
    "content, message",
    [
        ("[tool.mocklint\n", "invalid TOML: "),
        ("[tool]\nmocklint = 3\n", "`tool.mocklint` must be a table"),
        (b"[tool.mocklint]\n# \xff\n", "invalid TOML: "),
    ],
)
def test_a_malformed_pyproject_is_one_line_and_exit_2(
    project: Path, content: object, message: str, command: Run
) -> None:
    data = content if isinstance(content, bytes) else str(content).encode("utf-8")
    (project / "pyproject.toml").write_bytes(data)
    write(project, "test_a.py")
    done = command([], project)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr.startswith(f"mocklint: error: {project / 'pyproject.toml'}: {message}")
    assert len(done.stderr.splitlines()) == 1


def test_config_option_errors(call: Call, project: Path) -> None:
    write(project, "plain.toml", '[project]\nname = "x"\n')
    status, _, err = call(["--config", "plain.toml"], project)
    assert (status, err) == (2, "mocklint: error: plain.toml: no [tool.mocklint] table\n")
    status, _, err = call(["--config", "missing.toml"], project)
    assert status == 2 and err.startswith("mocklint: error: missing.toml: cannot read: ")


# -- noqa -------------------------------------------------------------------------
NOQA_CASES = [
    ("# noqa", False),
    ("# noqa: MCK201", False),
    ("# NOQA:MCK201", False),
    ("# noqa: MCK2", False),
    ("# noqa: E501,MCK201", False),
    ("# noqa: E501 MCK2", False),
    ("# noqa: MCK1", True),
    ("# noqa: MCK202", True),
    ("# noqa: mck201", True),  # flake8: codes are case-sensitive
    ("# noqa : MCK1", False),  # flake8: not a code list, so a blanket noqa
    ("# a comment", True),
]


@pytest.mark.parametrize("comment, still_reported", NOQA_CASES)
def test_noqa_comments(call: Call, project: Path, comment: str, still_reported: bool) -> None:
    write(project, "test_a.py", FINDING.replace('"--slow")\n', f'"--slow")  {comment}\n'))
    status, out, _ = call([], project)
    assert (status, bool(out)) == (int(still_reported), still_reported)


def test_noqa_on_another_line_of_the_same_logical_line(call: Call, project: Path) -> None:
    source = (
        "import pytest\n"
        "\n"
        "A = pytest.config.getoption(\\\n"  # 3: continued with a backslash
        '    "--slow")  # noqa: MCK201\n'
        'B = (pytest.config.getoption("--a"), """\n'  # 5: a multi-line string
        '""")  # noqa\n'
        "C = pytest.config.getoption(\n"  # 7: brackets: flake8 treats each line on its own
        '    "--slow",\n'
        ")  # noqa: MCK201\n"
    )
    write(project, "test_a.py", source)
    _, out, _ = call([], project)
    assert reported(out) == ["test_a.py:7"]
    status, out, _ = call(["--disable-noqa"], project)
    assert reported(out) == ["test_a.py:3", "test_a.py:5", "test_a.py:7"]


def test_flake8_noqa_skips_the_whole_file(call: Call, project: Path) -> None:
    write(project, "test_a.py", "# flake8: noqa\n" + FINDING)
    write(project, "test_b.py", FINDING + "    # FLAKE8= NOQA: E501\n")  # codes or not, the whole file
    write(project, "test_c.py", FINDING.replace('"--slow")', '"--slow")  # flake8: noqa'))  # on code: no effect
    status, out, _ = call([], project)
    assert (status, reported(out)) == (1, ["test_c.py:3"])
    _, out, _ = call(["--disable-noqa"], project)
    assert reported(out) == ["test_a.py:4", "test_b.py:3", "test_c.py:3"]


NOQA_MAPPING_SOURCES = [
    FINDING,
    "x = f(\n    1,\n)  # noqa\n",
    "y = 1 + \\\n    2  # noqa\n",
    'z = g("""\n""")  # noqa\n\n\nclass A:\n    def f(self):\n        return """\n        x\n        """\n',
    'w = f"{x}"\nv = f"""\n{y}\n"""  # noqa\n',
    "if x:\n    pass\n# trailing comment\n",
    "s = 'no newline at end'  # noqa",
    "def f(\n    a,  # noqa: MCK201\n    b,\n):\n    pass\n",
    "x = (\n",  # the tokenizer fails: no mapping, as in flake8
]


@pytest.mark.parametrize("source", NOQA_MAPPING_SOURCES)
def test_logical_line_mapping_is_flake8s(source: str) -> None:
    processor = pytest.importorskip("flake8.processor")
    import argparse

    options = argparse.Namespace(hang_closing=False, indent_size=4, max_line_length=79, max_doc_length=None, verbose=0)
    lines = noqa.source_lines(source)
    expected = processor.FileProcessor("x.py", options, lines=list(lines))._noqa_line_mapping
    assert noqa.logical_line_mapping(lines) == expected


def test_noqa_filter_does_not_tokenize_without_a_noqa(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(lines: object) -> None:
        raise AssertionError("tokenized a file with no noqa comment")

    monkeypatch.setattr(noqa, "logical_line_mapping", fail)
    finding = Diagnostic("a.py", 3, 4, "MCK201", "m", 3, 17)
    assert noqa.filter_diagnostics(FINDING, [finding]) == (finding,)
    assert noqa.filter_diagnostics("x = 1\n", []) == ()


# -- stdin --------------------------------------------------------------------------
def test_stdin_with_stdin_filename(project: Path, command: Run) -> None:
    done = command(["-", "--stdin-filename", "tests/test_x.py"], project, stdin=FINDING.encode("utf-8"))
    assert done.returncode == 1, done.stderr
    assert reported(done.stdout) == ["tests/test_x.py:3"]


def test_stdin_without_a_name_and_decoded_like_a_file(call: Call, project: Path) -> None:
    status, out, _ = call(["-"], project, stdin=b"\xef\xbb\xbf" + FINDING.replace("\n", "\r\n").encode())
    assert status == 1
    assert reported(out) == ["<stdin>:3"]
    status, _, err = call(["-"], project, stdin=b'import pytest\nX = "\xe9"\n')
    assert status == 0
    assert err == "<stdin>: skipped: cannot decode line 2 as utf-8 (byte 0xe9: invalid continuation byte)\n"


def test_stdin_filename_alone_reads_stdin_and_needs_dash_with_paths(call: Call, project: Path) -> None:
    status, out, _ = call(["--stdin-filename", "test_x.py"], project, stdin=FINDING.encode())
    assert (status, reported(out)) == (1, ["test_x.py:3"])
    status, _, err = call(["--stdin-filename", "test_x.py", "."], project)
    assert (status, err) == (2, "mocklint: error: --stdin-filename needs - (stdin) among the paths\n")


def test_stdin_filename_is_what_location_dependent_rules_see(call: Call, project: Path) -> None:
    # MCK201 stays silent under a conftest.py that sets pytest.config itself
    conftest = "import pytest\n\n\ndef pytest_configure(config):\n    pytest.config = config\n"
    write(project, "legacy/conftest.py", conftest)
    write(project, "legacy/test_a.py")
    assert call(["legacy/test_a.py"], project)[0] == 0
    assert call(["-", "--stdin-filename", "legacy/test_b.py"], project, stdin=FINDING.encode())[0] == 0
    assert call(["-", "--stdin-filename", "test_b.py"], project, stdin=FINDING.encode())[0] == 1


# -- formats through the command -------------------------------------------------------
def test_json_format(project: Path, command: Run) -> None:
    write(project, "tests/test_a.py")
    write(project, "tests/test_ok.py", CLEAN)
    write(project, "tests/test_bad.py", "import pytest\nX = (pytest.config\n")
    done = command(["--format", "json"], project)
    assert done.returncode == 1
    document = json.loads(done.stdout)
    assert document == {
        "version": 1,
        "tool": {"name": "mocklint", "version": __version__},
        "diagnostics": [
            {
                "path": "tests/test_a.py",
                "line": 3,
                "column": 5,
                "end_line": 3,
                "end_column": 18,
                "code": "MCK201",
                "name": "pytest-config-global",
                "message": document["diagnostics"][0]["message"],
                "detail": document["diagnostics"][0]["detail"],
                "related": [],
                "url": document["diagnostics"][0]["url"],
                "fix": None,
            }
        ],
        "files_checked": 2,
    }
    assert document["diagnostics"][0]["message"].startswith("`pytest.config` raises `AttributeError`: pytest 5.1 removed it")
    assert done.stderr.startswith("tests/test_bad.py: not checked: ")  # no summary in json


def test_json_document_even_when_clean_or_with_a_missing_path(call: Call, project: Path) -> None:
    status, out, _ = call(["--format", "json"], project)
    assert status == 0 and json.loads(out)["diagnostics"] == []
    write(project, "test_a.py")
    status, out, err = call(["--format", "json", "test_a.py", "missing"], project)
    assert status == 2 and len(json.loads(out)["diagnostics"]) == 1
    assert "path not found: missing" in err


def test_github_format(call: Call, project: Path) -> None:
    write(project, "dir,with:odd/test_a.py")
    status, out, err = call(["--format", "github"], project)
    assert (status, err) == (1, "")
    assert out.startswith(
        "::error file=dir%2Cwith%3Aodd/test_a.py,line=3,col=5,endLine=3,endColumn=18,"
        "title=MCK201 pytest-config-global::`pytest.config` raises `AttributeError`: pytest 5.1 removed it"
    )
    assert out.count("\n") == 1


# -- jobs ------------------------------------------------------------------------------
def test_parallel_output_is_identical_to_serial(project: Path) -> None:
    for index in range(12):
        body = FINDING if index % 3 else CLEAN
        write(project, f"tests/d{index % 4}/test_{index:02}.py", body + "Y = pytest.config\n" * (index % 2))
    write(project, "tests/test_bad.py", "import pytest\nX = (pytest.config\n")
    serial = run(["--format", "json", "-j1"], project)
    parallel = run(["--format", "json", "-j2"], project)
    assert serial.returncode == parallel.returncode == 1
    assert parallel.stdout == serial.stdout
    assert parallel.stderr == serial.stderr
    assert json.loads(serial.stdout)["files_checked"] == 12
    text_serial, text_auto = run(["-j", "1"], project), run(["-j", "auto"], project)
    assert text_auto.stdout == text_serial.stdout
    assert text_auto.stdout.count("\n") == len(json.loads(serial.stdout)["diagnostics"]) == 14


def test_the_worker_checks_like_the_serial_path(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli.signal, "signal", lambda *args: None)  # keep this process's Ctrl-C
    monkeypatch.setattr(cli, "_WORKER", None)
    path = write(project, "test_a.py")
    options = cli.Options(cli.Selection())
    cli._init_worker(options)
    task = cli.Task(str(path), str(path))
    assert cli._check_in_worker(task) == cli.Checker(options).check(task)


# -- mocklint lsp without its extra ---------------------------------------------------------
class _Installed:
    """A distribution as ``importlib.metadata`` gives it: PEP 610's record and ``Requires-Dist``."""

    def __init__(self, direct_url: Optional[Dict[str, object]], requires: Sequence[str] = ()) -> None:
        self.direct_url = direct_url
        self.requires = list(requires)

    def read_text(self, name: str) -> Optional[str]:
        return json.dumps(self.direct_url) if name == "direct_url.json" and self.direct_url is not None else None


REQUIRES = ["libcst>=1.1.0", 'pygls>=1.3; extra == "lsp"', 'pytest>=8.0; extra == "test"']


@pytest.mark.parametrize(
    ("direct_url", "expected"),
    [
        # pip install . / pip install -e . from a checkout (the folder exists: this one)
        ({"url": "CHECKOUT", "dir_info": {}}, "'CHECKOUT[lsp]'"),
        ({"url": "CHECKOUT", "dir_info": {"editable": True}}, "-e 'CHECKOUT[lsp]'"),
        # "mocklint @ git+https://...@v0.1.0", the README's git route
        (
            {"url": "https://example.org/mocklint", "vcs_info": {"vcs": "git", "requested_revision": "v0.1.0",
                                                                   "commit_id": "0" * 40}},
            "'mocklint[lsp] @ git+https://example.org/mocklint@v0.1.0'",
        ),
        ({"url": "https://example.org/mocklint", "vcs_info": {"vcs": "git", "commit_id": "1" * 40}},
         f"'mocklint[lsp] @ git+https://example.org/mocklint@{'1' * 40}'"),
        ({"url": "https://example.org/mocklint-0.1.0.tar.gz", "archive_info": {}},
         "'mocklint[lsp] @ https://example.org/mocklint-0.1.0.tar.gz'"),
        # a checkout since deleted, or an index: the extra's own requirement
        ({"url": "file:///no/such/checkout", "dir_info": {}}, "'pygls>=1.3'"),
        (None, "'pygls>=1.3'"),
    ],
)
def test_the_lsp_extra_is_named_as_mocklint_was_installed(
    direct_url: Optional[Dict[str, object]], expected: str
) -> None:
    checkout = Path(__file__).resolve().parent.parent
    if direct_url is not None and direct_url["url"] == "CHECKOUT":
        direct_url = dict(direct_url, url=checkout.as_uri())
    assert cli.lsp_install_target(_Installed(direct_url, REQUIRES)) == expected.replace("CHECKOUT", str(checkout))


def test_the_lsp_extra_falls_back_to_pygls_without_metadata() -> None:
    assert cli.lsp_install_target(None) == "'pygls>=1.3'"
    assert cli.lsp_install_target(_Installed(None, ["libcst"])) == "'pygls>=1.3'"  # the minimum mocklint checks


def test_mocklint_lsp_without_the_extra_names_an_install_that_exists(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """No package index serves ``mocklint``: the message must not say ``pip install 'mocklint[lsp]'``,
    but add the extra the way this copy was installed."""
    from importlib.metadata import distribution

    monkeypatch.setattr(cli, "_lsp_missing", lambda: "pygls is not installed")
    assert cli.main(["lsp"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1
    assert "'mocklint[lsp]'" not in err
    target = cli.lsp_install_target(distribution("mocklint"))
    assert err.endswith(f"install it with: {sys.executable} -m pip install {target}\n"), err
