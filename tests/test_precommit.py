"""Both ways of running mocklint from pre-commit, with real pre-commit in a
temporary git repository holding a conftest tree (``support.PROJECT_FILES``):

1. this repository's ``mocklint`` hook (.pre-commit-hooks.yaml), through
   ``pre-commit try-repo``;
2. flake8's hook with mocklint as an additional dependency: the README's
   ``repo: local`` configuration, installed (``pre-commit install``) and run by
   ``git commit`` and by ``pre-commit run --files``.

Fixture findings (MCK301) must come out right when pre-commit passes a single
changed test file: the conftest files are found from the file's place.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Dict, Optional

import pytest
from support import (
    FLAKE8,
    MISSING_FIXTURE_MESSAGE,
    TEST_ONE_FLAGGED,
    cache_dir,
    checkout_snapshot,
    pre_commit_home,
    write_project,
)

ROOT = Path(__file__).resolve().parent.parent
ONE = "tests/api/test_one.py"
MCK201_LINE = f"{ONE}:4:25: MCK201 `pytest.config` was removed in pytest 5.1"
MCK301_LINE = f"{ONE}:5:24: {MISSING_FIXTURE_MESSAGE}"

pytestmark = [pytest.mark.slow, pytest.mark.skipif(shutil.which("git") is None, reason="needs git")]


def _git(
    *args: str, cwd: Path, env: Optional[Dict[str, str]] = None, check: bool = True
) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=cwd, check=check, capture_output=True, text=True, env=env, timeout=900)


@pytest.fixture
def user_repo(tmp_path: Path) -> Path:
    repo = tmp_path / "user-project"
    repo.mkdir()
    _git("init", "-q", cwd=repo)
    _git("config", "user.email", "dev@example.invalid", cwd=repo)
    _git("config", "user.name", "dev", cwd=repo)
    _git("config", "commit.gpgsign", "false", cwd=repo)
    write_project(repo)
    return repo


def _env(home: Path) -> Dict[str, str]:
    return dict(os.environ, PRE_COMMIT_HOME=str(home), PRE_COMMIT_COLOR="never")


def _pre_commit(*args: str, cwd: Path, home: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", *args],
        cwd=cwd,
        env=_env(home),
        capture_output=True,
        text=True,
        timeout=900,
    )


def _hook_output(output: str, hook: str) -> str:
    """What pre-commit printed for one hook (from its ``- hook id:`` line on)."""
    return output.split(f"- hook id: {hook}", 1)[-1]


# -- 1. this repository's hook ------------------------------------------------
def test_mocklint_hook_via_try_repo(user_repo: Path) -> None:
    """try-repo installs the hook from this checkout's committed files plus its
    uncommitted changes to tracked files (pre-commit's shadow commit)."""
    home = cache_dir("pre-commit")
    _git("add", "-A", cwd=user_repo)
    _git("commit", "-q", "-m", "clean", cwd=user_repo)

    def try_repo(*files: str) -> subprocess.CompletedProcess:
        return _pre_commit("try-repo", str(ROOT), "mocklint", "--files", *files, cwd=user_repo, home=home)

    clean = try_repo(ONE, "tests/web/test_pages.py", "tests/conftest.py")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert re.search(r"^mocklint\.+Passed$", clean.stdout, re.M), clean.stdout

    (user_repo / ONE).write_text(TEST_ONE_FLAGGED, encoding="utf-8")
    _git("add", ONE, cwd=user_repo)
    flagged = try_repo(ONE)  # only the changed file, as pre-commit passes it on a commit
    output = flagged.stdout + flagged.stderr
    assert flagged.returncode == 1, output
    reported = _hook_output(output, "mocklint").splitlines()
    assert any(line.startswith(MCK201_LINE) for line in reported), output
    assert MCK301_LINE in reported, output
    assert "test_pages.py" not in _hook_output(output, "mocklint")


# -- 2. flake8's hook, mocklint as an additional dependency -----------------------
def _readme_local_flake8_config() -> str:
    """The README's `repo: local` flake8 configuration, verbatim."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```yaml\n(.*?)```", readme, re.S)
    local = [block for block in blocks if "repo: local" in block and "id: flake8" in block]
    assert len(local) == 1, "README.md should show one `repo: local` flake8 hook"
    return local[0]


def test_flake8_hook_with_mocklint_as_additional_dependency(user_repo: Path) -> None:
    config = _readme_local_flake8_config()
    # In real use `mocklint` comes from PyPI; here it is this checkout (pip
    # installs the path), and flake8 is pinned.
    deps = "additional_dependencies: [flake8, mocklint]"
    assert deps in config, config
    config = config.replace(deps, f"additional_dependencies: [{FLAKE8}, {checkout_snapshot()}]")
    (user_repo / ".pre-commit-config.yaml").write_text(config, encoding="utf-8")
    home = pre_commit_home("flake8")
    env = _env(home)

    installed = _pre_commit("install", cwd=user_repo, home=home)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    _git("add", "-A", cwd=user_repo)
    commit = _git("commit", "-m", "a clean project", cwd=user_repo, env=env, check=False)
    assert commit.returncode == 0, commit.stdout + commit.stderr
    assert re.search(r"^flake8\.+Passed$", commit.stdout + commit.stderr, re.M), commit.stdout + commit.stderr

    # A commit changing one test file: the hook gets that file alone.
    (user_repo / ONE).write_text(TEST_ONE_FLAGGED, encoding="utf-8")
    _git("add", ONE, cwd=user_repo)
    rejected = _git("commit", "-m", "flagged", cwd=user_repo, env=env, check=False)
    output = rejected.stdout + rejected.stderr
    assert rejected.returncode == 1, output
    reported = _hook_output(output, "flake8").splitlines()
    assert any(line.startswith(MCK201_LINE) for line in reported), output
    assert MCK301_LINE in reported, output
    assert _git("rev-list", "--count", "HEAD", cwd=user_repo).stdout.strip() == "1"  # nothing committed

    run = _pre_commit("run", "--files", ONE, cwd=user_repo, home=home)
    assert run.returncode == 1, run.stdout + run.stderr
    assert MCK301_LINE in _hook_output(run.stdout, "flake8").splitlines(), run.stdout

    clean = _pre_commit("run", "--files", "tests/web/test_pages.py", "tests/conftest.py", cwd=user_repo, home=home)
    assert clean.returncode == 0, clean.stdout + clean.stderr
