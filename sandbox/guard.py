"""Who may talk to the sandbox: requests addressed to its own loopback address, from no other web
page, and for the control endpoints and the web view, only with its token (or the web view's session).

Without this any web page open in the same browser could reach the sandbox through DNS rebinding or
a plain cross-site POST, and read the generated credentials or wipe the demo.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from http.cookies import CookieError, SimpleCookie
from typing import Optional

from sandbox.web import Request, Response, json_response, text_response

SESSION_COOKIE = "worklead_sandbox"
_NAMES = ("127.0.0.1", "localhost")


def new_token() -> str:
    return secrets.token_urlsafe(32)


@dataclass(frozen=True)
class Guard:
    port: int
    token: str

    @property
    def hosts(self) -> frozenset[str]:
        return frozenset(f"{name}:{self.port}" for name in _NAMES)

    @property
    def origins(self) -> frozenset[str]:
        return frozenset(f"http://{host}" for host in self.hosts)

    @property
    def session(self) -> str:
        """The web view's cookie: derived from the token, so it survives a restart of the sandbox."""
        return hmac.new(self.token.encode(), b"worklead sandbox web view", hashlib.sha256).hexdigest()

    def session_cookie(self) -> str:
        # Strict: a cross-site page cannot ride on it; HttpOnly: no script reads it.
        return f"{SESSION_COOKIE}={self.session}; Path=/; HttpOnly; SameSite=Strict"

    def refusal(self, request: Request) -> Optional[Response]:
        """A 403 for a request addressed to another name (DNS rebinding) or sent by another page."""
        host = request.header("host").strip().lower()
        if host not in self.hosts:
            return text_response(f"This sandbox answers only requests addressed to http://127.0.0.1:{self.port} "
                                 f"(this one named the host {host or 'nothing'!r}).", 403)
        origin = request.header("origin").strip().lower()
        if origin and origin not in self.origins:
            return text_response("This sandbox refuses requests sent by other web pages.", 403)
        return None

    def authorised(self, request: Request) -> bool:
        """Bearer token, or the web view's session cookie."""
        auth = request.header("authorization")
        if auth[:7].lower() == "bearer " and hmac.compare_digest(auth[7:].strip().encode(), self.token.encode()):
            return True
        return hmac.compare_digest(self._cookie(request).encode(), self.session.encode())

    @staticmethod
    def _cookie(request: Request) -> str:
        try:
            jar = SimpleCookie(request.header("cookie"))
        except CookieError:
            return ""
        morsel = jar.get(SESSION_COOKIE)
        return morsel.value if morsel is not None else ""

    @staticmethod
    def unauthorised() -> Response:
        return json_response({"error": "the sandbox's control endpoints need its token: send "
                                       "'Authorization: Bearer <SANDBOX_TOKEN>' (see data/sandbox/sandbox.env)"},
                             401, {"WWW-Authenticate": 'Bearer realm="worklead-sandbox"'})
