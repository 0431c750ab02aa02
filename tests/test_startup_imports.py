"""Start-up on a file that needs no analysis: no libcst, no project model.

pre-commit and editors lint one or two files at a time, where start-up is the
whole cost, and ``import libcst`` alone costs more than flake8's own start-up.
A file no rule can report on (the gates and ``might_report`` rule it out on
the text and the ``ast`` tree) must therefore be answered without importing
libcst, and without reading the conftest files of its project when none of
its tests requests a fixture.  Each entry is checked in a fresh interpreter,
through ``-X importtime`` (what was imported, not how long it took): flake8
with the cache off and on (a first run: the cache holds nothing yet), and the
command.  A file with a mock still gets libcst and its finding.

The conftest files are checked for MCK301 alone: the ``might_report`` of
MCK101-103 reads the fixtures of the conftest chain (with libcst) for any
test module, to know which of them may hand out a mock.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import List, Sequence, Set, Tuple

import pytest

#: no mock, no fixture requested: MCK101-103's and MCK301's gates match `def test`, their
#: ``might_report`` rule it out on the ``ast`` tree
PLAIN = "def test_sum():\n    assert 1 + 1 == 2\n"
#: a module no rule's gate matches at all
NO_TESTS = "TOTAL = 1 + 1\n"
#: a conftest whose fixtures only a test that requests one would need
CONFTEST = "import pytest\n\n\n@pytest.fixture\ndef db():\n    return {}\n"
#: an AsyncMock's coroutine that is never awaited: MCK103, which needs libcst
WITH_MOCK = "from unittest.mock import AsyncMock\n\n\ndef test_close():\n    client = AsyncMock()\n    client.close()\n"
MOCK_FINDING = "test_mock.py:6:5: MCK103 "


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project with a plain test module, a module without tests and one with a mock."""
    (tmp_path / "pyproject.toml").write_text("[tool.mocklint]\n", encoding="utf-8")
    (tmp_path / "test_plain.py").write_text(PLAIN, encoding="utf-8")
    (tmp_path / "helpers.py").write_text(NO_TESTS, encoding="utf-8")
    (tmp_path / "test_mock.py").write_text(WITH_MOCK, encoding="utf-8")
    return tmp_path


def imported(command: Sequence[str], cwd: Path) -> Tuple[Set[str], str]:
    """The modules ``python -X importtime <command>`` imported, and its stdout."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", *command], cwd=cwd, capture_output=True, text=True, timeout=120
    )
    assert done.returncode in (0, 1), done.stderr[-2000:]
    modules = set()
    for line in done.stderr.splitlines():
        if line.startswith("import time:") and line.count("|") == 2:
            modules.add(line.rsplit("|", 1)[1].strip())
    assert modules, "no -X importtime output"
    return modules, done.stdout


def libcst_modules(modules: Set[str]) -> List[str]:
    return sorted(name for name in modules if name == "libcst" or name.startswith("libcst."))


FLAKE8 = ["-m", "flake8", "--isolated"]


@pytest.mark.parametrize("name", ["test_plain.py", "helpers.py"])
@pytest.mark.parametrize("cache", [["--mocklint-no-cache"], []], ids=["no-cache", "first-cached-run"])
def test_flake8_lints_a_file_without_mocks_without_libcst(project: Path, name: str, cache: List[str]) -> None:
    modules, stdout = imported([*FLAKE8, *cache, name], project)
    assert stdout == ""
    # a module no rule's gate matches is answered from the gates shipped as data, before the engine
    assert ("mocklint.engine" in modules) == (name == "test_plain.py")
    assert libcst_modules(modules) == []


@pytest.mark.parametrize("name", ["test_plain.py", "helpers.py"])
def test_command_lints_a_file_without_mocks_without_libcst(project: Path, name: str) -> None:
    modules, stdout = imported(["-m", "mocklint", "--no-cache", name], project)
    assert stdout == ""
    assert ("mocklint.engine" in modules) == (name == "test_plain.py")
    assert libcst_modules(modules) == []


def test_the_command_asks_the_gates_of_the_selected_rules_only(project: Path) -> None:
    """A file whose only matching gates are those of rules not selected (here,
    or by the file's per-file-ignores) is answered without the engine; selected,
    the same rule still reports."""
    (project / "test_config.py").write_text("import pytest\n\nVERBOSE = pytest.config\n", encoding="utf-8")
    modules, stdout = imported(["-m", "mocklint", "--no-cache", "--select", "MCK3", "test_config.py"], project)
    assert stdout == "" and "mocklint.engine" not in modules
    (project / "pyproject.toml").write_text(
        '[tool.mocklint.per-file-ignores]\n"test_config.py" = ["MCK201"]\n', encoding="utf-8"
    )
    modules, stdout = imported(["-m", "mocklint", "--no-cache", "test_config.py"], project)
    assert stdout == "" and "mocklint.engine" not in modules
    (project / "pyproject.toml").write_text("[tool.mocklint]\n", encoding="utf-8")
    modules, stdout = imported(["-m", "mocklint", "--no-cache", "test_config.py"], project)
    assert "test_config.py:3:11: MCK201 " in stdout and "mocklint.engine" in modules


@pytest.mark.parametrize(
    "command",
    [[*FLAKE8, "--mocklint-no-cache"], [*FLAKE8], ["-m", "mocklint", "--no-cache"]],
    ids=["flake8-no-cache", "flake8-cached", "command"],
)
def test_a_file_with_a_mock_still_gets_libcst_and_its_finding(project: Path, command: List[str]) -> None:
    modules, stdout = imported([*command, "test_plain.py", "test_mock.py"], project)
    assert MOCK_FINDING in stdout
    assert "libcst" in modules


ENGINE_SCRIPT = """\
import json, sys
from mocklint.analysis import reads
from mocklint.analysis.pytest_model import project
from mocklint.engine import Engine
from mocklint.settings import Selection

engine = Engine(Selection(select=(sys.argv[1],)))
findings = {}
with reads.recording() as dependencies:
    for name in sys.argv[2:]:
        with open(name, encoding="utf-8") as handle:
            findings[name] = [d.code for d in engine.lint(handle.read(), name).diagnostics]
print(json.dumps({
    "findings": findings,
    "libcst": "libcst" in sys.modules,
    "conftest_parses": project.PARSES[0],
    "read": sorted(dependencies.files),
}))
"""


def lint_in_process(cwd: Path, select: str, *names: str) -> dict:
    """The findings of an engine running the ``select`` codes on ``names``, in a
    fresh interpreter, with what it imported and read."""
    done = subprocess.run(
        [sys.executable, "-c", ENGINE_SCRIPT, select, *names], cwd=cwd, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def test_the_engine_imports_no_libcst_for_files_without_mocks(project: Path) -> None:
    """``sys.modules`` itself, after every rule ran: no import path escapes (``-X importtime``
    lists only imports made through the import statement's machinery)."""
    found = lint_in_process(project, "MCK", "test_plain.py", "helpers.py")
    assert found["findings"] == {"test_plain.py": [], "helpers.py": []}
    assert found["libcst"] is False
    found = lint_in_process(project, "MCK", "test_plain.py", "test_mock.py")
    assert found["findings"] == {"test_plain.py": [], "test_mock.py": ["MCK103"]}
    assert found["libcst"] is True


def test_mck301_reads_no_conftest_for_a_test_that_requests_no_fixture(project: Path) -> None:
    (project / "conftest.py").write_text(CONFTEST, encoding="utf-8")
    found = lint_in_process(project, "MCK301", "test_plain.py")
    assert found["findings"] == {"test_plain.py": []}
    assert found["libcst"] is False
    assert found["conftest_parses"] == 0
    assert str(project / "conftest.py") not in found["read"]
    assert str(project / "requirements.txt") not in found["read"]  # nor the plugins the project declares


def test_mck301_still_reads_the_conftest_for_a_test_that_requests_a_fixture(project: Path) -> None:
    """The conftest is read where a request needs it: ``db`` is provided, ``missing`` is not."""
    (project / "conftest.py").write_text(CONFTEST, encoding="utf-8")
    (project / "test_db.py").write_text("def test_db(db, missing):\n    assert db == {}\n", encoding="utf-8")
    found = lint_in_process(project, "MCK301", "test_plain.py", "test_db.py")
    assert found["findings"] == {"test_plain.py": [], "test_db.py": ["MCK301"]}
    assert found["conftest_parses"] == 1
    assert str(project / "conftest.py") in found["read"]
