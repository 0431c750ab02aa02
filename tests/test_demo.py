"""The README's first command: mocklint on the bundled demo suite finds its bugs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_demo_suite_shows_findings_of_each_family() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "mocklint", "--no-cache", "demo"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 1, proc.stdout + proc.stderr
    codes = {line.split(" ", 2)[1] for line in proc.stdout.splitlines()}
    assert {"MCK101", "MCK102", "MCK103", "MCK201", "MCK202", "MCK203", "MCK204", "MCK205", "MCK207", "MCK212"} <= codes
    assert "MCK301" in codes  # a fixture in a helper module no conftest.py imports
    assert "Found 12 problems in 4 files." in proc.stderr
