#!/usr/bin/env python
"""Run the fixture rules (MCK3xx) on the test suites of real projects and print every finding.

Each project's source distribution (pinned below) is downloaded with
``pip download --no-deps --no-binary :all:`` into a cache outside the
repository (``$MOCKLINT_CACHE`` or ``~/.cache/mocklint-false-alarms``) and
unpacked there; mocklint then lints every ``.py`` file of it, as the
``mocklint`` command would, with only the MCK3 rules selected.  The plugins
these projects declare are deliberately *not* installed: the scan shows how
mocklint behaves in pre-commit's isolated environment.

Every finding printed must be a real bug (the test errors under pytest) or a
false alarm to fix.  The exit status is 1 when there are findings.

    python scripts/check_fixture_false_alarms.py            # all projects
    python scripts/check_fixture_false_alarms.py pytest     # some of them
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tarfile
import time
import zipfile
from pathlib import Path
from typing import Dict, List, Optional, Tuple

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from mocklint.analysis.pytest_model import plugin_fixtures, project  # noqa: E402
from mocklint.engine import Engine  # noqa: E402
from mocklint.rules.fixture_not_found import STATS  # noqa: E402
from mocklint.settings import Selection  # noqa: E402

#: name -> (pinned version, the folders holding its tests)
PROJECTS: Dict[str, Tuple[str, Tuple[str, ...]]] = {
    "pytest": ("9.2.0", ("testing",)),
    "aiohttp": ("3.12.15", ("tests",)),
    "celery": ("5.5.3", ("t",)),
    "httpx": ("0.28.1", ("tests",)),
    "attrs": ("25.3.0", ("tests",)),
    "requests": ("2.32.5", ("tests",)),
    "flask": ("3.1.2", ("tests",)),
    "starlette": ("0.48.0", ("tests",)),
}


def cache_dir() -> Path:
    base = os.environ.get("MOCKLINT_CACHE") or os.path.join(os.path.expanduser("~"), ".cache", "mocklint-false-alarms")
    path = Path(base)
    path.mkdir(parents=True, exist_ok=True)
    return path


def fetch(name: str, version: str) -> Optional[Path]:
    """The unpacked sdist of ``name==version`` (downloaded once)."""
    target = cache_dir() / f"{name}-{version}"
    unpacked = target / "src"
    if unpacked.is_dir() and any(unpacked.iterdir()):
        roots = [p for p in unpacked.iterdir() if p.is_dir()]
        return roots[0] if len(roots) == 1 else unpacked
    target.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--no-binary",
            ":all:",
            "--quiet",
            "-d",
            str(target),
            f"{name}=={version}",
        ],
        capture_output=True,
        text=True,
    )
    archives = sorted(target.glob("*.tar.gz")) + sorted(target.glob("*.zip"))
    if not archives:
        print(f"{name} {version}: download failed: {proc.stderr.strip()[-300:]}", file=sys.stderr)
        return None
    unpacked.mkdir(exist_ok=True)
    archive = archives[0]
    if archive.suffix == ".zip":
        with zipfile.ZipFile(archive) as handle:
            handle.extractall(unpacked)
    else:
        with tarfile.open(archive) as handle:
            if sys.version_info >= (3, 12):
                handle.extractall(unpacked, filter="data")
            else:  # pragma: no cover
                handle.extractall(unpacked)  # noqa: S202 - a registry sdist, into our own cache
    roots = [p for p in unpacked.iterdir() if p.is_dir()]
    return roots[0] if len(roots) == 1 else unpacked


def scan(name: str, version: str, folders: Tuple[str, ...], engine: Engine) -> Tuple[int, List[str]]:
    root = fetch(name, version)
    if root is None:
        return 0, [f"{name}: not downloaded"]
    files: List[Path] = []
    for folder in folders:
        files.extend(sorted((root / folder).rglob("*.py")))
    findings: List[str] = []
    for path in files:
        try:
            source = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        result = engine.lint(source, str(path))
        if result.internal_error:
            findings.append(f"{path.relative_to(root)}: INTERNAL ERROR {result.internal_error}")
        for d in result.diagnostics:
            findings.append(f"{path.relative_to(root)}:{d.line}:{d.column + 1}: {d.code} {d.message}")
    return len(files), findings


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("projects", nargs="*", help=f"some of {', '.join(PROJECTS)}")
    args = parser.parse_args()
    chosen = args.projects or list(PROJECTS)
    engine = Engine(Selection(select=("MCK3",)))
    total = 0
    for name in chosen:
        version, folders = PROJECTS[name]
        start = time.perf_counter()
        parses, ast_parses = project.PARSES[0], plugin_fixtures.AST_PARSES[0]
        tests, checked = STATS["tests"], STATS["checked"]
        count, findings = scan(name, version, folders, engine)
        elapsed = time.perf_counter() - start
        print(
            f"== {name} {version}: {count} files, {len(findings)} findings, {elapsed:.1f}s, "
            f"{project.PARSES[0] - parses} conftest/helper parses, "
            f"{plugin_fixtures.AST_PARSES[0] - ast_parses} ast scans, "
            f"{STATS['checked'] - checked} of {STATS['tests'] - tests} test items fully checked"
        )
        for line in findings:
            print("   " + line)
        total += len(findings)
    print(f"total: {total} findings")
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main())
