"""Helpers for the Google sandbox tests: a real gspread client aimed at the sandbox, and the model."""
from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit, urlunsplit

import gspread
import requests
from google.auth.transport.requests import AuthorizedSession, Request
from google.oauth2.service_account import Credentials

from sandbox import Sandbox
from sandbox.google.models import GoogleBackend
from sandbox.google.service import GoogleService

GOOGLE_HOSTS = ("sheets.googleapis.com", "www.googleapis.com", "oauth2.googleapis.com")
SCOPES = ["https://www.googleapis.com/auth/spreadsheets", "https://www.googleapis.com/auth/drive"]


def rewrite(url: str, base: str) -> str:
    """Google's hosts to the sandbox; every other URL unchanged."""
    parts = urlsplit(url)
    if parts.hostname not in GOOGLE_HOSTS:
        return url
    target = urlsplit(base)
    return urlunsplit((target.scheme, target.netloc, parts.path, parts.query, parts.fragment))


class RewritingSession(requests.Session):
    """A plain session whose Google requests land on the sandbox (used for token refreshes)."""

    def __init__(self, base: str) -> None:
        super().__init__()
        self.base = base

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:
        verb = method.decode() if isinstance(method, bytes) else method
        target = url.decode() if isinstance(url, bytes) else url
        return super().request(verb, rewrite(target, self.base), *args, **kwargs)


class SandboxAuthorizedSession(AuthorizedSession):
    """google-auth's authorised session, with Google's hosts pointed at the sandbox."""

    def __init__(self, credentials: Credentials, base: str) -> None:
        super().__init__(credentials, auth_request=Request(session=RewritingSession(base)))
        self.base = base

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        return super().request(method, rewrite(url, self.base), *args, **kwargs)


def credentials(sandbox: Sandbox) -> Credentials:
    return Credentials.from_service_account_file(str(sandbox.key_path), scopes=SCOPES)


def gspread_client(sandbox: Sandbox) -> gspread.Client:
    """The real gspread, authenticated with the sandbox's generated service-account key."""
    creds = credentials(sandbox)
    return gspread.Client(auth=creds, session=SandboxAuthorizedSession(creds, sandbox.url))


def google_service(sandbox: Sandbox) -> GoogleService:
    return next(s for s in sandbox.services if isinstance(s, GoogleService))


def google_backend(sandbox: Sandbox) -> GoogleBackend:
    return google_service(sandbox).backend


def requests_to(sandbox: Sandbox, service: str) -> list[dict[str, Any]]:
    return [e for e in sandbox.log.entries() if e["service"] == service]
