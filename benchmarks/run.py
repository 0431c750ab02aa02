#!/usr/bin/env python3
"""Benchmark mocklint against flake8, the parsers and Fixit, on real test suites.

Why this exists: mocklint is a libcst linter, and a naive libcst linter is
about ten times slower than flake8 (see docs and the performance facts the
project plans with).  The only honest guard against that is to time it, in
one run, on the same files, next to the things it must be compared with:

* flake8's default checks without mocklint, and the same flake8 with it
  (two virtual environments, the same pinned flake8 in both, because ignoring
  ``MCK`` codes still runs the plugin);
* the ``mocklint`` command alone, cold and warm, in one process and with all
  cores;
* ``ast.parse`` and ``libcst.parse_module`` of every file, timed in-process,
  which are the floors any analysis stands on;
* Fixit with its default rules (a general libcst lint framework);
* the engine in-process, to count the files that reached libcst and how often
  each ``conftest.py`` was parsed.

Pairs are run back to back and their order alternates between repeats, so
drift of a shared machine falls on both sides; medians, minima and maxima are
printed so the noise shows.

The corpus is the test code of pinned source distributions from PyPI,
downloaded once with ``pip download`` into a cache folder outside the
repository (``$MOCKLINT_BENCH_CACHE`` or ``~/.cache/mocklint-bench``).
``--smoke`` needs no download at all: it generates a tiny corpus and runs
every measurement once with the current interpreter, so the script itself is
tested (tests/test_benchmark_smoke.py) without timing anything.

Linux/Unix only (it reads each child's peak memory through ``os.wait4``).
Standard library only, Python 3.9+, so the benchmark's own virtual
environments can run this file in worker mode (``--worker``).
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
import tokenize
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

REPO = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve()

#: Pinned so that two runs months apart compare like with like.
FLAKE8_VERSION = "7.5.0"
LIBCST_VERSION = "1.9.0"
FIXIT_VERSION = "2.2.1"

TEST_DIRS = ("tests", "testing", "test")


@dataclass(frozen=True)
class Project:
    """One source distribution of the corpus.

    ``test_dirs``: a ``.py`` file is test code when one of the folders above
    it (inside the unpacked sdist) has one of these names; every
    ``conftest.py`` counts too.
    """

    name: str
    version: str
    test_dirs: Tuple[str, ...] = TEST_DIRS
    note: str = ""
    #: a mock-heavy async suite: its own flake8 rows and ratio (``TARGETS["flake8_overhead_async"]``)
    mock_heavy_async: bool = False

    @property
    def key(self) -> str:
        return f"{self.name}-{self.version}"


#: About 529k lines of test code in 919 files (counted on 2025 sdists); every
#: sdist here ships its tests.  SQLAlchemy's suite dominates by lines; the others
#: bring pytest-, asyncio- and mock-heavy styles (pytest's own suite, aiohttp,
#: celery's mock-everything unit tests, httpx/starlette, the pytest plugins).
#: Considered and left out: Twisted (210k lines of trial tests, would push a
#: full run past 700k lines), Django (tests in the sdist, but far too large),
#: pandas (likewise), hypothesis (sdist without tests).
CORPUS: Tuple[Project, ...] = (
    Project("pytest", "8.3.4", note="testing/"),
    Project("aiohttp", "3.11.11", note="tests/"),
    Project("SQLAlchemy", "2.0.36", note="test/ and lib/sqlalchemy/testing/"),
    Project("celery", "5.4.0", test_dirs=("t",), note="t/"),
    Project("httpx", "0.28.1", note="tests/"),
    Project("starlette", "0.45.3", note="tests/"),
    Project("pytest-asyncio", "0.25.2", note="tests/"),
    Project("pytest-mock", "3.14.0", note="tests/"),
)

#: Mock-heavy async suites, where mocklint costs most (the MCK1xx rules and the
#: cross-module analysis of the application code they call): each gets its own
#: flake8 rows.  Their sdists ship their tests; the application modules the
#: tests import come along (``keep_package``) so that the cross-module analysis
#: has the code it reads in a real project.  Versions are the newest that
#: install on Python 3.10-3.13.  Considered and left out: aiokafka (its sdist has
#: no tests), pipecat-ai (two test helpers), livekit-agents (no tests).
ASYNC_CORPUS: Tuple[Project, ...] = (
    Project("aiogram", "3.31.0", note="tests/", mock_heavy_async=True),
    Project("python-telegram-bot", "22.8", note="tests/", mock_heavy_async=True),
    Project("python-kasa", "0.12.0", note="tests/", mock_heavy_async=True),
    Project("zha", "2.3.1", note="tests/", mock_heavy_async=True),
    Project("hass-nabucasa", "1.15.0", note="tests/", mock_heavy_async=True),
)

TARGETS = {
    "flake8_overhead": 1.15,  # flake8+mocklint / flake8 default, at most
    "flake8_overhead_async": 1.25,  # the same on each mock-heavy async suite, at most
    "flake8_warm": 1.05,  # flake8+mocklint with mocklint's cache filled / flake8, at most
    "startup_cpu": 0.03,  # flake8+mocklint on one new file without mocks, CPU seconds over flake8, at most
    "cold_vs_libcst": 0.5,  # mocklint cold / libcst.parse_module, at most
    "fixit_speedup": 20.0,  # Fixit / mocklint, at least
    "warm_vs_cold": 0.05,  # mocklint warm / cold, at most
    "peak_mb": 300.0,  # peak RSS of one mocklint process, below
}

#: Runs flake8 with mocklint's plugin hidden from its plugin finder.  Used only
#: by --smoke, which has a single environment; the full run uses a separate
#: virtual environment without mocklint instead, which needs no flake8 internals.
FLAKE8_WITHOUT_MOCKLINT = """\
import sys
from flake8.plugins import finder
_find = finder._find_importlib_plugins
finder._find_importlib_plugins = lambda: (p for p in _find() if p.package != "mocklint")
from flake8.main.cli import main
raise SystemExit(main(sys.argv[1:]))
"""


def log(message: str) -> None:
    """Progress goes to stderr so stdout holds only the report."""
    sys.stderr.write(message + "\n")
    sys.stderr.flush()


# ---------------------------------------------------------------------------
# Worker mode: runs inside a benchmark virtual environment, prints JSON.
# ---------------------------------------------------------------------------
def _read_decoded(path: str) -> str:
    """Decode as Python does (BOM, coding cookie, newlines), like mocklint."""
    with open(path, "rb") as handle:
        data = handle.read()
    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    return data.decode(encoding).replace("\r\n", "\n").replace("\r", "\n")


def _source_key(source: Any) -> str:
    if isinstance(source, str):
        source = source.encode("utf-8", "surrogatepass")
    return hashlib.sha1(bytes(source)).hexdigest()


def _count_under_test() -> Optional[Dict[str, Any]]:
    """Counters of the cross-module analysis of MCK101-MCK103 (``analysis.under_test``),
    filled while the engine runs: the test files its gate lets through
    (``reach.may_hand_mocks_to_project``), the project modules it summarised
    (each a libcst parse) and the time that took, and its lookups of summaries
    (the rest were answered by its in-process cache).  Installed before the rules
    are imported, since they import the gate by name.  None on checkouts without it."""
    try:
        from mocklint.analysis.under_test import reach, summaries
    except ImportError:
        return None
    counts: Dict[str, Any] = {"candidate_paths": set(), "summaries_parsed": 0, "summary_seconds": 0.0,
                              "summary_lookups": 0}
    gate, lookup, build = reach.may_hand_mocks_to_project, summaries.module_summary, summaries.ModuleSummary.__init__

    def counting_gate(tree: Any, source: str, path: Optional[str]) -> bool:
        found = gate(tree, source, path)
        if found:
            counts["candidate_paths"].add(path)
        return found

    def counting_lookup(*args: Any, **kwargs: Any) -> Any:
        counts["summary_lookups"] += 1
        return lookup(*args, **kwargs)

    def timed_build(self: Any, *args: Any, **kwargs: Any) -> None:
        counts["summaries_parsed"] += 1
        start = time.perf_counter()
        try:
            build(self, *args, **kwargs)
        finally:
            counts["summary_seconds"] += time.perf_counter() - start

    reach.may_hand_mocks_to_project = counting_gate  # type: ignore[assignment]
    summaries.module_summary = counting_lookup  # type: ignore[assignment]
    summaries.ModuleSummary.__init__ = timed_build  # type: ignore[method-assign]
    return counts


def worker(kind: str, list_file: str) -> int:
    """Time one in-process job over the files listed in ``list_file``.

    Reading is done before the clock starts, so the figures are the parse (or
    lint) alone, comparable with each other.  The engine job also wraps
    ``libcst.parse_module`` before mocklint is imported, so every parse is
    counted wherever it happens (today per file; later a project model may
    parse conftest files itself), and maps parses of conftest text back to
    their paths by content hash.
    """
    paths = [line for line in Path(list_file).read_text(encoding="utf-8").splitlines() if line]
    result: Dict[str, Any] = {"kind": kind, "files": len(paths)}
    failures = 0
    if kind == "ast":
        import ast

        sources = [_read_decoded(p) for p in paths]
        start = time.perf_counter()
        for source in sources:
            try:
                ast.parse(source)
            except (SyntaxError, ValueError):
                failures += 1
        result["seconds"] = time.perf_counter() - start
    elif kind == "libcst":
        import libcst

        sources = [_read_decoded(p) for p in paths]
        start = time.perf_counter()
        for source in sources:
            try:
                libcst.parse_module(source)
            except Exception:  # noqa: BLE001 - a parse failure is a count, not a crash
                failures += 1
        result["seconds"] = time.perf_counter() - start
    elif kind == "engine":
        import libcst

        original = libcst.parse_module
        parses: Dict[str, int] = {}

        def counting_parse(source: Any, *args: Any, **kwargs: Any) -> Any:
            key = _source_key(source)
            parses[key] = parses.get(key, 0) + 1
            return original(source, *args, **kwargs)

        libcst.parse_module = counting_parse  # type: ignore[assignment]
        under_test = _count_under_test()
        from mocklint.engine import Engine

        try:
            from mocklint.files import read_source as read  # the CLI's own decoding
        except ImportError:  # pragma: no cover - older checkouts
            read = _read_decoded
        sources = [(p, read(p)) for p in paths]
        conftests: Dict[str, List[str]] = {}
        for path, source in sources:
            if os.path.basename(path) == "conftest.py":
                conftests.setdefault(_source_key(source), []).append(path)
        engine = Engine()
        findings = internal_errors = 0
        interprocedural: set = set()
        start = time.perf_counter()
        for path, source in sources:
            outcome = engine.lint(source, path)
            findings += len(outcome.diagnostics)
            if any(d.code in ("MCK101", "MCK102", "MCK103") for d in outcome.diagnostics):
                interprocedural.add(path)
            failures += outcome.parse_error is not None
            internal_errors += outcome.internal_error is not None
        result["seconds"] = time.perf_counter() - start
        # which gates let files through, and what the gates alone cost
        # (outside the timed loop: the engine has already run them once)
        gated_rules = getattr(engine, "gated_rules", None)
        if gated_rules is not None:
            hits: Dict[str, List[int]] = {}
            start = time.perf_counter()
            for _, source in sources:
                for rule in gated_rules(source):
                    entry = hits.setdefault(f"{rule.code} {getattr(rule, 'name', '')}".strip(), [0, 0])
                    entry[0] += 1
                    entry[1] += source.count("\n") + 1
            result["gate_seconds"] = time.perf_counter() - start
            result["gate_hits"] = hits
        result["rules"] = sorted(getattr(rule, "code", rule.__name__) for rule in getattr(engine, "rules", ()))
        result["parsed_files"] = getattr(engine, "parsed_files", None)
        result["parsed_lines"] = getattr(engine, "parsed_lines", None)
        result["skipped_lines"] = getattr(engine, "skipped_lines", None)
        result["parse_calls"] = sum(parses.values())
        result["distinct_sources_parsed"] = len(parses)
        result["findings"] = findings
        result["internal_errors"] = internal_errors
        per_conftest = {}
        for key, conftest_paths in conftests.items():
            # identical conftest files share a hash: split the count evenly
            count = parses.get(key, 0)
            for path in conftest_paths:
                per_conftest[path] = count / len(conftest_paths)
        result["conftest_parses"] = per_conftest
        if under_test is not None:
            candidates = under_test.pop("candidate_paths")
            under_test["candidates"] = len(candidates)
            under_test["candidates_with_findings"] = len(candidates & interprocedural)
            under_test["files_with_findings"] = len(interprocedural)
            result["under_test"] = under_test
    else:
        raise SystemExit(f"unknown worker kind {kind!r}")
    result["failures"] = failures
    sys.stdout.write(json.dumps(result) + "\n")
    return 0


# ---------------------------------------------------------------------------
# Corpus: download, unpack, select.
# ---------------------------------------------------------------------------
def count_lines(data: bytes) -> int:
    return data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)


def is_test_file(relative: Path, test_dirs: Sequence[str]) -> bool:
    if relative.suffix != ".py":
        return False
    return relative.name == "conftest.py" or any(part in test_dirs for part in relative.parts[:-1])


def select_test_files(root: Path, test_dirs: Sequence[str]) -> List[Path]:
    """Test files under ``root``, relative to it, in a stable order."""
    found = []
    for folder, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames):
            relative = (Path(folder) / name).relative_to(root)
            if is_test_file(relative, test_dirs):
                found.append(relative)
    return found


def run_quiet(cmd: Sequence[str], what: str, **kwargs: Any) -> subprocess.CompletedProcess:
    """Run a setup command; on failure show its output and stop."""
    proc = subprocess.run(list(cmd), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kwargs)
    if proc.returncode != 0:
        log(proc.stdout[-4000:])
        raise SystemExit(f"benchmark setup failed: {what} (exit {proc.returncode})")
    return proc


def download(project: Project, cache: Path, pip_python: str) -> Path:
    """The sdist of ``project`` in the cache, downloaded once.

    ``--no-binary NAME`` (not ``:all:``) gets the same sdist while letting pip
    use wheels for the build backend it runs to read the metadata: with
    ``:all:`` it compiles Cython from source for SQLAlchemy, which takes minutes.
    """
    dest = cache / "sdists" / project.key
    archives = [p for p in dest.glob("*") if p.name.endswith((".tar.gz", ".zip", ".tar.bz2"))] if dest.is_dir() else []
    if archives:
        return archives[0]
    dest.mkdir(parents=True, exist_ok=True)
    log(f"  downloading {project.name}=={project.version}")
    run_quiet(
        [pip_python, "-m", "pip", "download", "--no-deps", "--no-binary", project.name,
         f"{project.name}=={project.version}", "-d", str(dest)],
        f"pip download {project.name}=={project.version}",
    )
    archives = [p for p in dest.glob("*") if p.name.endswith((".tar.gz", ".zip", ".tar.bz2"))]
    if not archives:
        raise SystemExit(f"pip download left no sdist for {project.key} in {dest}")
    return archives[0]


def _safe_extract(archive: Path, dest: Path) -> None:
    if archive.name.endswith(".zip"):
        with zipfile.ZipFile(archive) as zf:
            for name in zf.namelist():
                if name.startswith("/") or ".." in Path(name).parts:
                    raise SystemExit(f"unsafe path {name!r} in {archive}")
            zf.extractall(dest)
        return
    with tarfile.open(archive) as tf:
        if hasattr(tarfile, "data_filter"):
            tf.extractall(dest, filter="data")
        else:  # Python without extraction filters: check by hand
            for member in tf.getmembers():
                if member.name.startswith("/") or ".." in Path(member.name).parts or member.issym() or member.islnk():
                    raise SystemExit(f"unsafe member {member.name!r} in {archive}")
            tf.extractall(dest)


def unpack(project: Project, archive: Path, cache: Path) -> Path:
    """The unpacked sdist's top folder, unpacked once (a marker says it is whole)."""
    target = cache / "src" / project.key
    marker = target / ".unpacked"
    if marker.exists():
        return Path(marker.read_text(encoding="utf-8").strip())
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    _safe_extract(archive, target)
    entries = [p for p in target.iterdir() if p.name != ".unpacked"]
    top = entries[0] if len(entries) == 1 and entries[0].is_dir() else target
    marker.write_text(str(top), encoding="utf-8")
    return top


@dataclass
class CorpusProject:
    name: str
    version: str
    files: int
    lines: int
    #: what the tools are handed for this project (its folder, or its test folders
    #: when its application code came along only to be read)
    paths: List[Path] = field(default_factory=list)
    mock_heavy_async: bool = False


@dataclass
class Corpus:
    """The files every tool is given: one folder, plus the same as a list."""

    root: Path
    files: List[Path]
    lines: int
    projects: List[CorpusProject]
    line_counts: Dict[Path, int] = field(default_factory=dict)

    @property
    def paths(self) -> List[Path]:
        """What every tool is handed: the whole folder, unless some project's
        application code is in it only to be read (then each project's paths)."""
        if all(p.paths == [self.root / f"{p.name}-{p.version}"] or not p.paths for p in self.projects):
            return [self.root]
        return [path for p in self.projects for path in p.paths]


#: the files at a project's top that hold its pytest configuration
PROJECT_CONFIG = ("pyproject.toml", "setup.cfg", "tox.ini", "pytest.ini")


def build_corpus(projects: Sequence[Project], cache: Path, pip_python: str) -> Corpus:
    """Copy each project's test files into ``cache/corpus/<project>/`` keeping
    their relative paths (rules judge files by name: conftest.py, test_*.py).

    A folder of only the selected files lets every tool be handed the same
    single directory, so file discovery is part of what is timed, as for a user.
    Each project's pytest configuration comes along (``PROJECT_CONFIG``): it
    says which plugins the tests run with (``-p pytester``) and which files
    are tests, as it does for a user linting the project.
    """
    root = cache / "corpus"
    wanted: Dict[Path, Path] = {}
    configs: Dict[Path, Path] = {}
    summary = []
    for project in projects:
        top = unpack(project, download(project, cache, pip_python), cache)
        selected = select_test_files(top, project.test_dirs)
        lines = 0
        for relative in selected:
            lines += count_lines((top / relative).read_bytes())
            wanted[Path(project.key) / relative] = top / relative
        for name in PROJECT_CONFIG:
            if (top / name).is_file():
                configs[Path(project.key) / name] = top / name
        paths = [root / project.key]
        if project.mock_heavy_async:
            # the application code the tests call, read by the cross-module analysis, not linted
            chosen = set(selected)
            for relative in _python_files(top):
                if relative not in chosen:
                    configs[Path(project.key) / relative] = top / relative
            paths = sorted({root / project.key / _test_top(relative, project.test_dirs) for relative in selected})
        summary.append(CorpusProject(project.name, project.version, len(selected), lines, paths,
                                     project.mock_heavy_async))
    manifest = json.dumps(sorted((str(k), str(v)) for k, v in {**wanted, **configs}.items()))
    manifest_file = cache / "corpus.manifest"
    if not (root.is_dir() and manifest_file.exists() and manifest_file.read_text(encoding="utf-8") == manifest):
        if root.exists():
            shutil.rmtree(root)
        for relative, source in {**wanted, **configs}.items():
            (root / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, root / relative)
        manifest_file.write_text(manifest, encoding="utf-8")
    files = sorted(root / relative for relative in wanted)
    line_counts = {f: count_lines(f.read_bytes()) for f in files}
    return Corpus(root, files, sum(line_counts.values()), summary, line_counts)


def _python_files(top: Path) -> List[Path]:
    found = []
    for folder, dirnames, filenames in os.walk(top):
        dirnames.sort()
        found.extend((Path(folder) / name).relative_to(top) for name in sorted(filenames) if name.endswith(".py"))
    return found


def _test_top(relative: Path, test_dirs: Sequence[str]) -> Path:
    """The outermost test folder above ``relative`` (a conftest.py outside them: itself)."""
    for index, part in enumerate(relative.parts[:-1]):
        if part in test_dirs:
            return Path(*relative.parts[: index + 1])
    return relative


SMOKE_CONFTEST = '''\
import pytest


def pytest_addoption(parser):
    parser.addoption("--slow", action="store_true")


@pytest.fixture
def client():
    return {"base": "http://localhost"}
'''

SMOKE_CONFIG_GLOBAL = '''\
"""Written for pytest 3: mocklint reports MCK201 here."""
import pytest


@pytest.mark.skipif(not pytest.config.getoption("--slow"), reason="needs --slow")
def test_big_upload_{n}():
    assert True


def test_verbose_{n}():
    if pytest.config.getoption("verbose") > 1:
        print("uploading")
'''

SMOKE_MOCKS = '''\
from unittest import mock

import pytest


class Service:
    def fetch(self, key):
        raise NotImplementedError

    async def fetch_async(self, key):
        raise NotImplementedError


@pytest.mark.parametrize("key", ["a", "b", "c"])
def test_fetch_{n}(key, client):
    with mock.patch.object(Service, "fetch", return_value=key) as fetch:
        assert Service().fetch(key) == key
    fetch.assert_called_once_with(key)


async def test_fetch_async_{n}():
    service = Service()
    service.fetch_async = mock.AsyncMock(return_value={n})
    assert await service.fetch_async("k") == {n}


def test_request_config_{n}(request):
    assert request.config.getoption("verbose") >= 0
'''


def build_smoke_corpus(base: Path) -> Corpus:
    """A few generated test files (some with MCK201 findings, two conftest
    files) so every measurement can run in seconds without any download."""
    root = base / "corpus"
    files: Dict[Path, str] = {
        root / "proj" / "tests" / "conftest.py": SMOKE_CONFTEST,
        root / "proj" / "tests" / "sub" / "conftest.py": SMOKE_CONFTEST.replace("client", "server"),
    }
    for n in range(6):
        files[root / "proj" / "tests" / f"test_mocks_{n}.py"] = SMOKE_MOCKS.format(n=n)
        files[root / "proj" / "tests" / "sub" / f"test_more_{n}.py"] = SMOKE_MOCKS.format(n=n + 10)
    for n in range(2):
        files[root / "proj" / "tests" / f"test_config_global_{n}.py"] = SMOKE_CONFIG_GLOBAL.format(n=n)
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    ordered = sorted(files)
    line_counts = {f: count_lines(f.read_bytes()) for f in ordered}
    lines = sum(line_counts.values())
    return Corpus(root, ordered, lines, [CorpusProject("smoke (generated)", "-", len(ordered), lines)], line_counts)


def subset(corpus: Corpus, max_lines: int) -> List[Path]:
    """A deterministic, well-mixed subset of about ``max_lines`` lines: files
    in the order of a hash of their path, so every project is represented and
    the choice does not change between runs."""
    ordered = sorted(corpus.files, key=lambda p: hashlib.sha1(str(p.relative_to(corpus.root)).encode()).hexdigest())
    chosen, lines = [], 0
    for path in ordered:
        if chosen and lines >= max_lines:
            break
        chosen.append(path)
        lines += corpus.line_counts[path]
    return sorted(chosen)


def make_double(corpus: Corpus, dest: Path) -> Path:
    """The corpus twice, as real copies (a/ and b/): linear growth means a run
    over it takes twice as long; anything a tool shares across files (a cache
    keyed by content, a project model) must not make it cheaper or dearer."""
    if dest.exists():
        shutil.rmtree(dest)
    for half in ("a", "b"):
        shutil.copytree(corpus.root, dest / half)
    return dest


# ---------------------------------------------------------------------------
# Environments.
# ---------------------------------------------------------------------------
@dataclass
class Tools:
    """The interpreters each measurement runs with."""

    flake8_plain: List[str]  # command prefix: flake8 without mocklint
    flake8_mocklint: List[str]  # flake8 with mocklint
    mocklint: List[str]  # the mocklint command
    python: str  # interpreter with mocklint and libcst (parsers, engine)
    fixit: Optional[List[str]]  # the fixit command, if available
    env: Dict[str, str]
    versions: Dict[str, str]
    notes: List[str] = field(default_factory=list)


def venv_python(venv: Path) -> str:
    return str(venv / "bin" / "python")


def ensure_venv(venv: Path, base_python: str, requirements: Sequence[str]) -> str:
    """A virtual environment with ``requirements``, created once and reused
    while the pinned requirements are unchanged."""
    marker = venv / ".bench-requirements"
    wanted = "\n".join(requirements)
    if marker.exists() and marker.read_text(encoding="utf-8") == wanted and Path(venv_python(venv)).exists():
        return venv_python(venv)
    log(f"  creating {venv.name} venv: {' '.join(requirements)}")
    if venv.exists():
        shutil.rmtree(venv)
    run_quiet([base_python, "-m", "venv", str(venv)], f"create venv {venv}")
    python = venv_python(venv)
    run_quiet([python, "-m", "pip", "install", "-q", *requirements], f"pip install into {venv.name}")
    marker.write_text(wanted, encoding="utf-8")
    return python


def install_checkout(python: str, cache: Path) -> None:
    """Install mocklint from this checkout, non-editable, every run, so the
    run measures the code as it is now (committed or not).

    The tree is copied first so that building never writes build/ or
    *.egg-info into the checkout.
    """
    source = cache / "build" / "mocklint-src"
    wheels = cache / "build" / "wheels"
    for path in (source, wheels):
        if path.exists():
            shutil.rmtree(path)
    shutil.copytree(
        REPO,
        source,
        ignore=shutil.ignore_patterns(
            ".git", "build", "dist", "*.egg-info", "__pycache__", ".venv*", ".mocklint_cache"
        ),
    )
    run_quiet([python, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(wheels), str(source)], "build mocklint wheel")
    wheel = next(wheels.glob("mocklint-*.whl"))
    run_quiet([python, "-m", "pip", "install", "-q", "--no-deps", "--force-reinstall", str(wheel)], "install mocklint")
    # dependencies the checkout may have gained since the venv was made
    run_quiet(
        [python, "-m", "pip", "install", "-q", str(wheel), f"flake8=={FLAKE8_VERSION}", f"libcst=={LIBCST_VERSION}"],
        "install mocklint's dependencies",
    )


def versions_of(python: str, names: Sequence[str]) -> Dict[str, str]:
    code = (
        "import json, sys, importlib.metadata as m\n"
        "out = {'python': sys.version.split()[0]}\n"
        f"for n in {list(names)!r}:\n"
        "    try: out[n] = m.version(n)\n"
        "    except m.PackageNotFoundError: pass\n"
        "print(json.dumps(out))\n"
    )
    proc = subprocess.run([python, "-c", code], stdout=subprocess.PIPE, text=True)
    return json.loads(proc.stdout) if proc.returncode == 0 else {}


def checkout_state() -> str:
    """The commit measured, with ``+dirty`` when the tree has changes (they are
    measured too: the venv gets a copy of the tree as it is)."""
    try:
        head = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, text=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(REPO), "status", "--porcelain"], stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True).stdout.strip()
    except OSError:
        return "unknown"
    return (head or "unknown") + ("+dirty" if dirty else "")


def full_tools(cache: Path, base_python: str, want_fixit: bool) -> Tools:
    venvs = cache / "venvs"
    plain = ensure_venv(venvs / "flake8", base_python, [f"flake8=={FLAKE8_VERSION}"])
    bench = ensure_venv(venvs / "mocklint", base_python, [f"flake8=={FLAKE8_VERSION}", f"libcst=={LIBCST_VERSION}"])
    log("  installing mocklint from the checkout (non-editable)")
    install_checkout(bench, cache)
    fixit = None
    if want_fixit:
        fixit_python = ensure_venv(
            venvs / "fixit", base_python, [f"fixit=={FIXIT_VERSION}", f"libcst=={LIBCST_VERSION}"]
        )
        fixit = [str(Path(fixit_python).parent / "fixit")]
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    env["PYTHONHASHSEED"] = "0"
    versions = versions_of(bench, ["flake8", "libcst", "mocklint", "pyflakes", "pycodestyle"])
    plain_versions = versions_of(plain, ["flake8"])
    if plain_versions.get("flake8") != versions.get("flake8"):
        raise SystemExit(f"flake8 differs between the venvs: {plain_versions} vs {versions}")
    if fixit:
        versions["fixit"] = versions_of(fixit_python, ["fixit"]).get("fixit", "?")
    versions["checkout"] = checkout_state()
    return Tools(
        flake8_plain=[plain, "-m", "flake8"],
        flake8_mocklint=[bench, "-m", "flake8"],
        mocklint=[bench, "-m", "mocklint"],
        python=bench,
        fixit=fixit,
        env=env,
        versions=versions,
    )


def smoke_tools() -> Tools:
    """Everything from the current interpreter, no installs: flake8 without
    mocklint is flake8 with the plugin filtered out of its plugin finder."""
    env = dict(os.environ)
    src = str(REPO / "src")
    env["PYTHONPATH"] = src + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    fixit_exe = shutil.which("fixit")
    versions = versions_of(sys.executable, ["flake8", "libcst", "mocklint", "pyflakes", "pycodestyle", "fixit"])
    versions["checkout"] = checkout_state()
    notes = ["smoke: one environment; 'flake8' is the same flake8 with mocklint's plugin filtered out"]
    if not fixit_exe:
        notes.append("smoke: Fixit is not installed here, so it is skipped")
    return Tools(
        flake8_plain=[sys.executable, "-c", FLAKE8_WITHOUT_MOCKLINT],
        flake8_mocklint=[sys.executable, "-m", "flake8"],
        mocklint=[sys.executable, "-m", "mocklint"],
        python=sys.executable,
        fixit=[fixit_exe] if fixit_exe else None,
        env=env,
        versions=versions,
        notes=notes,
    )


# ---------------------------------------------------------------------------
# Measuring.
# ---------------------------------------------------------------------------
@dataclass
class Sample:
    seconds: float  # the figure: wall clock, or in-process time for workers
    wall: float
    cpu: float  # user + sys of the child and the children it waited for
    peak_mb: float  # max RSS of the child or of its largest waited-for child
    returncode: int
    output_lines: int = 0
    extra: Dict[str, Any] = field(default_factory=dict)


@dataclass
class Measurement:
    """One row of the table: a command run once per repeat."""

    name: str
    cmd: Callable[[], List[str]]
    ok_codes: Tuple[int, ...] = (0, 1)
    in_process: bool = False  # the child prints JSON with its own "seconds"
    before: Optional[Callable[[], None]] = None
    lines: Optional[int] = None  # lines of code it covers (default: corpus)
    samples: List[Sample] = field(default_factory=list)
    failed: Optional[str] = None

    def figures(self) -> List[float]:
        return [s.seconds for s in self.samples]


def run_timed(cmd: Sequence[str], env: Dict[str, str], cwd: Path, out_dir: Path, label: str) -> Sample:
    """Run ``cmd`` once; wall time from the parent, CPU and peak memory from
    ``os.wait4`` (this child only, not other children of this script)."""
    safe = "".join(c if c.isalnum() else "_" for c in label)
    stdout_path, stderr_path = out_dir / f"{safe}.out", out_dir / f"{safe}.err"
    with open(stdout_path, "wb") as out, open(stderr_path, "wb") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(list(cmd), cwd=str(cwd), env=env, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    proc.returncode = code  # already reaped: keep Popen from waiting again
    # ru_maxrss is in KiB on Linux, in bytes on macOS
    peak = usage.ru_maxrss / (1024 * 1024 if sys.platform == "darwin" else 1024)
    data = stdout_path.read_bytes()
    return Sample(wall, wall, usage.ru_utime + usage.ru_stime, peak, code, data.count(b"\n"))


def measure(m: Measurement, tools: Tools, workdir: Path, out_dir: Path, index: int, total: int) -> None:
    if m.failed:
        return
    if m.before:
        m.before()
    cmd = m.cmd()
    sample = run_timed(cmd, tools.env, workdir, out_dir, m.name)
    stdout_text = (out_dir / f"{''.join(c if c.isalnum() else '_' for c in m.name)}.out").read_text(
        encoding="utf-8", errors="replace"
    )
    if sample.returncode not in m.ok_codes:
        err = (out_dir / f"{''.join(c if c.isalnum() else '_' for c in m.name)}.err").read_text(
            encoding="utf-8", errors="replace"
        )
        m.failed = f"exit {sample.returncode}: {err.strip()[-1500:]}"
        log(f"  [{index}/{total}] {m.name}: FAILED ({m.failed})")
        return
    if m.in_process:
        try:
            sample.extra = json.loads(stdout_text.strip().splitlines()[-1])
            sample.seconds = float(sample.extra["seconds"])
        except (ValueError, KeyError, IndexError) as exc:
            m.failed = f"worker printed no result ({exc})"
            log(f"  [{index}/{total}] {m.name}: FAILED ({m.failed})")
            return
    elif stdout_text.lstrip().startswith("{"):
        try:
            document = json.loads(stdout_text)
            sample.extra = {
                "findings": len(document.get("diagnostics", [])),
                "files_checked": document.get("files_checked"),
            }
        except ValueError:
            pass
    else:
        sample.extra = {"MCK_lines": sum(1 for line in stdout_text.splitlines() if ": MCK" in line)}
    m.samples.append(sample)
    log(f"  [{index}/{total}] {m.name}: {sample.seconds:.2f} s (wall {sample.wall:.2f}, cpu {sample.cpu:.2f}, "
        f"peak {sample.peak_mb:.0f} MB)")


def clear_caches(*roots: Path) -> Callable[[], None]:
    """Remove mocklint cache folders (``.mocklint_cache``, the name the
    project reserves) so that a "cold" run is cold once a cache exists."""

    def clear() -> None:
        for root in roots:
            for candidate in (root / ".mocklint_cache",):
                if candidate.exists():
                    shutil.rmtree(candidate)

    return clear


def cli_has_cache(tools: Tools) -> bool:
    proc = subprocess.run(tools.mocklint + ["--help"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, env=tools.env)
    return "cache" in proc.stdout.lower()


# ---------------------------------------------------------------------------
# Reporting.
# ---------------------------------------------------------------------------
def median(values: Sequence[float]) -> Optional[float]:
    return statistics.median(values) if values else None


def fmt(value: Optional[float], spec: str = ".2f") -> str:
    return "-" if value is None else format(value, spec)


def ratio(a: Optional[float], b: Optional[float]) -> Optional[float]:
    return a / b if a is not None and b else None


TABLE_HEADER = (
    f"{'measurement':<46} {'median s':>9} {'min s':>8} {'max s':>8} {'cpu s':>8} {'peak MB':>8} "
    f"{'x flake8':>9} {'x libcst':>9}"
)


def report(
    rows: List[Measurement],
    corpus: Corpus,
    tools: Tools,
    args: argparse.Namespace,
    extras: Dict[str, Any],
) -> Dict[str, Any]:
    """Print the table and the ratios; return everything for --json."""
    by_name = {m.name: m for m in rows}
    jobs = args.jobs

    def med(name: str) -> Optional[float]:
        m = by_name.get(name)
        return median(m.figures()) if m and not m.failed else None

    def per_line(name: str) -> Optional[float]:
        """Seconds scaled to the whole corpus when the row covered a subset."""
        value = med(name)
        m = by_name.get(name)
        if value is None or m is None or not m.lines:
            return value
        return value * corpus.lines / m.lines

    flake8_base = med("flake8 -j1")
    libcst_base = med("libcst.parse_module (in-process)")
    print()
    print(f"mocklint benchmark: {len(corpus.files)} files, {corpus.lines} lines, "
          f"{args.repeat} repeat(s), -j{jobs} = all cores")
    print("versions: " + ", ".join(f"{k} {v}" for k, v in sorted(tools.versions.items())))
    print()
    print(f"{'project':<22} {'version':>9} {'files':>7} {'lines':>9}")
    for p in corpus.projects:
        print(f"{p.name:<22} {p.version:>9} {p.files:>7} {p.lines:>9}")
    print(f"{'total':<22} {'':>9} {len(corpus.files):>7} {corpus.lines:>9}")
    print()
    print(TABLE_HEADER)
    table = {}
    for m in rows:
        values = m.figures()
        scaled = per_line(m.name)
        label = m.name
        if m.failed or not values:
            print(f"{label:<46} FAILED: {(m.failed or 'no samples').splitlines()[0][:100]}")
            table[m.name] = {"failed": m.failed or "no samples"}
            continue
        cpu = median([s.cpu for s in m.samples])
        peak = max(s.peak_mb for s in m.samples)
        print(
            f"{label:<46} {fmt(median(values)):>9} {fmt(min(values)):>8} {fmt(max(values)):>8} {fmt(cpu):>8} "
            f"{fmt(peak, '.0f'):>8} {fmt(ratio(scaled, flake8_base)):>9} {fmt(ratio(scaled, libcst_base)):>9}"
        )
        table[m.name] = {
            "median": median(values),
            "min": min(values),
            "max": max(values),
            "samples": values,
            "wall": [s.wall for s in m.samples],
            "cpu": [s.cpu for s in m.samples],
            "peak_mb": peak,
            "lines": m.lines or corpus.lines,
            "extra": [s.extra for s in m.samples],
        }
    if any(m.lines for m in rows if not m.failed):
        print("(rows on a subset: seconds are for the subset; the ratio columns scale them per line to the corpus)")
    print()

    ratios: Dict[str, Any] = {}

    def cpu(name: str) -> Optional[float]:
        m = by_name.get(name)
        return median([s.cpu for s in m.samples]) if m and not m.failed and m.samples else None

    def ratio_line(key: str, text: str, top: str, bottom: str, target: Optional[float], at_most: bool = True) -> None:
        """One ratio of two rows' medians: the figure (wall, or in-process
        seconds) decides the target; the CPU-seconds ratio of the whole child
        processes is printed beside it because it suffers less when other work
        shares the machine."""
        value, cpu_value = ratio(med(top), med(bottom)), ratio(cpu(top), cpu(bottom))
        verdict = ""
        if value is not None and target is not None:
            met = value <= target if at_most else value >= target
            verdict = f"target {'<=' if at_most else '>='} {target:g}x  {'met' if met else 'MISSED'}"
        print(f"ratio  {text:<50} {fmt(value, '.3f'):>7}x  (cpu {fmt(cpu_value, '.3f'):>7}x)  {verdict}".rstrip())
        ratios[key] = {"value": value, "cpu": cpu_value, "target": target, "at_most": at_most, "of": [top, bottom]}

    libcst_name, ast_name = "libcst.parse_module (in-process)", "ast.parse (in-process)"
    ratio_line("flake8_overhead_j1", "flake8+mocklint / flake8 (-j1)", "flake8+mocklint -j1", "flake8 -j1",
               TARGETS["flake8_overhead"])
    ratio_line("flake8_warm_j1", "flake8+mocklint warm / flake8 (-j1)", "flake8+mocklint -j1 warm", "flake8 -j1",
               TARGETS["flake8_warm"])
    if jobs > 1:
        ratio_line(f"flake8_overhead_j{jobs}", f"flake8+mocklint / flake8 (-j{jobs})", f"flake8+mocklint -j{jobs}",
                   f"flake8 -j{jobs}", TARGETS["flake8_overhead"])
        ratio_line(f"flake8_warm_j{jobs}", f"flake8+mocklint warm / flake8 (-j{jobs})",
                   f"flake8+mocklint -j{jobs} warm", f"flake8 -j{jobs}", TARGETS["flake8_warm"])
    for project in corpus.projects:
        if project.mock_heavy_async:
            ratio_line(f"flake8_overhead_{project.name}", f"flake8+mocklint / flake8 (-j1, {project.name})",
                       f"flake8+mocklint -j1 [{project.name}]", f"flake8 -j1 [{project.name}]",
                       TARGETS["flake8_overhead_async"])
    for variant in ("no cache", "new file"):
        top, bottom = f"flake8+mocklint one file, {variant}", "flake8 one file"
        extra = cpu(top) - cpu(bottom) if cpu(top) is not None and cpu(bottom) is not None else None
        verdict = ""
        if extra is not None:
            verdict = f"target <= +{TARGETS['startup_cpu']:g} s  {'met' if extra <= TARGETS['startup_cpu'] else 'MISSED'}"
        print(f"{'cpu    one-file start-up, ' + variant + ': flake8+mocklint - flake8':<57} "
              f"{fmt(extra, '+.3f'):>7} s  {verdict}".rstrip())
        ratios[f"startup_{variant.replace(' ', '_')}"] = {"value": extra, "target": TARGETS["startup_cpu"],
                                                          "at_most": True, "unit": "cpu seconds", "of": [top, bottom]}
    ratio_line("cold_vs_libcst", "mocklint -j1 cold / libcst.parse_module", "mocklint -j1 cold", libcst_name,
               TARGETS["cold_vs_libcst"])
    ratio_line("engine_vs_libcst", "mocklint engine in-process / libcst.parse_module", "mocklint engine (in-process)",
               libcst_name, None)
    ratio_line("libcst_vs_ast", "libcst.parse_module / ast.parse", libcst_name, ast_name, None)
    fixit_name, subset_name = "fixit lint (subset, all cores)", f"mocklint -j{jobs} cold (same subset)"
    fixit_text = "Fixit / mocklint (same files, all cores)" if fixit_name in by_name else "Fixit / mocklint (not run)"
    ratio_line("fixit_speedup", fixit_text, fixit_name, subset_name, TARGETS["fixit_speedup"], at_most=False)
    ratio_line("warm_vs_cold_j1", "mocklint warm / cold (-j1)", "mocklint -j1 warm", "mocklint -j1 cold",
               TARGETS["warm_vs_cold"])
    if jobs > 1:
        ratio_line(f"warm_vs_cold_j{jobs}", f"mocklint warm / cold (-j{jobs})", f"mocklint -j{jobs} warm",
                   f"mocklint -j{jobs} cold", TARGETS["warm_vs_cold"])
        ratio_line("parallel_speedup", f"mocklint -j1 cold / -j{jobs} cold (speed-up)", "mocklint -j1 cold",
                   f"mocklint -j{jobs} cold", None)
    if "mocklint -j1 cold, corpus twice" in by_name:
        ratio_line("double", "mocklint -j1 corpus twice / once (2.0 = linear)", "mocklint -j1 cold, corpus twice",
                   "mocklint -j1 cold", None)
    peaks = [s.peak_mb for name in ("mocklint -j1 cold", "mocklint -j1 warm", "flake8+mocklint -j1")
             if name in by_name for s in by_name[name].samples]
    peak = max(peaks) if peaks else None
    verdict = ""
    if peak is not None:
        verdict = f"target < {TARGETS['peak_mb']:g} MB  {'met' if peak < TARGETS['peak_mb'] else 'MISSED'}"
    print(f"{'memory peak RSS of one mocklint process (-j1 runs)':<57} {fmt(peak, '.0f'):>7} MB  {verdict}")
    ratios["peak_mb"] = {"value": peak, "target": TARGETS["peak_mb"], "at_most": True}
    print()
    for line in extras.get("lines", []):
        print(line)
    for note in tools.notes + extras.get("notes", []):
        print(f"note: {note}")
    return {
        "corpus": {
            "root": str(corpus.root),
            "files": len(corpus.files),
            "lines": corpus.lines,
            "projects": [{**vars(p), "paths": [str(path) for path in p.paths]} for p in corpus.projects],
        },
        "versions": tools.versions,
        "jobs": jobs,
        "repeat": args.repeat,
        "smoke": args.smoke,
        "measurements": table,
        "ratios": ratios,
        "engine": extras.get("engine", {}),
        "notes": tools.notes + extras.get("notes", []),
        "targets": TARGETS,
    }


def engine_summary(rows: List[Measurement], corpus: Corpus) -> Tuple[List[str], Dict[str, Any]]:
    """Lines about what reached libcst and how often each conftest was parsed."""
    m = next((r for r in rows if r.name == "mocklint engine (in-process)"), None)
    if m is None or m.failed or not m.samples:
        return ["engine: no result"], {}
    extra = m.samples[-1].extra
    conftest = extra.get("conftest_parses", {})
    counts = sorted(conftest.values())
    histogram: Dict[str, int] = {}
    for c in counts:
        histogram[f"{c:g}"] = histogram.get(f"{c:g}", 0) + 1
    lines = [
        f"files that reached libcst (engine.parsed_files): {extra.get('parsed_files')} of {extra.get('files')} "
        f"({100.0 * (extra.get('parsed_files') or 0) / max(1, extra.get('files') or 1):.0f}%); "
        f"libcst.parse_module calls: {extra.get('parse_calls')}, "
        f"distinct sources: {extra.get('distinct_sources_parsed')}",
        f"lines of those files libcst parsed: {extra.get('parsed_lines')}; lines of function bodies no rule "
        f"reads, dropped before the parse: {extra.get('skipped_lines')}",
        f"conftest.py files: {len(conftest)}; times each was parsed -> number of conftest files: "
        + (", ".join(f"{k}x: {v}" for k, v in sorted(histogram.items())) or "none")
        + (f"; most: {max(counts):g}" if counts else ""),
        f"rules measured: {len(extra.get('rules') or [])} ({', '.join(extra.get('rules') or [])})",
        f"engine findings: {extra.get('findings')}, not parsed (syntax): {extra.get('failures')}, "
        f"internal errors: {extra.get('internal_errors')}",
    ]
    under_test = extra.get("under_test")
    if under_test:
        lookups, parsed = under_test.get("summary_lookups", 0), under_test.get("summaries_parsed", 0)
        lines.append(
            f"cross-module analysis (MCK101-MCK103): {under_test.get('candidates')} candidate test files, "
            f"{under_test.get('candidates_with_findings')} of them with an MCK101-MCK103 finding "
            f"({under_test.get('files_with_findings')} files in all); project modules summarised (parsed): {parsed} "
            f"in {under_test.get('summary_seconds', 0):.2f} s; summary lookups: {lookups}, "
            f"answered by its cache: {max(lookups - parsed, 0)}")
    hits = extra.get("gate_hits")
    if hits is not None:
        lines.append(f"gates: all of them over all files take {extra.get('gate_seconds', 0):.2f} s; files (lines) "
                     "each rule's gate lets through:")
        for rule, (count, rule_lines) in sorted(hits.items(), key=lambda item: -item[1][1]):
            lines.append(f"  {rule:<44} {count:>6} files {rule_lines:>9} lines")
    summary = {k: v for k, v in extra.items() if k != "conftest_parses"}
    summary["conftest_parses"] = {str(Path(p).relative_to(corpus.root)) if p.startswith(str(corpus.root)) else p: c
                                  for p, c in conftest.items()}
    return lines, summary


# ---------------------------------------------------------------------------
# The run.
# ---------------------------------------------------------------------------
@dataclass
class Group:
    """Measurements run back to back; ``alternate``: reverse the order on
    every other repeat (a pair), else keep it (cold must come before warm)."""

    members: List[Measurement]
    alternate: bool = True


def plan(corpus: Corpus, tools: Tools, args: argparse.Namespace, work: Path) -> List[Group]:
    """The groups of measurements, in the order they run in each repeat."""
    jobs = args.jobs
    paths = [str(p) for p in corpus.paths]
    listing = work / "files.txt"
    listing.write_text("\n".join(str(f) for f in corpus.files) + "\n", encoding="utf-8")
    worker = [str(HERE), "--worker"]
    clear = clear_caches(work, corpus.root)
    mocklint = lambda j, *paths: tools.mocklint + ["--isolated", "--format", "json", "-j", str(j), *paths]  # noqa: E731
    flake8 = lambda prefix, j, *where: prefix + ["--isolated", f"-j{j}", *(where or paths)]  # noqa: E731

    # flake8+mocklint rows are cold (mocklint's result cache removed first) unless named "warm"
    groups: List[Group] = [
        Group([Measurement("flake8 -j1", lambda: flake8(tools.flake8_plain, 1)),
               Measurement("flake8+mocklint -j1", lambda: flake8(tools.flake8_mocklint, 1), before=clear)]),
        Group([Measurement("flake8+mocklint -j1 warm", lambda: flake8(tools.flake8_mocklint, 1))]),
    ]
    if jobs > 1:
        groups.append(Group([Measurement(f"flake8 -j{jobs}", lambda: flake8(tools.flake8_plain, jobs)),
                             Measurement(f"flake8+mocklint -j{jobs}", lambda: flake8(tools.flake8_mocklint, jobs),
                                         before=clear)]))
        groups.append(Group([Measurement(f"flake8+mocklint -j{jobs} warm", lambda: flake8(tools.flake8_mocklint, jobs))]))
    for project in corpus.projects:
        if project.mock_heavy_async:
            where = [str(p) for p in project.paths]
            lines = project.lines
            groups.append(Group([
                Measurement(f"flake8 -j1 [{project.name}]", lambda where=where: flake8(tools.flake8_plain, 1, *where),
                            lines=lines),
                Measurement(f"flake8+mocklint -j1 [{project.name}]",
                            lambda where=where: flake8(tools.flake8_mocklint, 1, *where), before=clear, lines=lines),
            ]))
    # one new file without mocks, as pre-commit or an editor lints it: start-up is the whole cost
    one_file = work / "startup" / "settings_module.py"
    one_file.parent.mkdir(parents=True, exist_ok=True)
    fresh = _fresh_module(one_file)
    groups.append(Group([
        Measurement("flake8 one file", lambda: tools.flake8_plain + ["--isolated", str(one_file)], before=fresh),
        Measurement("flake8+mocklint one file, no cache",
                    lambda: tools.flake8_mocklint + ["--isolated", "--mocklint-no-cache", str(one_file)], before=fresh),
        Measurement("flake8+mocklint one file, new file", lambda: tools.flake8_mocklint + ["--isolated", str(one_file)],
                    before=fresh),
    ]))
    groups.append(Group([
        Measurement("ast.parse (in-process)", lambda: [tools.python] + worker + ["ast", str(listing)],
                    ok_codes=(0,), in_process=True),
        Measurement("libcst.parse_module (in-process)", lambda: [tools.python] + worker + ["libcst", str(listing)],
                    ok_codes=(0,), in_process=True),
    ]))
    groups.append(Group([Measurement("mocklint startup (--version)", lambda: tools.mocklint + ["--version"],
                                     ok_codes=(0,))]))
    for j in ([1, jobs] if jobs > 1 else [1]):
        groups.append(Group([
            Measurement(f"mocklint -j{j} cold", lambda j=j: mocklint(j, *paths), before=clear),
            Measurement(f"mocklint -j{j} warm", lambda j=j: mocklint(j, *paths)),
        ], alternate=False))
    groups.append(Group([Measurement("mocklint engine (in-process)",
                                     lambda: [tools.python] + worker + ["engine", str(listing)],
                                     ok_codes=(0,), in_process=True)]))
    if tools.fixit is not None and not args.no_fixit:
        chosen = subset(corpus, args.fixit_lines)
        chosen_lines = sum(corpus.line_counts[p] for p in chosen)
        files = [str(p) for p in chosen]
        groups.append(Group([
            Measurement("fixit lint (subset, all cores)", lambda: tools.fixit + ["lint", *files],
                        ok_codes=(0, 1), lines=chosen_lines),
            Measurement(f"mocklint -j{jobs} cold (same subset)", lambda: mocklint(jobs, *files),
                        before=clear, lines=chosen_lines),
        ]))
    if args.double:
        double_root = make_double(corpus, work / "double")
        clear_double = clear_caches(work, double_root / "a", double_root / "b", double_root)
        groups.append(Group([Measurement("mocklint -j1 cold, corpus twice", lambda: mocklint(1, *[str(double_root / half / p.relative_to(corpus.root))
                                                             for half in ("a", "b") for p in corpus.paths]),
                                         before=clear_double)]))
    if args.only:
        words = [w.strip() for w in args.only.split(",") if w.strip()]
        for group in groups:
            group.members = [m for m in group.members if any(w in m.name for w in words)]
        groups = [g for g in groups if g.members]
    return groups


def _fresh_module(path: Path) -> Callable[[], None]:
    """Write ``path`` anew with text no run has seen (so no result cache answers
    it): a settings module without tests or mocks."""
    count = [0]

    def write() -> None:
        count[0] += 1
        path.write_text(f'"""Settings."""\nTIMEOUT = {count[0]}\nNAME = "service-{os.getpid()}-{time.time_ns()}"\n',
                        encoding="utf-8")

    return write


def run_all(groups: List[Group], tools: Tools, repeat: int, work: Path) -> List[Measurement]:
    out_dir = work / "output"
    out_dir.mkdir(parents=True, exist_ok=True)
    total = repeat * sum(len(g.members) for g in groups)
    index = 0
    for r in range(repeat):
        log(f"repeat {r + 1}/{repeat}")
        for group in groups:
            members = group.members[::-1] if group.alternate and r % 2 == 1 else group.members
            for m in members:
                index += 1
                measure(m, tools, work, out_dir, index, total)
    return [m for g in groups for m in g.members]


def parse_args(argv: Optional[Sequence[str]]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--smoke", action="store_true",
                        help="tiny generated corpus, current interpreter, one repeat, no download")
    parser.add_argument("--repeat", type=int, default=None, help="times to run each measurement (default 3; smoke 1)")
    parser.add_argument("-j", "--jobs", type=int, default=None, help="processes for the all-cores rows (default: CPUs)")
    parser.add_argument("--json", metavar="OUT", help="also write the figures to this JSON file")
    parser.add_argument("--double", action="store_true",
                        help="also run mocklint over the corpus twice (a copy) to check linear growth")
    parser.add_argument("--no-fixit", action="store_true", help="skip Fixit")
    parser.add_argument("--fixit-lines", type=int, default=40000,
                        help="lines of the subset Fixit runs on (it is slow; default 40000)")
    parser.add_argument("--only", metavar="WORDS",
                        help="run only the rows whose name contains one of these comma-separated words\n"
                             "(e.g. 'mocklint -j1,libcst'); ratios missing a row print '-'")
    parser.add_argument("--cache", default=None,
                        help="cache folder (default: $MOCKLINT_BENCH_CACHE or ~/.cache/mocklint-bench)")
    parser.add_argument("--python", default=sys.executable, help="interpreter the benchmark venvs are made from")
    parser.add_argument("--worker", nargs=2, metavar=("KIND", "FILELIST"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.repeat is None:
        args.repeat = 1 if args.smoke else 3
    if args.jobs is None:
        args.jobs = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    if args.repeat < 1 or args.jobs < 1:
        parser.error("--repeat and --jobs must be at least 1")
    return args


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parse_args(argv)
    if args.worker:
        return worker(*args.worker)
    if not hasattr(os, "wait4"):
        raise SystemExit("this benchmark needs os.wait4 (Linux or another Unix)")
    started = time.perf_counter()
    temp = None
    if args.smoke:
        temp = tempfile.TemporaryDirectory(prefix="mocklint-bench-smoke-")
        work = Path(temp.name)
        log("smoke: generating a tiny corpus")
        corpus = build_smoke_corpus(work)
        tools = smoke_tools()
    else:
        cache = Path(args.cache or os.environ.get("MOCKLINT_BENCH_CACHE") or Path.home() / ".cache" / "mocklint-bench")
        cache = cache.expanduser().resolve()
        if cache == REPO or REPO in cache.parents:
            raise SystemExit(f"the cache must be outside the repository: {cache}")
        cache.mkdir(parents=True, exist_ok=True)
        log(f"setup in {cache}")
        tools = full_tools(cache, args.python, want_fixit=not args.no_fixit)
        corpus = build_corpus(CORPUS + ASYNC_CORPUS, cache, tools.flake8_plain[0])
        work = cache / "run"
        if work.exists():
            shutil.rmtree(work)
        work.mkdir()
    setup_seconds = time.perf_counter() - started
    log(f"corpus: {len(corpus.files)} files, {corpus.lines} lines of test code in {corpus.root} "
        f"(setup {setup_seconds:.0f} s)")
    try:
        groups = plan(corpus, tools, args, work)
        notes = []
        if not cli_has_cache(tools):
            notes.append("the mocklint command has no cache yet: 'warm' is simply a second run")
        if args.double:
            notes.append("'corpus twice' is a copy of the corpus in two folders, linted in one run")
        load_before = os.getloadavg() if hasattr(os, "getloadavg") else None
        rows = run_all(groups, tools, args.repeat, work)
        if load_before is not None:
            notes.append("load average (1, 5, 15 min) before the measurements %s, after %s on %d CPUs: other work "
                         "on the machine shows as wall > cpu in one-process rows" % (
                             ", ".join(f"{x:.1f}" for x in load_before),
                             ", ".join(f"{x:.1f}" for x in os.getloadavg()), os.cpu_count() or 0))
        engine_lines, engine = engine_summary(rows, corpus)
        measured = time.perf_counter() - started - setup_seconds
        lines = engine_lines + [f"run time: setup {setup_seconds:.0f} s, measurements {measured:.0f} s, "
                                f"total {time.perf_counter() - started:.0f} s"]
        last = {m.name: m.samples[-1].extra for m in rows if m.samples}
        lines.append("findings: mocklint command %s (files checked %s), flake8+mocklint MCK lines %s" % (
            last.get("mocklint -j1 cold", {}).get("findings", "?"),
            last.get("mocklint -j1 cold", {}).get("files_checked", "?"),
            last.get("flake8+mocklint -j1", {}).get("MCK_lines", "?")))
        document = report(rows, corpus, tools, args, {"lines": lines, "notes": notes, "engine": engine})
        document["seconds"] = {"setup": setup_seconds, "measurements": measured}
        if args.json:
            Path(args.json).write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
        failed = [m.name for m in rows if m.failed or not m.samples]
        if failed:
            log(f"failed: {', '.join(failed)}; outputs in {work / 'output'}" + (" (removed: smoke)" if temp else ""))
            return 1
        return 0
    finally:
        if temp is not None:
            temp.cleanup()


if __name__ == "__main__":
    sys.exit(main())
