"""Run MCK101-MCK103 (or other codes) over the test suites of real projects, to find false alarms.

    python scripts/check_mck1xx_false_alarms.py [--select MCK401,MCK402] [--project NAME ...] [--offline]

Each project's sdist is downloaded once, at a pinned version, with
``pip download --no-deps --no-binary :all: NAME==VERSION`` into
``$MOCKLINT_CORPUS_CACHE`` (default ``~/.cache/mocklint-corpus``, outside the
repository), and unpacked there.  The engine, with only the three async mock
codes selected (or the codes ``--select`` names, comma-separated), runs over
every ``.py`` file below the project's test folders.
Nothing is imported or executed.

Printed: every finding (``project/path:line:col: CODE message``), then one row
per project: test files, files that reached libcst (the others did not pass
the rules' gates), lines, findings, seconds, and seconds per 100,000 lines.
Every finding has to be judged by hand: a real bug (run the test, or a reduced
copy of it, to show the failure) or a false alarm (reduce it to a snippet).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tarfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, List, Optional, Sequence, Tuple

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from mocklint.engine import Engine  # noqa: E402
from mocklint.settings import Selection  # noqa: E402

CODES = ("MCK101", "MCK102", "MCK103")


@dataclass(frozen=True)
class Project:
    name: str  # as pip knows it
    version: str
    tests: Tuple[str, ...]  # test folders inside the unpacked sdist
    why: str


# Async projects whose sdists ship their (mock-heavy) test suites.
PROJECTS: Tuple[Project, ...] = (
    Project("aiohttp", "3.9.5", ("tests",), "client sessions, connectors; 700 Mock/MagicMock uses"),
    Project("redis", "5.0.8", ("tests",), "redis.asyncio clients, pipelines, AsyncMock"),
    Project("sanic", "25.12.1", ("tests",), "ASGI server and app tests with AsyncMock"),
    Project("openai", "3.52.0", ("tests",), "async HTTP client SDK, AsyncMock-heavy"),
    Project("mcp", "2.3.0", ("tests",), "async sessions and transports, AsyncMock"),
    Project("google-cloud-pubsub", "2.44.0", ("tests",), "async GAPIC clients, mock.AsyncMock"),
    Project("azure-servicebus", "7.15.0", ("tests",), "async receivers and senders, AsyncMock"),
    Project("homeassistant", "2025.4.4", ("tests",), "the core's tests: AsyncMock, patch of coroutine functions"),
    Project("aiocache", "0.12.3", ("tests",), "async cache backends, AsyncMock"),
    Project("pytest-mock", "3.17.0", ("tests",), "mocker.AsyncMock and mocker.patch"),
    Project("celery", "5.4.0", ("t",), "sync Mock-heavy suite: MCK102/MCK103 must stay silent"),
)


def cache_dir() -> Path:
    configured = os.environ.get("MOCKLINT_CORPUS_CACHE")
    return Path(configured).expanduser() if configured else Path.home() / ".cache" / "mocklint-corpus"


def _normalized(name: str) -> str:
    return name.lower().replace("-", "_").replace(".", "_")


def _stem(filename: str) -> str:
    for suffix in (".tar.gz", ".zip", ".tar.bz2"):
        filename = filename.removesuffix(suffix)
    return filename


def _find_sdist(folder: Path, project: Project) -> Optional[Path]:
    if not folder.is_dir():
        return None
    wanted = f"{_normalized(project.name)}-{project.version}"
    for path in sorted(folder.iterdir()):
        if _normalized(_stem(path.name)) == _normalized(wanted):
            return path
    return None


def download(project: Project, cache: Path, offline: bool) -> Optional[Path]:
    sdists = cache / "sdists"
    found = _find_sdist(sdists, project)
    if found is not None or offline:
        return found
    sdists.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--quiet",
        "--no-deps",
        "--no-binary",
        ":all:",
        "--dest",
        str(sdists),
        f"{project.name}=={project.version}",
    ]
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        print(f"# {project.name}=={project.version}: pip download failed:\n{completed.stderr.strip()}", file=sys.stderr)
        return None
    return _find_sdist(sdists, project)


def _safe_members(archive: tarfile.TarFile, destination: Path) -> Iterator[tarfile.TarInfo]:
    root = destination.resolve()
    for member in archive.getmembers():
        if not (member.isfile() or member.isdir()):
            continue  # no links, devices or fifos from a downloaded archive
        target = (destination / member.name).resolve()
        if root != target and root not in target.parents:
            continue
        yield member


def unpack(sdist: Path, cache: Path) -> Path:
    """The unpacked sdist's top folder (unpacked once)."""
    destination = cache / "src"
    marker = destination / f".{sdist.name}.done"
    if not marker.exists():
        destination.mkdir(parents=True, exist_ok=True)
        if sdist.name.endswith(".zip"):
            with zipfile.ZipFile(sdist) as archive:
                for info in archive.infolist():
                    target = (destination / info.filename).resolve()
                    if destination.resolve() in target.parents:
                        archive.extract(info, destination)
        else:
            with tarfile.open(sdist) as archive:
                members = list(_safe_members(archive, destination))
                if hasattr(tarfile, "data_filter"):  # 3.12+, and security releases of older versions
                    archive.extractall(destination, members=members, filter="data")
                else:
                    archive.extractall(destination, members=members)
        marker.write_text("ok\n", encoding="utf-8")
    return destination / _stem(sdist.name)


def test_files(top: Path, folders: Sequence[str]) -> List[Path]:
    files: List[Path] = []
    for folder in folders:
        base = top / folder
        if base.is_dir():
            files.extend(sorted(p for p in base.rglob("*.py") if p.is_file()))
    return files


@dataclass
class Row:
    project: str
    files: int = 0
    parsed: int = 0
    lines: int = 0
    findings: int = 0
    seconds: float = 0.0
    unreadable: int = 0
    note: str = ""


def check(project: Project, cache: Path, offline: bool, codes: Sequence[str] = CODES) -> Row:
    row = Row(f"{project.name}=={project.version}")
    sdist = download(project, cache, offline)
    if sdist is None:
        row.note = "not downloaded"
        return row
    top = unpack(sdist, cache)
    files = test_files(top, project.tests)
    if not files:
        row.note = f"no test files under {', '.join(project.tests)}"
        return row
    engine = Engine(Selection(select=tuple(codes)))
    for path in files:
        try:
            source = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            row.unreadable += 1
            continue
        row.files += 1
        row.lines += source.count("\n") + 1
        started = time.perf_counter()
        result = engine.lint(source, str(path))
        row.seconds += time.perf_counter() - started
        if result.internal_error:
            print(f"{project.name}/{path.relative_to(top)}: internal error: {result.internal_error}")
        for d in sorted(result.diagnostics, key=lambda d: (d.line, d.column, d.code)):
            row.findings += 1
            print(f"{project.name}/{path.relative_to(top)}:{d.line}:{d.column + 1}: {d.code} {d.message}")
    row.parsed = engine.parsed_files
    return row


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", action="append", default=[], help="only this project (repeatable)")
    parser.add_argument("--offline", action="store_true", help="use the cache only, download nothing")
    parser.add_argument(
        "--select", default=",".join(CODES), help=f"codes to check, comma-separated (default: {','.join(CODES)})"
    )
    args = parser.parse_args(argv)
    codes = tuple(code.strip() for code in args.select.split(",") if code.strip())
    cache = cache_dir()
    chosen = [p for p in PROJECTS if not args.project or p.name in args.project]
    unknown = set(args.project) - {p.name for p in PROJECTS}
    if unknown:
        parser.error(f"unknown project(s): {', '.join(sorted(unknown))}")
    print(f"# corpus cache: {cache}")
    print(f"# codes: {', '.join(codes)}")
    rows = [check(project, cache, args.offline, codes) for project in chosen]
    print()
    header = (
        f"{'project':32} {'files':>6} {'libcst':>6} {'lines':>8} {'findings':>8} {'seconds':>8} {'s/100k lines':>12}"
    )
    print(header)
    print("-" * len(header))
    for row in rows + [_total(rows)]:
        per = f"{row.seconds * 100_000 / row.lines:12.2f}" if row.lines else f"{'-':>12}"
        note = f"  ({row.note})" if row.note else ""
        unreadable = f"  ({row.unreadable} unreadable)" if row.unreadable else ""
        counts = f"{row.files:6} {row.parsed:6} {row.lines:8} {row.findings:8} {row.seconds:8.2f} {per}"
        print(f"{row.project:32} {counts}{note}{unreadable}")
    return 0


def _total(rows: Sequence[Row]) -> Row:
    total = Row("total")
    for row in rows:
        total.files += row.files
        total.parsed += row.parsed
        total.lines += row.lines
        total.findings += row.findings
        total.seconds += row.seconds
        total.unreadable += row.unreadable
    return total


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
