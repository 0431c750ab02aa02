"""MCK402 asks the shared candidate index which values may be a mock.

``might_report`` of mock-leaked-into-shared-state used to carry a mock
detector of its own on the ``ast`` (names ending in ``Mock``, any name
imported under an alias, any loop variable), next to the candidate index
(``analysis.mock_values.candidates``) that decides which bodies libcst reads
for it.  The two disagreed both ways: a mock made through a helper's
re-export under another name passed the detector, but the index dropped the
body that made it, so the finding was lost; and a value the detector took
for a mock (``np.zeros(3)``, a hand-written ``StubMock``) sent a file with no
mock to libcst.  Now the index answers alone (``CandidateIndex.mentions``,
through ``leaks.may_be_mock_made``).
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path
from typing import Dict, Iterator, List, Tuple

import pytest

from mocklint.analysis.pytest_model import project
from mocklint.analysis.syntax.ast_scan import LastTree
from mocklint.engine import Engine
from mocklint.registry import ALL_RULES
from mocklint.settings import Selection
from support import write_app_project

RULE = next(rule for rule in ALL_RULES if rule.code == "MCK402")
#: a helper module of the tests that re-exports the mock classes
HELPERS = "from unittest.mock import AsyncMock, MagicMock\n"


@pytest.fixture(autouse=True)
def fresh_model() -> Iterator[None]:
    project.clear_caches()
    yield
    project.clear_caches()
    LastTree.forget_all()


def _project(root: Path, test: str) -> Path:
    """A project with an ``app`` package and ``tests/helpers.py``; the path of
    its ``tests/test_example.py``, holding ``test``."""
    texts = {"app/client.py": "session = None\n", "tests/helpers.py": HELPERS, "tests/test_example.py": test}
    write_app_project(root, texts)
    return root / "tests" / "test_example.py"


def _lint(path: Path, code: str = "MCK402") -> Tuple[List[Tuple[str, int]], bool]:
    """The findings (code, line) of ``code`` alone, and whether the file reached libcst."""
    project.clear_caches()
    result = Engine(Selection(select=(code,))).lint(path.read_text(encoding="utf-8"), str(path))
    assert result.internal_error is None, result.internal_error
    return [(d.code, d.line) for d in result.diagnostics], result.parsed


def _might(path: Path) -> bool:
    source = path.read_text(encoding="utf-8")
    assert RULE.gate.search(source), "the case must pass the gate, or might_report is never asked"
    return RULE.might_report(ast.parse(source), source, str(path))


# -- a mock made through a re-export under another name ------------------------------------
REEXPORTED = '''
    from app import client
    from helpers import AsyncMock as FakeSession, MagicMock


    def test_session():
        client.session = FakeSession()
        assert client.session is not None


    def test_other():
        assert MagicMock()
'''
REEXPORTED_RESTORED = REEXPORTED.replace(
    "client.session = FakeSession()", 'monkeypatch.setattr(client, "session", FakeSession())'
).replace("def test_session():", "def test_session(monkeypatch):")


def test_a_mock_made_through_a_re_exported_alias_is_reported(tmp_path: Path) -> None:
    """``from helpers import AsyncMock as FakeSession``: libcst resolves the
    re-export, and the index now keeps the body that calls it (it dropped it:
    ``FakeSession`` was no candidate name, and the finding was lost)."""
    path = _project(tmp_path, REEXPORTED)
    assert _might(path)
    assert _lint(path) == ([("MCK402", 6)], True)


def test_the_restored_twin_of_a_re_exported_alias_is_silent(tmp_path: Path) -> None:
    path = _project(tmp_path, REEXPORTED_RESTORED)
    assert not _might(path)  # nothing is assigned to shared state
    assert _lint(path) == ([], False)


def test_a_re_exported_alias_put_into_sys_modules_at_module_level(tmp_path: Path) -> None:
    """At module level no body is dropped: the old detector saw the alias, and
    the index must too, or ``might_report`` would spare the file."""
    path = _project(tmp_path, '''
        import sys
        from unittest.mock import MagicMock

        from helpers import AsyncMock as FakeSdk

        sys.modules["payments_sdk"] = FakeSdk()


        def test_client():
            client = MagicMock()
            assert client
    ''')
    assert _might(path)
    assert _lint(path) == ([("MCK402", 6)], True)


def test_the_index_is_shared_a_re_exported_alias_is_seen_by_mck403(tmp_path: Path) -> None:
    """The same candidate names serve every mock rule: MCK403 reads the bodies
    the index keeps, and the no-op assertion on a mock made through the
    re-export is reported (its body was dropped)."""
    path = _project(tmp_path, '''
        from helpers import MagicMock as FakeSession


        def test_close():
            session = FakeSession()
            session.close()
            session.close.called_once_with()
    ''')
    assert _lint(path, "MCK403") == ([("MCK403", 7)], True)


# -- what may be a mock, and what is surely not -------------------------------------------
@pytest.mark.parametrize(
    "test",
    [
        pytest.param(
            '''
            import sys
            from unittest.mock import MagicMock

            stubs = {"boto3": MagicMock(), "botocore": MagicMock()}
            for name, stub in stubs.items():
                sys.modules[name] = stub
            ''',
            id="loop-variable",
        ),
        pytest.param(
            '''
            from unittest.mock import MagicMock

            from app import client


            def test_session(mocker):
                fake = mocker.MagicMock()
                client.session = fake
            ''',
            id="name-bound-to-mocker-magic-mock",
        ),
    ],
)
def test_a_mock_reached_through_a_name_still_reaches_libcst(test: str, tmp_path: Path) -> None:
    path = _project(tmp_path, test)
    assert _might(path)
    found, parsed = _lint(path)
    assert parsed and [code for code, _ in found] == ["MCK402"]


NO_MOCK_IN_SHARED_STATE = [
    pytest.param(
        '''
        import numpy as np
        from unittest.mock import MagicMock

        from app import client


        def test_data():
            client.session = np.zeros(3)
            assert MagicMock()
        ''',
        id="call-through-an-import-alias",
    ),
    pytest.param(
        '''
        from app import client


        class StubMock:
            def close(self):
                pass


        def test_session():
            client.session = StubMock()
            assert client.session
        ''',
        id="hand-written-class-named-like-a-mock",
    ),
]


@pytest.mark.parametrize("test", NO_MOCK_IN_SHARED_STATE)
def test_shared_state_given_no_mock_is_decided_without_libcst(test: str, tmp_path: Path) -> None:
    """The gate matches (``Mock(``) and a shared attribute is assigned, but no
    candidate name reaches the value: ``might_report`` rules the file out (the
    old detector took any call through an alias, or of a name ending in
    ``Mock``, for a mock's making)."""
    path = _project(tmp_path, test)
    assert not _might(path)
    assert _lint(path) == ([], False)


_LINT_ONE = """
import json, sys
from mocklint.engine import Engine
from mocklint.settings import Selection
path = sys.argv[1]
result = Engine(Selection(select=("MCK402",))).lint(open(path, encoding="utf-8").read(), path)
print(json.dumps({"found": [d.code for d in result.diagnostics], "libcst": "libcst" in sys.modules}))
"""


def _lint_in_fresh_process(path: Path) -> Dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", _LINT_ONE, str(path)], cwd=path.parent, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.splitlines()[-1])  # type: ignore[no-any-return]


def test_a_file_whose_shared_state_gets_no_mock_never_imports_libcst(tmp_path: Path) -> None:
    """MCK402 alone, in a fresh interpreter: a file with a mock elsewhere but
    none put into shared state is answered without importing libcst; its twin
    that puts a mock there imports it and is reported."""
    clean = _project(tmp_path / "clean", NO_MOCK_IN_SHARED_STATE[0].values[0])
    assert _lint_in_fresh_process(clean) == {"found": [], "libcst": False}
    leaked = _project(tmp_path / "leaked", REEXPORTED)
    assert _lint_in_fresh_process(leaked) == {"found": ["MCK402"], "libcst": True}
