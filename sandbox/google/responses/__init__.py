"""The HTTP layer of the Google sandbox: OAuth, Sheets v4 and Drive v3 requests into backend calls.

One module per API (oauth, sheets, values, drive); here, what their handlers share: the bearer
check, the Sheets quota, errors in Google's JSON, and the query string.
"""
from __future__ import annotations

from typing import Any, Callable

from sandbox.google.auth import bearer_email
from sandbox.google.exceptions import GoogleApiError, quota_exceeded
from sandbox.google.models import GoogleBackend, Spreadsheet
from sandbox.services import Context
from sandbox.web import Request, Response, json_response

ApiHandler = Callable[..., Any]


def query_arg(request: Request, name: str, default: str = "") -> str:
    values = request.query.get(name)
    return values[0] if values else default


def is_true(value: Any) -> bool:
    return str(value).lower() == "true"


class Handlers:
    """What every Google handler works on: the backend, and the server's clock, limits and credentials."""

    def __init__(self, backend: GoogleBackend, context: Context) -> None:
        self.backend = backend
        self.context = context

    def api(self, fn: ApiHandler, sheets_quota: bool) -> Callable[..., Response]:
        """`fn` behind the bearer check (and the Sheets quota), its errors as Google's JSON."""
        def handler(request: Request, **groups: str) -> Response:
            try:
                email = bearer_email(self.backend, request.header("authorization"), self.context.now())
                if sheets_quota:
                    self._check_quota(request.method != "GET", email)
                result = fn(request, email, **groups)
            except GoogleApiError as err:
                headers = {"WWW-Authenticate": 'Bearer realm="https://accounts.google.com/"'} if err.code == 401 else {}
                return json_response(err.body(), err.code, headers)
            if isinstance(result, Response):
                return result
            return json_response(result)
        return handler

    def _check_quota(self, write: bool, email: str) -> None:
        kind = "sheets_write" if write else "sheets_read"
        if self.context.limits.hit((kind, email)) is None:
            return
        raise quota_exceeded(write, self.context.limits.window(kind)[0])

    def changed(self, book: Spreadsheet) -> None:
        book.touch(self.context.now())
        self.context.mark_dirty()
