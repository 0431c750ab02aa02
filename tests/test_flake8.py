"""flake8 itself, run in a subprocess: the entry point loads and flake8's own
selection, configuration and ``# noqa`` apply to mocklint's codes."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path
from typing import List

import pytest

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


def flake8(*args: str, cwd: Path, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "flake8", "--isolated", *args] if "--config" not in " ".join(args)
        else [sys.executable, "-m", "flake8", *args],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


def codes(output: str) -> List[str]:
    return [line.split(" ", 2)[1] for line in output.splitlines() if line.strip()]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "test_slow.py").write_text(FLAGGED, encoding="utf-8")
    return tmp_path


def test_codes_are_on_by_default(project: Path) -> None:
    proc = flake8("test_slow.py", cwd=project)
    assert proc.returncode == 1, proc.stderr
    assert "test_slow.py:4:25: MCK201 `pytest.config` was removed in pytest 5.1" in proc.stdout
    assert codes(proc.stdout) == ["MCK201"]  # and nothing on request.config


def test_select_mck_only(project: Path) -> None:
    (project / "test_style.py").write_text("import os\nimport pytest\nx=pytest.config\n", encoding="utf-8")
    proc = flake8("--select=MCK", ".", cwd=project)
    assert sorted(codes(proc.stdout)) == ["MCK201", "MCK201"], proc.stdout
    everything = flake8(".", cwd=project)
    assert {"F401", "E225", "MCK201"} <= set(codes(everything.stdout))


def test_extend_ignore_in_config_file(project: Path) -> None:
    (project / "setup.cfg").write_text("[flake8]\nextend-ignore = MCK201\n", encoding="utf-8")
    proc = flake8("--config", "setup.cfg", "test_slow.py", cwd=project)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout == ""


def test_per_file_ignores(project: Path) -> None:
    (project / "setup.cfg").write_text("[flake8]\nper-file-ignores =\n    test_slow.py: MCK2\n", encoding="utf-8")
    proc = flake8("--config", "setup.cfg", "test_slow.py", cwd=project)
    assert proc.stdout == ""


@pytest.mark.parametrize("comment", ["# noqa: MCK201", "# noqa:MCK2", "# noqa"])
def test_noqa(project: Path, comment: str) -> None:
    source = FLAGGED.replace('reason="slow")', f'reason="slow")  {comment}')
    (project / "test_slow.py").write_text(source, encoding="utf-8")
    proc = flake8("--max-line-length=120", "test_slow.py", cwd=project)
    assert proc.stdout == "", proc.stdout


def test_noqa_for_another_code_keeps_the_finding(project: Path) -> None:
    source = FLAGGED.replace('reason="slow")', 'reason="slow")  # noqa: E501')
    (project / "test_slow.py").write_text(source, encoding="utf-8")
    assert codes(flake8("--max-line-length=120", "test_slow.py", cwd=project).stdout) == ["MCK201"]


def test_syntax_error_gets_only_e999(project: Path) -> None:
    (project / "test_broken.py").write_text("import pytest\npytest.config.x(\n", encoding="utf-8")
    proc = flake8("test_broken.py", cwd=project)
    assert codes(proc.stdout) == ["E999"], proc.stdout


def test_stdin_uses_display_name(project: Path) -> None:
    proc = flake8("--stdin-display-name", "tests/test_slow.py", "-", cwd=project, stdin=FLAGGED)
    assert proc.stdout.startswith("tests/test_slow.py:4:25: MCK201"), proc.stdout


def test_jobs_gives_the_same_findings(project: Path) -> None:
    for i in range(6):
        (project / f"test_copy_{i}.py").write_text(FLAGGED, encoding="utf-8")
    serial = flake8("--jobs=1", ".", cwd=project)
    parallel = flake8("--jobs=2", ".", cwd=project)
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
