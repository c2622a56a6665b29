"""Fixtures of the sandbox tests."""
from tests.sandbox.trello_support import client

__all__ = ["client"]
