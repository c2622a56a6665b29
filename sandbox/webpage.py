"""The web view over HTTP: the page and its two files, the snapshot it polls, the edits and runs it posts.

The page is plain HTML, CSS and JavaScript from `sandbox/static/`, with no build step: the sandbox
already serves HTTP, and a page this size needs no framework.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from sandbox.view import ViewError, WebView
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

_NEEDS_TOKEN = b"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>WorkLead sandbox</title></head><body style="font-family:system-ui,sans-serif;margin:3rem;max-width:40rem">
<h1>This page needs the sandbox's token</h1>
<p>Open the address the sandbox printed when it started (it ends in <code>?token=...</code>), or the
<code>SANDBOX_WEB_URL</code> line of <code>data/sandbox/sandbox.env</code>.</p></body></html>"""


def page_needs_token() -> Response:
    return Response(401, _NEEDS_TOKEN, "text/html; charset=utf-8", dict(PAGE_HEADERS))


def serve_view(view: WebView, request: Request, name: str) -> Response:
    """`/`, `/_sandbox/web/<file>` and `/_sandbox/view[/edit|/run]`, already authorised."""
    if request.path == "/" or name.startswith("web/"):
        return _static("index.html" if request.path == "/" else name[len("web/"):], request.method)
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
                view.start_run(bool(body.get("dry_run")) if isinstance(body, dict) else False)
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
