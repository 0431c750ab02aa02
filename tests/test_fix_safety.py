"""A fix never breaks, loses or misplaces code, and never writes outside the project.

Issue 20, items 7 to 10 and 17:

- lines are counted as the Language Server Protocol and libcst count them
  (``\\n``, ``\\r\\n``, ``\\r``), not as ``str.splitlines`` does: a form feed,
  ``\\x0b``, ``\\x1c``-``\\x1e``, ``\\x85``, U+2028 or U+2029 above a finding
  must not move its fix, in the command or in the language server (driven
  here as an editor drives it, its edits applied by the protocol's rules);
- ``--fix`` writes a file only if it still holds what was read, atomically;
- a fix that cannot be built or placed costs the fix, never the finding, and
  MCK201 requests ``request`` where pytest passes it;
- ``--fix`` follows no symlink out of the project;
- ``--diff -`` shows the fixes of stdin.

The command and the language server run in this process in the everyday set
and as ``python -m mocklint`` (``lsp``) in the ``slow`` set
(``front_ends.MODES``); the failed write (a file size limit) and pytest
running the fixed code always use real processes.
"""

from __future__ import annotations

import ast
import functools
import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence

import front_ends
import libcst as cst
import pytest
from expectations import FIXTURES
from lsp_client import LspClient
from support import import_or_unavailable

from mocklint import cli
from mocklint.engine import Engine
from mocklint.rule import Edit, Fix, Rule, gate

try:
    import resource
except ImportError:  # Windows
    resource = None  # type: ignore[assignment]

#: the characters ``str.splitlines`` breaks at and the protocol does not
SEPARATORS = ["\x0c", "\x0b", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"]
FIXES = FIXTURES / "fixes"
#: MCK201 (safe fixes, some adding a `request` parameter) and MCK101 (unsafe fixes inserting a line)
CASES = ("pytest_config_in_tests", "async_mock_context_manager")
FLAGGED = 'import pytest\n\n\ndef test_skip():\n    pytest.skip(msg="caf\u00e9")\n'


def run_mocklint(
    *args: str, cwd: Path, stdin: Optional[str] = None, mode: str = front_ends.SUBPROCESS
) -> "subprocess.CompletedProcess[str]":
    data = b"" if stdin is None else stdin.encode("utf-8")
    return front_ends.as_text(front_ends.run("mocklint", ["--isolated", "--no-cache", *args], cwd, data, mode=mode))


Mocklint = Callable[..., "subprocess.CompletedProcess[str]"]


@pytest.fixture(params=front_ends.MODES)
def front(request: pytest.FixtureRequest) -> str:
    """The command and the language server in this process (everyday), or as
    ``python -m mocklint`` and ``python -m mocklint lsp`` (slow)."""
    return request.param


@pytest.fixture()
def mocklint(front: str) -> Mocklint:
    return functools.partial(run_mocklint, mode=front)


def _marked(text: str, separator: str) -> str:
    """``text`` with a comment holding ``separator`` on its first line."""
    return f"# before{separator}after\n{text}"


# -- the protocol's view of a text (written from the specification, not from mocklint) -------
def lsp_lines(text: str) -> List[str]:
    """The lines of ``text`` with their ends, as the protocol counts them."""
    return re.findall(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z", text)


def lsp_offset(text: str, position: Dict[str, int]) -> int:
    """An LSP position (UTF-16 units) as an index into ``text``; a character past
    the end of its line means the end of the line."""
    lines = lsp_lines(text)
    if position["line"] >= len(lines):
        return len(text)
    start = sum(len(line) for line in lines[: position["line"]])
    content = lines[position["line"]].rstrip("\r\n")
    units = 0
    for index, char in enumerate(content):
        if units >= position["character"]:
            return start + index
        units += 2 if ord(char) > 0xFFFF else 1
    return start + len(content)


def lsp_apply(text: str, edits: Sequence[Dict[str, Any]]) -> str:
    """``text`` with the TextEdits applied, all positions referring to ``text``."""
    spans = [(lsp_offset(text, e["range"]["start"]), lsp_offset(text, e["range"]["end"]), e["newText"]) for e in edits]
    assert len({start for start, _, _ in spans}) == len(spans), "two edits at one place: their order is the client's"
    for start, end, new in sorted(spans, reverse=True):
        text = text[:start] + new + text[end:]
    return text


def _server(project: Path, tmp_path: Path, mode: str, options: Any = None) -> LspClient:
    import_or_unavailable("pygls")  # a test dependency: fails under CI=true
    env = dict(os.environ, XDG_CACHE_HOME=str(tmp_path / "user-cache"))
    client = LspClient.start(mode, cwd=project, env=env)
    client.init_result = client.initialize(project, options)  # type: ignore[attr-defined]
    return client


def _actions(
    client: LspClient, uri: str, range_: Dict[str, Any], only: Optional[List[str]] = None
) -> List[Dict[str, Any]]:
    context: Dict[str, Any] = {"diagnostics": []}
    if only is not None:
        context["only"] = only
    params = {"textDocument": {"uri": uri}, "range": range_, "context": context}
    return client.request("textDocument/codeAction", params)


def _fix_all(client: LspClient, uri: str, text: str) -> str:
    whole = {"start": {"line": 0, "character": 0}, "end": {"line": len(lsp_lines(text)), "character": 0}}
    actions = _actions(client, uri, whole, ["source.fixAll"])
    if not actions:
        return text
    (action,) = actions
    return lsp_apply(text, action["edit"]["changes"][uri])


def _project(root: Path) -> Path:
    (root / "tests").mkdir(parents=True)
    (root / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    return root


# -- item 7: lines ---------------------------------------------------------------------------
def test_lines_break_where_the_protocol_and_libcst_break_them() -> None:
    from mocklint.diagnostic import line_starts, split_lines

    for separator in SEPARATORS:
        text = f"a{separator}b\r\nc\rd\ne{separator}"
        assert split_lines(text) == lsp_lines(text) == [f"a{separator}b\r\n", "c\r", "d\n", f"e{separator}"]
        assert line_starts(text) == [0, 5, 7, 9]
        # libcst numbers lines the same way: the statement after the comment is on line 2
        module = cst.parse_module(f"x = 1  # {separator}\ny = 2\n")
        positions = cst.MetadataWrapper(module, unsafe_skip_copy=True).resolve(cst.metadata.PositionProvider)
        assert positions[module.body[1]].start.line == 2
    assert line_starts("") == [0] and line_starts("a\n") == [0, 2] and line_starts("a\nb") == [0, 2]


def _patched(before: str, diff: str) -> str:
    """``before`` with a one-file unified diff applied (a diff line ends at ``\\n``)."""
    old = before.splitlines(keepends=True) if "\x0c" not in before else re.findall(r"[^\n]*\n|[^\n]+\Z", before)
    out: List[str] = []
    index = 0
    for line in re.findall(r"[^\n]*\n", diff):
        if line.startswith(("---", "+++")):
            continue
        if line.startswith("@@"):
            start = int(re.match(r"@@ -(\d+)", line).group(1))  # type: ignore[union-attr]
            out.extend(old[index: start - 1])
            index = start - 1
        elif line.startswith(" "):
            assert old[index] == line[1:], (old[index], line)
            out.append(old[index])
            index += 1
        elif line.startswith("-"):
            assert old[index] == line[1:], (old[index], line)
            index += 1
        else:
            assert line.startswith("+"), line
            out.append(line[1:])
    return "".join(out + old[index:])


def test_diff_of_a_file_with_a_form_feed_applies() -> None:
    from mocklint.fixes import unified_diff

    before = "import pytest\n\x0c\n# a\x0cb\n\ndef test_x():\n    assert pytest.config\n"
    after = before.replace("test_x()", "test_x(request)").replace("pytest.config", "request.config")
    assert _patched(before, unified_diff(before, after, "test_x.py")) == after


@pytest.fixture(scope="module")
def marked_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """For each case and separator, the case's module with the separator in a comment on
    line 1, and the same with ``Z`` instead: what the fixes must match."""
    project = _project(tmp_path_factory.mktemp("marked") / "project")
    for case in CASES:
        text = (FIXES / f"{case}.py").read_text(encoding="utf-8")
        for number, separator in enumerate(["Z", *SEPARATORS]):
            (project / "tests" / f"test_{case}_{number}.py").write_text(_marked(text, separator), encoding="utf-8")
    return project


def test_command_fixes_below_separators_as_elsewhere(
    marked_project: Path, tmp_path: Path, mocklint: Mocklint
) -> None:
    work = tmp_path / "project"
    shutil.copytree(marked_project, work)
    mocklint("--fix", "--unsafe-fixes", ".", cwd=work)
    for case in CASES:
        expected = (FIXES / f"{case}.fixed.py").read_text(encoding="utf-8")
        for number, separator in enumerate(["Z", *SEPARATORS]):
            fixed = (work / "tests" / f"test_{case}_{number}.py").read_text(encoding="utf-8")
            assert fixed == _marked(expected, separator), (case, repr(separator))


def test_language_server_fixes_below_separators_as_the_command_does(
    marked_project: Path, tmp_path: Path, front: str, mocklint: Mocklint
) -> None:
    project = marked_project
    by_file: Dict[str, str] = {}
    with _server(project, tmp_path, front, {"unsafeFixes": True}) as client:
        for case in CASES:
            reference: Optional[List[Dict[str, Any]]] = None
            for number, separator in enumerate(["Z", *SEPARATORS]):
                path = project / "tests" / f"test_{case}_{number}.py"
                text = path.read_text(encoding="utf-8")
                uri = client.open(path, text)
                found = client.diagnostics(uri)
                assert found
                # each quick fix, applied by the protocol's rules, gives what it gives without the separator
                results = []
                for diagnostic in found:
                    actions = _actions(client, uri, diagnostic["range"])
                    for action in actions:
                        if action["kind"] == "quickfix":
                            fixed = lsp_apply(text, action["edit"]["changes"][uri])
                            ast.parse(fixed)
                            results.append((action["title"], fixed.replace(f"before{separator}after", "beforeZafter")))
                shown = [(d["code"], d["range"], d["message"]) for d in found]
                if reference is None:
                    assert results, "the case has no quick fix"
                    reference = [shown, results]  # type: ignore[list-item]
                else:
                    assert [shown, results] == reference, (case, repr(separator))
                by_file[path.name] = _fix_all(client, uri, text)
        # a form feed that starts a line is lost from libcst's tree, so its columns are off
        # there: no fix is offered where its edits would land elsewhere than meant
        shortened = project / "tests" / "test_shortened.py"
        text = "import pytest\n\n\n\x0cdef test_x():\n    assert pytest.config\n"
        uri = client.open(shortened, text)
        (finding,) = client.diagnostics(uri)
        assert finding["data"]["fixable"] is False
        assert [a for a in _actions(client, uri, finding["range"]) if a["kind"] == "quickfix"] == []
        assert _fix_all(client, uri, text) == text
        assert client.close() == 0
    # "fix all" is `mocklint --fix` (safe fixes only)
    work = tmp_path / "command"
    shutil.copytree(project, work, ignore=shutil.ignore_patterns("test_shortened.py"))
    mocklint("--fix", ".", cwd=work)
    assert by_file == {name: (work / "tests" / name).read_text(encoding="utf-8") for name in by_file}


def test_language_server_keeps_the_editors_text_below_separators(tmp_path: Path, front: str) -> None:
    """The editor sends changes as the server asks (incremental ranges, or the whole
    text): either way the server lints the text the editor shows."""
    project = _project(tmp_path / "project")
    original = _marked((FIXES / "pytest_config_in_tests.py").read_text(encoding="utf-8"), "\x0c")
    with _server(project, tmp_path, front) as client:
        sync = client.init_result["capabilities"]["textDocumentSync"]  # type: ignore[attr-defined]
        kind = sync["change"] if isinstance(sync, dict) else sync
        uri = client.open(project / "tests" / "test_edited.py", original)
        client.diagnostics(uri)
        # the user types a line at the start of line 7 (0-based 6) of what the editor shows
        line = 6
        typed = "    print(pytest.config)\n"
        edited = lsp_lines(original)
        edited.insert(line, typed)
        edited_text = "".join(edited)
        if kind == 2:
            position = {"line": line, "character": 0}
            change: Dict[str, Any] = {"range": {"start": position, "end": position}, "text": typed}
        else:
            change = {"text": edited_text}
        client.notify(
            "textDocument/didChange", {"textDocument": {"uri": uri, "version": 2}, "contentChanges": [change]}
        )
        published = client.wait_for("textDocument/publishDiagnostics", lambda p: p["uri"] == uri and p["version"] == 2)
        fresh = client.open(project / "tests" / "test_fresh.py", edited_text)
        assert published["diagnostics"] == client.diagnostics(fresh)
        assert _fix_all(client, uri, edited_text) == _fix_all(client, fresh, edited_text) != edited_text
        assert client.close() == 0


def test_lsp_positions_count_lines_as_the_protocol_does(tmp_path: Path) -> None:
    import_or_unavailable("pygls")  # a test dependency: fails under CI=true
    from pygls.workspace import TextDocument

    from mocklint.lsp import Lines

    for separator in SEPARATORS:
        text = f'import pytest  # {separator}\n\n\ndef test_x():\n    assert "\U0001f600" and pytest.config\n'
        (found,) = Engine().lint(text, str(tmp_path / "test_x.py")).diagnostics
        lines = Lines(TextDocument("file:///test_x.py", text))
        shown = lines.range(found.line, found.column, found.end_line, found.end_column)
        assert text[lsp_offset(text, {"line": shown.start.line, "character": shown.start.character}):].startswith(
            "pytest.config\n"
        )
        assert (shown.start.line, shown.end.line, shown.end.character - shown.start.character) == (4, 4, 13)
        assert found.fix is not None
        edits = [lines.edit(edit) for edit in found.fix.edits]
        as_json = [
            {"range": {"start": _position(e.range.start), "end": _position(e.range.end)}, "newText": e.new_text}
            for e in edits
            if e is not None
        ]
        assert lsp_apply(text, as_json) == text.replace("test_x()", "test_x(request)").replace(
            "pytest.config", "request.config"
        )


def _position(position: Any) -> Dict[str, int]:
    return {"line": position.line, "character": position.character}


def test_command_drops_a_fix_that_would_land_off_its_place(tmp_path: Path, mocklint: Mocklint) -> None:
    _project(tmp_path)
    target = tmp_path / "tests" / "test_shortened.py"
    text = "import pytest\n\n\n\x0cdef test_x():\n    assert pytest.config\n"
    target.write_text(text, encoding="utf-8")
    proc = mocklint("--fix", ".", cwd=tmp_path)
    assert target.read_text(encoding="utf-8") == text
    assert proc.returncode == 1 and "MCK201" in proc.stdout


# -- item 8: concurrent edits, atomic writes -------------------------------------------------
def test_fix_never_overwrites_an_edit_made_while_it_ran(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "test_skip.py"
    target.write_text(FLAGGED, encoding="utf-8")
    typed = "\n\ndef test_added_meanwhile():\n    pass\n"
    lint = Engine.lint

    def lint_while_the_editor_saves(self: Engine, source: str, path: Optional[str] = None, tree: Any = None) -> Any:
        if target.read_text(encoding="utf-8") == FLAGGED:
            with target.open("a", encoding="utf-8") as handle:
                handle.write(typed)
        return lint(self, source, path, tree)

    monkeypatch.setattr(Engine, "lint", lint_while_the_editor_saves)
    monkeypatch.chdir(tmp_path)
    status = cli.main(["--isolated", "--no-cache", "--fix", "test_skip.py"])
    assert target.read_text(encoding="utf-8") == FLAGGED + typed
    captured = capsys.readouterr()
    assert "test_skip.py: skipped: fixes not written: it changed while mocklint was fixing it" in captured.err
    assert status == 1 and "MCK204" in captured.out
    assert sorted(os.listdir(tmp_path)) == ["test_skip.py"]


@pytest.mark.skipif(resource is None or not hasattr(resource, "RLIMIT_FSIZE"), reason="needs RLIMIT_FSIZE")
def test_a_failed_write_leaves_the_file_as_it_was(tmp_path: Path) -> None:
    target = tmp_path / "test_skip.py"
    text = "".join(f"# line {number} of a long comment\n" for number in range(300)) + FLAGGED
    target.write_text(text, encoding="utf-8")
    target.chmod(0o640)

    def small_files_only() -> None:  # as on a full disk: writing past 4 KB fails (Python ignores SIGXFSZ)
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))

    proc = subprocess.run(
        [sys.executable, "-m", "mocklint", "--isolated", "--no-cache", "--fix", "test_skip.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=small_files_only,
        env=dict(os.environ, PYTHONDONTWRITEBYTECODE="1"),
    )
    assert target.read_text(encoding="utf-8") == text, proc.stderr
    assert "fixes not written" in proc.stderr and proc.returncode == 1
    assert sorted(os.listdir(tmp_path)) == ["test_skip.py"]
    # with room: written, with the file's permissions
    proc = run_mocklint("--fix", "test_skip.py", cwd=tmp_path)
    assert target.read_text(encoding="utf-8") == text.replace("msg=", "reason="), proc.stderr
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert sorted(os.listdir(tmp_path)) == ["test_skip.py"]


# -- item 9: a fix that cannot be built ------------------------------------------------------
@pytest.mark.parametrize(
    ("signature", "fixed"),
    [
        ("async def test(n=3): ...; assert pytest.config", "async def test(request, n=3): ...; assert request.config"),
        (
            "def test(a, n=3, m=4):\n    assert pytest.config",
            "def test(a, request, n=3, m=4):\n    assert request.config",
        ),
        ("def test(a=1, /):\n    assert pytest.config", "def test(a=1, /, *, request):\n    assert request.config"),
        ("def test(a, /, n=3):\n    assert pytest.config", "def test(a, /, request, n=3):\n    assert request.config"),
        ("def test(a,):\n    assert pytest.config", "def test(a, request,):\n    assert request.config"),
        ("def test(request=None):\n    assert pytest.config", None),  # pytest passes nothing to it
        (
            "def test(pytestconfig=None):\n    assert pytest.config",
            "def test(request, pytestconfig=None):\n    assert request.config",
        ),
    ],
)
def test_mck201_requests_request_where_pytest_passes_it(signature: str, fixed: Optional[str]) -> None:
    from mocklint.fixes import fix_source

    source = f"import pytest\n\n\n{signature}\n"
    found = Engine().lint(source, "test_it.py").diagnostics
    assert [d.code for d in found if d.code != "MCK301"] == ["MCK201"], found
    result = fix_source(Engine(), source, "test_it.py")
    assert result.source == (source if fixed is None else f"import pytest\n\n\n{fixed}\n")


@pytest.mark.slow  # runs real pytest twice on a fixed project
def test_fixed_signatures_run_green_under_pytest(tmp_path: Path) -> None:
    """pytest passes ``request`` where the fix puts it: the tests fail before, pass after."""
    _project(tmp_path)
    module = tmp_path / "tests" / "test_defaults.py"
    module.write_text(
        "import pytest\n\n\n"
        "@pytest.fixture\ndef level(n=3):\n    return pytest.config.getoption('verbose') + n\n\n\n"
        "def test_level(level, factor=2):\n    assert pytest.config.getoption('verbose') + 3 == level\n\n\n"
        "def test_positional_only_default(a=1, /):\n    assert pytest.config is not None\n",
        encoding="utf-8",
    )
    env = dict(os.environ, PYTEST_DISABLE_PLUGIN_AUTOLOAD="1", PYTHONDONTWRITEBYTECODE="1")
    env.pop("PYTHONPATH", None)

    def run_pytest() -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "tests"],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    assert run_pytest().returncode == 1
    proc = run_mocklint("--fix", ".", cwd=tmp_path)
    assert (proc.returncode, proc.stdout) == (0, ""), proc.stdout + proc.stderr
    assert "Fixed 3 problems." in proc.stderr
    passing = run_pytest()
    assert passing.returncode == 0 and "2 passed" in passing.stdout, passing.stdout


class _MisplacedFix(Rule):
    """A rule whose fix names a node that is not in the file."""

    code = "MCK999"
    name = "misplaced-fix"
    summary = "test"
    messages = {"default": "an assert"}
    gate = gate(r"\bassert\b")

    def visit_Assert(self, node: cst.Assert, site: Any) -> None:
        self.report(node, autofix=Fix("Nowhere", (Edit(cst.Name("elsewhere"), "x"),)))


def test_a_fix_that_cannot_be_placed_costs_the_fix_not_the_finding() -> None:
    result = Engine(rules=[_MisplacedFix]).lint("def test_it():\n    assert True\n", "test_it.py")
    assert result.internal_error is None
    assert [(d.code, d.line, d.fix) for d in result.diagnostics] == [("MCK999", 2, None)]


# -- item 10: symlinks out of the project ----------------------------------------------------
@pytest.mark.skipif(not hasattr(os, "symlink") or os.name == "nt", reason="needs symlinks")
def test_unsafe_fix_never_writes_through_a_conftest_link_leaving_the_project(
    tmp_path: Path, mocklint: Mocklint
) -> None:
    work = tmp_path / "project"
    shutil.copytree(FIXES / "projects" / "import_into_nearest_conftest" / "before", work)
    victim = tmp_path / "elsewhere" / "victim.py"
    victim.parent.mkdir()
    conftest = work / "tests" / "api" / "conftest.py"
    shutil.move(str(conftest), victim)
    conftest.symlink_to(victim)
    before = victim.read_text(encoding="utf-8")
    diff = mocklint("--diff", "--unsafe-fixes", ".", cwd=work)
    assert (diff.returncode, diff.stdout) == (0, "")
    proc = mocklint("--fix", "--unsafe-fixes", ".", cwd=work)
    assert victim.read_text(encoding="utf-8") == before
    assert conftest.is_symlink()
    assert proc.returncode == 1 and "MCK301" in proc.stdout


@pytest.mark.skipif(not hasattr(os, "symlink") or os.name == "nt", reason="needs symlinks")
def test_fix_never_writes_through_a_link_leaving_the_project(tmp_path: Path, mocklint: Mocklint) -> None:
    work = _project(tmp_path / "project")
    elsewhere = tmp_path / "elsewhere"  # another project, with a marker of its own
    elsewhere.mkdir()
    (elsewhere / "pyproject.toml").write_text("[project]\nname = 'other'\n", encoding="utf-8")
    for name in ("test_linked_folder.py", "test_linked_file.py"):
        (elsewhere / name).write_text(FLAGGED, encoding="utf-8")
    (work / "tests" / "linked").symlink_to(elsewhere, target_is_directory=True)
    (work / "tests" / "test_alias.py").symlink_to(elsewhere / "test_linked_file.py")
    # a link that stays inside the project is written through, and stays a link
    (work / "lib").mkdir()
    (work / "lib" / "test_real.py").write_text(FLAGGED, encoding="utf-8")
    (work / "tests" / "test_inside.py").symlink_to(work / "lib" / "test_real.py")
    named = mocklint("--fix", "tests/test_alias.py", cwd=work)
    assert "tests/test_alias.py: skipped: not fixed: it is " in named.stderr
    assert named.returncode == 1 and "MCK204" in named.stdout
    proc = mocklint("--fix", "tests", cwd=work)
    for name in ("test_linked_folder.py", "test_linked_file.py"):
        assert (elsewhere / name).read_text(encoding="utf-8") == FLAGGED, proc.stderr
    assert (work / "lib" / "test_real.py").read_text(encoding="utf-8") == FLAGGED.replace("msg=", "reason=")
    assert (work / "tests" / "test_inside.py").is_symlink()
    assert sorted(os.listdir(elsewhere)) == ["pyproject.toml", "test_linked_file.py", "test_linked_folder.py"]


# -- item 17: --diff of stdin ----------------------------------------------------------------
def test_diff_of_stdin_shows_the_fixes(tmp_path: Path, mocklint: Mocklint) -> None:
    proc = mocklint("--diff", "-", cwd=tmp_path, stdin=FLAGGED)
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout.startswith("--- a/<stdin>\n+++ b/<stdin>\n@@ ")
    assert '-    pytest.skip(msg="caf\u00e9")\n+    pytest.skip(reason="caf\u00e9")\n' in proc.stdout
    named = mocklint("--diff", "-", "--stdin-filename", "tests/test_x.py", cwd=tmp_path, stdin=FLAGGED)
    assert named.returncode == 1 and named.stdout.startswith("--- a/tests/test_x.py\n+++ b/tests/test_x.py\n")
    clean = mocklint("--diff", "-", cwd=tmp_path, stdin=FLAGGED.replace("msg=", "reason="))
    assert (clean.returncode, clean.stdout) == (0, "")
    assert sorted(os.listdir(tmp_path)) == []
