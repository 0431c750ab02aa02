"""Shapes from real suites that mocklint misread (issue #21, items 2, 3, 6, 7, 8 and 9).

Each test is a reduced copy of what a real project wrote, linted through the
whole engine (or, for a ``patch()`` target, asked of ``analysis.mock_values.targets``):
the false alarms must be gone, the missed mistakes found, and the messages say
what execution shows.  The fixture files of each rule's folder hold the same
shapes with ``# expect:`` labels, where ``test_runtime.py``,
``test_silent_mocks.py`` and ``test_pollution.py`` execute them; where a fact
decides what mocklint may claim (what ``patch("__main__.x")`` replaces), it is
executed here.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Dict, Iterator, List

import pytest
from expectations import finding_text

from mocklint.analysis.pytest_model import project
from mocklint.analysis.mock_values.targets import Target, awaited_at_every_call, definition_file, resolve_target
from mocklint.diagnostic import Diagnostic
from mocklint.engine import Engine
from mocklint.settings import Selection


@pytest.fixture(autouse=True)
def fresh_model() -> Iterator[None]:
    project.clear_caches()
    yield
    project.clear_caches()


def _write(root: Path, files: Dict[str, str]) -> None:
    (root / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")


def _lint(path: Path, code: str) -> List[Diagnostic]:
    result = Engine(Selection(select=(code,))).lint(path.read_text(encoding="utf-8"), str(path))
    assert result.internal_error is None and result.parse_error is None, result
    return [d for d in result.diagnostics if d.code == code]


def _line(path: Path, text: str) -> int:
    """The 1-based number of the line of ``path`` holding ``text``."""
    lines = path.read_text(encoding="utf-8").splitlines()
    found = [number for number, line in enumerate(lines, 1) if text in line]
    assert len(found) == 1, (text, found)
    return found[0]


# -- item 2: MCK404, helpers that run the code inside the patch ------------------------------
_RELAY = """
class Relay:
    def __init__(self):
        self.count = 0

    async def push_frame(self, frame):
        raise ConnectionError("the tests patch this")

    async def process_frame(self, frame):
        self.count += 1
        await self.push_frame(frame.upper())

    async def run(self, frames):
        for frame in frames:
            await self.process_frame(frame)
"""


def test_mck404_helper_that_records_inside_the_patch_is_not_reported(tmp_path: Path) -> None:
    """pipecat's shape: the helper runs the processor inside ``patch.object`` and
    hands back the mock (alone or with the processor) for the caller to assert on."""
    _write(
        tmp_path,
        {
            "relay.py": _RELAY,
            "test_relay.py": """
            import unittest
            from unittest.mock import AsyncMock, patch

            from relay import Relay


            async def run_frames(frames):
                processor = Relay()
                with patch.object(processor, "push_frame", new_callable=AsyncMock) as push_frame:
                    for frame in frames:
                        await processor.process_frame(frame)
                    return push_frame


            async def run_with_processor(frames):
                processor = Relay()
                with patch.object(processor, "push_frame", new_callable=AsyncMock) as push_frame:
                    await processor.run(frames)
                    return push_frame, processor


            async def test_forwards_text():
                push_frame = await run_frames(["hello"])
                push_frame.assert_awaited_once_with("HELLO")


            async def test_forwards_in_order():
                push_frame, processor = await run_with_processor(["a", "b"])
                assert [c.args[0] for c in push_frame.await_args_list] == ["A", "B"]
                assert processor.count == 2


            class TestRelay(unittest.IsolatedAsyncioTestCase):
                async def _process(self, frame):
                    processor = Relay()
                    with patch.object(processor, "push_frame", new_callable=AsyncMock) as push_frame:
                        await processor.process_frame(frame)
                        return push_frame

                async def test_upper(self):
                    push_frame = await self._process("x")
                    self.assertEqual(push_frame.await_count, 1)
                    push_frame.assert_awaited_with("X")
            """,
        },
    )
    assert _lint(tmp_path / "test_relay.py", "MCK404") == []


def test_mck404_recording_helper_reused_as_a_patch_is_reported(tmp_path: Path) -> None:
    """The same helper, but the caller runs more code after the block ended and
    asserts on the mock again: that code met the real method."""
    _write(
        tmp_path,
        {
            "relay.py": _RELAY,
            "test_relay.py": """
            from unittest.mock import AsyncMock, patch

            from relay import Relay


            async def run_frames(processor, frames):
                with patch.object(processor, "push_frame", new_callable=AsyncMock) as push_frame:
                    await processor.run(frames)
                    return push_frame


            async def test_second_batch():
                processor = Relay()
                push_frame = await run_frames(processor, ["a"])
                await processor.run(["b"])
                assert push_frame.await_count == 2
            """,
        },
    )
    path = tmp_path / "test_relay.py"
    found = _lint(path, "MCK404")
    assert [d.line for d in found] == [_line(path, "return push_frame")]
    assert "`test_second_batch` runs more code after `run_frames()` returned" in found[0].message


# -- item 3: MCK202 inside pytest.warns / pytest.deprecated_call ---------------------------
def test_mck202_code_that_tests_the_deprecation_is_not_reported(tmp_path: Path) -> None:
    """pytest's own ``testing/deprecated_test.py``: the deprecation is the subject."""
    _write(
        tmp_path,
        {
            "test_deprecated.py": """
            import pytest
            from pytest import deprecated_call


            def test_yield_fixture_is_deprecated() -> None:
                with pytest.warns(DeprecationWarning, match=r"yield_fixture is deprecated"):

                    @pytest.yield_fixture
                    def fix():
                        assert False


            def test_callable_form():
                def fix():
                    yield 1

                pytest.warns(pytest.PytestDeprecationWarning, lambda: pytest.yield_fixture(fix))
                deprecated_call(lambda: pytest.yield_fixture(scope="module"))


            def test_nested_block():
                with deprecated_call():
                    if True:
                        decorate = pytest.yield_fixture(scope="module")
                assert callable(decorate)
            """,
        },
    )
    assert _lint(tmp_path / "test_deprecated.py", "MCK202") == []


def test_mck202_still_reports_what_the_warns_block_does_not_catch(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "test_deprecated.py": """
            import pytest


            def test_other_warning():
                with pytest.warns(RuntimeWarning):
                    decorate = pytest.yield_fixture(scope="module")


            def test_other_message():
                with pytest.warns(DeprecationWarning, match="the old API"):
                    decorate = pytest.yield_fixture(scope="session")


            def test_defined_inside_runs_later():
                with pytest.warns(DeprecationWarning):
                    def later():
                        return pytest.yield_fixture(scope="class")
                later()


            def test_argument_runs_before():
                pytest.deprecated_call(pytest.yield_fixture(scope="package"), lambda: None)
            """,
        },
    )
    path = tmp_path / "test_deprecated.py"
    lines = sorted(d.line for d in _lint(path, "MCK202"))
    wanted = ['scope="module"', 'scope="session"', 'scope="class"', 'scope="package"']
    assert lines == sorted(_line(path, text) for text in wanted)


# -- item 6: MCK403 ---------------------------------------------------------------------
_LOCKS = """
class Lock:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def fetch(url):
    return url


class Client:
    def event(self, name):
        return name
"""


def test_mck403_dunder_children_autospec_comparisons_and_asserted_assertions(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "locks.py": _LOCKS,
            "test_locks.py": """
            from unittest.mock import MagicMock, Mock, create_autospec, patch

            from locks import Client, Lock, fetch


            def test_dunder_child():
                lock = MagicMock()
                with lock:
                    pass
                assert lock.__enter__.called_once()
                lock.__exit__.called_once_with(None, None, None)


            def test_autospec_uncalled():
                fake_fetch = create_autospec(fetch)
                fake_fetch("u")
                fake_fetch.assert_called_once_with


            @patch("locks.Client", autospec=True)
            def test_autospec_dunder_of_instance(client_class):
                lock = create_autospec(Lock, instance=True)
                with lock:
                    pass
                lock.__enter__.called_once()


            def test_comparison_statement():
                mock_client = MagicMock()
                mock_client.event("start")
                mock_client.event.call_count == 3


            def test_asserted_assertion():
                m = Mock()
                m(1)
                assert m.assert_called_once()
            """,
        },
    )
    path = tmp_path / "test_locks.py"
    found = {d.line: finding_text(d) for d in _lint(path, "MCK403")}
    dunder = _line(path, "assert lock.__enter__.called_once()")
    assert "checks nothing (and raises AttributeError from Python 3.12)" in found[dunder]
    assert _line(path, "lock.__exit__.called_once_with") in found
    assert "never calls the assertion" in found[_line(path, "fake_fetch.assert_called_once_with")]
    assert _line(path, "    lock.__enter__.called_once()") in found
    comparison = found[_line(path, "mock_client.event.call_count == 3")]
    assert "a comparison used as a statement" in comparison
    assert "`assert mock_client.event.call_count == 3`" in comparison
    asserted = found[_line(path, "assert m.assert_called_once()")]
    assert "returns None" in asserted and "`m.assert_called_once()`" in asserted
    assert len(found) == 6, found


def test_mck403_autospec_children_raise_rather_than_check_nothing(tmp_path: Path) -> None:
    """An autospec'd mock's own children are specced: `called_once_with` raises
    AttributeError there on every version, so it is not reported as a no-op."""
    _write(
        tmp_path,
        {
            "locks.py": _LOCKS,
            "test_locks.py": """
            from unittest.mock import create_autospec, patch

            from locks import Client


            @patch("locks.Client", autospec=True)
            def test_specced_child(client_class):
                client_class.return_value.event.called_once_with("x")


            def test_specced_instance():
                client = create_autospec(Client, instance=True)
                client.event.called_once_with("x")
                assert client.event.call_count == 0
            """,
        },
    )
    assert _lint(tmp_path / "test_locks.py", "MCK403") == []


# -- item 7: MCK402, sys.modules ---------------------------------------------------------------
def test_mck402_sys_modules_filled_through_setdefault_update_and_a_loop(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "test_stubs.py": """
            import sys
            from unittest.mock import MagicMock

            import pytest

            sys.modules.setdefault("boto3", MagicMock())
            sys.modules.update({"grpc": MagicMock(), "grpc.aio": MagicMock()})


            @pytest.fixture
            def heavy_sdks():
                stubs = {"torch": MagicMock(), "tensorflow": MagicMock()}
                for name, stub in stubs.items():
                    sys.modules[name] = stub
                yield stubs


            def test_uses(heavy_sdks):
                import torch

                assert torch is heavy_sdks["torch"]
            """,
        },
    )
    path = tmp_path / "test_stubs.py"
    found = {d.line: finding_text(d) for d in _lint(path, "MCK402")}
    assert "`sys.modules.setdefault(\"boto3\", ...)`" in found[_line(path, "setdefault")]
    assert "every `import grpc`" in found[_line(path, "sys.modules.update")]
    assert "every `import torch` or `import tensorflow`" in found[_line(path, "sys.modules[name] = stub")]
    assert len(found) == 3


def test_mck402_del_is_no_restore_when_the_module_was_imported_before(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "payments_sdk.py": "class Receipt:\n    pass\n",
            "test_sdk.py": """
            import sys
            from unittest.mock import MagicMock

            import pytest

            import payments_sdk


            @pytest.fixture
            def fake_sdk():
                sys.modules["payments_sdk"] = MagicMock()
                yield sys.modules["payments_sdk"]
                del sys.modules["payments_sdk"]


            @pytest.fixture
            def fake_cache():
                sys.modules["fast_cache"] = MagicMock()
                yield
                del sys.modules["fast_cache"]
            """,
        },
    )
    path = tmp_path / "test_sdk.py"
    found = _lint(path, "MCK402")
    assert [d.line for d in found] == [_line(path, 'sys.modules["payments_sdk"] = MagicMock()')]
    assert "does not put back the `payments_sdk` this module imported" in found[0].message


# -- item 8: patch("__main__.x") ------------------------------------------------------------
_SCRIPT = """
import asyncio
import sys
import unittest
from unittest.mock import patch


async def fetch():
    return "real"


async def load():
    return await asyncio.wait_for(fetch(), 1)


class TestLoad(unittest.TestCase):
    @patch("__main__.fetch")
    def test_kind(self, fetch_mock):
        print("PATCHED", sys.modules["__main__"].__file__, type(fetch_mock).__name__)
"""


def test_patch_of_main_replaces_the_script_only_when_it_runs_as_one(tmp_path: Path) -> None:
    """Executed: ``python test_x.py`` patches the file's own ``fetch`` (an
    AsyncMock, as for any ``async def``); under pytest ``__main__`` is pytest's
    module, which has no ``fetch``, and the patch raises AttributeError."""
    _write(tmp_path, {"test_script.py": _SCRIPT + '\n\nif __name__ == "__main__":\n    unittest.main()\n'})
    script = tmp_path / "test_script.py"
    env = dict(os.environ, PYTEST_DISABLE_PLUGIN_AUTOLOAD="1", PYTHONDONTWRITEBYTECODE="1")
    run = subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stderr
    assert f"PATCHED {script} AsyncMock" in run.stdout
    collected = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", str(script)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )
    assert collected.returncode == 1 and "does not have the attribute 'fetch'" in collected.stdout, collected.stdout

    directory = str(tmp_path)
    assert resolve_target("__main__.fetch", directory, script=str(script)) is Target.ASYNC_FUNCTION
    assert definition_file("__main__.fetch", directory, script=str(script)) == (str(script), ["fetch"])
    assert awaited_at_every_call("__main__.fetch", directory, script=str(script))


def test_patch_of_main_is_unknown_for_a_module_pytest_collects(tmp_path: Path) -> None:
    """Without a ``__main__`` guard the file never runs as the script, and a
    ``__main__.py`` on the search path is not what ``__main__`` names either."""
    _write(tmp_path, {"test_script.py": _SCRIPT, "__main__.py": "async def fetch():\n    return 1\n"})
    directory, script = str(tmp_path), str(tmp_path / "test_script.py")
    assert resolve_target("__main__.fetch", directory, script=script) is None
    assert resolve_target("__main__.fetch", directory) is None
    assert definition_file("__main__.fetch", directory) is None


# -- item 9: awaited through asyncio's wrappers ----------------------------------------------
_FEEDS = """
import asyncio


async def fetch(url):
    raise ConnectionError("the tests patch this")


async def fetch_all(urls):
    return await asyncio.gather(*[fetch(url) for url in urls])


async def fetch_one(url):
    return await asyncio.wait_for(fetch(url), timeout=5)


async def fetch_later(url):
    task = asyncio.create_task(fetch(url))
    return await task
"""


def test_awaited_at_every_call_counts_asyncio_wrappers(tmp_path: Path) -> None:
    _write(tmp_path, {"feeds.py": _FEEDS})
    assert awaited_at_every_call("feeds.fetch", str(tmp_path))


def test_awaited_at_every_call_still_refuses_what_may_never_run(tmp_path: Path) -> None:
    """A ``wait_for`` coroutine nobody awaits never runs the call."""
    unawaited = "\n\ndef fire_and_forget(url):\n    return asyncio.wait_for(fetch(url), 1)\n"
    _write(tmp_path, {"feeds.py": _FEEDS + unawaited})
    assert not awaited_at_every_call("feeds.fetch", str(tmp_path))


def test_mck102_patch_new_mock_over_a_coroutine_awaited_through_wait_for(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "feeds.py": _FEEDS,
            "test_feeds.py": """
            from unittest.mock import Mock, patch

            import feeds


            async def test_fetch_one():
                with patch("feeds.fetch", new=Mock(return_value="page")):
                    assert await feeds.fetch_one("u") == "page"
            """,
        },
    )
    path = tmp_path / "test_feeds.py"
    found = _lint(path, "MCK102")
    assert [d.line for d in found] == [_line(path, "patch(")]
    assert "`feeds.fetch` is a coroutine function" in found[0].message
