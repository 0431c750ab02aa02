"""``mocklint lsp``: a language server on stdin/stdout, built on pygls.

It needs the ``lsp`` extra (pygls 1.3 or later: ``pip install '.[lsp]'`` from
a checkout, ``'mocklint[lsp] @ git+URL@TAG'`` from git); ``mocklint.cli``
checks for it before importing this module, and names the install that adds it
to the running installation (``cli.lsp_install_target``).

What it does:

- **Diagnostics** for each open Python document on ``didOpen``, ``didChange``
  (the unsaved buffer, not the file on disk) and ``didSave``; a save
  re-lints every open document, since a saved ``conftest.py`` can change what
  the others see.  ``# noqa`` applies as in flake8 and the CLI.  Each
  diagnostic has ``code`` (``MCK201``), ``source`` ``"mocklint"`` and, as
  ``codeDescription.href``, the rule's documentation page (see
  ``rule_docs.DocsPages``); the message is followed by the finding's detail,
  and its related places (the application code where a mock fails) are
  ``relatedInformation``.
- **Settings**, from ``initializationOptions`` and
  ``workspace/didChangeConfiguration`` (either flat or under a ``"mocklint"``
  key): ``select`` and ``ignore`` (code prefixes, a list or a comma-separated
  string), ``unsafeFixes`` (offer fixes that may change behaviour as quick
  fixes too) and ``docsBaseUrl``.  A setting that is not given falls back to
  ``[tool.mocklint]`` of the document's project (``docs-base-url`` for
  ``docsBaseUrl``), as for the ``mocklint`` command.
- **Code actions**: one ``quickfix`` per fixable diagnostic (the rule's own
  fix), and ``source.fixAll.mocklint`` ("fix all safe problems"), which
  applies the safe fixes as ``mocklint --fix`` does.  A fix that also changes
  another file (MCK301 importing a fixture into a ``conftest.py``) is a
  WorkspaceEdit with one ``TextDocumentEdit`` per document
  (``documentChanges``, or ``changes`` for clients without it); it is not
  offered when that file's text (unsaved in the editor, or on disk) is no
  longer the one mocklint read.
- **The project model is reused** between keystrokes: conftest files are
  parsed once and again only when they change on disk.  A project's model is
  forgotten when its last open document closes, or its folder is deleted.
  The custom request ``mocklint/stats`` tells how many such parses happened
  and how many models are kept.

Positions: mocklint counts columns in code points; they are converted to the
position encoding negotiated with the client (UTF-16 unless it says otherwise).
Lines are broken at ``\n``, ``\r\n`` and ``\r`` only, as the protocol (and
libcst) count them, not where ``str.splitlines`` also breaks: see
:class:`Lines`.  The client sends the whole text on each change (full
synchronisation), since pygls applies an incremental change by those wrong
lines.  A quick fix is offered only where the document still holds the text
each of its edits replaces, and never changes a file outside the project of
the document (a ``conftest.py`` that is a symlink to elsewhere).
"""

from __future__ import annotations

import difflib
import logging
import os
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Sequence, Set, Tuple

from lsprotocol import types as lsp

try:  # pygls 2
    from pygls.lsp.server import LanguageServer
except ImportError:  # pygls 1.3
    from pygls.server import LanguageServer  # type: ignore[no-redef]

from mocklint import __version__
from mocklint.analysis.pytest_model import project
from mocklint.config import CODE_PREFIX, Config, ConfigError, discover_config
from mocklint.diagnostic import Diagnostic, Related, TextEdit, TextFix, line_starts, split_lines, text_digest
from mocklint.engine import Engine
from mocklint.fixes import fix_source, locate, project_root, within
from mocklint.noqa import filter_diagnostics
from mocklint.rule_docs import DocsPages
from mocklint.settings import Selection

LOG = logging.getLogger("mocklint.lsp")

SOURCE = "mocklint"
FIX_ALL_KIND = "source.fixAll.mocklint"
STATS_METHOD = "mocklint/stats"
PYTHON_SUFFIXES = (".py", ".pyi")


# -- settings -----------------------------------------------------------------
@dataclass(frozen=True)
class ServerSettings:
    """What the client configured; None: not given (the project's config decides)."""

    select: Optional[Tuple[str, ...]] = None
    ignore: Optional[Tuple[str, ...]] = None
    unsafe_fixes: bool = False
    docs_base_url: Optional[str] = None


def parse_settings(raw: Any, current: ServerSettings, problems: List[str]) -> ServerSettings:
    """Apply the keys present in ``raw`` (flat, or under ``"mocklint"``) to ``current``."""
    if not isinstance(raw, dict):
        return current
    if isinstance(raw.get("mocklint"), dict):
        raw = raw["mocklint"]
    changes: Dict[str, Any] = {}
    for key in ("select", "ignore"):
        if key in raw:
            changes[key] = _prefixes(key, raw[key], problems)
    if "unsafeFixes" in raw:
        changes["unsafe_fixes"] = bool(raw["unsafeFixes"])
    if "docsBaseUrl" in raw:
        value = raw["docsBaseUrl"]
        changes["docs_base_url"] = value if isinstance(value, str) and value else None
    return replace(current, **changes)


def _prefixes(key: str, value: Any, problems: List[str]) -> Optional[Tuple[str, ...]]:
    if value is None:
        return None
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
        problems.append(f"`{key}` must be a list of code prefixes, got {value!r}")
        return None
    found = []
    for item in (i.strip() for i in items):
        if not item:
            continue
        if CODE_PREFIX.match(item):
            found.append(item)
        else:
            problems.append(f"`{key}`: {item!r} is not a code prefix (expected something like MCK, MCK2 or MCK201)")
    return tuple(found)


# -- positions -----------------------------------------------------------------
class Lines:
    """A document's text in lines as the protocol counts them, and its position codec.

    pygls's ``document.lines`` come from ``str.splitlines``, which also breaks
    at form feeds, ``\x1c`` or U+2028: below such a character every position
    would name the wrong line, and a quick fix edit the wrong place.  Built
    once per lint or request (pygls splits the whole text at each access)."""

    def __init__(self, document: Any) -> None:
        self.source: str = document.source
        self.lines = split_lines(self.source)
        self.starts = line_starts(self.source)
        self.codec = document.position_codec

    def position(self, line: int, column: int) -> lsp.Position:
        """A 0-based line and code-point column as the client counts them."""
        return self.codec.position_to_client_units(self.lines, lsp.Position(line=line, character=column))

    def range(self, line: int, column: int, end_line: int, end_column: int) -> lsp.Range:
        """mocklint's 1-based lines and 0-based columns as an LSP range."""
        start = self.position(line - 1, column)
        if (end_line, end_column) <= (line, column):
            # no extent (MCK000): to the end of the line
            text = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
            end_line, end_column = line, len(text.rstrip("\r\n"))
        return lsp.Range(start=start, end=self.position(end_line - 1, end_column))

    def applies(self, fix: TextFix) -> bool:
        """Whether the document holds the lines each of ``fix``'s edits of it was computed for."""
        return all(locate(self.source, self.starts, edit) is not None for edit in fix.edits if edit.path is None)

    def edit(self, edit: TextEdit, text: Optional[str] = None) -> Optional[lsp.TextEdit]:
        """``edit`` (with ``text`` as its new text, if given) as an LSP edit, or
        None when the document does not hold the text it replaces."""
        if locate(self.source, self.starts, edit) is None:
            return None
        start = self.position(edit.line - 1, edit.column)
        end = self.position(edit.end_line - 1, edit.end_column)
        return lsp.TextEdit(range=lsp.Range(start=start, end=end), new_text=edit.text if text is None else text)


def _raw_text(path: str) -> str:
    try:
        with open(path, "rb") as handle:
            return handle.read().decode("utf-8", "replace")
    except OSError:
        return ""


def _newline(text: str) -> str:
    return "\r\n" if "\r\n" in text else "\r" if "\r" in text else "\n"


def _converted(lines: Lines, edits: Sequence[Tuple[TextEdit, str]]) -> Optional[List[lsp.TextEdit]]:
    """Each edit with its new text as an LSP edit of ``lines``, or None when one does not apply."""
    converted = []
    for edit, text in edits:
        found = lines.edit(edit, text)
        if found is None:
            return None
        converted.append(found)
    return converted


def _overlaps(a: lsp.Range, b: lsp.Range) -> bool:
    def key(p: lsp.Position) -> Tuple[int, int]:
        return (p.line, p.character)

    return key(a.start) <= key(b.end) and key(b.start) <= key(a.end)


def _line_edits(before: str, after: str) -> List[lsp.TextEdit]:
    """Whole-line edits that turn ``before`` into ``after`` (the document's lines elsewhere stay put)."""
    old = split_lines(before)
    new = split_lines(after)
    edits = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        edits.append(
            lsp.TextEdit(
                range=lsp.Range(start=lsp.Position(line=i1, character=0), end=lsp.Position(line=i2, character=0)),
                new_text="".join(new[j1:j2]),
            )
        )
    return edits


# -- the server ------------------------------------------------------------------
@dataclass
class Linted:
    """The last lint of a document: for code actions on the same version."""

    version: Optional[int]
    source: str
    path: Optional[str]
    engine: Engine
    diagnostics: Tuple[Diagnostic, ...]
    published: Tuple[lsp.Diagnostic, ...]
    #: why the document was not checked (too large, too deep, a syntax error), as the command notes it
    note: Optional[str] = None


class Mocklint:
    """The server's state; the pygls features below call into it."""

    def __init__(self, server: Any) -> None:
        self.server = server
        self.settings = ServerSettings()
        self.docs = DocsPages()
        self.linted: Dict[str, Linted] = {}
        self.lints = 0
        self._engines: Dict[Selection, Engine] = {}
        self._reported: Set[str] = set()

    # -- messages to the client --
    def log(self, message: str, kind: lsp.MessageType = lsp.MessageType.Log) -> None:
        send = getattr(self.server, "window_log_message", None)
        if send is not None:  # pygls 2
            send(lsp.LogMessageParams(type=kind, message=message))
        else:  # pygls 1.3
            self.server.show_message_log(message, kind)

    def warn_once(self, message: str) -> None:
        """A configuration problem, shown to the user once per server."""
        if message in self._reported:
            return
        self._reported.add(message)
        send = getattr(self.server, "window_show_message", None)
        if send is not None:
            send(lsp.ShowMessageParams(type=lsp.MessageType.Warning, message=f"mocklint: {message}"))
        else:
            self.server.show_message(f"mocklint: {message}", lsp.MessageType.Warning)

    def publish(self, uri: str, diagnostics: Sequence[lsp.Diagnostic], version: Optional[int]) -> None:
        send = getattr(self.server, "text_document_publish_diagnostics", None)
        if send is not None:  # pygls 2
            send(lsp.PublishDiagnosticsParams(uri=uri, diagnostics=list(diagnostics), version=version))
        else:
            self.server.publish_diagnostics(uri, list(diagnostics), version)

    # -- settings --
    def configure(self, raw: Any) -> None:
        problems: List[str] = []
        self.settings = parse_settings(raw, self.settings, problems)
        for problem in problems:
            self.warn_once(f"settings: {problem}")

    def _config(self, path: Optional[str]) -> Config:
        if not path:
            return Config()
        try:
            return discover_config((path,))
        except ConfigError as exc:
            self.warn_once(str(exc))
            return Config()

    def engine_for(self, path: Optional[str]) -> Engine:
        config = self._config(path) if self.settings.select is None or self.settings.ignore is None else Config()
        select = self.settings.select if self.settings.select is not None else (config.select or ("MCK",))
        ignore = self.settings.ignore if self.settings.ignore is not None else (config.ignore or ())
        selection = Selection(select=select, ignore=ignore)
        engine = self._engines.get(selection)
        if engine is None:
            engine = self._engines[selection] = Engine(selection)
        return engine

    # -- linting --
    def documents(self) -> Dict[str, Any]:
        workspace = self.server.workspace
        return dict(getattr(workspace, "text_documents", None) or getattr(workspace, "documents", {}))

    @staticmethod
    def _path(document: Any) -> Optional[str]:
        if not document.uri.startswith("file:"):
            return None
        return document.path

    @staticmethod
    def is_python(document: Any) -> bool:
        language = getattr(document, "language_id", None)
        if language:
            return language == "python"
        return document.uri.endswith(PYTHON_SUFFIXES)

    def lint(self, uri: str) -> Optional[Linted]:
        document = self.server.workspace.get_text_document(uri)
        if not self.is_python(document):
            return None
        started = time.perf_counter()
        source = document.source
        path = self._path(document)
        engine = self.engine_for(path)
        # the code under test as the editor holds it, saved or not (MCK101-MCK103 read it)
        from mocklint.analysis.under_test import summaries

        summaries.open_buffers({p: d.source for p, d in self._open_python_paths().items()})
        result = engine.lint(source, path)  # bounded in time and memory per document, as in the command
        diagnostics = filter_diagnostics(source, result.diagnostics)
        lines = Lines(document)
        base_url = self.settings.docs_base_url or self._config(path).docs_base_url
        published = tuple(self._lsp_diagnostic(lines, d, base_url) for d in diagnostics)
        note = f"not checked: {result.parse_error}" if result.parse_error else None
        previous = self.linted.get(uri)
        if note and (previous is None or previous.note != note):  # said once, not at each keystroke
            self.log(f"{path or uri}: {note}", lsp.MessageType.Info)
        linted = Linted(document.version, source, path, engine, diagnostics, published, note)
        self.linted[uri] = linted
        self.lints += 1
        self.publish(uri, published, document.version)
        LOG.debug("linted %s in %.1f ms", uri, (time.perf_counter() - started) * 1000)
        return linted

    def _open_python_paths(self) -> Dict[str, Any]:
        """The open Python documents that are files, by path."""
        found: Dict[str, Any] = {}
        for document in self.documents().values():
            path = self._path(document) if self.is_python(document) else None
            if path:
                found[path] = document
        return found

    def lint_all(self) -> None:
        for uri, document in self.documents().items():
            if self.is_python(document):
                self.lint(uri)
        self.evict()

    def current(self, uri: str) -> Optional[Linted]:
        document = self.server.workspace.get_text_document(uri)
        linted = self.linted.get(uri)
        if linted is None or linted.version != document.version or linted.source != document.source:
            linted = self.lint(uri)
        return linted

    def forget(self, uri: str) -> None:
        self.linted.pop(uri, None)
        self.publish(uri, [], None)
        self.evict(closing=uri)

    def evict(self, closing: Optional[str] = None) -> None:
        """Forget the project models that no open document (``closing`` aside)
        belongs to any more, and those of deleted projects."""
        paths = []
        for uri, document in self.documents().items():
            path = self._path(document) if uri != closing else None
            if path:
                paths.append(path)
        project.evict_unused(paths)

    def _lsp_diagnostic(self, lines: Lines, d: Diagnostic, base_url: Optional[str] = None) -> lsp.Diagnostic:
        href = self.docs.href(d.code, base_url)
        fixable = d.fix is not None and (d.fix.safe or self.settings.unsafe_fixes) and lines.applies(d.fix)
        return lsp.Diagnostic(
            range=lines.range(d.line, d.column, d.end_line, d.end_column),
            message=f"{d.message}\n\n{d.detail}" if d.detail else d.message,
            related_information=[self._related(r) for r in d.related] or None,
            severity=lsp.DiagnosticSeverity.Warning,
            code=d.code,
            code_description=lsp.CodeDescription(href=href) if href else None,
            source=SOURCE,
            data={"name": d.name, "fixable": fixable},
        )

    def _related(self, related: Related) -> lsp.DiagnosticRelatedInformation:
        """A related place as a location of its file, its column converted as the client counts."""
        uri = Path(os.path.abspath(related.path)).as_uri()
        line, column = max(related.line, 1) - 1, max(related.column, 0)
        position = lsp.Position(line=line, character=column)
        try:
            position = Lines(self.server.workspace.get_text_document(uri)).position(line, column)
        except (OSError, ValueError, IndexError):
            pass  # an unreadable file: the code-point column
        where = lsp.Location(uri=uri, range=lsp.Range(start=position, end=position))
        return lsp.DiagnosticRelatedInformation(location=where, message=related.message)

    # -- code actions --
    def code_actions(self, params: lsp.CodeActionParams) -> List[lsp.CodeAction]:
        uri = params.text_document.uri
        linted = self.current(uri)
        if linted is None:
            return []
        document = self.server.workspace.get_text_document(uri)
        lines = Lines(document)
        only = list(params.context.only or [])

        def wanted(kind: str) -> bool:
            return not only or any(kind == k or kind.startswith(f"{k}.") for k in only)

        actions: List[lsp.CodeAction] = []
        if wanted(lsp.CodeActionKind.QuickFix):
            for diagnostic, shown in zip(linted.diagnostics, linted.published):
                fix = diagnostic.fix
                if fix is None or not (fix.safe or self.settings.unsafe_fixes):
                    continue
                if not _overlaps(shown.range, params.range):
                    continue
                note = "" if fix.safe else ", may change behaviour"
                title = f"{fix.title} ({diagnostic.code}{note})"
                workspace_edit = self._workspace_edit(uri, document.version, lines, linted.path, fix)
                if workspace_edit is None:
                    continue
                actions.append(
                    lsp.CodeAction(
                        title=title,
                        kind=lsp.CodeActionKind.QuickFix,
                        diagnostics=[shown],
                        is_preferred=fix.safe,
                        edit=workspace_edit,
                    )
                )
        if wanted(FIX_ALL_KIND) and any(d.fix is not None and d.fix.safe for d in linted.diagnostics):
            fixed = fix_source(linted.engine, linted.source, linted.path, unsafe=False)
            if fixed.applied and fixed.source != linted.source:
                actions.append(
                    lsp.CodeAction(
                        title="mocklint: fix all safe problems",
                        kind=FIX_ALL_KIND,
                        edit=lsp.WorkspaceEdit(changes={uri: _line_edits(linted.source, fixed.source)}),
                    )
                )
        return actions

    def _workspace_edit(
        self, uri: str, version: Optional[int], lines: Lines, path: Optional[str], fix: TextFix
    ) -> Optional[lsp.WorkspaceEdit]:
        """The edits of ``fix`` in the document ``lines`` of ``uri`` (at ``path``);
        for a fix that also changes other files (a conftest.py), a
        TextDocumentEdit per document.  None when a document no longer holds the
        text the fix was computed for, or another file is outside the project
        of ``path``."""
        own = _converted(lines, [(edit, edit.text) for edit in fix.edits if edit.path is None])
        if own is None:
            return None
        if not fix.other_files:
            return lsp.WorkspaceEdit(changes={uri: own})
        per_uri: List[Tuple[str, Optional[int], List[lsp.TextEdit]]] = [(uri, version, own)] if own else []
        root = project_root(os.path.dirname(path)) if path else None
        for other_path in fix.other_files:
            if root is None or not within(other_path, (root,)):
                return None  # a conftest.py that links to a file elsewhere
            other_uri = Path(other_path).as_uri()
            other = self.server.workspace.get_text_document(other_uri)
            try:
                other_lines = Lines(other)
            except OSError:
                return None
            edits = [edit for edit in fix.edits if edit.path == other_path]
            if any(edit.digest != text_digest(other_lines.source) for edit in edits):
                return None  # changed since mocklint read it (on disk, or unsaved in the editor)
            newline = _newline(other_lines.source if other.version is not None else _raw_text(other_path))
            converted = _converted(other_lines, [(edit, edit.text.replace("\n", newline)) for edit in edits])
            if converted is None:
                return None
            per_uri.append((other_uri, other.version, converted))
        if not self._supports_document_changes():
            return lsp.WorkspaceEdit(changes={u: e for u, _, e in per_uri})
        return lsp.WorkspaceEdit(
            document_changes=[
                lsp.TextDocumentEdit(
                    text_document=lsp.OptionalVersionedTextDocumentIdentifier(uri=u, version=v), edits=list(e)
                )
                for u, v, e in per_uri
            ]
        )

    def _supports_document_changes(self) -> bool:
        capabilities = getattr(self.server, "client_capabilities", None)
        workspace = getattr(capabilities, "workspace", None)
        workspace_edit = getattr(workspace, "workspace_edit", None)
        return bool(getattr(workspace_edit, "document_changes", False))

    def stats(self) -> Dict[str, Any]:
        return {
            "version": __version__,
            "lints": self.lints,
            "projectParses": project.PARSES[0],
            "projectModels": len(project._models),
            "filesParsed": sum(engine.parsed_files for engine in self._engines.values()),
            "openDocuments": sorted(self.linted),
        }


def build_server() -> Any:
    # full synchronisation: pygls would apply an incremental change by str.splitlines lines (see Lines)
    server = LanguageServer("mocklint", __version__, text_document_sync_kind=lsp.TextDocumentSyncKind.Full)
    state = Mocklint(server)
    server.mocklint = state  # for tests and debugging

    @server.feature(lsp.INITIALIZE)
    def initialize(ls: Any, params: lsp.InitializeParams) -> None:
        state.configure(params.initialization_options)

    @server.feature(lsp.INITIALIZED)
    def initialized(ls: Any, params: lsp.InitializedParams) -> None:
        state.log(f"mocklint {__version__} language server ready")

    @server.feature(lsp.WORKSPACE_DID_CHANGE_CONFIGURATION)
    def did_change_configuration(ls: Any, params: lsp.DidChangeConfigurationParams) -> None:
        state.configure(params.settings)
        state.lint_all()

    @server.feature(lsp.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: Any, params: lsp.DidOpenTextDocumentParams) -> None:
        state.lint(params.text_document.uri)

    @server.feature(lsp.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: Any, params: lsp.DidChangeTextDocumentParams) -> None:
        state.lint(params.text_document.uri)

    @server.feature(lsp.TEXT_DOCUMENT_DID_SAVE, lsp.SaveOptions(include_text=False))
    def did_save(ls: Any, params: lsp.DidSaveTextDocumentParams) -> None:
        project.refresh_after_save()
        state.lint_all()

    @server.feature(lsp.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: Any, params: lsp.DidCloseTextDocumentParams) -> None:
        state.forget(params.text_document.uri)

    @server.feature(
        lsp.TEXT_DOCUMENT_CODE_ACTION,
        lsp.CodeActionOptions(code_action_kinds=[lsp.CodeActionKind.QuickFix, FIX_ALL_KIND], resolve_provider=False),
    )
    def code_action(ls: Any, params: lsp.CodeActionParams) -> List[lsp.CodeAction]:
        return state.code_actions(params)

    @server.feature(STATS_METHOD)
    def stats(ls: Any, params: Any) -> Dict[str, Any]:
        return state.stats()

    return server


def main(argv: Iterable[str] = ()) -> int:
    """Serve on stdin/stdout until the client says ``exit``."""
    server = build_server()
    try:
        server.start_io()
    except SystemExit as exc:  # pygls 1.3 exits from inside on `exit`
        return exc.code if isinstance(exc.code, int) else 0
    return 0
