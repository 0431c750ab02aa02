"""Function bodies no rule reads are dropped before the libcst parse.

``analysis.syntax.bodies.reduce_source`` replaces them by ``pass``, keeping every
other line where it was; ``analysis.mock_values.candidates`` decides which bodies the
mock rules read.  Here: the reduction keeps positions and syntax, and the ways
a mock reaches a body that names no mock are all followed.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import List

import libcst as cst
import pytest
from expectations import FIXTURES

from mocklint.analysis.pytest_model import project
from mocklint.analysis.syntax.bodies import reduce_source
from mocklint.analysis.mock_values.candidates import candidate_index
from mocklint.engine import Engine

FILES = sorted(p for p in FIXTURES.rglob("*.py") if "crashes" not in p.parts)


def _drop_all(source: str) -> str:
    return reduce_source(source, ast.parse(source), [lambda func, body: False])[0]


def _lines_kept(source: str, reduced: str) -> None:
    assert reduced.count("\n") == source.count("\n")
    for before, after in zip(source.splitlines(), reduced.splitlines()):
        assert after in (before, "") or after.strip() == "pass"


@pytest.mark.parametrize(
    "source",
    [
        "def f():\n    x = 1\n    return x\n",
        "def f(): return 1\n",  # one line: kept
        "def f(\n    a,\n): return a\n",  # the body shares the header's last line: kept
        "class A:\n    @property\n    def p(self):\n        '''doc\n        more'''\n        return 1\n\n    x = 2\n",
        "class A:\n    class B:\n        async def f(self):\n            await g()\n            return 1\n",
        "def f():\r\n    x = 1\r\n    return x\r\n",
        "def f():\n    x = 1\n    return x",  # no final newline
        "def f():\n    @dec\n    def g():\n        pass\n    return g\n",  # the body starts with a decorator
        "def f():\n    global X\n    X = 1\n    return X\n",  # binds outside itself: kept
        "@pytest.fixture\ndef f(request):\n    # a comment\n    yield 1\n\n\n# after\nx = f\n",
        "def f():\n    s = '''\ndef g():\n    pass\n'''\n    return s\n",
    ],
)
def test_reduction_keeps_lines_and_syntax(source: str) -> None:
    reduced = _drop_all(source)
    _lines_kept(source, reduced)
    ast.parse(reduced)
    cst.parse_module(reduced)
    # the headers, decorators and module-level statements are all still there
    kept = {type(n).__name__ + getattr(n, "name", "") for n in ast.walk(ast.parse(reduced)) if hasattr(n, "name")}
    assert kept >= {type(n).__name__ + n.name for n in ast.parse(source).body if hasattr(n, "name")}


def test_every_fixture_file_reduces_to_valid_code() -> None:
    dropped = 0
    for path in FILES:
        source = path.read_text(encoding="utf-8")
        try:
            ast.parse(source)
        except SyntaxError:
            continue
        reduced = _drop_all(source)
        _lines_kept(source, reduced)
        cst.parse_module(reduced)
        dropped += reduced != source
    assert dropped > 100


def _lint(tmp_path: Path, source: str, skip_bodies: bool = True) -> List[str]:
    (tmp_path / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    path = tmp_path / "test_module.py"
    path.write_text(source, encoding="utf-8")
    project.clear_caches()
    try:
        return sorted(f"{d.code}:{d.line}" for d in Engine(skip_bodies=skip_bodies).lint(source, str(path)).diagnostics)
    finally:
        project.clear_caches()


_UNRELATED = "".join(f"\n\ndef test_unrelated_{i}():\n    value = {i}\n    assert value == {i}\n" for i in range(3))

# Each: how a mock reaches a body that names no mock class, and the finding it makes.
REACHED = {
    "a module-level name": (
        "from unittest.mock import AsyncMock\n\nclient = AsyncMock()\n"
        + _UNRELATED
        + "\n\nasync def test_get():\n    async with client.get('/'):\n        pass\n",
        ("MCK101", "client.get"),
    ),
    "an attribute set in setUp": (
        "import unittest\nfrom unittest import mock\n\n\nclass T(unittest.IsolatedAsyncioTestCase):\n"
        "    def setUp(self):\n        self.session = mock.AsyncMock()\n\n"
        "    def test_plain(self):\n        value = 1\n        assert value\n\n"
        "    async def test_post(self):\n        async with self.session.post('/'):\n            pass\n",
        ("MCK101", "self.session.post"),
    ),
    "a fixture of the module": (
        "import pytest\nfrom unittest.mock import MagicMock\n\n\n@pytest.fixture\ndef client():\n"
        "    return MagicMock()\n"
        + _UNRELATED
        + "\n\nasync def test_fetch(client):\n    result = 1\n    await client.fetch()\n",
        ("MCK102", "await client.fetch"),
    ),
}


@pytest.mark.parametrize("case", sorted(REACHED))
def test_mocks_are_followed_into_bodies_that_name_none(tmp_path: Path, case: str) -> None:
    source, (code, marker) = REACHED[case]
    expected = [f"{code}:{next(i for i, line in enumerate(source.splitlines(), 1) if marker in line)}"]
    assert _lint(tmp_path, source, skip_bodies=False) == expected  # the case makes its point
    assert _lint(tmp_path, source) == expected


# Each: a body that names no mock yet changes what mocklint may say about one
# (with that body replaced by `pass`, the full analysis reports).
EXCUSED = {
    "an attribute is replaced in another method": (
        "import unittest\nfrom unittest.mock import AsyncMock\n\n\nclass T(unittest.IsolatedAsyncioTestCase):\n"
        "    def setUp(self):\n        self.session = AsyncMock()\n        self.reset()\n\n"
        "    def reset(self):\n        real = object()\n        self.session = real\n\n"
        "    async def test_post(self):\n        async with self.session.post('/'):\n            pass\n"
    ),
}


@pytest.mark.parametrize("case", sorted(EXCUSED))
def test_bodies_that_excuse_a_mock_are_kept(tmp_path: Path, case: str) -> None:
    source = EXCUSED[case]
    assert _lint(tmp_path, source) == _lint(tmp_path, source, skip_bodies=False) == []


def test_unrelated_bodies_are_dropped() -> None:
    source = REACHED["a fixture of the module"][0]
    tree = ast.parse(source)
    kept = candidate_index(tree, source, None).kept
    names = {f.name for f in ast.walk(tree) if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef)) and id(f) in kept}
    assert names == {"client", "test_fetch"}
