"""Each rule's ``might_report``: the files it spares libcst, and the ones it must not.

``test_prefilters.py`` proves on the whole fixture suite that no finding is
lost; these cases pin down both sides of each sharper answer: a text that
passes the rule's gate but cannot be reported on (``False``: the libcst parse
is spared, which is the point), and the unusual spellings that can (``True``,
and the full analysis reports them, so the answer is not only an assumption).
"""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path
from typing import Iterator, List

import pytest

from mocklint.analysis import project
from mocklint.engine import Engine
from mocklint.registry import ALL_RULES
from mocklint.settings import Selection

RULES = {rule.code: rule for rule in ALL_RULES}


@pytest.fixture(autouse=True)
def fresh_model() -> Iterator[None]:
    project.clear_caches()
    yield
    project.clear_caches()


def _project(tmp_path: Path) -> Path:
    (tmp_path / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    package = tmp_path / "app"
    package.mkdir()
    (package / "__init__.py").write_text("", encoding="utf-8")
    (package / "client.py").write_text(
        "import os\n\n\nasync def fetch(url):\n    return url\n\n\ndef parse(text):\n    return text\n\n\n"
        "class Client:\n    async def get(self, url):\n        return url\n",
        encoding="utf-8",
    )
    tests = tmp_path / "tests"
    tests.mkdir()
    return tests / "test_example.py"


def _might(code: str, source: str, path: Path) -> bool:
    source = textwrap.dedent(source)
    rule = RULES[code]
    assert rule.gate.search(source), "the case must pass the gate, or might_report is never asked"
    path.write_text(source, encoding="utf-8")
    return rule.might_report(ast.parse(source), source, str(path))


def _reported(code: str, path: Path) -> List[str]:
    engine = Engine(Selection(select=(code,)))
    source = path.read_text(encoding="utf-8")
    return [d.code for d in engine.lint(source, str(path)).diagnostics]


SPARED = [
    pytest.param(
        "MCK211",
        '''
        def test_plugin(pytester):
            pytester.makepyfile("""
                import pytest
                @pytest.fixture
                def resource():
                    yield 1
            """)
        ''',
        id="MCK211-yield-in-a-string",
    ),
    pytest.param(
        "MCK211",
        """
        def test_generator():
            def numbers():
                yield 1
            assert list(numbers()) == [1]
        """,
        id="MCK211-yield-of-a-nested-function",
    ),
    pytest.param(
        "MCK401",
        """
        import threading

        def test_thread():
            worker = threading.Thread(target=print)
            worker.start()
        """,
        id="MCK401-a-thread-start",
    ),
    pytest.param(
        "MCK401",
        """
        from unittest.mock import patch

        def setup_module():
            patch("os.getcwd").start()

        def teardown_module():
            patch.stopall()
        """,
        id="MCK401-stopall",
    ),
    pytest.param(
        "MCK402",
        """
        import json
        from unittest.mock import Mock

        def test_payload():
            payload = {}
            payload["user"] = "ann"
            json.decoder = json.JSONDecoder
            handler = Mock()
        """,
        id="MCK402-no-mock-assigned-to-shared-state",
    ),
    pytest.param(
        "MCK403",
        """
        from unittest.mock import Mock

        def test_callback():
            state = Mock()
            assert state.handler_called
            assert_called = True
        """,
        id="MCK403-words-ending-in-called",
    ),
    pytest.param(
        "MCK213",
        """
        import functools
        import pytest

        @pytest.mark.slow
        @functools.lru_cache
        def test_cached():
            pass

        @pytest.fixture
        def value():
            return 1
        """,
        id="MCK213-two-decorators-none-a-fixture",
    ),
    pytest.param(
        "MCK103",
        """
        from unittest.mock import patch

        @patch("app.client.parse")
        @patch("os.getcwd")
        def test_parse(getcwd, parse):
            parse("x")
        """,
        id="MCK103-patch-of-plain-functions",
    ),
    pytest.param(
        "MCK103",
        """
        from unittest.mock import AsyncMock

        def helper():
            return 1

        def test_helper():
            helper()
            print("no mock is called here")

        async def test_mock():
            fetch = AsyncMock()
            await fetch()
        """,
        id="MCK103-no-mock-called-as-a-statement",
    ),
    pytest.param(
        "MCK102",
        """
        import asyncio
        from unittest.mock import MagicMock

        async def work():
            return 1

        async def test_work():
            assert await work() == 1
            await asyncio.sleep(0)
            log = MagicMock()
            log("done")
        """,
        id="MCK102-no-mock-awaited",
    ),
    pytest.param(
        "MCK404",
        """
        from unittest.mock import patch

        import pytest

        def read():
            with open(__file__) as handle:
                return handle.read()

        @pytest.fixture
        def cwd():
            with patch("os.getcwd") as getcwd:
                yield getcwd
        """,
        id="MCK404-return-inside-another-with",
    ),
    pytest.param(
        "MCK101",
        """
        import asyncio
        from unittest.mock import AsyncMock

        async def test_lock():
            lock = asyncio.Lock()
            async with lock:
                fetch = AsyncMock()
                await fetch()
        """,
        id="MCK101-no-mock-entered",
    ),
    pytest.param(
        "MCK103",
        """
        from unittest.mock import AsyncMock

        async def test_mocker(mocker):
            mocker.patch("app.client.fetch")
            fetch = AsyncMock()
            await fetch()
            fetch.assert_awaited_once()
            fetch.reset_mock()
        """,
        id="MCK103-patching-and-asserting-are-no-mock-calls",
    ),
    pytest.param(
        "MCK103",
        """
        from unittest.mock import AsyncMock

        class Engine:
            def connect(self):
                return self

            def close(self):
                pass

        async def test_configured():
            engine = Engine()
            engine.connect = AsyncMock()
            await engine.connect()

        def test_real():
            connection = Engine().connect()
            connection.close()
        """,
        id="MCK103-same-attribute-name-on-another-object",
    ),
    pytest.param(
        "MCK102",
        """
        import asyncio
        from unittest.mock import MagicMock, patch

        async def test_patcher():
            patcher = patch("app.client.parse")
            await asyncio.sleep(0)
            log = MagicMock()
            log("done")
        """,
        id="MCK102-a-patcher-is-no-mock",
    ),
    pytest.param(
        "MCK301",
        """
        from unittest import mock

        import pytest

        @pytest.fixture
        def client():
            return object()

        @mock.patch.object(mock, "sentinel")
        @mock.patch("os.getcwd")
        def test_patched(getcwd, sentinel, client):
            assert client

        @pytest.mark.usefixtures("client")
        class TestUsed:
            @pytest.mark.usefixtures("client", "tmp_path")
            def test_used(self):
                pass
        """,
        id="MCK301-patch-arguments-and-usefixtures",
    ),
    pytest.param(
        "MCK207",
        """
        # the "connection" fixture as there are many
        class Config:
            def fixture(self, *arg, **kw):
                return '@pytest.fixture("session")'
        """,
        id="MCK207-a-method-named-fixture",
    ),
    pytest.param(
        "MCK103",
        """
        from unittest.mock import patch

        from app import client

        def test_cwd():
            with patch.object(client.os, "getcwd") as getcwd:
                getcwd()
        """,
        id="MCK103-patch-object-of-a-dotted-holder-resolving-to-a-plain-function",
    ),
    pytest.param(
        "MCK102",
        """
        from unittest.mock import MagicMock

        # analysis.mocks follows no comprehension variable, so the scan does not
        # either: when it learns to, this case fails and the scan must learn too
        async def test_all():
            clients = [MagicMock(), MagicMock()]
            [await client.fetch() for client in clients]
        """,
        id="MCK102-comprehension-variable-as-analysis-mocks-follows-it",
    ),
]


@pytest.mark.parametrize("code, source", SPARED)
def test_spared(code: str, source: str, tmp_path: Path) -> None:
    path = _project(tmp_path)
    assert not _might(code, source, path)
    assert _reported(code, path) == []


REPORTED = [
    pytest.param(
        "MCK211",
        """
        def test_cases():
            for n in (1, 2):
                yield check, n

        def check(n):
            assert n
        """,
        id="MCK211-own-yield",
    ),
    pytest.param(
        "MCK401",
        """
        from unittest import mock

        def setup_module():
            fetcher = mock.patch("os.getcwd")
            fetcher.start()
        """,
        id="MCK401-started-name",
    ),
    pytest.param(
        "MCK402",
        """
        import os
        from unittest.mock import MagicMock

        def test_environ():
            fake_cwd = MagicMock(return_value="/")
            os.getcwd = fake_cwd
        """,
        id="MCK402-name-bound-to-a-mock",
    ),
    pytest.param(
        "MCK402",
        """
        import os
        from unittest.mock import MagicMock

        def test_environ():
            setattr(os, "getcwd", MagicMock())
        """,
        id="MCK402-setattr",
    ),
    pytest.param(
        "MCK403",
        """
        from unittest.mock import Mock

        def test_handler(self):
            handler = Mock()
            handler(1)
            self.assertTrue(handler.called_once_with(1))
        """,
        id="MCK403-no-op-call",
    ),
    pytest.param(
        "MCK213",
        """
        import pytest
        from pytest import fixture as make_fixture

        @pytest.mark.usefixtures("tmp_path")
        @make_fixture
        def workspace():
            return 1
        """,
        id="MCK213-aliased-fixture",
    ),
    pytest.param(
        "MCK204",
        """
        import pytest

        def test_skip():
            pytest.skip(
                # why
                msg="not here",
            )
        """,
        id="MCK204-keyword-after-a-comment",
    ),
    pytest.param(
        "MCK103",
        """
        from unittest.mock import patch

        @patch(create=False, target="app.client.fetch")
        def test_fetch(fetch):
            fetch("url")
        """,
        id="MCK103-target-keyword-after-another",
    ),
    pytest.param(
        "MCK103",
        """
        from unittest import mock

        from app.client import Client

        def test_get():
            with mock.patch.object(Client, "get") as get:
                get("url")
        """,
        id="MCK103-patch-object-of-an-imported-class",
    ),
    pytest.param(
        "MCK103",
        """
        from unittest.mock import patch

        @patch("app.client.fetch")
        def test_fetch(fetch):
            [fetch(url) for url in ("a", "b")]
        """,
        id="MCK103-patch-over-a-coroutine-function",
    ),
    pytest.param(
        "MCK102",
        """
        from unittest.mock import patch

        async def test_parse():
            with patch("app.client.parse") as parse:
                await parse("x")
        """,
        id="MCK102-with-target",
    ),
    pytest.param(
        "MCK102",
        """
        from asyncio import gather as together
        from unittest.mock import MagicMock

        async def test_all():
            client = MagicMock()
            await together(client.fetch())
        """,
        id="MCK102-aliased-gather",
    ),
    pytest.param(
        "MCK404",
        """
        from unittest.mock import patch as replaced

        import pytest

        @pytest.fixture
        def fetch():
            with replaced("app.client.fetch") as fetch:
                return fetch
        """,
        id="MCK404-aliased-patch",
    ),
    pytest.param(
        "MCK101",
        """
        from unittest.mock import AsyncMock

        async def test_session():
            session = AsyncMock()
            async with session.post("/x"):
                pass
        """,
        id="MCK101-async-with-of-an-async-mock-call",
    ),
    pytest.param(
        "MCK103",
        """
        import unittest
        from unittest.mock import AsyncMock

        class TestSession(unittest.IsolatedAsyncioTestCase):
            def setUp(self):
                self.session = AsyncMock()

            async def test_post(self):
                self.session.post("/x")
        """,
        id="MCK103-attribute-assigned-in-setUp",
    ),
    pytest.param(
        "MCK103",
        """
        import pytest
        from unittest.mock import AsyncMock

        @pytest.fixture(name="client")
        def make_client():
            client = AsyncMock()
            return client

        async def test_send(client):
            client.send("x")
        """,
        id="MCK103-fixture-registered-under-another-name",
    ),
    pytest.param(
        "MCK103",
        """
        from unittest.mock import AsyncMock as Fake

        async def test_alias():
            notifier = Fake()
            notifier.send("x")
        """,
        id="MCK103-aliased-constructor",
    ),
    pytest.param(
        "MCK103",
        """
        from unittest.mock import patch

        def test_started():
            fetch = patch("app.client.fetch").start()
            fetch("/x")
            patch.stopall()
        """,
        id="MCK103-started-patcher",
    ),
    pytest.param(
        "MCK103",
        """
        from unittest.mock import patch
        from app.client import Client

        async def test_get():
            with patch.object(Client, "get") as get:
                get("/x")
        """,
        id="MCK103-with-target-of-patch-object",
    ),
    pytest.param(
        "MCK102",
        """
        from unittest.mock import MagicMock

        SESSION = MagicMock()

        async def test_module_mock():
            await SESSION.get("/x")
        """,
        id="MCK102-module-level-mock",
    ),
    pytest.param(
        "MCK102",
        """
        import asyncio
        from unittest.mock import MagicMock

        def test_gather():
            workers = MagicMock()
            asyncio.run(asyncio.gather(*[workers.run(job) for job in range(3)]))
        """,
        id="MCK102-scheduled-comprehension-element",
    ),
    pytest.param(
        "MCK301",
        """
        import pytest

        @pytest.mark.usefixtures("temp_port_registry")
        def test_query():
            pass
        """,
        id="MCK301-usefixtures-of-a-missing-fixture",
    ),
    pytest.param(
        "MCK301",
        """
        import pytest

        pytestmark = pytest.mark.usefixtures("temp_port_registry")

        def test_query():
            pass
        """,
        id="MCK301-usefixtures-in-pytestmark",
    ),
    pytest.param(
        "MCK301",
        """
        from unittest.mock import patch

        @patch("os.getcwd", new=lambda: "/")
        def test_cwd(temp_port_registry):
            pass
        """,
        id="MCK301-patch-with-new-hands-no-argument",
    ),
    pytest.param(
        "MCK207",
        """
        from pytest import fixture as make_fixture

        @make_fixture("module")
        def database():
            return {}
        """,
        id="MCK207-aliased-fixture",
    ),
    pytest.param(
        "MCK103",
        """
        from unittest.mock import patch

        from app import client

        def test_get():
            with patch.object(client.Client, "get") as get:
                get("/x")
        """,
        id="MCK103-patch-object-of-a-dotted-holder-resolving-to-a-coroutine-function",
    ),
]


@pytest.mark.parametrize("code, source", REPORTED)
def test_reported(code: str, source: str, tmp_path: Path) -> None:
    path = _project(tmp_path)
    assert _might(code, source, path)
    assert _reported(code, path) == [code]


SILENT = [
    pytest.param(
        "MCK103",
        """
        import unittest
        from unittest.mock import AsyncMock, MagicMock

        class TestSession(unittest.IsolatedAsyncioTestCase):
            def setUp(self):
                self.session = AsyncMock()
                self.session.post = MagicMock()

            def tearDown(self):
                pass

            async def test_post(self):
                self.session.post("/x")
        """,
        "setUp",
        id="MCK103-configured-in-setUp",
    ),
    pytest.param(
        "MCK102",
        """
        import pytest
        from unittest.mock import MagicMock

        @pytest.fixture
        def session():
            session = MagicMock()
            session.get = AsyncMock()
            return session

        from unittest.mock import AsyncMock

        async def test_get(session):
            await session.get("/x")
        """,
        "session",
        id="MCK102-configured-in-the-fixture",
    ),
]


@pytest.mark.parametrize("code, source, configuring", SILENT)
def test_silent(code: str, source: str, configuring: str, tmp_path: Path) -> None:
    """The rule reads the file, and keeps the body (``configuring``) that
    makes the site no finding: were it dropped, the site would be reported."""
    path = _project(tmp_path)
    assert _might(code, source, path)
    assert _reported(code, path) == []
    text = path.read_text(encoding="utf-8")
    tree = ast.parse(text)
    keep = RULES[code].needed_bodies(tree, text, str(path))
    functions = [node for node in ast.walk(tree) if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))]
    assert keep is not None and all(keep(f, "") for f in functions if f.name == configuring)


CONFTEST = """
import pytest
from unittest.mock import AsyncMock, patch

@pytest.fixture
def notifier():
    return AsyncMock()

@pytest.fixture
def client():
    with patch("app.client.parse"):
        yield object()
"""


@pytest.mark.parametrize(
    "test, reported",
    [
        pytest.param("async def test_send(notifier):\n    notifier.send('x')\n", True, id="hands-out-an-async-mock"),
        pytest.param("def test_get(client):\n    client.get('x')\n", False, id="mentions-patch-hands-out-no-mock"),
    ],
)
def test_conftest_fixtures_by_what_they_hand_out(test: str, reported: bool, tmp_path: Path) -> None:
    """A conftest fixture is a mock source for MCK103 when what it returns or
    yields holds one, not when its code merely names ``patch``."""
    path = _project(tmp_path)
    (path.parent / "conftest.py").write_text(textwrap.dedent(CONFTEST), encoding="utf-8")
    source = "from unittest.mock import AsyncMock\n\n" + test
    assert _might("MCK103", source, path) is reported
    assert _reported("MCK103", path) == (["MCK103"] if reported else [])
