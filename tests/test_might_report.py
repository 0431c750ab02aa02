"""Each rule's ``might_report``: the files it spares libcst, and the ones it must not.

``test_prefilters.py`` proves on the whole fixture suite that no finding is
lost; these cases pin down both sides of each sharper answer: a text that
passes the rule's gate but cannot be reported on (``False``: the libcst parse
is spared, which is the point), and the unusual spellings that can (``True``,
and the full analysis reports them, so the answer is not only an assumption).
The mock rules decide on the file's candidate index
(``analysis.mock_values.candidates``), which answers only syntactic
questions: ``READ_SILENT`` holds files it must send to libcst although the
full analysis then finds the value no mock of the kind the rule needs.
"""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path
from typing import Iterator, List

import pytest

from mocklint.analysis.pytest_model import project
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
        "MCK302",
        """
        pytest_plugins = ["app.plugin"]

        def test_plugin_loaded(request):
            assert request.config.pluginmanager.hasplugin("app.plugin")
        """,
        id="MCK302-pytest_plugins-in-a-test-module",
    ),
    pytest.param(
        "MCK214",
        """
        def test_detached(session):
            with pytest.raises(Exception, match="Instance <User> is detached"):
                session.refresh(user)
        """,
        id="MCK214-Instance-only-in-a-string",
    ),
    pytest.param(
        "MCK212",
        '''
        def test_nose_setup_is_ignored(pytester):
            pytester.makepyfile("""
                def setup():
                    pass
                def test_one():
                    pass
            """)
        ''',
        id="MCK212-def-setup-in-a-string",
    ),
    pytest.param(
        "MCK212",
        """
        class TestState:
            def setup(self):
                self.events = []

            def test_replay(self):
                self.setup()
                assert self.events == []
        """,
        id="MCK212-setup-called-by-the-module",
    ),
    pytest.param(
        "MCK204",
        """
        import unittest

        class TestParse(unittest.TestCase):
            def test_parse(self):
                self.fail(msg="not implemented")
        """,
        id="MCK204-unittest-fail-with-msg",
    ),
    pytest.param(
        "MCK213",
        """
        import pytest

        @pytest.fixture
        @pytest.fixture
        def twice():
            return 1

        @pytest.mark.slow
        def test_twice(twice):
            assert twice
        """,
        id="MCK213-two-fixture-decorators-and-no-mark",
    ),
    pytest.param(
        "MCK207",
        """
        import pytest

        def fixture(*args, **kwargs):
            fixture = pytest.fixture(**kwargs)
            return fixture(args[0])
        """,
        id="MCK207-local-name-fixture",
    ),
    pytest.param(
        "MCK207",
        """
        import pytest

        def make_db():
            return {}

        db = pytest.fixture(make_db)
        """,
        id="MCK207-fixture-function-passed-positionally",
    ),
    pytest.param(
        "MCK201",
        """
        import pytest

        @pytest.mark.skipif(not hasattr(pytest, "PytestUnknownMarkWarning"), reason="old pytest")
        def test_marks():
            pass
        """,
        id="MCK201-hasattr-of-another-attribute",
    ),
    pytest.param(
        "MCK203",
        """
        import pytest

        def test_none_is_rejected():
            with pytest.raises(TypeError):
                pytest.warns(None)
        """,
        id="MCK203-warns-None-under-raises-TypeError",
    ),
    pytest.param(
        "MCK211",
        """
        import pytest

        @pytest.fixture
        def test_client():
            yield object()
        """,
        id="MCK211-fixture-named-like-a-test",
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
        "MCK402",
        """
        from unittest.mock import Mock

        from app import client

        def test_fetch():
            real = client.parse
            client.parse = Mock()
            try:
                client.fetch("/x")
            finally:
                client.parse = real
        """,
        id="MCK402-restored-by-another-assignment",
    ),
    pytest.param(
        "MCK402",
        """
        from unittest.mock import Mock

        import app

        def test_registry(registry):
            registry["fetch"] = Mock()
            app.handlers["fetch"] = Mock()
        """,
        id="MCK402-subscript-of-no-sys-modules",
    ),
    pytest.param(
        "MCK402",
        """
        from unittest.mock import MagicMock

        from app import client

        def test_session(client):
            client.session = MagicMock()

        class TestClient:
            def test_local(self):
                client = self.make()
                client.session = MagicMock()
        """,
        id="MCK402-imported-name-shadowed-in-the-test",
    ),
    pytest.param(
        "MCK402",
        """
        import sys
        from contextlib import contextmanager
        from unittest.mock import MagicMock

        from app import client

        def install_fake_parser():
            client.parse = MagicMock()

        @contextmanager
        def fake_sdk():
            sys.modules["payments_sdk"] = MagicMock()
            yield
        """,
        id="MCK402-in-helpers-only",
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
        "MCK404",
        """
        from unittest.mock import patch

        def test_lazy():
            with patch("app.client.fetch") as fetch:
                def lazy(url):
                    return [url]
                fetch.side_effect = lazy
        """,
        id="MCK404-return-of-a-nested-function",
    ),
    pytest.param(
        "MCK404",
        """
        from unittest import mock

        def test_parse():
            with mock.patch("app.client.parse") as parse:
                assert not parse.called, "should return early"
        """,
        id="MCK404-return-in-a-string",
    ),
    pytest.param(
        "MCK404",
        """
        import sys
        from unittest.mock import patch

        from app.client import Client

        def make_client():
            with patch("app.client.parse") as parse:
                parse.return_value = "x"
                client = Client()
                return client.get

        def fresh_module():
            with patch.dict(sys.modules):
                return __import__("app.client")
        """,
        id="MCK404-returns-what-the-patch-did-not-make",
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
        "MCK301",
        '''
        from contextlib import contextmanager

        import pytest

        parametrize_families = pytest.mark.parametrize("family", ["xunit1", "xunit2"])

        @contextmanager
        def patched(cls, retval):
            yield cls

        class TestWorker:
            @staticmethod
            def helper(value):
                return value

            @parametrize_families
            def test_family(self, family):
                pass
        ''',
        id="MCK301-decorated-helpers-and-an-unreadable-test-decorator",
    ),
    pytest.param(
        "MCK301",
        """
        import pytest

        pytestmark = [pytest.mark.parametrize("backend", ["a", "b"])]
        broker = make_broker()

        @pytest.fixture
        def tmp_path(tmp_path, broker):
            return tmp_path

        @pytest.mark.parametrize("serializer, encoded", [("json", str)])
        class TestEncode:
            pytestmark = pytest.mark.parametrize(("scope", "ok"), [("a", "b")])

            def test_encode(self, serializer, encoded, scope, ok, backend, tmp_path):
                pass
        """,
        id="MCK301-class-marks-overrides-and-maybe-fixtures",
    ),
    pytest.param(
        "MCK301",
        '''
        pytest_plugins = "pytester"

        def test_plugin(pytester, request):
            value = request.getfixturevalue("tmp_path")
            pytester.makepyfile("""
                import pytest
                __test__ = True
                pytest_plugins = ["missing"]
                def pytest_generate_tests(metafunc):
                    metafunc.parametrize("a", [1])
                @pytest.mark.usefixtures("missing")
                def test_inner(request):
                    request.getfixturevalue("missing")
            """)
        ''',
        id="MCK301-plugin-words-in-a-pytester-source",
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
        "MCK101",
        """
        from unittest.mock import AsyncMock

        class Stream:
            def __aiter__(self):
                return self

            async def __anext__(self):
                raise StopAsyncIteration

        async def test_stream():
            fetch = AsyncMock()
            await fetch()
            async for _ in Stream():
                pass
        """,
        id="MCK101-protocol-methods-defined-not-configured",
    ),
]


@pytest.mark.parametrize("code, source", SPARED)
def test_spared(code: str, source: str, tmp_path: Path) -> None:
    path = _project(tmp_path)
    assert not _might(code, source, path)
    assert _reported(code, path) == []


#: Files the mock rules read although they report nothing: a site of the rule's
#: shape names what may be a mock, and whether it is one (an AsyncMock, a
#: patcher, a spec'd child) is ``analysis.mock_values.mocks``' question, asked
#: once, on libcst; the candidate index (``analysis.mock_values.candidates``)
#: never answers it on ``ast``.
READ_SILENT = [
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

        # the index binds a comprehension variable to what it iterates; whether that is
        # a mock is for analysis.mock_values.mocks to say (it follows no such variable)
        async def test_all():
            clients = [MagicMock(), MagicMock()]
            [await client.fetch() for client in clients]
        """,
        id="MCK102-comprehension-variable-as-analysis-mocks-follows-it",
    ),
    pytest.param(
        "MCK103",
        """
        from unittest.mock import AsyncMock, MagicMock

        async def test_fetch():
            fetch = AsyncMock()
            await fetch()
            log = MagicMock()
            log.info("done")
        """,
        id="MCK103-sync-mock-called-beside-an-async-mock",
    ),
    pytest.param(
        "MCK103",
        """
        import threading
        from unittest.mock import patch

        @patch("app.client.parse")
        def test_parse(parse):
            worker = threading.Thread(target=print)
            parse("x")
        """,
        id="MCK103-target-keyword-of-no-patch",
    ),
    pytest.param(
        "MCK103",
        """
        from unittest.mock import MagicMock, patch

        @patch("app.client.fetch", new_callable=MagicMock)
        def test_new_callable(fetch):
            fetch.send("x")
        """,
        id="MCK103-new-callable-sync-mock-over-a-coroutine-function",
    ),
    pytest.param(
        "MCK102",
        """
        from unittest.mock import MagicMock, patch

        def test_config():
            settings = dict(new=1)
            with patch("app.client.parse", new=MagicMock()):
                pass
        """,
        id="MCK102-new-over-a-plain-function",
    ),
    pytest.param(
        "MCK101",
        """
        from unittest.mock import AsyncMock, MagicMock

        async def test_session():
            session = MagicMock()
            async with session.get("/x"):
                pass
            fetch = AsyncMock()
            await fetch()
        """,
        id="MCK101-async-with-of-a-sync-mock-call",
    ),
    pytest.param(
        "MCK103",
        """
        from unittest import mock

        class WriterMock(mock.AsyncMock):
            def add_done_callback(self, callback):
                callback()

        async def test_write():
            writer = WriterMock()
            await writer.write(b"x")
        """,
        id="MCK103-method-of-an-async-mock-subclass",
    ),
    pytest.param(
        "MCK103",
        """
        from unittest import mock

        def make_protocol(**kwargs):
            protocol = mock.Mock(**kwargs)
            protocol.closed.set_result(None)
            return protocol

        async def test_fetch():
            fetch = mock.AsyncMock()
            await fetch()
        """,
        id="MCK103-mock-built-from-keyword-arguments",
    ),
    pytest.param(
        "MCK103",
        """
        from unittest import mock

        from app.client import parse

        def test_parse():
            fake = mock.create_autospec(parse)
            fake("x")
        """,
        id="MCK103-autospec-of-a-plain-function",
    ),
]


@pytest.mark.parametrize("code, source", READ_SILENT)
def test_read_and_silent(code: str, source: str, tmp_path: Path) -> None:
    path = _project(tmp_path)
    assert _might(code, source, path)
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
        "MCK214",
        """
        import pytest as pt

        def pytest_collection_modifyitems(items):
            for item in items:
                if isinstance(item.parent, pt.Instance):
                    print(item.parent.parent)
        """,
        id="MCK214-aliased-pytest",
    ),
    pytest.param(
        "MCK214",
        """
        from _pytest import python

        def parent_class(item):
            parent = item.parent
            if isinstance(parent, python.Instance):
                parent = parent.parent
            return parent
        """,
        id="MCK214-module-imported-from-_pytest",
    ),
    pytest.param(
        "MCK204",
        """
        from pytest import skip as skip_test

        def test_linux_only():
            skip_test(msg="Linux only")
        """,
        id="MCK204-function-imported-under-an-alias",
    ),
    pytest.param(
        "MCK212",
        """
        def setup():
            print("set up")

        def test_one():
            pass
        """,
        id="MCK212-module-level-setup",
    ),
    pytest.param(
        "MCK213",
        """
        from pytest import fixture as make_fixture, mark

        @mark.usefixtures("db")
        @make_fixture
        def user():
            return 1
        """,
        id="MCK213-mark-and-fixture-imported-from-pytest",
    ),
    pytest.param(
        "MCK213",
        """
        import pytest

        slow = pytest.mark.slow

        @slow
        @pytest.fixture
        def user():
            return 1
        """,
        id="MCK213-module-level-mark-alias",
    ),
    pytest.param(
        "MCK207",
        """
        from pytest import fixture as make_fixture

        @make_fixture("module")
        def db():
            return {}
        """,
        id="MCK207-fixture-imported-under-an-alias",
    ),
    pytest.param(
        "MCK201",
        """
        import pytest as pt

        def test_verbose():
            if pt.config.getoption("verbose") > 1:
                print("details")
        """,
        id="MCK201-aliased-pytest",
    ),
    pytest.param(
        "MCK201",
        """
        import pytest

        @pytest.mark.skipif(not getattr(pytest, "config", None), reason="no config")
        def test_marks():
            pass
        """,
        id="MCK201-getattr-with-a-default-in-a-skip-condition",
    ),
    pytest.param(
        "MCK203",
        """
        from pytest import warns as expect_warnings

        def test_quiet():
            with expect_warnings(None):
                pass
        """,
        id="MCK203-warns-imported-under-an-alias",
    ),
    pytest.param(
        "MCK211",
        """
        def test_cases():
            try:
                import json
            except ImportError:
                yield check, None

        def check(module):
            assert module is None
        """,
        id="MCK211-yield-in-an-except-handler",
    ),
    pytest.param(
        "MCK211",
        """
        from pytest import mark

        @mark.slow
        def test_cases():
            yield check, 1

        def check(n):
            assert n
        """,
        id="MCK211-test-with-a-mark-imported-from-pytest",
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
        "MCK401",
        """
        from unittest.mock import patch

        def setup_module():
            p = patch("os.getcwd")
            (p
                .start())
        """,
        id="MCK401-short-name-started-on-another-line",
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
        "MCK402",
        """
        from sys import modules as loaded
        from unittest.mock import MagicMock

        loaded["payments_sdk"] = MagicMock()
        """,
        id="MCK402-sys-modules-imported-under-another-name",
    ),
    pytest.param(
        "MCK402",
        """
        from unittest.mock import MagicMock

        from pytest import fixture as make_fixture

        from app import client

        @make_fixture
        def offline():
            try:
                yield
            except OSError:
                client.parse = MagicMock()
        """,
        id="MCK402-aliased-fixture-except-clause",
    ),
    pytest.param(
        "MCK402",
        """
        from unittest.mock import Mock

        from app import client

        class TestClient:
            def setup_method(self):
                client.parse = Mock()
        """,
        id="MCK402-setup-method",
    ),
    pytest.param(
        "MCK402",
        """
        import os
        from unittest.mock import MagicMock

        def test_environ(offline):
            if offline: fake_cwd = MagicMock(return_value="/")
            else: fake_cwd = MagicMock(return_value="/tmp")
            os.getcwd = fake_cwd
        """,
        id="MCK402-name-bound-to-a-mock-after-a-colon",
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
        "MCK404",
        """
        import unittest.mock as um

        def patched_sentinel():
            with um.patch.object(um, "sentinel") as sentinel:
                try:
                    pass
                except ValueError:
                    return sentinel.child
        """,
        id="MCK404-return-in-an-except-clause",
    ),
    pytest.param(
        "MCK404",
        """
        from unittest.mock import patch

        import pytest

        @pytest.fixture(scope="module")
        def offline():
            with patch("app.client.fetch"):
                return
        """,
        id="MCK404-bare-return-from-a-fixture",
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
        "MCK301",
        """
        from pytest import mark

        @mark.skip
        class TestMarked:
            def test_one(self, temp_port_registry):
                pass
        """,
        id="MCK301-class-marked-through-an-imported-mark",
    ),
    pytest.param(
        "MCK301",
        """
        import pytest

        @pytest.mark.parametrize((" port",), [(1,)])
        def test_port(port):
            pass
        """,
        id="MCK301-parametrize-tuple-names-are-not-stripped",
    ),
    pytest.param(
        "MCK301",
        """
        import pytest

        @pytest.fixture
        def tmp_port(tmp_port):
            return tmp_port

        def test_port(tmp_port):
            pass
        """,
        id="MCK301-override-with-nothing-to-extend",
    ),
    pytest.param(
        "MCK301",
        """
        import unittest

        from hypothesis import given, strategies

        @unittest.skip("flaky")
        @given(strategies.integers())
        def test_skipped(temp_port_registry, number):
            pass
        """,
        id="MCK301-signature-keeping-decorators",
    ),
    pytest.param(
        "MCK301",
        """
        def test_lookup(request):
            request.getfixturevalue("temp_port_registry")
        """,
        id="MCK301-getfixturevalue-of-a-missing-fixture",
    ),
    pytest.param(
        "MCK301",
        """
        from pytest import fixture as make_fixture, mark

        pytest_plugins = ["pytester"]

        @mark.parametrize("port", [1])
        def test_port(port, client):
            pass

        @make_fixture
        def client(temp_port_registry):
            return temp_port_registry
        """,
        id="MCK301-aliased-fixture-defined-after-use",
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
    pytest.param(
        "MCK103",
        """
        from unittest.mock import MagicMock

        async def test_session():
            async with MagicMock() as session:
                session.post("/x")
        """,
        id="MCK103-child-of-what-async-with-gives-for-a-magic-mock",
    ),
    pytest.param(
        "MCK103",
        """
        from unittest.mock import AsyncMock, MagicMock

        def test_factory():
            factory = MagicMock()
            factory.return_value = AsyncMock()
            client = factory()
            client.send("x")
        """,
        id="MCK103-return-value-assigned-an-async-mock",
    ),
    pytest.param(
        "MCK103",
        """
        from unittest.mock import AsyncMock, MagicMock

        def test_made():
            make = MagicMock(return_value=AsyncMock())
            make().send("x")
        """,
        id="MCK103-return-value-keyword-an-async-mock",
    ),
    pytest.param(
        "MCK103",
        """
        from unittest.mock import MagicMock

        from app.client import Client

        def test_spec():
            client = MagicMock(spec=Client)
            client.get("/x")
        """,
        id="MCK103-spec-with-a-coroutine-method",
    ),
    pytest.param(
        "MCK103",
        """
        from unittest.mock import patch

        def test_started():
            get = patch("app.client.Client.get", autospec=True).start()
            get(None, "/x")
        """,
        id="MCK103-started-autospec-patcher",
    ),
    pytest.param(
        "MCK103",
        """
        import pytest
        from unittest.mock import AsyncMock, MagicMock

        @pytest.fixture
        def session():
            return MagicMock()

        @pytest.fixture
        def client(session):
            session.get = AsyncMock()
            return session

        def test_get(client):
            client.get("/x")
        """,
        id="MCK103-attribute-configured-by-the-fixture-handing-it-out",
    ),
    pytest.param(
        "MCK103",
        """
        from unittest.mock import create_autospec as autospec

        from app.client import fetch

        def test_autospec():
            fake = autospec(fetch)
            fake("/x")
        """,
        id="MCK103-autospec-of-a-coroutine-function",
    ),
    pytest.param(
        "MCK101",
        """
        from unittest.mock import AsyncMock

        def test_configure():
            session = AsyncMock()
            context = session.get.return_value
            context.__aenter__.return_value.status = 200
        """,
        id="MCK101-configured-through-a-name",
    ),
]


@pytest.mark.parametrize("code, source", REPORTED)
def test_reported(code: str, source: str, tmp_path: Path) -> None:
    path = _project(tmp_path)
    assert _might(code, source, path)
    assert _reported(code, path) == [code]


def test_mck302_conftests_pytest_loads_at_start_up_are_spared(tmp_path: Path) -> None:
    """``tests/conftest.py`` (a direct ``test*`` sub-folder of the rootdir) is
    loaded at start-up and is spared; ``tests/unit/conftest.py`` is loaded
    while collecting, and its ``pytest_plugins`` is reported."""
    path = _project(tmp_path)
    source = 'pytest_plugins = ["app.client"]\n'
    initial = path.parent / "conftest.py"
    (path.parent / "unit").mkdir()
    nested = path.parent / "unit" / "conftest.py"
    assert not _might("MCK302", source, initial)
    assert _reported("MCK302", initial) == []
    assert _might("MCK302", source, nested)
    assert _reported("MCK302", nested) == ["MCK302"]


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
    """A conftest fixture that names a mock source may hand one out: the file
    requesting it is read, and MCK103 reports when what it returns or yields
    is an AsyncMock, not when its code merely names ``patch``."""
    path = _project(tmp_path)
    (path.parent / "conftest.py").write_text(textwrap.dedent(CONFTEST), encoding="utf-8")
    source = "from unittest.mock import AsyncMock\n\n" + test
    assert _might("MCK103", source, path)
    assert _reported("MCK103", path) == (["MCK103"] if reported else [])


def test_mck102_patch_with_new_given_positionally(tmp_path: Path) -> None:
    """``patch(target, MagicMock())`` over a coroutine function its module
    awaits: MCK102 reports it in a file with no ``await`` and no ``new=``, so
    neither the gate nor ``might_report`` may wait for one."""
    path = _project(tmp_path)
    (tmp_path / "app" / "service.py").write_text(
        "from app.client import fetch\n\n\nasync def load(url):\n    return await fetch(url)\n", encoding="utf-8"
    )
    source = """
    from unittest.mock import MagicMock, patch

    def test_fetch():
        with patch("app.service.fetch", MagicMock()):
            pass
    """
    assert _might("MCK102", source, path)
    assert _reported("MCK102", path) == ["MCK102"]


SYNC_CONFTEST = """
import pytest
from unittest.mock import MagicMock

@pytest.fixture
def session():
    return MagicMock()
"""


@pytest.mark.parametrize(
    "test, reported",
    [
        pytest.param(
            "async def test_post(session):\n    async with session as entered:\n        entered.post('x')\n",
            True,
            id="entered-by-async-with",
        ),
        pytest.param("async def test_post(session):\n    session.post('x')\n", False, id="called-as-it-is"),
    ],
)
def test_conftest_sync_mock(test: str, reported: bool, tmp_path: Path) -> None:
    """A conftest fixture handing out a MagicMock is read where the test calls
    it; MCK103 reports only when ``async with`` enters it (what ``__aenter__``
    gives is an AsyncMock)."""
    path = _project(tmp_path)
    (path.parent / "conftest.py").write_text(textwrap.dedent(SYNC_CONFTEST), encoding="utf-8")
    assert _might("MCK103", test, path)
    assert _reported("MCK103", path) == (["MCK103"] if reported else [])


def test_mck220_spares_the_modules_of_a_project_in_asyncio_auto_mode(tmp_path: Path) -> None:
    """pytest-asyncio in auto mode runs every coroutine test, marked ``asyncio``
    or not: only a test marked ``trio`` (whose plugin is not there) can be
    reported, and the word must be in the module (aiogram's 238 test modules
    went to libcst for MCK220 alone)."""
    test = _project(tmp_path)
    (tmp_path / "pytest.ini").write_text("[pytest]\nasyncio_mode = auto\n", encoding="utf-8")
    (tmp_path / "requirements.txt").write_text("pytest==9.2.0\npytest-asyncio==1.5.0\n", encoding="utf-8")
    unmarked = "import pytest\n\n\nasync def test_a():\n    pass\n\n\n@pytest.mark.asyncio\nasync def test_b():\n    pass\n"
    assert not _might("MCK220", unmarked, test)
    trio = "import pytest\n\n\n@pytest.mark.trio\nasync def test_a():\n    pass\n"
    assert _might("MCK220", trio, test)
    assert [d.code for d in Engine(Selection(select=("MCK220",))).lint(trio, str(test)).diagnostics] == ["MCK220"]
    (tmp_path / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")  # strict mode: the unmarked test
    project.clear_caches()
    assert _might("MCK220", unmarked, test)
