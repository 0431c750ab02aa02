"""A small Language Server Protocol client for tests: JSON-RPC over a
subprocess's stdin/stdout, as an editor speaks it.

Every wait has a timeout, so a server that hangs or dies fails the test with
what it printed instead of hanging the suite.  Requests the server sends to the
client (``workspace/configuration``, ``client/registerCapability``,
``window/workDoneProgress/create``) are answered: by ``handlers`` when one is
given for the method, else with ``null``.

``InProcessServer`` is mocklint's server (``mocklint.lsp.build_server``) on a
thread of this process, speaking over pipes: the same protocol, handlers and
analysis without the second of start-up of ``python -m mocklint lsp``.  Tests
run it in the everyday set and the real command in the ``slow`` set
(``front_ends.MODES``, ``LspClient.start``).
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, BinaryIO, Callable, Dict, List, Optional, Sequence, Union

import front_ends

DEFAULT_TIMEOUT = 60.0


class LspError(AssertionError):
    """The server answered with an error, broke the protocol, or went quiet."""


class InProcessServer:
    """``mocklint lsp`` as a thread of this process, on pipes, with what
    ``LspClient`` uses of a ``subprocess.Popen``: ``stdin``, ``stdout``,
    ``stderr`` (empty: pygls logs through ``logging``), ``poll``, ``wait``
    and ``kill`` (which ends the server's input, as a killed editor would).

    The variables of ``env`` that differ from this process's are set while
    the server runs, mocklint's project model is emptied before and after,
    and the open documents the server hands to the analysis are forgotten
    afterwards; the current folder is not changed (the server judges each
    document by the path in its URI)."""

    def __init__(self, env: Optional[Dict[str, str]] = None) -> None:
        from mocklint.analysis.pytest_model import project
        from mocklint.analysis.under_test import summaries
        from mocklint.lsp import build_server

        self._project, self._summaries = project, summaries
        wanted = dict(env or {})
        self._saved = {name: os.environ.get(name) for name, value in wanted.items() if os.environ.get(name) != value}
        os.environ.update({name: wanted[name] for name in self._saved})
        project.clear_caches()
        to_server, self.stdin = self._pipe()
        self.stdout, self._from_server = self._pipe()
        self.stderr, stderr_end = self._pipe()
        stderr_end.close()
        self.returncode: Optional[int] = None
        self._thread = threading.Thread(target=self._serve, args=(build_server(), to_server), daemon=True)
        self._thread.start()

    @staticmethod
    def _pipe() -> "tuple[BinaryIO, BinaryIO]":
        read, write = os.pipe()
        return os.fdopen(read, "rb"), os.fdopen(write, "wb")

    def _serve(self, server: Any, to_server: BinaryIO) -> None:
        status = 0
        try:
            server.start_io(to_server, self._from_server)
        except SystemExit as exc:  # pygls 1.3 exits from inside on `exit`, as mocklint.lsp.main says
            status = exc.code if isinstance(exc.code, int) else 0
        except BaseException:  # noqa: BLE001 - the client sees the server gone
            status = 1
            raise
        finally:
            self.returncode = status
            for stream in (self._from_server, to_server):
                try:
                    stream.close()
                except OSError:
                    pass

    def poll(self) -> Optional[int]:
        return None if self._thread.is_alive() else self.returncode

    def wait(self, timeout: Optional[float] = None) -> int:
        self._thread.join(timeout)
        if self._thread.is_alive():
            raise subprocess.TimeoutExpired("mocklint lsp (in process)", timeout or 0)
        self._restore()
        assert self.returncode is not None
        return self.returncode

    def kill(self) -> None:
        try:
            self.stdin.close()
        except OSError:
            pass
        self._thread.join(10)
        self._restore()

    def _restore(self) -> None:
        for name, value in self._saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        self._saved = {}
        self._project.clear_caches()
        self._summaries.open_buffers({})  # the server's open documents, which it hands to the analysis


class LspClient:
    def __init__(
        self,
        command: Union[Sequence[str], InProcessServer],
        cwd: Optional[Path] = None,
        env: Optional[Dict[str, str]] = None,
        handlers: Optional[Dict[str, Callable[[Any], Any]]] = None,
    ) -> None:
        if isinstance(command, InProcessServer):
            self.command = ["mocklint", "lsp", "(in process)"]
            self.process: Any = command
        else:
            self.command = list(command)
            self.process = subprocess.Popen(
                self.command,
                cwd=cwd,
                env=env,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
        self.handlers = dict(handlers or {})
        self._next_id = 0
        self._write_lock = threading.Lock()
        self._responses: Dict[int, "queue.Queue[Dict[str, Any]]"] = {}
        self._responses_lock = threading.Lock()
        self.notifications: "queue.Queue[Dict[str, Any]]" = queue.Queue()
        #: every notification received, in order (also those already taken from the queue)
        self.received: List[Dict[str, Any]] = []
        self._stderr: List[bytes] = []
        self._reader = threading.Thread(target=self._read_loop, daemon=True)
        self._reader.start()
        self._stderr_reader = threading.Thread(target=self._read_stderr, daemon=True)
        self._stderr_reader.start()

    @classmethod
    def start(
        cls,
        mode: str,
        cwd: Optional[Path] = None,
        env: Optional[Dict[str, str]] = None,
        handlers: Optional[Dict[str, Callable[[Any], Any]]] = None,
    ) -> "LspClient":
        """``mocklint lsp``: ``python -m mocklint lsp`` (``front_ends.SUBPROCESS``)
        or ``InProcessServer`` (``front_ends.IN_PROCESS``)."""
        if mode == front_ends.IN_PROCESS:
            return cls(InProcessServer(env), handlers=handlers)
        return cls([sys.executable, "-m", "mocklint", "lsp"], cwd=cwd, env=env, handlers=handlers)

    # -- plumbing -----------------------------------------------------------
    def _send(self, message: Dict[str, Any]) -> None:
        body = json.dumps(message).encode("utf-8")
        header = f"Content-Length: {len(body)}\r\n\r\n".encode("ascii")
        assert self.process.stdin is not None
        with self._write_lock:
            try:
                self.process.stdin.write(header + body)
                self.process.stdin.flush()
            except (BrokenPipeError, OSError) as exc:
                raise LspError(f"the server is gone ({exc}); stderr:\n{self.stderr()}") from None

    def _read_message(self) -> Optional[Dict[str, Any]]:
        stream = self.process.stdout
        assert stream is not None
        length = None
        while True:
            line = stream.readline()
            if not line:
                return None
            line = line.strip()
            if not line:
                break
            name, _, value = line.decode("ascii").partition(":")
            if name.lower() == "content-length":
                length = int(value.strip())
        if length is None:
            raise LspError("a message without Content-Length")
        body = stream.read(length)
        return json.loads(body.decode("utf-8"))

    def _read_loop(self) -> None:
        while True:
            try:
                message = self._read_message()
            except Exception as exc:  # noqa: BLE001 - reported to the waiting test
                self.notifications.put({"method": "$/clientError", "params": repr(exc)})
                return
            if message is None:
                self.notifications.put({"method": "$/exited", "params": None})
                return
            if "id" in message and "method" in message:  # a request from the server
                self._answer(message)
            elif "id" in message:
                with self._responses_lock:
                    box = self._responses.setdefault(message["id"], queue.Queue())
                box.put(message)
            else:
                self.received.append(message)
                self.notifications.put(message)

    def _answer(self, request: Dict[str, Any]) -> None:
        handler = self.handlers.get(request["method"])
        try:
            result = handler(request.get("params")) if handler else None
        except Exception as exc:  # noqa: BLE001
            self._send({"jsonrpc": "2.0", "id": request["id"], "error": {"code": -32603, "message": repr(exc)}})
            return
        self._send({"jsonrpc": "2.0", "id": request["id"], "result": result})

    def _read_stderr(self) -> None:
        assert self.process.stderr is not None
        for line in iter(self.process.stderr.readline, b""):
            self._stderr.append(line)

    def stderr(self) -> str:
        return b"".join(self._stderr).decode("utf-8", "replace")[-6000:]

    # -- the protocol -------------------------------------------------------
    def request(self, method: str, params: Any = None, timeout: float = DEFAULT_TIMEOUT) -> Any:
        self._next_id += 1
        ident = self._next_id
        with self._responses_lock:
            box = self._responses.setdefault(ident, queue.Queue())
        self._send({"jsonrpc": "2.0", "id": ident, "method": method, "params": params})
        try:
            response = box.get(timeout=timeout)
        except queue.Empty:
            state = "running" if self.process.poll() is None else "exited"
            raise LspError(
                f"no answer to {method} within {timeout:.0f} s (server {state}); stderr:\n{self.stderr()}"
            ) from None
        if "error" in response:
            raise LspError(f"{method} failed: {response['error']}; stderr:\n{self.stderr()}")
        return response.get("result")

    def notify(self, method: str, params: Any = None) -> None:
        self._send({"jsonrpc": "2.0", "method": method, "params": params})

    def wait_for(
        self, method: str, predicate: Callable[[Any], bool] = lambda params: True, timeout: float = DEFAULT_TIMEOUT
    ) -> Any:
        """The params of the next notification ``method`` that satisfies ``predicate``
        (notifications before it are dropped from the queue, not from ``received``)."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                seen = [m.get("method") for m in self.received[-20:]]
                raise LspError(
                    f"no {method} as expected within {timeout:.0f} s; last seen: {seen}; stderr:\n{self.stderr()}"
                )
            try:
                message = self.notifications.get(timeout=remaining)
            except queue.Empty:
                continue
            if message["method"] in ("$/exited", "$/clientError"):
                raise LspError(f"the server stopped ({message}) while waiting for {method}; stderr:\n{self.stderr()}")
            if message["method"] == method and predicate(message.get("params")):
                return message.get("params")

    def diagnostics(
        self,
        uri: str,
        predicate: Callable[[List[Dict[str, Any]]], bool] = lambda d: True,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> List[Dict[str, Any]]:
        """The next ``publishDiagnostics`` for ``uri`` whose list satisfies ``predicate``."""
        params = self.wait_for(
            "textDocument/publishDiagnostics",
            lambda p: p["uri"] == uri and predicate(p["diagnostics"]),
            timeout,
        )
        return params["diagnostics"]

    def initialize(self, root: Path, options: Any = None, capabilities: Optional[Dict[str, Any]] = None) -> Any:
        result = self.request(
            "initialize",
            {
                "processId": os.getpid(),
                "rootUri": root.as_uri(),
                "rootPath": str(root),
                "workspaceFolders": [{"uri": root.as_uri(), "name": root.name}],
                "capabilities": capabilities
                or {
                    "textDocument": {
                        "publishDiagnostics": {"relatedInformation": True, "codeDescriptionSupport": True},
                        "codeAction": {
                            "codeActionLiteralSupport": {
                                "codeActionKind": {"valueSet": ["quickfix", "source", "source.fixAll"]}
                            }
                        },
                        "synchronization": {"didSave": True},
                    },
                    "workspace": {"configuration": False, "workspaceFolders": True},
                },
                "initializationOptions": options,
            },
        )
        self.notify("initialized", {})
        return result

    def open(self, path: Path, text: str, version: int = 1) -> str:
        uri = path.as_uri()
        self.notify(
            "textDocument/didOpen",
            {"textDocument": {"uri": uri, "languageId": "python", "version": version, "text": text}},
        )
        return uri

    def change(self, uri: str, text: str, version: int) -> None:
        self.notify(
            "textDocument/didChange",
            {"textDocument": {"uri": uri, "version": version}, "contentChanges": [{"text": text}]},
        )

    def close(self, timeout: float = 30.0) -> int:
        """``shutdown`` and ``exit``; the server's exit status (killed if it does not stop)."""
        try:
            if self.process.poll() is None:
                self.request("shutdown", None, timeout=timeout)
                self.notify("exit")
        except LspError:
            pass
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
            raise LspError(f"the server did not exit after `exit`; stderr:\n{self.stderr()}") from None
        finally:
            for stream in (self.process.stdin, self.process.stdout, self.process.stderr):
                try:
                    if stream is not None:
                        stream.close()
                except OSError:
                    pass

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def __enter__(self) -> "LspClient":
        return self

    def __exit__(self, *exc: object) -> None:
        if self.process.poll() is None:
            try:
                self.close()
            finally:
                self.kill()
