"""The same input gives the same output, in the same order, every time.

The corpus is a copy of mocklint's own fixture tree (every rule fires, files
depend on their conftest.py files and project settings, some files only get
a note).  Each run is a real ``python -m mocklint`` process with its own
``PYTHONHASHSEED``, so an order that depends on set or dict iteration of
strings shows up as a difference.  Every run's exit status, stdout and stderr
must equal the first run's.

A run is one :class:`Mode` in ``MODES``, run in that order: a name,
command-line options, and a result-cache folder (none: ``--no-cache``; a
``fresh`` one: a cold run; one an earlier mode filled: a warm run).  A new way
of running mocklint that must not change its output is one more entry there.
Without a result cache in the command line, the cache modes are left out.
"""

from __future__ import annotations

import difflib
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Tuple

import pytest

import mocklint
from mocklint import cli

FIXTURES = Path(__file__).parent / "fixtures"

#: the command line's cache options, when it has a result cache
_OPTIONS = {option for action in cli.build_parser()._actions for option in action.option_strings}
HAS_CACHE = {"--cache-dir", "--no-cache"} <= _OPTIONS


@dataclass(frozen=True)
class Mode:
    name: str
    options: Tuple[str, ...]
    #: None: no result cache; otherwise a cache folder, shared by the modes that name it
    cache: Optional[str] = None
    #: start with that folder empty (a cold run)
    fresh: bool = False


MODES = (  # each run has a hash seed of its own: the cold run is a third seed for a full lint
    Mode("serial", ("-j1",)),
    Mode("two-processes", ("-j2",)),
    Mode("parallel-cold-cache", ("-j2",), cache="a", fresh=True),
    Mode("serial-warm-cache", ("-j1",), cache="a"),
    Mode("parallel-warm-cache", ("-j2",), cache="a"),
)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("determinism")
    shutil.copytree(FIXTURES, root / "tests", ignore=shutil.ignore_patterns("__pycache__", "crashes"))
    (root / "pyproject.toml").write_text("[tool.mocklint]\n", encoding="utf-8")
    (root / "tests" / "test_zz_syntax_error.py").write_text("import pytest\nX = (pytest.config\n", encoding="utf-8")
    (root / "tests" / "test_zz_undecodable.py").write_bytes(b"import pytest\nX = '\xe9'\n")
    return root


def _run(mode: Mode, corpus: Path, seed: int, output: str) -> Tuple[int, str, str]:
    options = list(mode.options)
    if mode.cache is None:
        if HAS_CACHE:
            options.append("--no-cache")
    else:
        folder = corpus.parent / f"cache-{mode.cache}"
        if mode.fresh:
            shutil.rmtree(folder, ignore_errors=True)
        options += ["--cache-dir", str(folder)]
    env = dict(os.environ, PYTHONHASHSEED=str(seed))
    done = subprocess.run(
        [sys.executable, "-m", "mocklint", "--format", output, *options, "tests"],
        cwd=corpus,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return done.returncode, done.stdout, done.stderr


@pytest.mark.slow  # lints a corpus in every mode: 30 s
@pytest.mark.parametrize("output", ["json", "text"])
def test_every_mode_prints_the_same(corpus: Path, output: str) -> None:
    """json: every mode; text (stdout's order as printed): serial against parallel."""
    modes = [m for m in MODES if HAS_CACHE or m.cache is None]
    if output == "text":
        modes = modes[:2]
    baseline = _run(modes[0], corpus, 0, output)
    assert baseline[0] == 1 and baseline[1].count("MCK") > 100, baseline[2]
    assert "test_zz_syntax_error.py: not checked" in baseline[2]
    assert "test_zz_undecodable.py: skipped" in baseline[2]
    source_before = _source_stamp()
    differences = []
    for seed, mode in enumerate(modes[1:], 1):
        result = _run(mode, corpus, seed, output)
        if result != baseline:
            differences.append(f"{mode.name}: {_first_difference(baseline, result)}")
    if differences and _source_stamp() != source_before:
        pytest.fail("mocklint's own source files changed while this test ran (an edit in progress?): run it again")
    assert differences == [], f"output differs from {modes[0].name!r}:\n" + "\n".join(differences)


def _source_stamp() -> Tuple[Tuple[str, int], ...]:
    package = Path(mocklint.__file__).parent
    return tuple(sorted((str(p), p.stat().st_mtime_ns) for p in package.rglob("*") if p.suffix in (".py", ".json")))


def _first_difference(expected: Tuple[int, str, str], actual: Tuple[int, str, str]) -> str:
    if expected[0] != actual[0]:
        return f"exit status {actual[0]} instead of {expected[0]}"
    for stream, want, got in (("stdout", expected[1], actual[1]), ("stderr", expected[2], actual[2])):
        if want != got:
            diff = difflib.unified_diff(want.splitlines(), got.splitlines(), lineterm="", n=0)
            return f"{stream}: " + " | ".join(list(diff)[2:6])
    return "?"  # pragma: no cover
