"""mocklint never imports or runs the code it lints.

The project below is booby-trapped: every Python file in it (conftest.py
files, helper modules, the ``pytest_plugins`` modules, the ``-p`` plugin named
in pytest.ini, a package ``__init__``) writes a marker file and ends the
process with ``os._exit(3)`` as soon as it is imported.  The test files hold
real findings, reachable only by reading those files: fixtures from the
plugins, ``patch()`` targets in the helpers, a conftest that decides MCK201.

``mocklint`` (one process and ``-j2``) and ``flake8`` (likewise) run on it;
they must finish normally, with the expected findings, and leave no marker.
A child process with an audit hook (PEP 578) also checks that none of the
project's modules is even looked up for import.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Tuple

import pytest

TRAP = """\
import os as _os
with open({marker!r}, "w") as _handle:
    _handle.write(__name__)
_os._exit(3)
"""

FILES: Dict[str, str] = {
    "pytest.ini": "[pytest]\naddopts = -p trapped_plugin\ntestpaths = tests\n",
    "conftest.py": (
        "{trap}\n"
        "import pytest\n"
        "from helpers import make_client\n\n"
        "pytest_plugins = ['plugins.fixtures']\n\n\n"
        "@pytest.fixture\n"
        "def client():\n"
        "    return make_client()\n"
    ),
    "trapped_plugin.py": "{trap}\nimport pytest\n\n\n@pytest.fixture\ndef from_p_plugin():\n    return 1\n",
    "helpers.py": "{trap}\n\n\nasync def fetch(url):\n    return url\n\n\ndef make_client():\n    return None\n",
    "plugins/__init__.py": "{trap}\n",
    "plugins/fixtures.py": "{trap}\nimport pytest\n\n\n@pytest.fixture\ndef plugged():\n    return 2\n",
    "tests/__init__.py": "{trap}\n",
    "tests/conftest.py": "{trap}\nimport pytest\n\n\n@pytest.fixture\ndef local():\n    return 3\n",
    "tests/test_api.py": (
        "{trap}\n"
        "from unittest.mock import AsyncMock, patch\n\n"
        "import pytest\n\n"
        "SLOW = pytest.config.getoption('--slow')\n\n\n"
        "@pytest.yield_fixture\n"
        "def resource():\n"
        "    yield 1\n\n\n"
        "def test_fixtures(client, plugged, from_p_plugin, local, resource):\n"
        "    pytest.skip(msg='later')\n\n\n"
        "async def test_session():\n"
        "    session = AsyncMock()\n"
        "    async with session.post('https://example.org') as response:\n"
        "        assert response\n"
    ),
    "legacy/conftest.py": ("{trap}\nimport pytest\n\n\ndef pytest_configure(config):\n    pytest.config = config\n"),
    "legacy/test_old.py": "{trap}\nimport pytest\n\nSLOW = pytest.config.getoption('--slow')\n",
}

#: (path, line, code): what reading the project, not running it, finds
EXPECTED: List[Tuple[str, int, str]] = [
    ("tests/test_api.py", 10, "MCK201"),
    ("tests/test_api.py", 13, "MCK202"),
    ("tests/test_api.py", 19, "MCK204"),
    ("tests/test_api.py", 24, "MCK101"),
]

MODULES = {
    "conftest",
    "trapped_plugin",
    "helpers",
    "plugins",
    "plugins.fixtures",
    "tests",
    "tests.conftest",
    "tests.test_api",
    "legacy",
    "legacy.conftest",
    "legacy.test_old",
    "test_api",
    "test_old",
}


@pytest.fixture()
def trapped(tmp_path: Path) -> Tuple[Path, Path]:
    project = tmp_path / "project"
    markers = tmp_path / "markers"
    markers.mkdir()
    for relative, text in FILES.items():
        path = project / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        marker = str(markers / relative.replace("/", "_"))
        path.write_text(text.format(trap=TRAP.format(marker=marker)), encoding="utf-8")
    (project / "pyproject.toml").write_text("[tool.mocklint]\n", encoding="utf-8")
    return project, markers


def _found(stdout: str) -> List[Tuple[str, int, str]]:
    found = []
    for line in stdout.splitlines():
        path, row, _, rest = line.split(":", 3)
        found.append((path[2:] if path.startswith("./") else path, int(row), rest.split()[0]))
    return sorted(found)


def _run(command: List[str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("jobs", ["1", pytest.param("2", marks=pytest.mark.slow)])  # slow: -j2 workers
def test_mocklint_reads_but_never_imports(trapped: Tuple[Path, Path], jobs: str) -> None:
    project, markers = trapped
    done = _run([sys.executable, "-m", "mocklint", "-j", jobs, "."], project)
    assert list(markers.iterdir()) == [], "mocklint imported project code"
    assert done.returncode == 1, (done.returncode, done.stdout, done.stderr)
    assert _found(done.stdout) == EXPECTED, done.stdout


@pytest.mark.parametrize("jobs", ["1", pytest.param("2", marks=pytest.mark.slow)])  # slow: -j2 workers
def test_flake8_with_mocklint_never_imports(trapped: Tuple[Path, Path], jobs: str) -> None:
    project, markers = trapped
    done = _run([sys.executable, "-m", "flake8", "--isolated", "--select=MCK", f"--jobs={jobs}", "."], project)
    assert list(markers.iterdir()) == [], "flake8 with mocklint imported project code"
    assert done.returncode == 1, (done.returncode, done.stdout, done.stderr)
    assert _found(done.stdout) == EXPECTED, done.stdout


AUDIT = """
import json, sys
watched = set(json.loads(sys.argv[1]))
seen = []

def hook(event, args):
    if event == "import" and args and args[0] in watched:
        seen.append(args[0])

sys.addaudithook(hook)
from mocklint import cli
status = cli.main(["--no-cache", "."] if "--no-cache" in cli.build_parser().format_help() else ["."])
sys.stdout.flush()
print(json.dumps({"status": status, "imports": seen}), file=sys.stderr)
"""


def test_no_project_module_is_even_looked_up(trapped: Tuple[Path, Path]) -> None:
    project, markers = trapped
    done = _run([sys.executable, "-c", AUDIT, json.dumps(sorted(MODULES))], project)
    assert list(markers.iterdir()) == []
    report = json.loads(done.stderr.strip().splitlines()[-1])
    assert report == {"status": 1, "imports": []}, done.stderr


def test_the_traps_go_off_when_the_code_is_run(trapped: Tuple[Path, Path]) -> None:
    """The check above is not vacuous: pytest itself imports the plugin and exits."""
    project, markers = trapped
    done = _run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q"], project)
    assert done.returncode == 3, (done.stdout, done.stderr)
    assert [p.name for p in markers.iterdir()] != []
    done = _run([sys.executable, "-c", "import helpers"], project)
    assert done.returncode == 3 and (markers / "helpers.py").read_text(encoding="utf-8") == "helpers"
