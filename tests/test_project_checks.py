"""The project model checks its files once per file linted, and still sees every change between files.

A rule asks the model many questions about one file (which conftest levels,
which fixtures, which mock fixtures): each used to ``stat`` every file the
model was built from again (on aiogram's tests, 82,000 calls for 300 files).
"""

from __future__ import annotations

from pathlib import Path
from typing import List

import pytest

from mocklint.analysis.pytest_model import project
from mocklint.engine import Engine

CONFTEST = "import pytest\n\n\n@pytest.fixture\ndef db():\n    return {}\n"
#: asked about by several rules: the fixtures (MCK301), the mock fixtures (MCK101-103), a mock
TEST = (
    "from unittest.mock import MagicMock\n\n\n"
    "def test_db(db):\n    client = MagicMock()\n    client.get(db)\n\n\n"
    "def test_other(db, cache):\n    assert db\n"
)


@pytest.fixture
def checked(monkeypatch: pytest.MonkeyPatch) -> List[str]:
    """The paths whose signature the model takes, in order."""
    seen: List[str] = []
    original = project._signature

    def counting(path: str):  # type: ignore[no-untyped-def]
        seen.append(path)
        return original(path)

    monkeypatch.setattr(project, "_signature", counting)
    return seen


def _project(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text("[tool.pytest.ini_options]\n", encoding="utf-8")
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "conftest.py").write_text(CONFTEST, encoding="utf-8")
    return tmp_path / "tests" / "test_db.py"


def test_within_one_lint_each_file_of_the_model_is_checked_once(tmp_path: Path, checked: List[str]) -> None:
    test = _project(tmp_path)
    engine = Engine()
    engine.lint(TEST, str(test))  # builds the model
    checked.clear()
    result = engine.lint(TEST, str(test))
    assert not result.diagnostics and result.parsed
    assert checked and len(checked) == len(set(checked)), checked  # a question more costs no stat more


def test_a_conftest_changed_between_two_lints_is_seen(tmp_path: Path) -> None:
    test = _project(tmp_path)
    engine = Engine()
    assert [d.code for d in engine.lint(TEST, str(test)).diagnostics] == []
    (tmp_path / "tests" / "conftest.py").write_text("import pytest\n", encoding="utf-8")
    assert [d.code for d in engine.lint(TEST, str(test)).diagnostics] == ["MCK301", "MCK301"]


def test_outside_a_lint_every_question_checks_again(tmp_path: Path, checked: List[str]) -> None:
    test = _project(tmp_path)
    project.model_for_path(str(test))
    checked.clear()
    project.model_for_path(str(test))
    project.model_for_path(str(test))
    assert len(checked) == 2 * len(set(checked)) > 0
