"""The README's setup routes say what works.

- Every way it installs mocklint is a checkout (``.``) or the git form
  ``mocklint @ git+<url>@<tag>``, never a name an index would have to serve,
  and every tag, the pre-commit ``rev`` included, is the release of this
  checkout's version.
- The git form builds: pip builds a wheel from the README's line with the URL
  replaced by a local git repository tagged as the line says (``slow``).
- The README's test command is the one ``.ci/run`` starts with, and what it
  promises holds: a test not marked ``slow`` cannot reach the download cache,
  and under ``CI=true`` a missing program fails a test instead of skipping it.

The editor and pre-commit recipes are run verbatim by ``test_editors.py`` and
``test_precommit.py``.
"""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import List

import pytest
import support
from support import ROOT, release_repo, unavailable

from mocklint import __version__

README = (ROOT / "README.md").read_text(encoding="utf-8")
RELEASE_TAG = f"v{__version__}"

#: ``mocklint @ git+<url>@<tag>``, with extras or not
GIT_REQUIREMENT = re.compile(r"mocklint(?:\[[\w,]+\])? @ git\+(?P<url>https://[^\s\"'@]+)@(?P<tag>[\w.\-]+)")


def _code_blocks(language: str) -> List[str]:
    return [block for block in re.findall(rf"^ *```{language}\n(.*?)^ *```", README, re.S | re.M)]


def _pip_install_lines() -> List[str]:
    """Every ``pip install`` command of the README, in code blocks or inline code."""
    lines = [line for block in _code_blocks("(?:sh|yaml)") for line in block.splitlines() if "pip install" in line]
    return lines + re.findall(r"`([^`\n]*pip install[^`\n]*)`", README)


def test_every_install_line_names_a_checkout_or_the_release_tag() -> None:
    lines = [line.split("#", 1)[0] for line in _pip_install_lines()]
    assert lines, "README.md shows no install command"
    for line in lines:
        arguments = line.split("pip install", 1)[1].split("&&", 1)[0]
        if "mocklint" in arguments:
            assert GIT_REQUIREMENT.search(arguments), f"{line.strip()!r}: mocklint from an index, which lacks it"
    for requirement in GIT_REQUIREMENT.finditer(README):
        assert requirement.group("tag") == RELEASE_TAG, requirement.group(0)
    assert len({m.group("url") for m in GIT_REQUIREMENT.finditer(README)}) == 1, "one repository URL throughout"


def test_pre_commit_recipes_name_the_release_and_an_existing_hook() -> None:
    hooks = (ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8")
    (own,) = [block for block in _code_blocks("yaml") if "id: mocklint" in block]
    assert re.search(rf"^\s*rev: {re.escape(RELEASE_TAG)}$", own, re.M), own
    assert re.search(r"^- id: mocklint$", hooks, re.M)
    for block in _code_blocks("yaml"):
        for deps in re.findall(r"additional_dependencies: \[(.*)\]", block):
            mocklint = [d.strip() for d in deps.split(",") if "mocklint" in d]
            assert mocklint and all(GIT_REQUIREMENT.fullmatch(d.strip("\"'")) for d in mocklint), deps


def test_the_test_command_is_the_one_ci_runs() -> None:
    (first,) = [b for b in _code_blocks("sh") if "mocklint demo" in b]
    commands = [line for line in first.splitlines() if line and not line.startswith("#")]
    assert commands[0] == "python -m pip install . && mocklint demo"
    test_command = commands[1]
    assert test_command == 'python -m pip install ".[test]" && python -m pytest -m "not slow"'
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert f"{test_command} && python -m pytest -m slow" in ci
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert re.search(r'^\s*"slow: ', pyproject, re.M), "pyproject.toml declares the `slow` marker"


def test_a_test_not_marked_slow_cannot_fetch() -> None:
    with pytest.raises(RuntimeError, match="mark it @pytest.mark.slow"):
        support.cache_dir("anything")


@pytest.mark.parametrize(("ci", "outcome"), [(True, pytest.fail.Exception), (False, pytest.skip.Exception)])
def test_a_missing_program_fails_under_ci(ci: bool, outcome: type, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(support, "ON_CI", ci)
    with pytest.raises(outcome, match="needs no_such_module_here"):
        support.import_or_unavailable("no_such_module_here")


@pytest.mark.slow  # pip fetches setuptools to build, as it does for any install
def test_the_git_install_line_builds_mocklint(tmp_path: Path) -> None:
    """``pip install "mocklint @ git+<url>@<tag>"`` as the README writes it, the
    URL pointing at a local repository with this checkout tagged ``<tag>``:
    the wheel pip builds is this version, with its data files and entry points."""
    installing = README.split("\n## Installing\n", 1)[1].split("\n## ", 1)[0]
    requirement = GIT_REQUIREMENT.search(installing)
    assert requirement is not None, "the Installing section shows no git install line"
    try:
        repo = release_repo(requirement.group("tag"))
    except (OSError, RuntimeError) as exc:
        unavailable(f"cannot make a git repository here: {exc}")
    # `file://localhost/...`: pip 23.0 (Python 3.10's ensurepip) reads `git+file:///path@tag` as a path
    local = requirement.group(0).replace(requirement.group("url"), repo.as_uri().replace("file:///", "file://localhost/", 1))
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--disable-pip-version-check", "-q"]
    done = subprocess.run([*command, "-w", str(tmp_path), local], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    (wheel,) = tmp_path.glob("mocklint-*.whl")
    assert wheel.name.startswith(f"mocklint-{__version__}-")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        entry_points = archive.read(f"mocklint-{__version__}.dist-info/entry_points.txt").decode("utf-8")
    assert "mocklint/engine.py" in names and any(n.startswith("mocklint/data/") and n.endswith(".json") for n in names)
    assert "mocklint = mocklint.cli:main" in entry_points
    assert "MCK = mocklint.flake8_plugin:Plugin" in entry_points
