"""Developer metadata of one spreadsheet, as plain data: create, delete, look up. No HTTP here.

Entries are kept in the API's own JSON shape (DeveloperMetadata). A metadataId is
unique within the spreadsheet: a create with an id in use fails, which is what
lets a fixed id serve as a lock.
"""
from __future__ import annotations

import random
from typing import Any, Optional

from sandbox.google.exceptions import GoogleApiError, invalid_argument

VISIBILITIES = ("DOCUMENT", "PROJECT")
MAX_ID = 2**31 - 1


def create(store: dict[int, dict[str, Any]], spec: dict[str, Any], sheet_ids: set[int]) -> dict[str, Any]:
    """A new entry from a createDeveloperMetadata request's `developerMetadata`."""
    key = spec.get("metadataKey")
    if not key:
        raise invalid_argument("Developer metadata must always have a key specified.")
    visibility = spec.get("visibility")
    if visibility not in VISIBILITIES:
        raise invalid_argument("Developer metadata must always have a visibility specified.")
    metadata_id = _metadata_id(spec.get("metadataId"), store)
    entry: dict[str, Any] = {"metadataId": metadata_id, "metadataKey": str(key)}
    if spec.get("metadataValue") is not None:
        entry["metadataValue"] = str(spec["metadataValue"])
    entry["location"] = _location(spec.get("location"), sheet_ids)
    entry["visibility"] = visibility
    store[metadata_id] = entry
    return entry


def delete(store: dict[int, dict[str, Any]], data_filter: dict[str, Any]) -> list[dict[str, Any]]:
    """Remove the entries the filter selects; none selected is not an error."""
    gone = [entry for entry in store.values() if matches(entry, data_filter)]
    for entry in gone:
        del store[entry["metadataId"]]
    return gone


def search(store: dict[int, dict[str, Any]], filters: list[dict[str, Any]]) -> list[dict[str, Any]]:
    found = []
    for entry in sorted(store.values(), key=lambda e: e["metadataId"]):
        matched = [f for f in filters if matches(entry, f)]
        if matched:
            found.append({"developerMetadata": entry, "dataFilters": matched})
    return found


def get(store: dict[int, dict[str, Any]], metadata_id: str) -> dict[str, Any]:
    try:
        entry = store.get(int(metadata_id))
    except ValueError:
        entry = None
    if entry is None:
        raise GoogleApiError(404, "NOT_FOUND", f"No developer metadata with ID {metadata_id}.")
    return entry


def matches(entry: dict[str, Any], data_filter: dict[str, Any]) -> bool:
    """A DataFilter's developerMetadataLookup against one entry (other filter kinds select nothing here)."""
    lookup = data_filter.get("developerMetadataLookup")
    if not isinstance(lookup, dict):
        return False
    checks = {"metadataId": entry["metadataId"], "metadataKey": entry["metadataKey"],
              "metadataValue": entry.get("metadataValue"), "visibility": entry["visibility"],
              "locationType": entry["location"]["locationType"]}
    for name, actual in checks.items():
        if name in lookup and lookup[name] != actual:
            return False
    where = lookup.get("metadataLocation")
    if isinstance(where, dict):
        location = entry["location"]
        if where.get("spreadsheet") and location["locationType"] != "SPREADSHEET":
            return False
        if "sheetId" in where and location.get("sheetId") != where["sheetId"]:
            return False
    return True


def _metadata_id(value: Any, store: dict[int, dict[str, Any]]) -> int:
    if value is None:
        while True:
            candidate = random.randint(1, MAX_ID)
            if candidate not in store:
                return candidate
    try:
        metadata_id = int(value)
    except (TypeError, ValueError):
        raise invalid_argument(f"Invalid value at 'requests[0].create_developer_metadata.developer_metadata."
                               f"metadata_id' (TYPE_INT32), \"{value}\"") from None
    if metadata_id <= 0:
        raise invalid_argument("Developer metadata ID must be positive.")
    if metadata_id in store:
        raise invalid_argument(f"Developer metadata with ID {metadata_id} already exists.")
    return metadata_id


def _location(spec: Optional[dict[str, Any]], sheet_ids: set[int]) -> dict[str, Any]:
    if not isinstance(spec, dict) or not spec:
        raise invalid_argument("Developer metadata must always have a location specified.")
    if spec.get("spreadsheet"):
        return {"locationType": "SPREADSHEET", "spreadsheet": True}
    if "sheetId" in spec:
        sheet_id = int(spec["sheetId"])
        if sheet_id not in sheet_ids:
            raise invalid_argument(f"No grid with id: {sheet_id}")
        return {"locationType": "SHEET", "sheetId": sheet_id}
    if isinstance(spec.get("dimensionRange"), dict):
        rng = spec["dimensionRange"]
        kind = "ROW" if rng.get("dimension", "ROWS") == "ROWS" else "COLUMN"
        return {"locationType": kind, "dimensionRange": rng}
    raise invalid_argument("Developer metadata must always have a location specified.")
