"""The control endpoints under /_sandbox/: the request log, faults, limits, reset, settings, the web view."""
from __future__ import annotations

from typing import TYPE_CHECKING

from sandbox.folder import SyncRunning
from sandbox.web import Request, Response, json_response
from sandbox.webpage import serve_view

if TYPE_CHECKING:
    from sandbox.app import Sandbox


def control(sandbox: Sandbox, request: Request) -> Response:
    """Answer a request under /_sandbox/ (the caller has checked the token)."""
    name = request.path[len("/_sandbox/"):].strip("/")
    method = request.method
    if name.startswith("view"):
        return serve_view(sandbox.view, request, name)
    if name == "requests":
        if method == "DELETE":
            sandbox.log.clear()
            return json_response({"cleared": True})
        return json_response({"requests": sandbox.log.entries()})
    if name == "faults":
        if method == "DELETE":
            sandbox.faults.clear()
        elif method == "POST":
            sandbox.faults.configure(request.json())
        return json_response(sandbox.faults.as_dict())
    if name == "limits":
        if method == "DELETE":
            sandbox.limits.configure({"enabled": False})
        elif method == "POST":
            sandbox.limits.configure(request.json())
        return json_response(sandbox.limits.as_dict())
    if name == "reset" and method == "POST":
        body = request.json() if request.body else {}
        try:
            sandbox.reset(seed=bool(body.get("seed", True)) if isinstance(body, dict) else True)
        except SyncRunning as exc:
            return json_response({"error": str(exc)}, 409)
        return json_response({"reset": True})
    if name == "settings":
        # Public values only would be safer, but this is a local demo server on
        # loopback and these are generated, throw-away credentials.
        return json_response(sandbox.settings())
    return json_response({"error": f"unknown control endpoint {request.path}"}, 404)
