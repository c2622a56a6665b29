"""The web view over HTTP: the page and its two files, the snapshot it polls, the edits and runs it posts.

The page is plain HTML, CSS and JavaScript from `sandbox/static/`, with no build step: the sandbox
already serves HTTP, and a page this size needs no framework.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from sandbox.view import WebView
from sandbox.web import Request, Response, json_response

STATIC = Path(__file__).with_name("static")
FILES = {"index.html": "text/html; charset=utf-8", "app.js": "text/javascript; charset=utf-8",
         "app.css": "text/css; charset=utf-8"}
# A page waits this long for a change before asking again (long polling).
LONG_POLL_SECONDS = 20.0
# Only the page's own files run; user text is never markup (the script uses textContent only).
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
                               "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}

def serve_page(request: Request) -> Response:
    """`/` and `/_sandbox/web/<file>`: the page's own files, which hold no data."""
    name = "index.html" if request.path == "/" else request.path[len("/_sandbox/web/"):]
    return _static(name, request.method)


def serve_view(view: WebView, request: Request, name: str) -> Response:
    """`/_sandbox/view` (the snapshot), `/_sandbox/view/edit` and `/_sandbox/view/run`, already authorised."""
    if name == "view" and request.method == "GET":
        return _snapshot(view, request)
    if name in ("view/edit", "view/run") and request.method == "POST":
        if "application/json" not in request.header("content-type"):
            # A cross-site form cannot send JSON without asking first: one more wall against forgery.
            return json_response({"error": "send the edit as application/json"}, 415)
        try:
            body = request.json()
            if name == "view/edit":
                view.edit(body)
            else:
                body = body if isinstance(body, dict) else {}
                view.start_run(bool(body.get("dry_run")), force_delete=bool(body.get("force_delete")))
        except ValueError as exc:
            return json_response({"error": str(exc)}, 409 if name == "view/run" else 400)
        return json_response(view.snapshot(), headers=dict(PAGE_HEADERS))
    return json_response({"error": f"unknown web view address {request.path}"}, 404)


def _snapshot(view: WebView, request: Request) -> Response:
    after = _int((request.query.get("after") or ["-1"])[0])
    if after == view.changes.version:
        view.changes.wait(after, LONG_POLL_SECONDS)
    return json_response(view.snapshot(), headers=dict(PAGE_HEADERS))


def _static(name: str, method: str) -> Response:
    if name not in FILES or method not in ("GET", "HEAD"):
        return json_response({"error": "not found"}, 404)
    return Response(200, (STATIC / name).read_bytes(), FILES[name], dict(PAGE_HEADERS))


def _int(text: Any) -> int:
    try:
        return int(text)
    except (TypeError, ValueError):
        return -1
