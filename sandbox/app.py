"""The sandbox server: one loopback port serving Google's and Trello's paths.

It wires together what the two services share: the generated credentials,
persistence of their backends under `data/sandbox/`, the guard, the control
endpoints under `/_sandbox/`, faults, limits and the request log.
"""
from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path
from typing import Any, Optional

from sandbox.control import control
from sandbox.credentials import load_or_create, point_key_at
from sandbox.faults import Faults
from sandbox.folder import FolderLock, atomic_write, no_sync_running
from sandbox.guard import Guard
from sandbox.limits import Limits
from sandbox.requestlog import RequestLog
from sandbox.services import Context, Service, make_services
from sandbox.view import WebView
from sandbox.web import Request, RequestHandler, Response, Router, Server, json_response
from sandbox.webpage import serve_page

LOOPBACK = ("127.0.0.1", "localhost", "::1")
# How often the server loop checks for shutdown: stop() waits up to this long (socketserver's
# default of 0.5 s made every stop, and so every test with a sandbox, half a second slower).
SHUTDOWN_POLL_SECONDS = 0.02


class Sandbox:
    """Both services behind one loopback HTTP server, with state on disk."""

    STATE_FILE = "state.json"
    KEY_FILE = "service_account.json"
    ENV_FILE = "sandbox.env"
    # WorkLead's own records for the sandbox pair live in the sandbox's folder, never in data/.
    MAPPING_FILE = "mapping.json"
    RECORD_FILES = ("trash.jsonl", "history.jsonl")

    def __init__(self, data_dir: Path | str = "data/sandbox", host: str = "127.0.0.1", port: int = 0,
                 allow_non_loopback: bool = False, seed: bool = True) -> None:
        if host not in LOOPBACK and not allow_non_loopback:
            raise ValueError(f"the sandbox binds to loopback only; refusing {host!r}")
        self.data_dir = Path(data_dir)
        # Owner only: the folder holds generated keys, access tokens and the demo's leads.
        self.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(self.data_dir, 0o700)
        # One sandbox per folder: a second copy of the state would save over the first's.
        self._folder = FolderLock(self.data_dir)
        self._folder.acquire()
        for path in self.data_dir.iterdir():  # files left by an older version, or made by a umask
            if path.is_file():
                path.chmod(0o600)
        try:
            self._setup(host, port, seed)
        except BaseException:
            self._folder.release()
            raise

    def _setup(self, host: str, port: int, seed: bool) -> None:
        self.lock = threading.RLock()
        # Its Preview and Sync come from whoever starts the sandbox with WorkLead beside it (view.runner).
        self.view = WebView(self)
        self.faults = Faults()
        self.limits = Limits()
        self.log = RequestLog()
        self._dirty = threading.Event()
        self._flush_lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd = Server((host, port), RequestHandler)
        self._httpd.app = self
        host_bound, port_bound = self._httpd.server_address[:2]
        self.host, self.port = str(host_bound), int(port_bound)
        self.creds = load_or_create(self.data_dir, self.key_path, f"{self.url}/token")
        self.guard = Guard(self.port, self.creds.sandbox_token)
        self.context = Context(self.creds, self.limits, self._changed)
        self.services: list[Service] = make_services(self.context)
        self.router = Router()
        for service in self.services:
            service.register(self.router)
        self._load_state(seed)
        self._threads: list[threading.Thread] = []

    # -- addresses and settings -------------------------------------------------
    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def key_path(self) -> Path:
        return self.data_dir / self.KEY_FILE

    def settings(self) -> dict[str, str]:
        """The settings that point WorkLead, gspread or py-trello at this sandbox."""
        return {
            "GOOGLE_API_URL": self.url,
            "TRELLO_API_URL": self.url,
            "GOOGLE_CREDENTIALS_PATH": str(self.key_path.resolve()),
            "SPREADSHEET_ID": self.creds.spreadsheet_id,
            "TRELLO_API_KEY": self.creds.trello_key,
            "TRELLO_TOKEN": self.creds.trello_token,
            "TRELLO_BOARD_ID": self.creds.board_id,
        }

    @property
    def token(self) -> str:
        """What the control endpoints and the web view ask for (SANDBOX_TOKEN in sandbox.env)."""
        return self.creds.sandbox_token

    @property
    def web_url(self) -> str:
        """The web view's address, with the token that opens it.

        In the fragment: a browser never sends it to the server, so it stays out of request lines,
        logs and Referer headers; the page trades it for a session cookie.
        """
        return f"{self.url}/#token={self.token}"

    def control_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def write_env_file(self) -> Path:
        path = self.data_dir / self.ENV_FILE
        lines = ["# Written by the WorkLead sandbox: settings that point the tool at it."]
        lines += [f"{k}={v}" for k, v in self.settings().items()]
        lines += [f"SANDBOX_TOKEN={self.token}", f"SANDBOX_WEB_URL={self.web_url}"]
        atomic_write(path, "\n".join(lines) + "\n", mode=0o600)
        return path

    # -- life cycle ---------------------------------------------------------------
    def start(self) -> "Sandbox":
        if self._threads:  # already serving (serve_forever after start): a second loop would share the socket
            return self
        for name, target in (("serve", self._serve), ("flush", self._flush_loop)):
            t = threading.Thread(target=target, daemon=True, name=f"sandbox-{name}")
            t.start()
            self._threads.append(t)
        point_key_at(self.key_path, f"{self.url}/token")
        self.write_env_file()
        self._folder.publish(self.url)
        return self

    def _serve(self) -> None:
        self._httpd.serve_forever(poll_interval=SHUTDOWN_POLL_SECONDS)

    def serve_forever(self) -> None:
        self.start()
        try:
            while not self._stopping.wait(0.5):
                pass
        finally:
            self.stop()

    def stop(self) -> None:
        if self._stopping.is_set() and not self._threads:
            return
        self._stopping.set()
        self.view.changes.close()
        self._httpd.shutdown()
        self._httpd.server_close()
        try:
            self.flush()
        finally:
            self._threads.clear()
            self._folder.release()

    def __enter__(self) -> "Sandbox":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    # -- state ----------------------------------------------------------------------
    def _changed(self) -> None:
        self._dirty.set()  # saved soon
        self.view.changes.bump()  # and shown at once

    def reset(self, seed: bool = True) -> None:
        """Back to the demo data (or empty), with the sandbox's own mapping, trash and history emptied.

        Raises SyncRunning, changing nothing, while a sync holds the folder's mapping lock.
        """
        with no_sync_running(self.data_dir / f"{self.MAPPING_FILE}.lock"):
            with self.lock:
                for service in self.services:
                    service.clear()
                    if seed:
                        service.seed_demo()
                self.faults.clear()
                self.limits.configure({"enabled": False})
                self.log.clear()
                self.view.forget_run()
            # Links to the cards just removed would make the next sync delete the demo rows.
            for path in self.data_dir.glob(f"{self.MAPPING_FILE}*"):
                if not path.name.endswith(".lock"):
                    path.unlink(missing_ok=True)
            for name in self.RECORD_FILES:
                (self.data_dir / name).unlink(missing_ok=True)
        self._changed()

    def flush(self) -> None:
        # One flush at a time (the background loop and stop() may overlap): otherwise an older
        # snapshot could be renamed into place after a newer one, losing the last writes.
        with self._flush_lock:
            with self.lock:
                self._dirty.clear()
                data = {"services": {s.name: s.to_dict() for s in self.services}}
                text = json.dumps(data, separators=(",", ":"))
            atomic_write(self.data_dir / self.STATE_FILE, text)

    def _flush_loop(self) -> None:
        # Writes are coalesced: a burst of requests costs one write of the state.
        while not self._stopping.is_set():
            # stop() flushes itself: a loop still waiting then must not write again afterwards.
            if self._dirty.wait(0.2) and not self._stopping.wait(0.2):
                self.flush()

    def _load_state(self, seed: bool) -> None:
        path = self.data_dir / self.STATE_FILE
        if path.exists():
            data = json.loads(path.read_text(encoding="utf-8"))
            saved = data.get("services", {})
            for service in self.services:
                service.clear()
                if service.name in saved:
                    service.load(saved[service.name])
            return
        for service in self.services:
            service.clear()
            if seed:
                service.seed_demo()
        self.flush()

    # -- dispatch -------------------------------------------------------------------
    def handle(self, request: Request) -> Response:
        refusal = self.guard.refusal(request)
        if refusal is not None:
            return refusal
        if request.path == "/" or request.path.startswith("/_sandbox/web/"):
            return serve_page(request)  # the page's own files: no lead data in them
        if request.path.startswith("/_sandbox/"):
            if not self.guard.authorised(request):
                return self.guard.unauthorised()
            if request.path == "/_sandbox/session" and request.method == "POST":
                # The page trades the token from its address's fragment for a cookie.
                return Response(204, b"", "text/plain; charset=utf-8", {"Set-Cookie": self.guard.session_cookie()})
            return control(self, request)
        handler, groups, label = self.router.match(request)
        service = self._owner(label)
        rule = self.faults.pick(request)
        if self.faults.latency_ms:
            time.sleep(self.faults.latency_ms / 1000.0)
        if rule is not None and not rule.after:
            response = rule.response(service.fault_body)
            self.log.add(request, None if response.drop else response.status, label, "fault")
            return response
        if handler is None:
            response = service.not_found(request)
        else:
            with self.lock:
                try:
                    response = handler(request, **groups)
                except Exception as exc:  # a sandbox bug must answer, not hang the client
                    response = json_response({"error": {"code": 500, "message": f"sandbox error: {exc!r}",
                                                        "status": "INTERNAL"}}, 500)
        if rule is not None:
            response = rule.response(service.fault_body)
            self.log.add(request, None if response.drop else response.status, label, "fault after")
            return response
        self.log.add(request, response.status, label)
        return response

    def _owner(self, label: Optional[str]) -> Service:
        """The service whose routes gave the label; a path no service routes is answered as Google's
        front end answers it (Trello's catch-all route claims every path under /1/)."""
        return next((s for s in self.services if label in s.labels), self.services[0])


