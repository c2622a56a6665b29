"""Local stand-ins of the Google Sheets (with OAuth2 and Drive) and Trello APIs."""
from sandbox.app import Sandbox
from sandbox.folder import SandboxBusy, running_in

__all__ = ["Sandbox", "SandboxBusy", "running_in"]
