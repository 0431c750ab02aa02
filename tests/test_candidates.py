"""The mock candidate index: one syntactic answer per file, read by every mock rule.

``analysis.mock_values.candidates`` decides on the ``ast`` tree which files
and function bodies can hold a mock, and whether a site of a rule's shape
names one; what a value *is* (a mock, an AsyncMock, a patcher, what a patch
replaces) is left to ``analysis.mock_values.mocks`` on libcst.  Here: the ways
a mock reaches a name are all followed, names that no mock reaches spare the
parse, the index is computed once per file, and two findings that the
per-rule copies on ``ast`` it replaces used to hide are reported.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Set, Tuple

import pytest

from mocklint.analysis.mock_values import candidates
from mocklint.analysis.mock_values.candidates import Shape, candidate_index, conftest_mock_fixtures
from mocklint.analysis.pytest_model import project
from mocklint.analysis.syntax.ast_scan import LastTree
from mocklint.analysis.under_test import matching
from mocklint.engine import Engine
from mocklint.registry import ALL_RULES
from mocklint.settings import Selection
from support import write_app_project

MOCK_RULES = ("MCK101", "MCK102", "MCK103", "MCK401", "MCK402", "MCK403", "MCK404")
APP = "async def fetch(url):\n    return url\n\n\ndef parse(text):\n    return text\n"


@pytest.fixture(autouse=True)
def fresh_model() -> Iterator[None]:
    project.clear_caches()
    yield
    project.clear_caches()
    LastTree.forget_all()


def _project(root: Path, files: Dict[str, str]) -> Path:
    """A project with an ``app`` package; the path of its ``tests/test_example.py``."""
    return write_app_project(root, {"app/client.py": APP, **files}) / "tests" / "test_example.py"


def _index(path: Path) -> candidates.CandidateIndex:
    source = path.read_text(encoding="utf-8")
    return candidate_index(ast.parse(source), source, str(path))


def _kept(path: Path) -> Set[str]:
    """The names of the functions whose bodies the index keeps."""
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source)
    index = candidate_index(tree, source, str(path))
    return {f.name for f in ast.walk(tree) if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef)) and index.keeps(f)}


def _lint(path: Path, codes: Tuple[str, ...] = MOCK_RULES, skip_bodies: bool = True) -> Tuple[List[Tuple[str, int]], bool]:
    """The findings (code, line) and whether the file reached libcst."""
    project.clear_caches()
    result = Engine(Selection(select=codes), skip_bodies=skip_bodies).lint(path.read_text(encoding="utf-8"), str(path))
    assert result.internal_error is None, result.internal_error
    return [(d.code, d.line) for d in result.diagnostics], result.parsed


# -- findings the per-rule copies on `ast` hid -------------------------------------------
def test_a_patch_target_after_a_comment_is_read_by_libcst_alone(tmp_path: Path) -> None:
    """MCK103's old gate re-read ``patch()`` targets with regular expressions
    to know whether one replaced a coroutine function; a comment between
    ``patch(`` and the target made it say no, and the file was never parsed.
    The index leaves targets to ``mocks.patch_target``."""
    path = _project(tmp_path, {"tests/test_example.py": '''
        from unittest.mock import patch


        def test_fetch():
            with patch(  # the client's coroutine
                "app.client.fetch"
            ) as fetch:
                fetch("x")
    '''})
    assert _lint(path, ("MCK103",)) == ([("MCK103", 8)], True)
    assert _lint(path) == ([("MCK103", 8)], True)


def test_tests_of_a_fixture_registered_by_name_keep_their_bodies(tmp_path: Path) -> None:
    """``@pytest.fixture(name="client")``: the tests request ``client``, not
    the function's own name; their bodies were dropped before the parse."""
    path = _project(tmp_path, {"tests/test_example.py": '''
        import pytest
        from unittest.mock import AsyncMock


        @pytest.fixture(name="client")
        def client_fixture():
            return AsyncMock()


        def test_other():
            value = 1
            assert value


        async def test_get(client):
            async with client.get("/"):
                pass
    '''})
    expected = [("MCK101", 16)]
    assert _lint(path, skip_bodies=False)[0] == expected  # the case makes its point
    assert _lint(path, ("MCK101",))[0] == expected
    assert _lint(path)[0] == expected
    assert _kept(path) == {"client_fixture", "test_get"}


# -- what the index keeps -----------------------------------------------------------------
KEPT = {
    "an import alias of a mock class": (
        """
        from unittest.mock import AsyncMock as AM

        def test_a():
            session = AM()
            session.close()

        def test_b():
            assert 1
        """,
        {"test_a"},
    ),
    "a module imported under another name": (
        """
        import unittest.mock as um

        def test_a():
            um.MagicMock().close()

        def test_b():
            assert 1
        """,
        {"test_a"},
    ),
    "an attribute setUp and asyncSetUp assign": (
        """
        import unittest
        from unittest.mock import AsyncMock

        class TestClient(unittest.IsolatedAsyncioTestCase):
            def setUp(self):
                self.session = AsyncMock()

            async def asyncSetUp(self):
                self.pool = AsyncMock()

            async def test_post(self):
                async with self.session.post("/"):
                    pass

            async def test_acquire(self):
                await self.pool.acquire()

            def test_plain(self):
                assert self.name
        """,
        {"setUp", "asyncSetUp", "test_post", "test_acquire"},
    ),
    "the parameters a patch decorator fills": (
        """
        from unittest.mock import patch

        @patch("app.client.fetch")
        def test_a(fetch):
            fetch("x")

        def test_b(fetch):
            fetch("x")
        """,
        {"test_a"},
    ),
    "mocker, and what a test binds to it": (
        """
        def test_a(mocker):
            stub = mocker.patch("app.client.fetch")
            stub.assert_called_once()

        def test_b():
            stub = make()  # a local of its own function
            stub()
        """,
        {"test_a"},
    ),
    "a helper a statement naming a mock calls": (
        """
        from unittest.mock import MagicMock

        def configure(mock):
            mock.get.return_value = 1

        def test_a():
            configure(MagicMock())

        def unrelated():
            return 1
        """,
        {"configure", "test_a"},
    ),
}


@pytest.mark.parametrize("case", sorted(KEPT))
def test_the_bodies_a_mock_can_reach_are_kept(case: str, tmp_path: Path) -> None:
    source, kept = KEPT[case]
    path = _project(tmp_path, {"tests/test_example.py": source})
    assert _kept(path) == kept


CONFTEST = '''
import pytest
from unittest import mock


def _fake_session():
    session = mock.AsyncMock()
    session.closed = False
    return session


@pytest.fixture
def session():
    yield _fake_session()


@pytest.fixture
def pool():
    return mock.AsyncMock()


@pytest.fixture
def client(session):
    return object()


@pytest.fixture(name="settings")
def settings_fixture():
    return {"url": "https://example.com"}


@pytest.fixture
def named():
    return {"name": mock.sentinel.name}
'''


def test_conftest_fixtures_that_may_hand_out_a_mock(tmp_path: Path) -> None:
    """Through a helper of the conftest, by requesting one, or by naming a mock
    source; not a fixture that names none (``settings``)."""
    path = _project(tmp_path, {"tests/conftest.py": CONFTEST, "tests/test_example.py": "def test_a():\n    pass\n"})
    assert conftest_mock_fixtures(str(path)) == {"session", "pool", "client", "named"}


def test_a_file_requesting_a_conftest_mock_holds_one(tmp_path: Path) -> None:
    """A test module that names no mock source and requests a conftest
    fixture handing one out: its tests using it are read, the others not."""
    path = _project(tmp_path, {"tests/conftest.py": CONFTEST, "tests/test_example.py": '''
        async def test_get(pool):
            async with pool.get("/"):
                pass


        def test_settings(settings):
            assert settings
    '''})
    index = _index(path)
    assert index.holds_mocks and index.has(Shape.ENTER)
    assert _kept(path) == {"test_get"}
    assert _lint(path) == ([("MCK101", 2)], True)


# -- what spares the parse ----------------------------------------------------------------
def test_a_file_naming_no_mock_source_reaches_no_libcst(tmp_path: Path) -> None:
    """Every site shape, but no mock class, ``patch``, ``mocker``, autospec
    nor conftest fixture: no mock rule parses it."""
    path = _project(tmp_path, {"tests/test_example.py": '''
        import asyncio

        async def test_all(session):
            async with session.get("/"):
                pass
            await session.close()
            session.reset()
            await asyncio.gather(session.a(), session.b())
    '''})
    index = _index(path)
    assert not index.holds_mocks
    assert not any(index.has(shape) for shape in Shape)
    assert _lint(path) == ([], False)


SITES = {
    Shape.AWAIT: ("await client.fetch()", "await mocked.fetch()"),
    Shape.ENTER: ("async with client.get('/'):\n        pass", "async with mocked.get('/'):\n        pass"),
    Shape.CONFIGURE: (
        "client.get.return_value.__aenter__.return_value = 1",
        "mocked.get.return_value.__aenter__.return_value = 1",
    ),
    Shape.DROP: ("client.close()", "mocked.close()"),
    Shape.REPLACE: ("configure('x', client)", "patch('app.client.fetch', new=mocked)"),
}


@pytest.mark.parametrize("shape", list(Shape), ids=[shape.name for shape in Shape])
def test_a_site_counts_where_it_names_a_candidate(shape: Shape, tmp_path: Path) -> None:
    """In a body that holds a mock, a site of the shape that names none (the
    real ``client``) does not count; one that names a mock does."""
    without, with_mock = SITES[shape]
    template = (
        "from unittest.mock import MagicMock, patch\n\n\n"
        "async def test_site(client):\n    mocked = MagicMock()\n    {site}\n"
    )
    path = _project(tmp_path, {"tests/test_example.py": template.format(site=without)})
    assert not _index(path).has(shape)
    path.write_text(template.format(site=with_mock), encoding="utf-8")
    assert _index(path).has(shape)


def test_sites_in_a_mock_subclass_count_whatever_they_name(tmp_path: Path) -> None:
    """``self`` is never a name; in a method of a class whose bases name a mock
    class, every site counts."""
    path = _project(tmp_path, {"tests/test_example.py": '''
        from unittest.mock import MagicMock


        class FakeClient(MagicMock):
            async def fetch_all(self):
                await self.fetch()
    '''})
    assert _index(path).has(Shape.AWAIT)
    assert _kept(path) == {"fetch_all"}


def test_the_matching_runs_only_where_a_mock_may_reach_project_code(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file read for a site of its own (an AsyncMock's call dropped) that
    calls no project code: the cross-module matching, which summarises the
    project's modules, is not run; one handing a mock to project code runs it."""
    runs: List[Optional[str]] = []
    real = matching._Matcher.run

    def counting(self: matching._Matcher) -> List[matching.Finding]:
        runs.append(self.directory)
        return real(self)

    monkeypatch.setattr(matching._Matcher, "run", counting)
    local = _project(tmp_path / "local", {"tests/test_example.py": '''
        from unittest.mock import AsyncMock


        def test_close():
            client = AsyncMock()
            client.close()
    '''})
    assert _lint(local, ("MCK103",)) == ([("MCK103", 6)], True)
    assert runs == []
    handed = _project(tmp_path / "handed", {"tests/test_example.py": '''
        from unittest.mock import MagicMock

        from app.client import fetch


        async def test_fetch():
            await fetch(MagicMock())
    '''})
    assert _lint(handed, ("MCK103",)) == ([], True)
    assert runs == [str(handed.parent)]


# -- one index per file -------------------------------------------------------------------
def test_every_mock_rule_reads_one_index_per_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """All rules selected, a file every mock rule's gate lets through: the
    index is built once, and both ``might_report`` and ``needed_bodies`` read it."""
    path = _project(tmp_path, {"tests/test_example.py": '''
        import sys
        from unittest.mock import AsyncMock, MagicMock, patch


        def setup_module():
            patch("app.client.parse").start()
            sys.modules["payments"] = MagicMock()


        async def test_all():
            session = AsyncMock()
            session.close()
            async with session.get("/"):
                pass
            await MagicMock()()
            session.called_once_with(1)
    '''})
    built: List[Optional[str]] = []
    real = candidates.CandidateIndex.__init__

    def counting(self: candidates.CandidateIndex, tree: ast.Module, source: str, path: Optional[str]) -> None:
        built.append(path)
        real(self, tree, source, path)

    monkeypatch.setattr(candidates.CandidateIndex, "__init__", counting)
    found, parsed = _lint(path, tuple(rule.code for rule in ALL_RULES))
    assert parsed and {code for code, _ in found} >= {"MCK101", "MCK102", "MCK103", "MCK401", "MCK402", "MCK403"}
    assert built == [str(path)]
