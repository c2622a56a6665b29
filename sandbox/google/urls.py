"""Google's paths: which handler answers each method and path of OAuth, Sheets v4 and Drive v3."""
from __future__ import annotations

from typing import Any, Callable

from sandbox.google.responses.drive import DriveResponses
from sandbox.google.responses.oauth import OAuthResponses
from sandbox.google.responses.sheets import SheetsResponses
from sandbox.google.responses.values import ValuesResponses

# What the request log calls each API's requests.
OAUTH, SHEETS, DRIVE = "oauth", "sheets", "drive"
SID = r"/v4/spreadsheets/(?P<sid>[^/:]+)"
Handler = Callable[..., Any]
Routes = list[tuple[str, str, Handler]]


def oauth_paths(oauth: OAuthResponses) -> Routes:
    return [("POST", r"/token", oauth.token), ("POST", r"/oauth2/v4/token", oauth.token)]


def sheets_paths(sheets: SheetsResponses, values: ValuesResponses) -> Routes:
    return [
        ("GET", SID, sheets.get_spreadsheet),
        ("POST", SID + r":batchUpdate", sheets.batch_update),
        ("GET", SID + r"/developerMetadata/(?P<mid>[^/:]+)", sheets.developer_metadata_get),
        ("POST", SID + r"/developerMetadata:search", sheets.developer_metadata_search),
        ("GET", SID + r"/values:batchGet", values.values_batch_get),
        ("POST", SID + r"/values:batchUpdate", values.values_batch_update),
        ("POST", SID + r"/values:batchClear", values.values_batch_clear),
        ("POST", SID + r"/values/(?P<rng>.+):append", values.values_append),
        ("POST", SID + r"/values/(?P<rng>.+):clear", values.values_clear),
        ("GET", SID + r"/values/(?P<rng>.+)", values.values_get),
        ("PUT", SID + r"/values/(?P<rng>.+)", values.values_update),
    ]


def drive_paths(drive: DriveResponses) -> Routes:
    return [
        ("GET", r"/drive/v3/files", drive.drive_list),
        ("POST", r"/drive/v3/files", drive.drive_create),
        ("GET", r"/drive/v3/files/(?P<fid>[^/]+)", drive.drive_get),
        ("DELETE", r"/drive/v3/files/(?P<fid>[^/]+)", drive.drive_delete),
    ]
