"""Drive v3 files, as far as gspread uses them: a spreadsheet is a file to find, create and delete."""
from __future__ import annotations

import re
from typing import Any, Optional

from sandbox.google.exceptions import drive_not_found, invalid_argument
from sandbox.google.fields import apply_mask, parse_mask
from sandbox.google.responses import Handlers, query_arg
from sandbox.google.serializers import SPREADSHEET_MIME, drive_fields, drive_file_json
from sandbox.web import Request, Response


class DriveResponses(Handlers):
    """Drive files: get, list, create, delete."""

    def drive_get(self, request: Request, email: str, fid: str) -> Any:
        book = self.backend.spreadsheets.get(fid)
        if book is None or not book.is_shared_with(email):
            raise drive_not_found(fid)
        return drive_fields(drive_file_json(book), query_arg(request, "fields"), ("kind", "id", "name", "mimeType"))

    def drive_list(self, request: Request, email: str) -> Any:
        query = query_arg(request, "q")
        name = _query_term(query, "name")
        mime = _query_term(query, "mimeType")
        books = self.backend.find_by_name(email, name)
        files = [drive_file_json(b) for b in books if mime in (None, SPREADSHEET_MIME)]
        body = {"kind": "drive#fileList", "incompleteSearch": False, "files": files}
        fields = query_arg(request, "fields")
        if not fields:
            keep = ("kind", "id", "name", "mimeType")
            body["files"] = [{k: f[k] for k in keep} for f in files]
            return body
        return apply_mask(body, parse_mask(fields))

    def drive_create(self, request: Request, email: str) -> Any:
        body = request.json()
        if body.get("mimeType") not in (None, SPREADSHEET_MIME):
            raise invalid_argument("The sandbox only creates Google Sheets files.")
        book = self.backend.add_spreadsheet(title=str(body.get("name") or "Untitled spreadsheet"),
                                            shared_with=[email], now=self.context.now())
        self.context.mark_dirty()
        return drive_fields(drive_file_json(book), query_arg(request, "fields"), ("kind", "id", "name", "mimeType"))

    def drive_delete(self, request: Request, email: str, fid: str) -> Any:
        book = self.backend.spreadsheets.get(fid)
        if book is None or not book.is_shared_with(email):
            raise drive_not_found(fid)
        self.backend.delete_spreadsheet(fid)
        self.context.mark_dirty()
        return Response(204, b"", "application/json; charset=utf-8")


def _query_term(query: str, name: str) -> Optional[str]:
    m = re.search(name + r"\s*=\s*(['\"])(.*?)\1", query)
    return m.group(2) if m else None
