#!/usr/bin/env python3
"""Run mocklint over a lot of real Python code and count what happens.

The corpus is every ``.py`` file of the running interpreter's standard
library plus the source distributions of pinned releases of large projects,
downloaded once from PyPI (``pip download --no-deps --no-binary :all:``) into
a cache outside the repository: ``$MOCKLINT_SCAN_CACHE`` or
``~/.cache/mocklint-scan``.  Each file is decoded as the ``mocklint`` command
decodes it and linted by the engine in-process with every rule, under its real
path (so conftest.py lookups see the real tree).

It prints the number of files, how many reached libcst, the parse notes, the
number of internal errors (``MCK000``: must be 0) and the findings per code
with a sample of each, and writes every finding to ``scan-results.json`` in
the cache.  Exit status: 0, or 1 when some file gave an ``MCK000``.

    python scripts/scan_real_code.py                 # everything, all cores
    python scripts/scan_real_code.py --only pytest --samples 20
    python scripts/scan_real_code.py --no-stdlib -j1
    python scripts/scan_real_code.py --no-projects   # the standard library only (nothing downloaded)
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import sysconfig
import tarfile
import time
import zipfile
from collections import Counter, defaultdict
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Sequence, Tuple

#: (distribution, pinned version): big sdists that ship many .py files,
#: their tests included, with pure-Python build steps (no meson/C builds just
#: to prepare metadata)
PROJECTS: Sequence[Tuple[str, str]] = (
    ("Django", "5.1.4"),
    ("SQLAlchemy", "2.0.36"),
    ("pytest", "8.3.4"),
    ("aiohttp", "3.11.11"),
    ("celery", "5.4.0"),
    ("Twisted", "24.11.0"),
    ("sympy", "1.13.3"),
    ("salt", "3007.1"),
    ("pylint", "3.3.3"),
    ("Scrapy", "2.12.0"),
    ("ansible-core", "2.17.7"),
    ("ipython", "8.31.0"),
    ("networkx", "3.4.2"),
    ("Sphinx", "8.1.3"),
    ("hypothesis", "6.122.3"),
    ("moto", "5.0.28"),
    ("pip", "24.3.1"),
    ("homeassistant", "2025.4.4"),
)

SKIPPED_FOLDERS = {"site-packages", "dist-packages", "__pycache__", ".git", ".tox", "node_modules"}


def cache_root() -> Path:
    base = os.environ.get("MOCKLINT_SCAN_CACHE") or os.path.join(os.path.expanduser("~"), ".cache", "mocklint-scan")
    path = Path(base)
    path.mkdir(parents=True, exist_ok=True)
    return path


# -- the corpus ---------------------------------------------------------------------
def fetch(name: str, version: str, cache: Path) -> Optional[Path]:
    """The extracted source distribution of ``name==version``, downloaded once."""
    key = f"{name}-{version}"
    tree = cache / "src" / key
    done = tree / ".extracted"
    if done.exists():
        return tree
    download = cache / "sdists" / key
    download.mkdir(parents=True, exist_ok=True)
    archives = [p for p in download.iterdir() if p.name.endswith((".tar.gz", ".tgz", ".zip", ".tar.bz2"))]
    if not archives:
        print(f"downloading {name}=={version} ...", file=sys.stderr, flush=True)
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
            str(download),
            f"{name}=={version}",
        ]
        done_process = subprocess.run(command, capture_output=True, text=True)
        archives = [p for p in download.iterdir() if p.name.endswith((".tar.gz", ".tgz", ".zip", ".tar.bz2"))]
        if not archives:
            last = (done_process.stderr.strip().splitlines() or ["no archive"])[-1]
            print(f"  cannot download {name}=={version}: {last}", file=sys.stderr)
            return None
    archive = archives[0]
    tree.mkdir(parents=True, exist_ok=True)
    if archive.name.endswith(".zip"):
        with zipfile.ZipFile(archive) as handle:
            handle.extractall(tree)
    else:
        with tarfile.open(archive) as handle:
            if hasattr(tarfile, "data_filter"):
                handle.extractall(tree, filter="data")
            else:  # pragma: no cover - Python < 3.9.17
                handle.extractall(tree)
    done.write_text(archive.name, encoding="utf-8")
    return tree


def python_files(top: Path) -> Iterator[str]:
    for folder, subfolders, names in os.walk(top):
        subfolders[:] = sorted(d for d in subfolders if d not in SKIPPED_FOLDERS)
        for name in sorted(names):
            if name.endswith(".py"):
                path = os.path.join(folder, name)
                if os.path.isfile(path):
                    yield path


# -- linting ------------------------------------------------------------------------
_ENGINE = None


def _engine():  # type: ignore[no-untyped-def]
    global _ENGINE
    if _ENGINE is None:
        from mocklint.engine import Engine

        _ENGINE = Engine()
    return _ENGINE


def lint_file(path: str) -> Dict[str, object]:
    """One file: a plain dict, so it crosses process boundaries cheaply."""
    from mocklint.files import SourceError, read_source

    try:
        source = read_source(path)
    except SourceError as exc:
        return {"path": path, "skipped": str(exc)}
    engine = _engine()
    before = engine.parsed_files
    start = time.perf_counter()
    result = engine.lint(source, path)
    return {
        "path": path,
        "seconds": time.perf_counter() - start,
        "parsed": engine.parsed_files - before,
        "parse_error": result.parse_error,
        "internal_error": result.internal_error,
        "diagnostics": [
            {"line": d.line, "column": d.column + 1, "code": d.code, "message": d.message} for d in result.diagnostics
        ],
    }


def _note_kind(note: str) -> str:
    """``syntax error at line 3: invalid syntax`` -> ``syntax error``."""
    return re.split(r" at line| \(|:", note, maxsplit=1)[0]


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", action="append", help="scan only these projects (names as in PROJECTS)")
    parser.add_argument("--no-stdlib", action="store_true", help="leave out the standard library")
    parser.add_argument("--no-projects", action="store_true", help="leave out the pinned projects (no download)")
    parser.add_argument("--samples", type=int, default=8, help="findings shown per code (default 8)")
    parser.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1, help="processes (default: all CPUs)")
    args = parser.parse_args(argv)

    cache = cache_root()
    corpora: List[Tuple[str, Path]] = []
    if not args.no_stdlib and not args.only:
        corpora.append((f"stdlib-{sys.version_info[0]}.{sys.version_info[1]}", Path(sysconfig.get_paths()["stdlib"])))
    wanted = {name.lower() for name in args.only or ()}
    for name, version in () if args.no_projects else PROJECTS:
        if wanted and name.lower() not in wanted:
            continue
        tree = fetch(name, version, cache)
        if tree is not None:
            corpora.append((f"{name}-{version}", tree))

    files: List[Tuple[str, str]] = [(label, path) for label, top in corpora for path in python_files(top)]
    print(f"linting {len(files)} files from {len(corpora)} corpora with {args.jobs} processes ...", flush=True)
    start = time.perf_counter()
    paths = [path for _, path in files]
    results: List[Dict[str, object]] = []

    def progress(result: Dict[str, object]) -> None:
        results.append(result)
        if len(results) % 2000 == 0:
            print(f"  {len(results)} files, {time.perf_counter() - start:.0f} s", file=sys.stderr, flush=True)

    if args.jobs > 1:
        with ProcessPoolExecutor(args.jobs) as pool:
            for result in pool.map(lint_file, paths, chunksize=16):
                progress(result)
    else:
        for path in paths:
            progress(lint_file(path))
    elapsed = time.perf_counter() - start

    per_corpus: Dict[str, Counter] = defaultdict(Counter)
    notes: Counter = Counter()
    skipped: List[str] = []
    internal: List[str] = []
    codes: Counter = Counter()
    samples: Dict[str, List[str]] = defaultdict(list)
    slowest: List[Tuple[float, str]] = []
    for (label, _), result in zip(files, results):
        counts = per_corpus[label]
        counts["files"] += 1
        path = str(result["path"])
        if "skipped" in result:
            counts["skipped"] += 1
            skipped.append(f"{path}: {result['skipped']}")
            continue
        counts["reached libcst"] += int(result["parsed"])  # type: ignore[call-overload]
        slowest.append((float(result["seconds"]), path))  # type: ignore[arg-type]
        if result["parse_error"]:
            counts["parse notes"] += 1
            notes[_note_kind(str(result["parse_error"]))] += 1
        if result["internal_error"]:
            internal.append(f"{path}: {result['internal_error']}")
        for d in result["diagnostics"]:  # type: ignore[attr-defined]
            codes[d["code"]] += 1
            counts["findings"] += 1
            if len(samples[d["code"]]) < args.samples:
                samples[d["code"]].append(f"{path}:{d['line']}:{d['column']}: {d['message']}")

    total = Counter()
    for counts in per_corpus.values():
        total.update(counts)
    print()
    print(f"{'corpus':<28} {'files':>7} {'libcst':>7} {'notes':>6} {'skipped':>8} {'findings':>9}")
    for label, counts in per_corpus.items():
        print(
            f"{label:<28} {counts['files']:>7} {counts['reached libcst']:>7} {counts['parse notes']:>6} "
            f"{counts['skipped']:>8} {counts['findings']:>9}"
        )
    print(
        f"{'total':<28} {total['files']:>7} {total['reached libcst']:>7} {total['parse notes']:>6} "
        f"{total['skipped']:>8} {total['findings']:>9}"
    )
    print()
    print(f"files: {total['files']}  reached libcst: {total['reached libcst']}  time: {elapsed:.1f} s")
    print(f"not decodable (skipped): {len(skipped)}")
    for line in skipped[:10]:
        print(f"  {line}")
    print(f"parse notes: {sum(notes.values())}" + "".join(f"\n  {kind}: {n}" for kind, n in notes.most_common()))
    print(f"MCK000 (internal errors): {len(internal)}")
    for line in internal:
        print(f"  {line}")
    print("slowest files:")
    for seconds, path in sorted(slowest, reverse=True)[:5]:
        print(f"  {seconds:.2f} s {path}")
    print("findings per code:" + ("" if codes else " none"))
    for code in sorted(codes):
        print(f"  {code}: {codes[code]}")
        for line in samples[code]:
            print(f"    {line}")

    report = cache / "scan-results.json"
    with open(report, "w", encoding="utf-8") as handle:
        json.dump(
            {
                "python": sys.version.split()[0],
                "corpora": {label: dict(counts) for label, counts in per_corpus.items()},
                "internal_errors": internal,
                "parse_notes": dict(notes),
                "findings": {str(r["path"]): r["diagnostics"] for r in results if r.get("diagnostics")},
            },
            handle,
            indent=1,
        )
    print(f"every finding: {report}")
    return 1 if internal else 0


if __name__ == "__main__":
    sys.exit(main())
