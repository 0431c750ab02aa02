"""The benchmark script must keep working: ``benchmarks/run.py --smoke`` runs
every measurement once on a tiny generated corpus, without any download.

Nothing here asserts a duration: timings on shared machines are noise at this
size, and the benchmark's job is to print figures, not to fail on them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

RUN = Path(__file__).resolve().parent.parent / "benchmarks" / "run.py"


@pytest.mark.slow  # drives flake8, the parsers and mocklint processes, each measurement once, through the script
@pytest.mark.skipif(not hasattr(os, "wait4"), reason="the benchmark reads peak memory through os.wait4 (Unix)")
def test_smoke_run_prints_the_table_and_the_ratios(tmp_path: Path) -> None:
    out = tmp_path / "figures.json"
    proc = subprocess.run(
        [sys.executable, str(RUN), "--smoke", "--double", "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    header = [line for line in lines if line.startswith("measurement")]
    assert header and "median s" in header[0] and "x flake8" in header[0] and "x libcst" in header[0], proc.stdout
    for row in ("flake8 -j1", "flake8+mocklint -j1", "ast.parse", "libcst.parse_module", "mocklint -j1 cold",
                "mocklint -j1 warm", "mocklint engine (in-process)", "mocklint -j1 cold, corpus twice",
                "flake8+mocklint -j1 warm", "flake8 one file", "flake8+mocklint one file, no cache",
                "flake8+mocklint one file, new file"):
        assert any(line.startswith(row) for line in lines), f"no row {row!r}:\n{proc.stdout}"
    ratios = [line for line in lines if line.startswith("ratio ")]
    for text in ("flake8+mocklint / flake8", "mocklint -j1 cold / libcst.parse_module", "Fixit / mocklint",
                 "mocklint warm / cold", "corpus twice / once", "flake8+mocklint warm / flake8"):
        assert any(text in line for line in ratios), f"no ratio {text!r}:\n{proc.stdout}"
    assert "files that reached libcst" in proc.stdout
    assert "one-file start-up, new file: flake8+mocklint - flake8" in proc.stdout
    assert "cross-module analysis (MCK101-MCK103):" in proc.stdout
    assert "conftest.py files: 2" in proc.stdout

    document = json.loads(out.read_text(encoding="utf-8"))
    assert document["smoke"] is True
    assert document["corpus"]["files"] > 0 and document["corpus"]["lines"] > 0
    assert not any("failed" in figures for figures in document["measurements"].values())
    # the generated corpus has pytest.config findings: the plugin and the command ran for real
    assert document["engine"]["findings"] > 0
    assert document["engine"]["parsed_files"] > 0
