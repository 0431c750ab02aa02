"""The summaries of the code under test, kept on disk beside the result cache.

MCK101-MCK103 summarise the project's own modules (``analysis.under_test.summaries``),
one libcst parse each.  The summaries are kept in ``summaries/`` of the cache
folder (``analysis.under_test.summary_cache``): a summary found there costs no
parse, an edited module is read again and re-lints the tests that reach it, a
corrupt or foreign entry is a miss, and nothing is kept where the result cache
is off or refused, nor for a text open in an editor.  In one process a module
is parsed once, whatever dotted names it is found by.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Dict, List, Optional

import pytest

from mocklint import cli
from mocklint.analysis.under_test import summaries
from mocklint.cache import ResultCache
from mocklint.engine import Engine
from mocklint.settings import Selection

#: an app module whose `async with` an AsyncMock's call fails (MCK101), and its edit that enters nothing
APP = '''
class Client:
    def __init__(self, session):
        self.session = session

    async def fetch(self):
        async with self.session.get("/") as resp:
            return resp.status
'''
APP_EDITED = APP.replace('async with self.session.get("/") as resp:\n            return resp.status', "return None")
TEST = '''
from unittest.mock import {mock}

from app.client import Client


async def test_fetch():
    assert await Client({mock}()).fetch() == 1
'''


def _project(root: Path, mock: str = "AsyncMock", files: Optional[Dict[str, str]] = None) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    texts = {"pytest.ini": "[pytest]\n", "app/__init__.py": "", "app/client.py": APP, "tests/test_client.py": TEST.format(mock=mock), **(files or {})}
    for name, text in texts.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return root


def _entries(cache: Path) -> Dict[str, str]:
    """The summary entries in the cache folder ``cache``, by name."""
    folder = cache / "summaries"
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(folder.rglob("*.json"))} if folder.is_dir() else {}


@pytest.fixture
def parsed(monkeypatch: pytest.MonkeyPatch) -> List[str]:
    """The texts the summaries parse, in a process that has read no module yet."""
    texts: List[str] = []
    original = summaries.parse_module

    def counting(source: str):  # type: ignore[no-untyped-def]
        texts.append(source)
        return original(source)

    monkeypatch.setattr(summaries, "parse_module", counting)
    _forget(monkeypatch)
    return texts


def _forget(monkeypatch: pytest.MonkeyPatch) -> None:
    """What this process remembers of the modules it read: a new process's blank slate."""
    for name in ("_MODULES", "_RECORDS", "_DIGESTS"):
        monkeypatch.setattr(summaries, name, {}, raising=False)


def _lint(root: Path, capsys: pytest.CaptureFixture[str], *args: str) -> Dict[str, object]:
    status = cli.main(["--isolated", "--select", "MCK1", "--format", "json", "--cache-dir", str(root / ".cache"), *args, str(root)])
    assert status in (0, 1)
    return json.loads(capsys.readouterr().out)  # type: ignore[no-any-return]


def _touch_test(root: Path) -> None:
    """A new text for the test file, so that its cached result is not used."""
    test = root / "tests/test_client.py"
    test.write_text(test.read_text(encoding="utf-8") + "# edited\n", encoding="utf-8")


def _codes(report: Dict[str, object]) -> List[str]:
    return [d["code"] for d in report["diagnostics"]]  # type: ignore[index, union-attr]


def test_a_summary_the_cache_holds_costs_no_parse_of_its_module(
    tmp_path: Path, parsed: List[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _project(tmp_path, mock="MagicMock")  # a MagicMock can be entered: clean, but the summary is needed
    assert _codes(_lint(root, capsys)) == []
    assert parsed.count(APP.lstrip("\n")) == 1
    assert len(_entries(root / ".cache")) == 1
    parsed.clear()
    _forget(monkeypatch)
    _touch_test(root)
    assert _codes(_lint(root, capsys)) == []
    assert parsed == []


def test_a_finding_from_a_cached_summary_quotes_the_app_site_as_a_fresh_read_does(
    tmp_path: Path, parsed: List[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The node behind a cached demand is parsed again only to quote its line and text."""
    root = _project(tmp_path)
    cold = _lint(root, capsys)
    assert _codes(cold) == ["MCK101"] and len(_entries(root / ".cache")) == 1
    parsed.clear()
    _forget(monkeypatch)
    _touch_test(root)
    warm = _lint(root, capsys)
    assert warm == cold
    assert "app/client.py:6" in warm["diagnostics"][0]["detail"]  # type: ignore[index]
    assert parsed.count(APP.lstrip("\n")) == 1


def _mocklint(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "mocklint", "--select", "MCK1", *args, "."],
        cwd=root, capture_output=True, text=True, timeout=120,
    )


def test_an_edited_app_module_is_read_again_and_relints_the_tests_that_reach_it(tmp_path: Path) -> None:
    """End to end, with the result cache on: each content of the module has its
    entry; a test linted with a summary from the disk cache still depends on
    the module's file."""
    root = _project(tmp_path)
    app = root / "app/client.py"
    cache = root / ".mocklint_cache"
    first = _mocklint(root, "--format", "json")
    assert "MCK101" in first.stdout, first.stderr
    assert len(_entries(cache)) == 1
    app.write_text(APP_EDITED.lstrip("\n"), encoding="utf-8")
    assert "MCK101" not in _mocklint(root).stdout
    assert len(_entries(cache)) == 2
    app.write_text(APP.lstrip("\n"), encoding="utf-8")
    again = _mocklint(root, "--format", "json")
    assert again.stdout == first.stdout  # the first text's entry, read back
    assert len(_entries(cache)) == 2
    app.write_text(APP_EDITED.lstrip("\n"), encoding="utf-8")
    assert "MCK101" not in _mocklint(root).stdout


@pytest.mark.parametrize("damage", ["truncated", "a result entry", "an unknown step", "a site out of range", "a relative probe"])
def test_a_corrupt_or_foreign_entry_is_a_miss_and_is_written_again(
    tmp_path: Path, damage: str, parsed: List[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _project(tmp_path)
    cold = _lint(root, capsys)
    entries = _entries(root / ".cache")
    assert len(entries) == 1
    (path,) = (root / ".cache" / "summaries").rglob("*.json")
    entry = json.loads(path.read_text(encoding="utf-8"))
    if damage == "truncated":
        text = path.read_text(encoding="utf-8")[:-40]
    elif damage == "a result entry":
        text = next((root / ".cache" / "v1").rglob("*.json")).read_text(encoding="utf-8")
    else:
        outcome = entry["outcome"]
        if damage == "an unknown step":
            outcome["classes"][0]["methods"][1]["steps"][0][0] = "teleport"
        elif damage == "a site out of range":
            outcome["sites"] = 0
        else:
            outcome["probed"] = ["app/client.py"]
        text = json.dumps(entry)
    path.write_text(text, encoding="utf-8")
    parsed.clear()
    _forget(monkeypatch)
    _touch_test(root)
    assert _lint(root, capsys) == cold
    assert parsed.count(APP.lstrip("\n")) == 1  # read afresh
    assert _entries(root / ".cache") == entries  # and kept again


def _flake8(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "flake8", "--isolated", "--select=MCK", *args, "."],
        cwd=root, capture_output=True, text=True, timeout=120,
    )


@pytest.mark.parametrize("switch", ["--no-cache", "cache = false", "--mocklint-no-cache"])
def test_nothing_is_kept_where_the_result_cache_is_off(tmp_path: Path, switch: str) -> None:
    """Each way to turn the cache off keeps summaries off too (and with it on,
    the command and the flake8 plugin keep them in the project's cache folder)."""
    run = _flake8 if switch == "--mocklint-no-cache" else _mocklint
    on = _project(tmp_path / "on")
    assert "MCK101" in run(on).stdout
    assert len(_entries(on / ".mocklint_cache")) == 1
    off = _project(tmp_path / "off")
    if switch == "cache = false":
        (off / "pyproject.toml").write_text("[tool.mocklint]\ncache = false\n", encoding="utf-8")
        found = run(off)
    else:
        found = run(off, switch)
    assert "MCK101" in found.stdout
    assert not (off / ".mocklint_cache").exists()


def test_a_refused_cache_folder_keeps_no_summaries(tmp_path: Path) -> None:
    """A ``.mocklint_cache`` that is a symlink is refused, and a ``summaries``
    folder that leads out of the cache folder is never written through."""
    kept = _project(tmp_path / "kept")
    assert "MCK101" in _mocklint(kept).stdout
    assert len(_entries(kept / ".mocklint_cache")) == 1

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    linked = _project(tmp_path / "linked")
    (linked / ".mocklint_cache").symlink_to(elsewhere, target_is_directory=True)
    found = _mocklint(linked)
    assert "MCK101" in found.stdout and "symbolic link" in found.stderr
    assert list(elsewhere.iterdir()) == []

    outside = tmp_path / "outside"
    outside.mkdir()
    inner = _project(tmp_path / "inner")
    (inner / ".mocklint_cache").mkdir()
    (inner / ".mocklint_cache" / "summaries").symlink_to(outside, target_is_directory=True)
    assert "MCK101" in _mocklint(inner).stdout
    assert list(outside.iterdir()) == []
    assert list((inner / ".mocklint_cache" / "v1").rglob("*.json"))  # the results are kept all the same


def test_a_text_open_in_an_editor_is_never_kept(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = _project(tmp_path, files={"app/client.py": APP_EDITED})
    assert _codes(_lint(root, capsys)) == []
    kept = _entries(root / ".cache")
    assert len(kept) == 1
    test = root / "tests/test_client.py"
    cache = ResultCache(str(root / ".cache"), "lsp-like")
    assert cache.prepare()
    try:
        summaries.open_buffers({str(root / "app/client.py"): APP.lstrip("\n")})
        with cache.recording() as dependencies:
            result = Engine(Selection(select=("MCK1",))).lint(test.read_text(encoding="utf-8"), str(test))
    finally:
        summaries.open_buffers({})
    assert [d.code for d in result.diagnostics] == ["MCK101"]  # the buffer's `async with`, not the file's
    assert str(root / "app/client.py") in dependencies.files
    assert _entries(root / ".cache") == kept


def test_a_module_found_by_two_names_is_parsed_once(tmp_path: Path, parsed: List[str], capsys: pytest.CaptureFixture[str]) -> None:
    """``app/storage/redis.py`` importing ``redis.asyncio`` is found, from its own
    folder, as the module ``redis`` too (aiogram's ``fsm/storage/redis.py``)."""
    storage = '''
        from redis.asyncio import connect


        async def open_storage(url, session):
            await session.ping()
            return await connect(url)
    '''
    root = _project(tmp_path, files={
        "app/storage/__init__.py": "",
        "app/storage/redis.py": storage,
        "tests/test_client.py": '''
            from unittest.mock import MagicMock

            from app.storage.redis import open_storage


            async def test_open():
                await open_storage("redis://", MagicMock())
        ''',
    })
    assert _codes(_lint(root, capsys, "--no-cache")) == ["MCK102"]
    assert parsed.count(textwrap.dedent(storage).lstrip("\n")) == 1


def test_a_summary_is_read_again_when_a_module_its_imports_name_appears(tmp_path: Path) -> None:
    """Whether ``from app import queues`` binds a module decides what a patch of
    ``app.queues.push`` replaces: the files probed for it are the entry's dependencies."""
    root = _project(tmp_path, files={
        "app/__init__.py": "from types import SimpleNamespace\n\nqueues = SimpleNamespace(push=None)\n",
        "app/service.py": '''
            from app import queues


            async def publish(message):
                await queues.push(message)
        ''',
        "tests/test_client.py": '''
            from unittest.mock import MagicMock, patch

            from app.service import publish


            async def test_publish():
                with patch("app.queues.push", new=MagicMock()):
                    await publish("hello")
        ''',
    })
    cache = root / ".mocklint_cache"
    assert "MCK102" not in _mocklint(root).stdout  # `app.queues` is no module: the patch replaces something else
    assert len(_entries(cache)) == 1
    (root / "app/__init__.py").write_text("", encoding="utf-8")
    (root / "app/queues.py").write_text("def push(message):\n    return None\n", encoding="utf-8")
    assert "MCK102" in _mocklint(root).stdout
    assert len(_entries(cache)) == 2
