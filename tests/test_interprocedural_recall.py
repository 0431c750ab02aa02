"""Recall of the interprocedural MCK101-MCK103 on shapes the multi-module
matrix (``tests/fixtures/*/projects``) holds, each with near-miss twins that
must stay silent: what the code under test reads of a literal before an
early return, a patch a fixture's own fixtures install before it builds an
object, and the value a mock's ``return_value`` holds when it is an instance
of a project class."""

from __future__ import annotations

from pathlib import Path
from typing import Dict, List, Tuple

from mocklint.engine import Engine
from mocklint.settings import Selection
from support import write_app_project


def _project(root: Path, files: Dict[str, str]) -> Path:
    return write_app_project(root, files)


def _lines(path: Path) -> List[Tuple[int, str]]:
    result = Engine(Selection(select=("MCK101", "MCK102", "MCK103"))).lint(path.read_text(encoding="utf-8"), str(path))
    assert result.internal_error is None, result.internal_error
    return [(d.line, d.code) for d in result.diagnostics]


def test_an_early_return_on_a_key_read_of_the_tests_literal(tmp_path: Path) -> None:
    root = _project(tmp_path, {
        "app/events.py": '''
            class Dispatcher:
                def __init__(self, notifier):
                    self.notifier = notifier

                def on_event(self, event):
                    if event.get("silent"):
                        return False
                    if event["type"] == "ping":
                        return False
                    self.notifier.send(event["type"], event)
                    return True

                def on_loud_event(self, event):
                    if not event.get("loud", True):
                        return False
                    self.notifier.send(event["type"], event)
                    return True

                def on_meta_event(self, event):
                    if event["meta"].get("silent") is True:
                        return False
                    self.notifier.send(event["type"], event)
                    return True
        ''',
        "tests/test_events.py": '''
            from unittest.mock import AsyncMock

            from app.events import Dispatcher

            EVENT = {"type": "order.paid", "order": 1}


            def test_on_event():
                notifier = AsyncMock()
                Dispatcher(notifier).on_event(EVENT)


            def test_on_loud_event():
                notifier = AsyncMock()
                Dispatcher(notifier).on_loud_event({"type": "order.paid"})


            def test_a_silent_event_returns_early():
                notifier = AsyncMock()
                Dispatcher(notifier).on_event({"type": "order.paid", "silent": True})


            def test_a_ping_returns_early():
                notifier = AsyncMock()
                Dispatcher(notifier).on_event({"type": "ping"})


            def test_a_missing_key_raises_before_the_call():
                notifier = AsyncMock()
                Dispatcher(notifier).on_event({"kind": "order.paid"})


            def test_a_quiet_event_returns_early():
                notifier = AsyncMock()
                Dispatcher(notifier).on_loud_event({"type": "order.paid", "loud": 0})


            def test_an_event_built_at_run_time():
                notifier = AsyncMock()
                Dispatcher(notifier).on_event(dict(EVENT, silent=True))


            def test_on_meta_event():
                notifier = AsyncMock()
                Dispatcher(notifier).on_meta_event({"type": "a", "meta": {"silent": False}})


            META = {"type": "order.paid", "meta": {}}
            META["meta"]["silent"] = True


            def test_a_constant_changed_in_place():
                notifier = AsyncMock()
                Dispatcher(notifier).on_meta_event(META)
        ''',
    })
    assert _lines(root / "tests/test_events.py") == [(9, "MCK103"), (14, "MCK103"), (44, "MCK103")]


def test_a_patch_the_fixtures_own_fixture_installs_is_in_what_it_builds(tmp_path: Path) -> None:
    root = _project(tmp_path, {
        "app/store.py": '''
            class PageStore:
                def __init__(self):
                    self.pages = {}

                async def refresh(self, url):
                    return self.pages.pop(url, None) is not None
        ''',
        "app/crawler.py": '''
            import asyncio

            from app.store import PageStore


            class Crawler:
                def __init__(self, fetcher, store):
                    self.fetcher = fetcher
                    self.store = store

                def schedule_refresh(self, url):
                    return asyncio.ensure_future(self.store.refresh(url))


            def default_crawler(fetcher):
                return Crawler(fetcher, PageStore())
        ''',
        "tests/conftest.py": '''
            from unittest.mock import AsyncMock, patch

            import pytest

            from app.crawler import default_crawler


            @pytest.fixture
            def page_store():
                with patch("app.crawler.PageStore") as store_cls:
                    yield store_cls.return_value


            @pytest.fixture
            def spec_page_store():
                with patch("app.crawler.PageStore", autospec=True) as store_cls:
                    yield store_cls.return_value


            @pytest.fixture
            def crawler(page_store):
                return default_crawler(AsyncMock())


            @pytest.fixture
            def spec_crawler(spec_page_store):
                return default_crawler(AsyncMock())


            @pytest.fixture
            def crawler_built_first():
                return default_crawler(AsyncMock())
        ''',
        "tests/test_crawler.py": '''
            async def test_schedule_refresh(crawler):
                assert await crawler.schedule_refresh("https://a/") is False


            async def test_schedule_refresh_with_an_autospec(spec_crawler):
                assert await spec_crawler.schedule_refresh("https://a/") is not None


            async def test_the_patch_comes_after_the_crawler_is_built(crawler_built_first, page_store):
                # near miss: the crawler's PageStore is the real one, made before the patch
                assert await crawler_built_first.schedule_refresh("https://a/") is False
        ''',
    })
    assert _lines(root / "tests/test_crawler.py") == [(2, "MCK102")]


def test_a_loop_over_a_field_of_a_dataclass_instance_the_test_built(tmp_path: Path) -> None:
    root = _project(tmp_path, {
        "app/models.py": '''
            import dataclasses
            from dataclasses import dataclass, field
            from typing import ClassVar, List


            @dataclass
            class Line:
                sku: str
                qty: int


            @dataclass(frozen=True)
            class Order:
                id: int
                lines: List[Line] = field(default_factory=list)
                tags: ClassVar[List[str]] = ["a"]


            @dataclass
            class CheckedOrder:
                lines: List[Line] = field(default_factory=list)

                def __post_init__(self):
                    self.lines = [line for line in self.lines if line.qty]


            class Basket:
                def __init__(self, lines):
                    self.lines = list(lines)[1:]


            @dataclasses.dataclass
            class Cart:
                lines: list
        ''',
        "app/orders.py": '''
            import asyncio


            class OrderService:
                def __init__(self, inventory):
                    self.inventory = inventory

                async def place(self, order):
                    await asyncio.gather(*(self.inventory.reserve(line.sku) for line in order.lines))

                async def tag(self, order):
                    for tag in order.tags:
                        await self.inventory.tag(tag)
        ''',
        "tests/test_orders.py": '''
            from unittest.mock import MagicMock

            from app.models import Basket, Cart, CheckedOrder, Line, Order
            from app.orders import OrderService

            ORDER = Order(id=1, lines=[Line("book", 2)])
            EMPTY = Order(id=2, lines=[])
            CHANGED = Order(id=3, lines=[Line("pen", 1)])
            CHANGED.lines.clear()


            async def test_place():
                inventory = MagicMock()
                await OrderService(inventory).place(ORDER)


            async def test_place_a_cart_built_here():
                inventory = MagicMock()
                await OrderService(inventory).place(Cart(lines=[Line("book", 2)]))


            async def test_place_an_empty_order():
                inventory = MagicMock()
                await OrderService(inventory).place(EMPTY)


            async def test_place_a_changed_constant():
                inventory = MagicMock()
                await OrderService(inventory).place(CHANGED)


            async def test_place_an_order_with_positional_lines():
                # not checked: only a field given by keyword is read
                inventory = MagicMock()
                await OrderService(inventory).place(Order(4, [Line("book", 2)]))


            async def test_place_an_order_whose_post_init_drops_lines():
                inventory = MagicMock()
                await OrderService(inventory).place(CheckedOrder(lines=[Line("book", 0)]))


            async def test_place_a_basket_whose_init_drops_lines():
                inventory = MagicMock()
                await OrderService(inventory).place(Basket(lines=[Line("book", 2)]))


            async def test_tag_with_a_class_variable():
                # not checked: a class variable is no field
                inventory = MagicMock()
                await OrderService(inventory).tag(Order(id=5, lines=[Line("a", 1)]))
        ''',
    })
    assert _lines(root / "tests/test_orders.py") == [(13, "MCK102"), (18, "MCK102")]


def test_a_loop_over_an_attribute_of_a_dict_is_not_a_loop_over_the_dict(tmp_path: Path) -> None:
    root = _project(tmp_path, {
        "app/jobs.py": '''
            async def remind(mailer, people):
                for person in people:
                    await mailer.send(person)


            async def remind_all(mailer, groups):
                await remind(mailer, groups.staff.people)


            async def remind_each(mailer, groups):
                await remind(mailer, groups.values())
        ''',
        "tests/test_jobs.py": '''
            from unittest.mock import MagicMock

            from app import jobs


            async def test_remind_each():
                await jobs.remind_each(MagicMock(), {"staff": ["ada"]})


            async def test_remind_all():
                # near miss: a dict has no attribute `staff`: the loop is never reached
                await jobs.remind_all(MagicMock(), {"staff": {"people": ["ada"]}})
        ''',
    })
    assert _lines(root / "tests/test_jobs.py") == [(7, "MCK102")]


HTTP_APP = '''
class ClientSession:
    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc_info):
        return False

    def get(self, url):
        raise ConnectionError(url)
'''

FEEDS_APP = '''
from app.http import ClientSession


async def fetch_feed(url):
    async with ClientSession() as session:
        async with session.get(url) as resp:
            return await resp.text()
'''


def test_an_autospec_patch_started_or_entered_without_a_name_keeps_its_spec(tmp_path: Path) -> None:
    root = _project(tmp_path, {
        "app/http.py": HTTP_APP,
        "app/feeds.py": FEEDS_APP,
        "tests/test_feeds.py": '''
            from unittest.mock import AsyncMock, MagicMock, patch

            import pytest

            from app.feeds import fetch_feed


            @pytest.fixture
            def client_session():
                patcher = patch("app.feeds.ClientSession", autospec=True)
                yield patcher.start()
                patcher.stop()


            @pytest.fixture
            def client_session_configured():
                patcher = patch("app.feeds.ClientSession", autospec=True)
                session_cls = patcher.start()
                session = MagicMock()
                session.get.return_value.__aenter__.return_value.text = AsyncMock(return_value="x")
                session_cls.return_value.__aenter__.return_value = session
                yield session_cls
                patcher.stop()


            async def test_fetch_feed(client_session):
                assert await fetch_feed("https://a/") == "x"


            async def test_fetch_feed_configured(client_session_configured):
                assert await fetch_feed("https://a/") == "x"


            async def test_fetch_feed_in_a_block():
                with patch("app.feeds.ClientSession", autospec=True):
                    assert await fetch_feed("https://a/") == "x"
        ''',
    })
    assert _lines(root / "tests/test_feeds.py") == [(10, "MCK101"), (35, "MCK101")]


def test_an_early_return_on_a_key_the_code_sets_first_stays_silent(tmp_path: Path) -> None:
    """The code under test may set the key it then reads (in place, or through
    a method that changes the dict): the test's literal no longer says what
    the read gives, so the call after the early return is not known to run."""
    root = _project(tmp_path, {
        "app/events.py": '''
            class Dispatcher:
                def __init__(self, notifier):
                    self.notifier = notifier

                def on_event(self, event):
                    event["silent"] = True
                    if event.get("silent"):
                        return False
                    self.notifier.send(event["type"], event)
                    return True

                def on_other_event(self, event):
                    event.update(silent=True)
                    if event.get("silent"):
                        return False
                    self.notifier.send(event["type"], event)
                    return True
        ''',
        "tests/test_events.py": '''
            from unittest.mock import AsyncMock

            from app.events import Dispatcher


            def test_on_event():
                notifier = AsyncMock()
                Dispatcher(notifier).on_event({"type": "order.paid"})


            def test_on_other_event():
                notifier = AsyncMock()
                Dispatcher(notifier).on_other_event({"type": "order.paid"})
        ''',
    })
    assert _lines(root / "tests/test_events.py") == []
