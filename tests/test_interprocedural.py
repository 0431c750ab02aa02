"""MCK101-MCK103 across modules: the shapes the cross-module matching follows,
each next to the near miss it must stay silent on.

Each project is written to a temporary folder (an ``app`` package and a
``tests`` folder with ``pytest.ini`` at the root) and linted in process; the
same shapes, executed under real pytest, are in the rules' ``projects``
fixture folders (``tests/test_interprocedural_runtime.py``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Dict, List, Tuple

import front_ends
import pytest
from lsp_client import LspClient

from mocklint.analysis.under_test import summaries
from mocklint.engine import Engine
from mocklint.settings import Selection
from support import write_app_project


def _project(root: Path, files: Dict[str, str]) -> Path:
    return write_app_project(root, files)


def _findings(path: Path) -> List[Tuple[int, str, str]]:
    result = Engine(Selection(select=("MCK101", "MCK102", "MCK103"))).lint(path.read_text(encoding="utf-8"), str(path))
    assert result.internal_error is None, result.internal_error
    return [(d.line, d.code, d.message) for d in result.diagnostics]


def _lines(findings: List[Tuple[int, str, str]]) -> List[Tuple[int, str]]:
    return [(line, code) for line, code, _ in findings]


SYNC_APP = '''
async def open_event_stream(session, url):
    async with session.get(url) as resp:
        yield await resp.json()


async def collect(session, url):
    events = []
    async for event in open_event_stream(session, url):
        events.append(event)
    return events
'''


def test_a_patch_a_requested_fixture_installs_counts_and_a_patched_function_runs_no_body(tmp_path: Path) -> None:
    root = _project(tmp_path, {"app/sync.py": SYNC_APP, "tests/test_sync.py": '''
        from unittest.mock import AsyncMock, MagicMock, patch

        import pytest

        from app.sync import collect


        @pytest.fixture
        def stream():
            with patch("app.sync.open_event_stream", new_callable=AsyncMock) as stream:
                yield stream


        @pytest.fixture
        def plain_stream():
            with patch("app.sync.open_event_stream") as stream:
                yield stream


        async def test_collect(stream):
            assert await collect(MagicMock(), "u") == []


        async def test_collect_with_an_async_session(plain_stream):
            # near miss: the patched generator's real body (`async with session.get`) never runs
            assert await collect(AsyncMock(), "u") == []
    '''})
    found = _findings(root / "tests/test_sync.py")
    assert _lines(found) == [(10, "MCK101")], found
    assert "async for" in found[0][2]


def test_factories_patched_classes_and_return_value_keywords(tmp_path: Path) -> None:
    root = _project(tmp_path, {
        "app/audit.py": '''
            class AuditLog:
                async def record(self, event, **fields):
                    return event


            def audit_log_for(account_id):
                return AuditLog()
        ''',
        "app/accounts.py": '''
            from app.audit import AuditLog, audit_log_for


            class AccountService:
                def __init__(self, store, audit):
                    self.store = store
                    self.audit = audit

                async def close_account(self, account_id):
                    self.audit.record("account.closed", account_id=account_id)
                    return account_id


            def make_service(store):
                return AccountService(store, AuditLog())


            async def rename(account_id, name):
                audit_log_for(account_id).record("account.renamed", name=name)
                return name
        ''',
        "tests/test_accounts.py": '''
            from unittest.mock import AsyncMock, MagicMock, patch

            import pytest

            from app.accounts import make_service, rename


            async def test_close():
                with patch("app.accounts.AuditLog", return_value=AsyncMock()):
                    assert await make_service(MagicMock()).close_account(7) == 7


            async def test_close_clean():
                with patch("app.accounts.AuditLog"):
                    assert await make_service(MagicMock()).close_account(7) == 7


            async def test_rename(mocker):
                mocker.patch("app.accounts.audit_log_for", return_value=mocker.AsyncMock())
                assert await rename(7, "Ada") == "Ada"


            async def test_rename_clean(mocker):
                mocker.patch("app.accounts.audit_log_for")
                assert await rename(7, "Ada") == "Ada"
        ''',
    })
    found = _findings(root / "tests/test_accounts.py")
    assert _lines(found) == [(9, "MCK103"), (19, "MCK103")], found
    assert "audit_log_for(...).record(...)" in found[1][2]


def test_early_returns_on_a_literal_accessors_of_patched_globals_and_comprehensions(tmp_path: Path) -> None:
    root = _project(tmp_path, {
        "app/clients.py": '''
            class Ledger:
                async def total(self, period):
                    return 0


            ledger_client = Ledger()


            def get_ledger():
                return ledger_client
        ''',
        "app/jobs.py": '''
            import asyncio

            from app import clients


            async def close_period(period):
                if period == "never":
                    return None
                return await clients.get_ledger().total(period)


            def archive_all(archiver, ids):
                return [asyncio.ensure_future(archiver.archive(i)) for i in ids]


            async def remind(mailer, people):
                await asyncio.gather(*(mailer.send(p) for p in people))
        ''',
        "tests/test_jobs.py": '''
            from unittest.mock import AsyncMock, MagicMock, patch

            from app import jobs


            async def test_close_period():
                with patch("app.clients.ledger_client"):
                    await jobs.close_period("2024-05")


            async def test_close_period_never():
                # near miss: the early return is taken
                with patch("app.clients.ledger_client"):
                    assert await jobs.close_period("never") is None


            async def test_archive_all():
                jobs.archive_all(MagicMock(), [1, 2])


            async def test_archive_nothing():
                # near miss: nothing to iterate, nothing scheduled
                assert jobs.archive_all(MagicMock(), []) == []


            async def test_remind():
                await jobs.remind(MagicMock(), ["ada"])


            async def test_remind_clean():
                await jobs.remind(AsyncMock(), ["ada"])
        ''',
    })
    found = _findings(root / "tests/test_jobs.py")
    assert _lines(found) == [(7, "MCK102"), (18, "MCK102"), (27, "MCK102")], found
    assert "ensure_future" in found[1][2] and "gather" in found[2][2]


def test_the_app_site_is_a_related_location(tmp_path: Path) -> None:
    root = _project(tmp_path, {"app/http.py": '''
        async def fetch(session, url):
            async with session.get(url) as resp:
                return await resp.json()
    ''', "tests/test_http.py": '''
        from unittest.mock import AsyncMock

        from app.http import fetch


        async def test_fetch():
            session = AsyncMock()
            assert await fetch(session, "u") == []
    '''})
    path = root / "tests/test_http.py"
    result = Engine(Selection(select=("MCK101",))).lint(path.read_text(encoding="utf-8"), str(path))
    (diagnostic,) = result.diagnostics
    (related,) = diagnostic.related
    assert related.path.endswith("app/http.py") and (related.line, related.column) == (2, 15)
    assert "`fetch` enters `session.get(url)` with `async with`" in related.message


#: an app module whose saved text awaits nothing, and a test that hands it an AsyncMock
CLIENT = {
    "app/client.py": '''
        class Client:
            def __init__(self, session):
                self.session = session

            async def fetch(self):
                return None
    ''',
    "tests/test_client.py": '''
        from unittest.mock import AsyncMock

        from app.client import Client


        async def test_fetch():
            assert await Client(AsyncMock()).fetch() == 1
    ''',
}


def test_open_buffers_are_read_instead_of_the_files(tmp_path: Path) -> None:
    root = _project(tmp_path, CLIENT)
    test = root / "tests/test_client.py"
    assert _findings(test) == []
    edited = '''class Client:
    def __init__(self, session):
        self.session = session

    async def fetch(self):
        async with self.session.get("/") as resp:
            return resp.status
'''
    try:
        summaries.open_buffers({str(root / "app/client.py"): edited})
        assert _lines(_findings(test)) == [(7, "MCK101")]
    finally:
        summaries.open_buffers({})
    assert _findings(test) == []


@pytest.mark.parametrize("mode", front_ends.MODES)  # the server in this process (everyday), `mocklint lsp` (slow)
def test_the_language_server_reads_unsaved_app_modules(tmp_path: Path, mode: str) -> None:
    """The editor's buffer of the app module, not the file on disk, decides."""
    pytest.importorskip("pygls")
    root = _project(tmp_path / "project", CLIENT)
    app = root / "app/client.py"
    test = root / "tests/test_client.py"
    env = {"XDG_CACHE_HOME": str(tmp_path / "cache"), "PATH": "/usr/bin:/bin"}
    with LspClient.start(mode, cwd=root, env=env) as client:
        client.initialize(root, {})
        client.open(app, app.read_text(encoding="utf-8").replace("return None", 'async with self.session.get("/") as resp:\n            return resp.status'))
        uri = client.open(test, test.read_text(encoding="utf-8"))
        found = client.diagnostics(uri, lambda d: len(d) == 1)
        assert [d["code"] for d in found] == ["MCK101"], found
        related = found[0].get("relatedInformation") or []
        assert any(r["location"]["uri"].endswith("app/client.py") for r in related), found


def test_instances_built_by_the_app_through_factories_and_their_patched_makers(tmp_path: Path) -> None:
    root = _project(tmp_path, {
        "app/client.py": '''
            class Client:
                def __init__(self, session, base):
                    self.session = session
                    self.base = base

                async def login(self):
                    async with self.session.post(self.base) as resp:
                        return await resp.json()


            def build_client(session_factory, base):
                return Client(session_factory(), base)


            async def connect(session_factory, base):
                client = build_client(session_factory, base)
                await client.login()
                return client
        ''',
        "tests/test_client.py": '''
            from unittest.mock import AsyncMock, Mock, patch

            from app.client import connect


            async def test_connect():
                factory = Mock(return_value=AsyncMock())
                await connect(factory, "u")


            async def test_connect_with_the_factory_patched():
                # near miss: the patched factory builds no Client, `login`'s body never runs
                with patch("app.client.build_client", return_value=AsyncMock()):
                    await connect(Mock(return_value=AsyncMock()), "u")
        ''',
    })
    found = _findings(root / "tests/test_client.py")
    assert _lines(found) == [(7, "MCK101")], found
    # a bare MagicMock for the factory: `await client.login()` awaits a MagicMock
    test = root / "tests/test_client.py"
    test.write_text(test.read_text(encoding="utf-8").replace(", return_value=AsyncMock())", ")"), encoding="utf-8")
    assert _lines(_findings(test)) == [(7, "MCK101"), (13, "MCK102")]


def test_a_loop_over_a_dicts_items_runs_when_the_test_passes_a_non_empty_dict(tmp_path: Path) -> None:
    root = _project(tmp_path, {
        "app/hooks.py": '''
            def register(bus, handlers):
                for topic, handler in handlers.items():
                    bus.subscribe(topic, handler)
                return len(handlers)
        ''',
        "tests/test_hooks.py": '''
            from unittest.mock import AsyncMock

            from app.hooks import register


            def test_register():
                register(AsyncMock(), {"a": print})


            def test_register_nothing():
                # near miss: an empty mapping never calls the AsyncMock
                register(AsyncMock(), {})


            def test_register_a_list():
                # near miss: a list has no `items()`: that fails first, otherwise
                register(AsyncMock(), [("a", print)])
        ''',
    })
    assert _lines(_findings(root / "tests/test_hooks.py")) == [(7, "MCK103")]


def test_a_loop_runs_over_a_module_constant_of_the_test_file(tmp_path: Path) -> None:
    root = _project(tmp_path, {
        "app/crawler.py": '''
            import asyncio


            async def crawl(fetcher, urls, mode="all"):
                if mode == "none":
                    return 0
                pages = await asyncio.gather(*[fetcher.fetch(url) for url in urls])
                return len(pages)
        ''',
        "tests/test_crawler.py": '''
            from unittest.mock import MagicMock

            from app.crawler import crawl

            URLS = ["https://a.example/", "https://b.example/"]
            NONE = ()
            DRAINED = ["https://c.example/"]
            DRAINED.clear()
            SHADOWED = ["https://d.example/"]
            MODE = "all"
            SKIP = "none"


            async def test_crawl():
                await crawl(MagicMock(), URLS, "all")


            async def test_crawl_first():
                await crawl(MagicMock(), URLS[:1], MODE)


            async def test_crawl_nothing():
                # near misses: an empty constant, an empty slice, a constant emptied in place,
                # a name that is also a local, and an early return the constant takes
                await crawl(MagicMock(), NONE)
                await crawl(MagicMock(), URLS[2:])
                await crawl(MagicMock(), DRAINED)
                await crawl(MagicMock(), URLS, SKIP)


            async def test_shadowed():
                SHADOWED = []
                await crawl(MagicMock(), SHADOWED)
        ''',
    })
    assert _lines(_findings(root / "tests/test_crawler.py")) == [(15, "MCK102"), (19, "MCK102")]
