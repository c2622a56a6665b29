"""Local stand-ins of the Google Sheets (with OAuth2 and Drive) and Trello APIs."""
from sandbox.app import Sandbox

__all__ = ["Sandbox"]
