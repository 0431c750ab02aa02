"""flake8 itself: the entry point loads and flake8's own selection,
configuration and ``# noqa`` apply to mocklint's codes.

flake8 runs through its own ``main`` with the plugin found by its entry point.
The tests that take the ``flake8`` fixture run twice (``front_ends.MODES``): in
this process in the everyday set, and as ``python -m flake8`` in the ``slow``
set.  The entry point in a new process and ``--jobs`` workers are always
checked on real processes (``test_codes_are_on_by_default``,
``test_jobs_gives_the_same_findings``, and the slow
``test_jobs_resolve_fixtures_and_options_in_every_worker``).
"""

from __future__ import annotations

import ast
import functools
import subprocess
from pathlib import Path
from typing import Callable, List

import front_ends
import pytest
from support import (
    MISSING_FIXTURE_MESSAGE,
    TEST_ONE_FLAGGED,
    TEST_ONE_MISSING_FIXTURE,
    write_project,
)

from mocklint.engine import Engine
from mocklint.flake8_plugin import Plugin

FLAGGED = '''\
import pytest


@pytest.mark.skipif(not pytest.config.getoption("--slow"), reason="slow")
def test_big_upload():
    pass


def test_fast(request):
    assert request.config.getoption("--slow") in (True, False, None)
'''


def run_flake8(
    *args: str, cwd: Path, stdin: str = "", isolated: bool = True, mode: str = front_ends.SUBPROCESS
) -> "subprocess.CompletedProcess[str]":
    """flake8 itself; ``isolated`` (unless ``--config`` is given) ignores flake8's config files."""
    command = ["--isolated", *args] if isolated and "--config" not in " ".join(args) else list(args)
    return front_ends.as_text(front_ends.run("flake8", command, cwd, stdin.encode("utf-8"), mode=mode))


Flake8 = Callable[..., "subprocess.CompletedProcess[str]"]


@pytest.fixture(params=front_ends.MODES)
def flake8(request: pytest.FixtureRequest) -> Flake8:
    """``run_flake8`` in this process (everyday) and as ``python -m flake8`` (slow)."""
    return functools.partial(run_flake8, mode=request.param)


def codes(output: str) -> List[str]:
    return [line.split(" ", 2)[1] for line in output.splitlines() if line.strip()]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "test_slow.py").write_text(FLAGGED, encoding="utf-8")
    return tmp_path


def test_codes_are_on_by_default(project: Path) -> None:
    proc = run_flake8("test_slow.py", cwd=project)
    assert proc.returncode == 1, proc.stderr
    assert "test_slow.py:4:25: MCK201 `pytest.config` raises `AttributeError`: pytest 5.1 removed it" in proc.stdout
    assert codes(proc.stdout) == ["MCK201"]  # and nothing on request.config


def test_select_mck_only(project: Path, flake8: Flake8) -> None:
    (project / "test_style.py").write_text("import os\nimport pytest\nx=pytest.config\n", encoding="utf-8")
    proc = flake8("--select=MCK", ".", cwd=project)
    assert sorted(codes(proc.stdout)) == ["MCK201", "MCK201"], proc.stdout
    everything = flake8(".", cwd=project)
    assert {"F401", "E225", "MCK201"} <= set(codes(everything.stdout))


def test_extend_ignore_in_config_file(project: Path, flake8: Flake8) -> None:
    (project / "setup.cfg").write_text("[flake8]\nextend-ignore = MCK201\n", encoding="utf-8")
    proc = flake8("--config", "setup.cfg", "test_slow.py", cwd=project)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout == ""


def test_per_file_ignores(project: Path, flake8: Flake8) -> None:
    (project / "setup.cfg").write_text("[flake8]\nper-file-ignores =\n    test_slow.py: MCK2\n", encoding="utf-8")
    proc = flake8("--config", "setup.cfg", "test_slow.py", cwd=project)
    assert proc.stdout == ""


@pytest.mark.parametrize("comment", ["# noqa: MCK201", "# noqa:MCK2", "# noqa"])
def test_noqa(project: Path, comment: str, flake8: Flake8) -> None:
    source = FLAGGED.replace('reason="slow")', f'reason="slow")  {comment}')
    (project / "test_slow.py").write_text(source, encoding="utf-8")
    proc = flake8("--max-line-length=120", "test_slow.py", cwd=project)
    assert proc.stdout == "", proc.stdout


def test_noqa_for_another_code_keeps_the_finding(project: Path, flake8: Flake8) -> None:
    source = FLAGGED.replace('reason="slow")', 'reason="slow")  # noqa: E501')
    (project / "test_slow.py").write_text(source, encoding="utf-8")
    assert codes(flake8("--max-line-length=120", "test_slow.py", cwd=project).stdout) == ["MCK201"]


def test_syntax_error_gets_only_e999(project: Path, flake8: Flake8) -> None:
    (project / "test_broken.py").write_text("import pytest\npytest.config.x(\n", encoding="utf-8")
    proc = flake8("test_broken.py", cwd=project)
    assert codes(proc.stdout) == ["E999"], proc.stdout


def test_stdin_uses_display_name(project: Path, flake8: Flake8) -> None:
    proc = flake8("--stdin-display-name", "tests/test_slow.py", "-", cwd=project, stdin=FLAGGED)
    assert proc.stdout.startswith("tests/test_slow.py:4:25: MCK201"), proc.stdout


def test_jobs_gives_the_same_findings(project: Path) -> None:
    for i in range(6):
        (project / f"test_copy_{i}.py").write_text(FLAGGED, encoding="utf-8")
    serial = run_flake8("--jobs=1", ".", cwd=project)
    parallel = run_flake8("--jobs=2", ".", cwd=project)
    assert sorted(serial.stdout.splitlines()) == sorted(parallel.stdout.splitlines())
    assert len(codes(parallel.stdout)) == 7


def test_an_internal_error_becomes_mck000_and_the_run_goes_on(monkeypatch: pytest.MonkeyPatch) -> None:
    """The engine contains its own errors; this checks the adapter's last net
    and that an MCK000 finding is what flake8 receives."""

    def explode(self: Engine, *args: object) -> object:
        raise RuntimeError("boom")

    monkeypatch.setattr(Engine, "lint", explode)
    monkeypatch.setattr(Plugin, "_engine", None)
    lines = FLAGGED.splitlines(keepends=True)
    found = list(Plugin(ast.parse(FLAGGED), lines, "test_slow.py").run())
    assert len(found) == 1
    line, col, message, _ = found[0]
    assert (line, col) == (1, 0)
    assert message.startswith("MCK000 mocklint failed on this file (RuntimeError: boom")
    assert "please report" in message


def test_engine_contains_errors_raised_by_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    from mocklint.rules.pytest_config_global import PytestConfigGlobal

    def explode(self: object, node: object, site: object) -> None:
        raise KeyError("rule bug")

    monkeypatch.setattr(PytestConfigGlobal, "visit_Attribute", explode)
    result = Engine().lint(FLAGGED, "test_slow.py")
    assert result.internal_error is not None
    assert [d.code for d in result.diagnostics] == ["MCK000"]
    assert "KeyError" in result.diagnostics[0].message


# -- in a project with a conftest tree: the fixture rules (MCK3xx) -------------
# tests/conftest.py defines `db`, tests/api/conftest.py `client`, tests/web/conftest.py
# `signed_in_user`; TEST_ONE_FLAGGED in tests/api/ uses `pytest.config` (MCK201) and
# requests `signed_in_user`, which only tests/web/ sees (MCK301).
ONE = "tests/api/test_one.py"
MCK301_LINE = f"{ONE}:5:24: {MISSING_FIXTURE_MESSAGE}"


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    return write_project(tmp_path / "project", {ONE: TEST_ONE_FLAGGED})


def test_stdin_with_a_display_name_resolves_fixtures_like_the_file(tree: Path, flake8: Flake8) -> None:
    on_disk = flake8(ONE, cwd=tree)
    piped = flake8("--stdin-display-name", ONE, "-", cwd=tree, stdin=TEST_ONE_FLAGGED)
    assert codes(on_disk.stdout) == ["MCK201", "MCK301"], on_disk.stdout + on_disk.stderr
    assert MCK301_LINE in on_disk.stdout.splitlines()
    assert piped.stdout == on_disk.stdout
    assert piped.returncode == on_disk.returncode == 1


def test_stdin_is_the_unsaved_buffer_and_the_display_name_its_place(tree: Path, flake8: Flake8) -> None:
    (tree / ONE).write_text(TEST_ONE_MISSING_FIXTURE.replace("signed_in_user", "db"), encoding="utf-8")
    assert flake8(ONE, cwd=tree).stdout == ""  # the file on disk is fine
    buffer = flake8("--stdin-display-name", ONE, "-", cwd=tree, stdin=TEST_ONE_MISSING_FIXTURE)
    assert buffer.stdout.splitlines() == [f"{ONE}:1:24: {MISSING_FIXTURE_MESSAGE}"]
    # The same text as a new file under tests/web/, where `signed_in_user` is visible.
    # (`client` is tests/api's own: no plugin the project declares provides one)
    elsewhere = flake8("--stdin-display-name", "tests/web/test_new.py", "-", cwd=tree, stdin=TEST_ONE_MISSING_FIXTURE)
    assert "`signed_in_user`" not in elsewhere.stdout, elsewhere.stdout + elsewhere.stderr
    assert [line.split(" ", 2)[1] for line in elsewhere.stdout.splitlines()] == ["MCK301"], elsewhere.stdout
    assert "fixture `client` is not visible here" in elsewhere.stdout


def test_select_and_extend_ignore_on_the_command_line(tree: Path, flake8: Flake8) -> None:
    assert flake8("--select=MCK3", ".", cwd=tree).stdout.splitlines() == [f"./{MCK301_LINE}"]
    assert codes(flake8("--extend-ignore=MCK301", ".", cwd=tree).stdout) == ["MCK201"]


def test_per_file_ignores_in_dot_flake8(tree: Path, flake8: Flake8) -> None:
    (tree / ".flake8").write_text("[flake8]\nper-file-ignores =\n    tests/api/*: MCK301\n", encoding="utf-8")
    proc = flake8(".", cwd=tree, isolated=False)
    assert codes(proc.stdout) == ["MCK201"], proc.stdout + proc.stderr


def test_exclude(tree: Path, flake8: Flake8) -> None:
    assert flake8("--exclude=tests/api", ".", cwd=tree).stdout == ""
    assert codes(flake8("--exclude=tests/web", ".", cwd=tree).stdout) == ["MCK201", "MCK301"]


@pytest.mark.slow  # three flake8 processes with --jobs workers, each building the engine
def test_jobs_resolve_fixtures_and_options_in_every_worker(tree: Path) -> None:
    for i in range(5):
        (tree / "tests" / "api" / f"test_copy_{i}.py").write_text(TEST_ONE_MISSING_FIXTURE, encoding="utf-8")
    serial = run_flake8("--jobs=1", ".", cwd=tree)
    parallel = run_flake8("--jobs=2", ".", cwd=tree)
    assert sorted(parallel.stdout.splitlines()) == sorted(serial.stdout.splitlines())
    assert codes(parallel.stdout).count("MCK301") == 6, parallel.stdout + parallel.stderr
    overridden = run_flake8("--jobs=2", "--mocklint-extra-fixtures=signed_in_user", ".", cwd=tree)
    assert codes(overridden.stdout) == ["MCK201"], overridden.stdout + overridden.stderr


# -- mocklint's own settings under flake8 ---------------------------------------
PYPROJECT = '[tool.pytest.ini_options]\ntestpaths = ["tests"]\n'


def test_tool_mocklint_extra_fixtures_apply_and_the_option_replaces_them(tree: Path, flake8: Flake8) -> None:
    (tree / "pyproject.toml").write_text(
        PYPROJECT + '\n[tool.mocklint]\nextra-fixtures = ["signed_in_user"]\n', encoding="utf-8"
    )
    assert codes(flake8(".", cwd=tree).stdout) == ["MCK201"]
    replaced = flake8("--mocklint-extra-fixtures=live_server,other", ".", cwd=tree)
    assert MCK301_LINE in [line[2:] for line in replaced.stdout.splitlines()], replaced.stdout
    listed = flake8("--mocklint-extra-fixtures", "live_server, signed_in_user", ".", cwd=tree)
    assert codes(listed.stdout) == ["MCK201"], listed.stdout


def test_extra_fixtures_in_flake8_config_files(tree: Path, flake8: Flake8) -> None:
    (tree / "setup.cfg").write_text("[flake8]\nmocklint-extra-fixtures =\n    live_server,\n    signed_in_user\n")
    proc = flake8(".", cwd=tree, isolated=False)
    assert codes(proc.stdout) == ["MCK201"], proc.stdout + proc.stderr


MOCKER_TEST = "def test_send(mocker):\n    assert mocker\n"


def test_plugins_from_tool_mocklint_and_from_flake8_options(tmp_path: Path, flake8: Flake8) -> None:
    tree = write_project(tmp_path / "project", {"tests/api/test_mail.py": MOCKER_TEST})
    # pytest-mock is neither declared by the project nor installed next to flake8: no `mocker`
    undeclared = flake8(".", cwd=tree)
    assert codes(undeclared.stdout) == ["MCK301"], undeclared.stdout + undeclared.stderr
    assert "fixture `mocker` is not visible here" in undeclared.stdout  # why: in the detail, which flake8 omits
    (tree / "requirements-test.txt").write_text("pytest\npytest-mock>=3\n")
    assert flake8(".", cwd=tree).stdout == ""  # declared: its fixtures exist
    (tree / "requirements-test.txt").unlink()
    (tree / "pyproject.toml").write_text(PYPROJECT + '\n[tool.mocklint]\nplugins = ["pytest-asyncio"]\n')
    proc = flake8(".", cwd=tree)
    assert codes(proc.stdout) == ["MCK301"], proc.stdout + proc.stderr
    assert "fixture `mocker` is not visible here" in proc.stdout
    assert flake8("--mocklint-plugins=pytest-mock,pytest-asyncio", ".", cwd=tree).stdout == ""
    (tree / ".flake8").write_text("[flake8]\nmocklint-plugins = pytest-asyncio, pytest-mock\n")
    assert flake8(".", cwd=tree, isolated=False).stdout == ""
    assert codes(flake8("--mocklint-plugins=pytest-asyncio", ".", cwd=tree, isolated=False).stdout) == ["MCK301"]
