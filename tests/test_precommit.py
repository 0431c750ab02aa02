"""Both ways of running mocklint from pre-commit, with real pre-commit in a
temporary git repository holding a conftest tree (``support.PROJECT_FILES``),
each configuration taken verbatim from the README but for the URL of
mocklint's repository, which becomes a local git repository holding this
checkout, tagged as the README's ``rev`` (``support.release_repo``):

1. this repository's ``mocklint`` hook (.pre-commit-hooks.yaml), at the README's ``rev``;
2. flake8's hook with mocklint as an additional dependency (``mocklint @
   git+...@<tag>``): the README's ``repo: local`` configuration, installed
   (``pre-commit install``) and run by ``git commit`` and by ``pre-commit run --files``.

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
    pre_commit_home,
    release_repo,
    unavailable,
    write_project,
)

ROOT = Path(__file__).resolve().parent.parent
ONE = "tests/api/test_one.py"
MCK201_LINE = f"{ONE}:4:25: MCK201 `pytest.config` raises `AttributeError`: pytest 5.1 removed it"
MCK301_LINE = f"{ONE}:5:24: {MISSING_FIXTURE_MESSAGE}"

#: the README's git requirement for mocklint: ``mocklint @ git+<url>@<tag>``
README_REQUIREMENT = re.compile(r"mocklint @ git\+(?P<url>https://[^\s\"'@]+)@(?P<tag>[\w.\-]+)")

pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def _needs_git() -> None:
    if shutil.which("git") is None:
        unavailable("needs git")


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


def _readme_yaml(*needles: str) -> str:
    """The README's one pre-commit configuration holding all of ``needles``, verbatim."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = [b for b in re.findall(r"```yaml\n(.*?)```", readme, re.S) if all(n in b for n in needles)]
    assert len(blocks) == 1, f"README.md should show one pre-commit configuration with {needles}"
    return blocks[0]


# -- 1. this repository's hook ------------------------------------------------
def test_mocklint_hook_from_the_readme(user_repo: Path) -> None:
    """The README's ``repo:``/``rev:``/``id: mocklint``: pre-commit clones the
    repository at that tag and installs the hook (.pre-commit-hooks.yaml)."""
    config = _readme_yaml("id: mocklint")
    rev = re.search(r"^\s*rev: (\S+)$", config, re.M)
    url = re.search(r"^(\s*- repo: )(\S+)(.*)$", config, re.M)
    assert rev and url and url.group(2).startswith("https://"), config
    repo = release_repo(rev.group(1))
    config = config.replace(url.group(0), f"{url.group(1)}{repo}")
    (user_repo / ".pre-commit-config.yaml").write_text(config, encoding="utf-8")
    home = pre_commit_home("hook")
    _git("add", "-A", cwd=user_repo)
    _git("commit", "-q", "-m", "clean", cwd=user_repo)

    def run_hook(*files: str) -> subprocess.CompletedProcess:
        return _pre_commit("run", "--files", *files, cwd=user_repo, home=home)

    clean = run_hook(ONE, "tests/web/test_pages.py", "tests/conftest.py")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert re.search(r"^mocklint\.+Passed$", clean.stdout, re.M), clean.stdout

    (user_repo / ONE).write_text(TEST_ONE_FLAGGED, encoding="utf-8")
    _git("add", ONE, cwd=user_repo)
    flagged = run_hook(ONE)  # only the changed file, as pre-commit passes it on a commit
    output = flagged.stdout + flagged.stderr
    assert flagged.returncode == 1, output
    reported = _hook_output(output, "mocklint").splitlines()
    assert any(line.startswith(MCK201_LINE) for line in reported), output
    assert MCK301_LINE in reported, output
    assert "test_pages.py" not in _hook_output(output, "mocklint")


# -- 2. flake8's hook, mocklint as an additional dependency -----------------------
def test_flake8_hook_with_mocklint_as_additional_dependency(user_repo: Path) -> None:
    config = _readme_yaml("repo: local", "id: flake8")
    # mocklint from git at the README's tag (a local repository holding this
    # checkout stands for the URL), flake8 pinned.
    requirement = README_REQUIREMENT.search(config)
    deps = f'additional_dependencies: [flake8, "{requirement.group(0) if requirement else ""}"]'
    assert requirement and deps in config, config
    local = f"mocklint @ git+{release_repo(requirement.group('tag')).as_uri()}@{requirement.group('tag')}"
    config = config.replace(deps, f'additional_dependencies: [{FLAKE8}, "{local}"]')
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
