"""False alarms the real-corpus scans found (issue #21's closing scans), each reduced and executed.

``scripts/check_fix_corpora.py`` (every rule, both corpora of ``scripts/corpora.py``)
and the false-alarm scripts print every finding on real suites; each finding
was run under the versions its project declares.  The ones that did not fail
are reduced here to the smallest project that keeps the shape, and that
project is linted through the whole engine, and run by real pytest (so the
reduction is shown to pass, or to fail as the rule says) in the ``slow`` set.

Each false alarm is a reproduction that fails on the code before its fix.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Iterator

import pytest
from test_real_suite_shapes import _lint, _write

from mocklint.analysis.pytest_model import project


@pytest.fixture(autouse=True)
def fresh_model() -> Iterator[None]:
    project.clear_caches()
    yield
    project.clear_caches()




def _pytest(root: Path, *args: str) -> subprocess.CompletedProcess:
    """Real pytest on the reduced project, in its own process, with no plugin
    of the lint environment that the reduced project does not declare."""
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:asyncio", "-p", "no:randomly", *args],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
    )


# -- MCK405: sanic 25.12.1, tests/test_app.py and tests/test_server_events.py -----------------
# Nine sync tests call ``asyncio.get_event_loop()`` and run the server with
# ``loop.run_until_complete``.  Under sanic's declared test plugins (pytest 9.2,
# pytest-sanic 1.9.1, sanic-testing 24.6; no pytest-asyncio) all of them pass,
# in file order and alone, even with ``-W error::DeprecationWarning``: the
# project's plugins set a current loop, and nothing in its suite ever unsets it
# (no ``asyncio.run``, no ``IsolatedAsyncioTestCase``, no async test runner).
# The order-dependent ``RuntimeError`` the rule announces needs such a test, and
# the project has none.  Not fixed here: telling that takes a look at the whole
# suite (or at the plugins' code), not a local change to the rule.
_SANIC_SHAPE = {
    "pytest.ini": """
    [pytest]
    filterwarnings =
        error::DeprecationWarning
    """,
    "conftest.py": """
    import asyncio


    def pytest_configure(config):
        # what the project's plugins do: a current loop for the whole session
        asyncio.set_event_loop(asyncio.new_event_loop())
    """,
    "test_app.py": """
    import asyncio


    async def create_server():
        return "serving"


    def test_create_asyncio_server():
        loop = asyncio.get_event_loop()
        assert loop.run_until_complete(create_server()) == "serving"


    def test_create_server_again():
        loop = asyncio.get_event_loop()
        assert loop.run_until_complete(create_server()) == "serving"
    """,
}


def test_mck405_silent_when_no_test_of_the_suite_unsets_the_loop(tmp_path: Path) -> None:
    _write(tmp_path, _SANIC_SHAPE)
    assert _lint(tmp_path / "test_app.py", "MCK405") == []


@pytest.mark.slow  # runs real pytest on the reduced project
def test_mck405_silent_shape_passes_under_pytest_in_either_order(tmp_path: Path) -> None:
    """What makes the silence above right: the reduced suite passes, in file order and reversed."""
    _write(tmp_path, _SANIC_SHAPE)
    reversed_order = ["test_app.py::test_create_server_again", "test_app.py::test_create_asyncio_server"]
    for order in (["test_app.py"], reversed_order):
        run = _pytest(tmp_path, "-q", *order)
        assert run.returncode == 0 and "2 passed" in run.stdout, run.stdout + run.stderr


#: the twin: one ``asyncio.run`` in the suite, and the same tests fail after it
_SANIC_SHAPE_WITH_A_RUNNER = dict(
    _SANIC_SHAPE,
    **{
        "test_runner.py": """
    import asyncio


    def test_runs_a_loop():
        assert asyncio.run(asyncio.sleep(0, 1)) == 1
    """
    },
)


def test_mck405_reduced_sanic_shape_fails_once_a_test_unsets_the_loop(tmp_path: Path) -> None:
    """The twin: one ``asyncio.run`` in the suite and the same test fails after
    it, as the rule says; this one must stay reported when the false alarm above is fixed."""
    _write(tmp_path, _SANIC_SHAPE_WITH_A_RUNNER)
    assert [d.line for d in _lint(tmp_path / "test_app.py", "MCK405")] == [9, 14]


@pytest.mark.slow  # runs real pytest on the reduced project
def test_mck405_reduced_sanic_shape_fails_under_pytest_after_asyncio_run(tmp_path: Path) -> None:
    """What makes the finding above right: after ``asyncio.run`` the test fails as the rule says."""
    _write(tmp_path, _SANIC_SHAPE_WITH_A_RUNNER)
    run = _pytest(tmp_path, "-q", "test_runner.py", "test_app.py")
    assert run.returncode == 1, run.stdout + run.stderr
    assert "There is no current event loop" in run.stdout, run.stdout
