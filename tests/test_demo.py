"""The README's first command: mocklint on the bundled demo suite finds its bugs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_demo_suite_shows_findings_of_each_family() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "mocklint", "demo"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 1, proc.stdout + proc.stderr
    codes = {line.split(" ", 2)[1] for line in proc.stdout.splitlines()}
    assert {"MCK201", "MCK202", "MCK203", "MCK204", "MCK205", "MCK207", "MCK212"} <= codes
    assert "Found 8 problems in 2 files." in proc.stderr
