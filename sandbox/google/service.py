"""The Google side of the sandbox as the server sees it: backend, routes, persistence, seed data."""
from __future__ import annotations

from typing import Any

from sandbox.google.exceptions import fault, not_found
from sandbox.google.models import GoogleBackend, Spreadsheet
from sandbox.google.responses.drive import DriveResponses
from sandbox.google.responses.oauth import OAuthResponses
from sandbox.google.responses.sheets import SheetsResponses
from sandbox.google.responses.values import ValuesResponses
from sandbox.google.urls import DRIVE, OAUTH, SHEETS, drive_paths, oauth_paths, sheets_paths
from sandbox.services import Context
from sandbox.web import Request, Response, Router, json_response

SPREADSHEET_TITLE = "WorkLead Leads"
WORKSHEET_TITLE = "Leads"
HEADER = ["id", "name", "email", "status", "source", "trello_card_id"]

DEMO_LEADS: list[tuple[str, str, str, str]] = [
    ("Maria Schneider", "maria.schneider@brightlane.de", "NEW", "Website"),
    ("James Okafor", "j.okafor@okafor-logistics.com", "CONTACTED", "Referral"),
    ("Sofia Lindqvist", "sofia@nordicpine.se", "QUALIFIED", "LinkedIn"),
    ("Daniel Novak", "daniel.novak@vltavasoft.cz", "NEW", "Trade show"),
    ("Priya Raman", "priya.raman@tealbridge.in", "CONTACTED", "Website"),
    ("Tom Becker", "tom@beckerbau.de", "LOST", "Referral"),
    ("Aiko Tanaka", "a.tanaka@hoshi-design.jp", "QUALIFIED", "Trade show"),
    ("Lucas Moreau", "lucas.moreau@atelier-moreau.fr", "NEW", "LinkedIn"),
    ("Emma Walsh", "emma.walsh@harbourfoods.ie", "CONTACTED", "Trade show"),
    ("Carlos Mendes", "carlos@mendes-consult.pt", "LOST", "Website"),
    ("Hannah Fischer", "hannah.fischer@gruenwerk.at", "QUALIFIED", "Referral"),
    ("Oliver Grant", "oliver.grant@grantandhale.co.uk", "NEW", "Website"),
]


class GoogleService:
    """Sheets v4, Drive v3 and the OAuth token endpoint over one backend."""

    name = "google"
    labels: tuple[str, ...] = (SHEETS, DRIVE, OAUTH)

    def __init__(self, context: Context) -> None:
        self.context = context
        self.backend = GoogleBackend()

    def register(self, router: Router) -> None:
        # The token endpoint answers for itself; the APIs need a bearer token, and Sheets counts its quota.
        for method, pattern, handler in oauth_paths(OAuthResponses(self.backend, self.context)):
            router.add(method, pattern, handler, OAUTH)
        sheets = SheetsResponses(self.backend, self.context)
        for method, pattern, handler in sheets_paths(sheets, ValuesResponses(self.backend, self.context)):
            router.add(method, pattern, sheets.api(handler, sheets_quota=True), SHEETS)
        drive = DriveResponses(self.backend, self.context)
        for method, pattern, handler in drive_paths(drive):
            router.add(method, pattern, drive.api(handler, sheets_quota=False), DRIVE)

    @staticmethod
    def fault_body(status: int) -> Any:
        return fault(status).body()

    @staticmethod
    def not_found(request: Request) -> Response:
        return json_response(not_found().body(), 404)

    def to_dict(self) -> dict[str, Any]:
        return self.backend.to_dict()

    def load(self, data: dict[str, Any]) -> None:
        self.backend.load(data)

    def clear(self) -> None:
        """One spreadsheet shared with the service account: a Leads sheet holding the header row."""
        self.backend.clear()
        self.backend.add_spreadsheet(self.context.creds.spreadsheet_id, SPREADSHEET_TITLE,
                                   [self.context.creds.service_account_email],
                                   {WORKSHEET_TITLE: [list(HEADER)]}, now=self.context.now())

    def seed_demo(self) -> None:
        rows = [[str(i), name, email, status, source, ""]
                for i, (name, email, status, source) in enumerate(DEMO_LEADS, start=1)]
        sheet = self.lead_spreadsheet().first_sheet()
        sheet.write(1, 0, rows)  # type: ignore[arg-type]
        self.context.mark_dirty()

    def lead_spreadsheet(self) -> Spreadsheet:
        return self.backend.spreadsheets[self.context.creds.spreadsheet_id]
