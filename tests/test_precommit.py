"""The hook in .pre-commit-hooks.yaml, run by real pre-commit (``try-repo``)
against a temporary git repository."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from support import cache_dir

ROOT = Path(__file__).resolve().parent.parent

FLAGGED = '''\
import pytest


@pytest.mark.skipif(not pytest.config.getoption("--slow"), reason="slow")
def test_big_upload():
    pass
'''

CLEAN = '''\
import pytest


@pytest.mark.skipif("not config.getoption('--slow')", reason="slow")
def test_big_upload():
    pass
'''


def _git(*args: str, cwd: Path) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True)


@pytest.fixture
def user_repo(tmp_path: Path) -> Path:
    repo = tmp_path / "user-project"
    (repo / "tests").mkdir(parents=True)
    _git("init", "-q", cwd=repo)
    _git("config", "user.email", "dev@example.invalid", cwd=repo)
    _git("config", "user.name", "dev", cwd=repo)
    return repo


def _try_repo(repo: Path, *files: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PRE_COMMIT_HOME=str(cache_dir("pre-commit")), PRE_COMMIT_COLOR="never")
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(ROOT), "mocklint", "--files", *files],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_hook_fails_on_a_flagged_file_and_passes_on_a_clean_one(user_repo: Path) -> None:
    (user_repo / "tests" / "test_slow.py").write_text(FLAGGED, encoding="utf-8")
    (user_repo / "tests" / "test_fine.py").write_text(CLEAN, encoding="utf-8")
    _git("add", "-A", cwd=user_repo)

    flagged = _try_repo(user_repo, "tests/test_slow.py", "tests/test_fine.py")
    output = flagged.stdout + flagged.stderr
    assert flagged.returncode == 1, output
    assert "tests/test_slow.py:4:25: MCK201" in output
    assert "test_fine.py" not in output.split("- hook id: mocklint", 1)[-1]

    clean = _try_repo(user_repo, "tests/test_fine.py")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "Passed" in clean.stdout
