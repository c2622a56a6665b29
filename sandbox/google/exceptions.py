"""Google API errors as the model raises them: code, status and the message Google writes."""
from __future__ import annotations

from typing import Any, Optional


class GoogleApiError(Exception):
    """Serialised by the web layer as {"error": {"code", "message", "status"}}."""

    def __init__(self, code: int, status: str, message: str, details: Optional[list[dict[str, Any]]] = None) -> None:
        super().__init__(message)
        self.code = code
        self.status = status
        self.message = message
        self.details = details

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "message": self.message, "status": self.status}
        if self.details:
            error["details"] = self.details
        return {"error": error}


# The status names Google's error bodies carry, for the statuses a fault may inject.
FAULT_STATUS = {400: "INVALID_ARGUMENT", 429: "RESOURCE_EXHAUSTED", 500: "INTERNAL", 502: "UNAVAILABLE",
                503: "UNAVAILABLE", 504: "DEADLINE_EXCEEDED"}
PROJECT_NUMBER = "100000000001"


def not_found() -> GoogleApiError:
    return GoogleApiError(404, "NOT_FOUND", "Requested entity was not found.")


def permission_denied() -> GoogleApiError:
    return GoogleApiError(403, "PERMISSION_DENIED", "The caller does not have permission")


def invalid_argument(message: str) -> GoogleApiError:
    return GoogleApiError(400, "INVALID_ARGUMENT", message)


def bad_range(text: str) -> GoogleApiError:
    return invalid_argument(f"Unable to parse range: {text}")


def invalid_value(field: str, value: Any) -> GoogleApiError:
    """What Google says when a JSON field has the wrong type, e.g. "values": "X"."""
    import json

    message = f"Invalid value at '{field}' (type.googleapis.com/google.protobuf.ListValue), {json.dumps(value)}"
    details = [{"@type": "type.googleapis.com/google.rpc.BadRequest",
                "fieldViolations": [{"field": field, "description": message}]}]
    return GoogleApiError(400, "INVALID_ARGUMENT", message, details)


class DriveError(GoogleApiError):
    """Drive v3 writes its errors with an `errors` list and no `status`."""

    def __init__(self, code: int, reason: str, message: str, location: str = "fileId") -> None:
        super().__init__(code, "", message)
        self.reason = reason
        self.location = location

    def body(self) -> dict[str, Any]:
        detail = {"message": self.message, "domain": "global", "reason": self.reason,
                  "location": self.location, "locationType": "parameter"}
        return {"error": {"code": self.code, "message": self.message, "errors": [detail]}}


def drive_not_found(file_id: str) -> DriveError:
    return DriveError(404, "notFound", f"File not found: {file_id}.")


def quota_exceeded(write: bool, limit: int) -> GoogleApiError:
    """Sheets' 429 when a user's read or write requests per minute run out."""
    noun = "Write" if write else "Read"
    metric = "write_requests" if write else "read_requests"
    message = (f"Quota exceeded for quota metric '{noun} requests' and limit '{noun} requests per minute "
               f"per user' of service 'sheets.googleapis.com' for consumer 'project_number:{PROJECT_NUMBER}'.")
    details = [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "RATE_LIMIT_EXCEEDED",
                "domain": "googleapis.com",
                "metadata": {"quota_metric": f"sheets.googleapis.com/{metric}",
                             "quota_limit": f"{noun}RequestsPerMinutePerUser",
                             "quota_limit_value": str(limit),
                             "consumer": f"projects/{PROJECT_NUMBER}", "service": "sheets.googleapis.com"}}]
    return GoogleApiError(429, "RESOURCE_EXHAUSTED", message, details)


def fault(status: int) -> GoogleApiError:
    """An injected failure as Google answers that status."""
    if status == 429:
        return GoogleApiError(429, "RESOURCE_EXHAUSTED",
                              "Quota exceeded for quota metric 'Read requests' and limit "
                              "'Read requests per minute per user' of service 'sheets.googleapis.com'.")
    return GoogleApiError(status, FAULT_STATUS.get(status, "UNKNOWN"), "The service is currently unavailable.")
