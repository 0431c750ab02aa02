"""Helpers shared by tests that run external programs.

Programs from the package registry (python-lsp-server, pinned flake8, pygls,
pre-commit's hook environments) are installed into a cache outside the
repository, once, and reused: ``cache_dir``.  What they install of mocklint is
``checkout_snapshot()``, a copy of this checkout's installable files named by
their content, so a change to the code reaches them (and nothing is built
inside the repository), while an unchanged checkout reinstalls nothing.

Only tests marked ``slow`` may fetch anything: ``cache_dir`` refuses the others
(``conftest.py`` says which test is running), so the README's test command,
``python -m pytest -m "not slow"``, downloads nothing and writes nothing to the
cache.  Under ``CI=true`` a test cannot skip for want of a program or package
(``unavailable``): CI must run everything.
"""

from __future__ import annotations

import ast
import contextlib
import hashlib
import importlib
import json
import os
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Dict, Iterator, List, Mapping, NoReturn, Optional, Sequence, Tuple

import pytest

if TYPE_CHECKING:  # pragma: no cover
    import libcst as cst
    from libcst.metadata import CodeRange

ROOT = Path(__file__).resolve().parent.parent

# The versions the editor and pre-commit tests exercise (each supports Python 3.9 to 3.13).
FLAKE8 = "flake8==7.3.0"
PYTHON_LSP_SERVER = "python-lsp-server==1.15.0"
PYGLS_VERSIONS = ("1.3.1", "2.1.1")  # the oldest the `lsp` extra allows, and the newest

PY = f"py{sys.version_info[0]}.{sys.version_info[1]}"

#: CI sets ``CI=true`` (.ci/run runs under it); so do GitHub Actions and most CI services.
ON_CI = os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")

#: Whether the running test may fetch things (it is marked ``slow``); set by conftest.py.
fetching_allowed = True


def write_app_project(root: Path, files: Dict[str, str]) -> Path:
    """A pytest project at ``root`` with an ``app`` package and ``files`` (dedented): ``root``."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    for name, text in {"app/__init__.py": "", **files}.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return root


def provider_positions(module: "cst.Module") -> "Mapping[cst.CSTNode, CodeRange]":
    """libcst's own ``PositionProvider`` ranges of every node of ``module``: what positions must equal."""
    from libcst.metadata import MetadataWrapper, PositionProvider

    return MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)


def count_statement_answers(monkeypatch: pytest.MonkeyPatch) -> List[bool]:
    """Whether each call of ``positions_of`` given a text and a tree was answered
    from the statements holding the nodes (True) or fell back to the whole module."""
    from mocklint.analysis.syntax import positions

    answered: List[bool] = []
    placed = positions._statements_placed

    def counted(*args):  # type: ignore[no-untyped-def]
        found = placed(*args)
        answered.append(found is not None)
        return found

    monkeypatch.setattr(positions, "_statements_placed", counted)
    return answered


def unavailable(reason: str) -> NoReturn:
    """Skip a test for want of a program or package here; fail it under ``CI=true``,
    where a skip would hide that a check never ran."""
    if ON_CI:
        pytest.fail(f"{reason} (CI=true: CI must be able to run every test)", pytrace=False)
    pytest.skip(reason)


def import_or_unavailable(name: str) -> ModuleType:
    """``pytest.importorskip`` that fails under ``CI=true`` (``unavailable``)."""
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        unavailable(f"needs {name}: {exc}")


def cache_dir(name: str) -> Path:
    """A cache folder outside the repository for things tests fetch from the
    package registry (``$MOCKLINT_TEST_CACHE`` or ``~/.cache/mocklint-tests``).
    Only tests marked ``slow`` get one: the others must run offline."""
    if not fetching_allowed:
        raise RuntimeError(
            f"a test not marked `slow` asked for the download cache ({name!r}): mark it "
            "@pytest.mark.slow, or make it work without fetching anything"
        )
    base = os.environ.get("MOCKLINT_TEST_CACHE") or os.path.join(os.path.expanduser("~"), ".cache", "mocklint-tests")
    path = Path(base) / name
    path.mkdir(parents=True, exist_ok=True)
    return path


@contextlib.contextmanager
def locked(name: str) -> Iterator[None]:
    """Serialise the set-up of one cached thing between concurrent test runs."""
    lock_path = cache_dir("locks") / f"{name}.lock"
    with open(lock_path, "a+") as handle:
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows: no concurrent runs expected
            yield
            return
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# -- this checkout, as pip would install it ----------------------------------
_SNAPSHOT_FILES = ("pyproject.toml", "README.md")
_SNAPSHOT_TREES = ("src",)


def _snapshot_sources() -> Dict[str, Path]:
    found = {name: ROOT / name for name in _SNAPSHOT_FILES}
    for tree in _SNAPSHOT_TREES:
        for folder, dirs, files in os.walk(ROOT / tree):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__" and not d.endswith(".egg-info"))
            for name in sorted(files):
                if name.endswith((".pyc", ".pyo")):
                    continue
                path = Path(folder) / name
                found[path.relative_to(ROOT).as_posix()] = path
    return found


_snapshot: Optional[Path] = None


def checkout_snapshot() -> Path:
    """A copy of what ``pip install <this checkout>`` needs, in the cache, named
    by a hash of its content (old copies are removed after a day unused)."""
    global _snapshot
    if _snapshot is not None and _snapshot.exists():
        return _snapshot
    sources = _snapshot_sources()
    digest = hashlib.sha256()
    for rel, path in sorted(sources.items()):
        if rel != "README.md":  # only the package's long description: no reinstall for a README edit
            digest.update(rel.encode() + b"\0" + path.read_bytes() + b"\0")
    name = f"mocklint-{digest.hexdigest()[:16]}"
    parent = cache_dir("checkout")
    target = parent / name
    with locked("checkout"):
        if not target.exists():
            staging = parent / f".{name}.{os.getpid()}"
            shutil.rmtree(staging, ignore_errors=True)
            for rel, path in sources.items():
                destination = staging / rel
                destination.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, destination)
            os.replace(staging, target)
        os.utime(target)
        for old in parent.iterdir():
            if old != target and old.name.startswith("mocklint-") and time.time() - old.stat().st_mtime > 86400:
                shutil.rmtree(old, ignore_errors=True)
    _snapshot = target
    return target


def snapshot_key() -> str:
    return checkout_snapshot().name.rsplit("-", 1)[-1]


def release_repo(tag: str) -> Path:
    """A git repository in the cache holding this checkout's installable files
    and ``.pre-commit-hooks.yaml`` in one commit tagged ``tag``: what the
    README's ``git+https://...@<tag>`` and pre-commit ``rev:`` lines name, with
    this checkout's code (one per checkout content and tag, so pip and pre-commit,
    which cache by URL and rev, never reuse older code)."""
    snapshot = checkout_snapshot()
    parent = cache_dir("release-repos")
    hooks = ROOT / ".pre-commit-hooks.yaml"
    repo = parent / f"{snapshot.name}-{hashlib.sha256(hooks.read_bytes()).hexdigest()[:8]}-{tag}"
    identity = ["-c", "user.name=mocklint tests", "-c", "user.email=tests@example.invalid"]
    git = ["git", *identity, "-c", "commit.gpgsign=false"]
    with locked("release-repo"):
        if not (repo / ".git").exists():
            staging = parent / f".{repo.name}.{os.getpid()}"
            shutil.rmtree(staging, ignore_errors=True)
            shutil.copytree(snapshot, staging)
            shutil.copyfile(hooks, staging / hooks.name)
            for step in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "release"], ["tag", tag]):
                _run([*git, "-C", str(staging), *step], f"git {step[0]} in {staging}", timeout=120)
            os.replace(staging, repo)
        for old in parent.iterdir():
            if old != repo and old.name.startswith("mocklint-") and time.time() - old.stat().st_mtime > 86400:
                shutil.rmtree(old, ignore_errors=True)
        os.utime(repo)
    return repo


# -- virtual environments with pinned tools ----------------------------------
def _run(command: Sequence[str], what: str, timeout: float = 900) -> None:
    proc = subprocess.run(list(command), capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        raise RuntimeError(f"{what} failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")


def bin_dir(venv: Path) -> Path:
    return venv / ("Scripts" if os.name == "nt" else "bin")


def tool_venv(name: str, requirements: Sequence[str], mocklint_extra: str = "", with_checkout: bool = True) -> Path:
    """A virtualenv in the cache (one per Python minor version) holding the
    pinned ``requirements`` and this checkout (``pip install <snapshot>[extra]``),
    as a user would set it up.  Created once; mocklint alone is reinstalled when
    the checkout changed.  ``with_checkout=False``: the requirements alone, for
    programs that never import mocklint (a fixture project's own pytest run), so
    that editing the checkout reinstalls nothing.  Returns the venv's folder."""
    snapshot = checkout_snapshot() if with_checkout else None
    venv = cache_dir("venvs") / f"{name}-{PY}"
    python = bin_dir(venv) / ("python.exe" if os.name == "nt" else "python")
    # A change to pyproject.toml (dependencies, entry points) makes a new venv; any
    # other change to the checkout reinstalls mocklint alone.
    pyproject = hashlib.sha256((snapshot / "pyproject.toml").read_bytes()).hexdigest() if snapshot else None
    wanted = {
        "requirements": sorted(requirements),
        "extra": mocklint_extra,
        "python": sys.version,
        "pyproject": pyproject,
    }
    state_file = venv / "mocklint-test-state.json"
    mocklint = [f"{snapshot}[{mocklint_extra}]" if mocklint_extra else str(snapshot)] if snapshot else []
    pip = [str(python), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    with locked(f"venv-{name}-{PY}"):
        try:
            state = json.loads(state_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            state = {}
        base_ok = {k: state.get(k) for k in wanted} == wanted and python.exists()
        if not base_ok:
            shutil.rmtree(venv, ignore_errors=True)
            _run([sys.executable, "-m", "venv", str(venv)], f"creating {venv}")
            _run([*pip, *requirements, *mocklint], f"installing {', '.join(requirements)} into {venv}")
        elif snapshot is not None and state.get("snapshot") != snapshot.name:
            _run([*pip, "--force-reinstall", "--no-deps", str(snapshot)], f"reinstalling mocklint into {venv}")
        state_file.write_text(json.dumps(dict(wanted, snapshot=snapshot and snapshot.name)), encoding="utf-8")
    return venv


def pre_commit_home(kind: str) -> Path:
    """``PRE_COMMIT_HOME`` for hooks that install this checkout: one per Python
    and checkout content, so pre-commit never reuses an environment holding
    older code (older ones of the same kind are removed)."""
    parent = cache_dir("pre-commit-homes")
    prefix = f"{kind}-{PY}-"
    home = parent / f"{prefix}{snapshot_key()}"
    with locked(f"pre-commit-{kind}-{PY}"):
        for old in parent.iterdir():
            if old.name.startswith(prefix) and old != home:
                shutil.rmtree(old, ignore_errors=True)
        home.mkdir(exist_ok=True)
    return home


# -- a pytest project with a conftest tree -------------------------------------
PROJECT_FILES = {
    "pyproject.toml": '[tool.pytest.ini_options]\ntestpaths = ["tests"]\n',
    "tests/conftest.py": 'import pytest\n\n\n@pytest.fixture\ndef db():\n    return {"users": []}\n',
    "tests/api/conftest.py": "import pytest\n\n\n@pytest.fixture\ndef client(db):\n    return db\n",
    "tests/web/conftest.py": 'import pytest\n\n\n@pytest.fixture\ndef signed_in_user():\n    return "ada"\n',
    "tests/web/test_pages.py": 'def test_home_page(signed_in_user, db):\n    assert signed_in_user == "ada"\n',
    "tests/api/test_one.py": 'def test_users(client, db):\n    assert client is db\n',
}

#: tests/api/test_one.py requesting a fixture that only tests/web sees
TEST_ONE_MISSING_FIXTURE = 'def test_users(client, signed_in_user):\n    assert signed_in_user not in client\n'
#: the MCK301 message for it, with the conftest context
#: (the first sentence, all flake8 shows; the detail says where it is defined: tests/web/conftest.py)
MISSING_FIXTURE_MESSAGE = (
    "MCK301 fixture `signed_in_user` is not visible here: setup fails with \"fixture 'signed_in_user' not found\""
)
#: tests/api/test_one.py with a removed pytest API (MCK201) and the missing fixture (MCK301)
TEST_ONE_FLAGGED = '''\
import pytest


@pytest.mark.skipif(not pytest.config.getoption("--slow"), reason="slow")
def test_users(client, signed_in_user):
    assert signed_in_user not in client
'''


def write_project(root: Path, files: Optional[Dict[str, str]] = None) -> Path:
    for rel, text in {**PROJECT_FILES, **(files or {})}.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


# -- running real pytest on a copy of some fixture files ------------------------
def run_pytest(
    work: Path, args: Sequence[str], report: Path, timeout: float = 120, env: Optional[Dict[str, str]] = None
) -> "PytestRun":
    """Run real pytest in ``work`` (which holds an empty ``pytest.ini``) with plugin
    autoloading off, as ``python -m pytest -p no:cacheprovider -p no:randomly <args>``,
    and read each test's outcome from a junit report.  ``env``: extra variables."""
    import xml.etree.ElementTree as ET

    command = [
        sys.executable,
        "-m",
        "pytest",
        "-p",
        "no:cacheprovider",
        "-p",
        "no:randomly",
        "-rA",
        "--rootdir",
        str(work),
        "-c",
        str(work / "pytest.ini"),
        f"--junitxml={report}",
        *args,
    ]
    variables = dict(os.environ, PYTEST_DISABLE_PLUGIN_AUTOLOAD="1", PYTHONDONTWRITEBYTECODE="1", **(env or {}))
    variables.pop("PYTEST_ADDOPTS", None)
    variables.pop("PYTEST_PLUGINS", None)
    if report.exists():
        report.unlink()
    proc = subprocess.run(command, cwd=work, env=variables, capture_output=True, text=True, timeout=timeout)
    outcomes: Dict[str, str] = {}
    if report.exists():
        for case in ET.parse(report).getroot().iter("testcase"):
            status = "passed"
            for child in case:
                if child.tag in ("failure", "error", "skipped"):
                    status = {"failure": "failed"}.get(child.tag, child.tag)
            outcomes[f"{case.get('classname', '')}::{case.get('name', '')}"] = status
    return PytestRun(proc.returncode, outcomes, proc.stdout + proc.stderr)


class PytestRun:
    """What one pytest run gave: its exit status, ``{"module.Class::test": status}``, its output."""

    def __init__(self, returncode: int, outcomes: Dict[str, str], output: str) -> None:
        self.returncode = returncode
        self.outcomes = outcomes
        self.output = output

    def statuses(self, module: str) -> Dict[str, str]:
        """The outcomes of the tests of one module (``test_b_victim``)."""
        return {
            key: status
            for key, status in self.outcomes.items()
            if key.split("::", 1)[0] == module or key.split("::", 1)[0].startswith(module + ".")
        }


def test_line_ranges(source: str) -> Dict[str, Tuple[int, int]]:
    """Line range (first decorator to last line) of every test function of a
    fixture file, keyed as pytest names them ("test_x" or "TestK::test_x")."""
    ranges: Dict[str, Tuple[int, int]] = {}

    def add(func: ast.AST, key: str) -> None:
        assert isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef))
        start = min([func.lineno] + [d.lineno for d in func.decorator_list])
        ranges[key] = (start, func.end_lineno or func.lineno)

    for node in ast.parse(source).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith("test"):
            add(node, node.name)
        elif isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
            for item in node.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and item.name.startswith("test"):
                    add(item, f"{node.name}::{item.name}")
    return ranges


test_line_ranges.__test__ = False  # type: ignore[attr-defined]  # a helper, not a test


def junit_outcomes(report: Path) -> Dict[str, Tuple[str, str]]:
    """Each test's (status, message) from pytest's junit ``report``, by
    ``Class::test`` or ``test`` (parametrized cases merged: the first failure wins)."""
    import xml.etree.ElementTree as ET

    outcomes: Dict[str, Tuple[str, str]] = {}
    if report.exists():
        for case in ET.parse(report).getroot().iter("testcase"):
            classname = case.get("classname", "").rsplit(".", 1)[-1]
            name = case.get("name", "").split("[", 1)[0]
            key = f"{classname}::{name}" if classname[:1].isupper() else name
            status, message = "passed", ""
            for child in case:
                if child.tag in ("failure", "error", "skipped"):
                    status = {"failure": "failed"}.get(child.tag, child.tag)
                    message = f"{child.get('message', '')}\n{child.text or ''}"
            if outcomes.get(key, ("passed", ""))[0] == "passed":
                outcomes[key] = (status, message)
    return outcomes
