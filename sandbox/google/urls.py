"""Google's paths: which handler answers each method and path of OAuth, Sheets v4 and Drive v3."""
from __future__ import annotations

from typing import Any, Callable

from sandbox.google.responses import GoogleResponses

# What the request log calls each API's requests.
OAUTH, SHEETS, DRIVE = "oauth", "sheets", "drive"
SID = r"/v4/spreadsheets/(?P<sid>[^/:]+)"
Handler = Callable[..., Any]
Routes = list[tuple[str, str, Handler]]


def oauth_paths(r: GoogleResponses) -> Routes:
    return [("POST", r"/token", r.token), ("POST", r"/oauth2/v4/token", r.token)]


def sheets_paths(r: GoogleResponses) -> Routes:
    return [
        ("GET", SID, r.get_spreadsheet),
        ("POST", SID + r":batchUpdate", r.batch_update),
        ("GET", SID + r"/developerMetadata/(?P<mid>[^/:]+)", r.developer_metadata_get),
        ("POST", SID + r"/developerMetadata:search", r.developer_metadata_search),
        ("GET", SID + r"/values:batchGet", r.values_batch_get),
        ("POST", SID + r"/values:batchUpdate", r.values_batch_update),
        ("POST", SID + r"/values:batchClear", r.values_batch_clear),
        ("POST", SID + r"/values/(?P<rng>.+):append", r.values_append),
        ("POST", SID + r"/values/(?P<rng>.+):clear", r.values_clear),
        ("GET", SID + r"/values/(?P<rng>.+)", r.values_get),
        ("PUT", SID + r"/values/(?P<rng>.+)", r.values_update),
    ]


def drive_paths(r: GoogleResponses) -> Routes:
    return [
        ("GET", r"/drive/v3/files", r.drive_list),
        ("POST", r"/drive/v3/files", r.drive_create),
        ("GET", r"/drive/v3/files/(?P<fid>[^/]+)", r.drive_get),
        ("DELETE", r"/drive/v3/files/(?P<fid>[^/]+)", r.drive_delete),
    ]
