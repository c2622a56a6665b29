"""What the sandbox generates on first start and recognises from then on: keys, ids, tokens."""
from __future__ import annotations

import json
import secrets as pysecrets
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from sandbox.folder import atomic_write
from sandbox.guard import new_token

SERVICE_ACCOUNT_EMAIL = "worklead-demo@worklead-sandbox.iam.gserviceaccount.com"
CREDENTIALS_FILE = "credentials.json"


@dataclass
class Credentials:
    """What the sandbox generated on first start and recognises from then on."""

    service_account_email: str
    private_key_id: str
    public_key_pem: str
    trello_key: str
    trello_token: str
    spreadsheet_id: str
    board_id: str
    # For the control endpoints and the web view (files from before it existed get one on load).
    sandbox_token: str = ""

    @classmethod
    def generate(cls, key_path: Path, token_uri: str) -> "Credentials":
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        private_pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()
        public_pem = key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode()
        creds = cls(service_account_email=SERVICE_ACCOUNT_EMAIL, private_key_id=pysecrets.token_hex(20),
                    public_key_pem=public_pem, **new_ids())
        creds.write_key_file(key_path, private_pem, token_uri)
        return creds

    def write_key_file(self, key_path: Path, private_pem: str, token_uri: str) -> None:
        info = {
            "type": "service_account",
            "project_id": "worklead-sandbox",
            "private_key_id": self.private_key_id,
            "private_key": private_pem,
            "client_email": self.service_account_email,
            "client_id": "100000000000000000001",
            "auth_uri": "https://accounts.google.com/o/oauth2/auth",
            "token_uri": token_uri,
        }
        atomic_write(key_path, json.dumps(info, indent=2), mode=0o600)


def new_ids() -> dict[str, str]:
    """Fresh Trello credentials, spreadsheet and board ids and sandbox token (everything but the RSA key)."""
    return {"trello_key": pysecrets.token_hex(16), "trello_token": "ATTA" + pysecrets.token_hex(32),
            "spreadsheet_id": "1" + pysecrets.token_urlsafe(32)[:43], "board_id": _hex_id(),
            "sandbox_token": new_token()}


def _hex_id() -> str:
    return f"{int(time.time()):08x}" + pysecrets.token_hex(8)


def load_or_create(data_dir: Path, key_path: Path, token_uri: str) -> Credentials:
    """The folder's credentials, generated (with the key file) on first use."""
    path = data_dir / CREDENTIALS_FILE
    if path.exists() and key_path.exists():
        creds = Credentials(**json.loads(path.read_text(encoding="utf-8")))
        if creds.sandbox_token:
            return creds
        creds.sandbox_token = new_token()
    else:
        creds = Credentials.generate(key_path, token_uri)
    atomic_write(path, json.dumps(asdict(creds), indent=2), mode=0o600)
    return creds

def point_key_at(key_path: Path, token_uri: str) -> None:
    """The key file names this run's token endpoint (the port may change between runs)."""
    info = json.loads(key_path.read_text(encoding="utf-8"))
    if info.get("token_uri") != token_uri:
        info["token_uri"] = token_uri
        atomic_write(key_path, json.dumps(info, indent=2), mode=0o600)
