"""OAuth2 for the sandbox: the JWT-bearer token endpoint and the bearer check on API calls."""
from __future__ import annotations

import base64
import json
from typing import Any, Optional

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from sandbox.google.exceptions import GoogleApiError
from sandbox.google.models import GoogleBackend

JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
MAX_LIFETIME = 3600
CLOCK_SKEW = 300

_HELP = ("Expected OAuth 2 access token, login cookie or other valid authentication credential. "
         "See https://developers.google.com/identity/sign-in/web/devconsole-project.")
MISSING_CREDENTIALS = "Request is missing required authentication credential. " + _HELP
INVALID_CREDENTIALS = "Request had invalid authentication credentials. " + _HELP


class TokenError(Exception):
    """The token endpoint's refusal: {"error", "error_description"} with status 400."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(description)
        self.error = error
        self.description = description

    def body(self) -> dict[str, str]:
        return {"error": self.error, "error_description": self.description}


class TokenIssuer:
    """Exchanges a signed service-account assertion for an access token."""

    def __init__(self, backend: GoogleBackend, email: str, public_key_pem: str) -> None:
        self.backend = backend
        self.email = email
        key = serialization.load_pem_public_key(public_key_pem.encode())
        assert isinstance(key, rsa.RSAPublicKey)
        self.public_key = key

    def exchange(self, form: dict[str, Any], now: float) -> dict[str, Any]:
        grant_type = form.get("grant_type")
        if grant_type != JWT_BEARER:
            raise TokenError("unsupported_grant_type", f"Invalid grant_type: {grant_type or ''}")
        assertion = form.get("assertion")
        if not assertion:
            raise TokenError("invalid_request", "Missing required parameter: assertion")
        claims = self._verified_claims(str(assertion))
        self._check_claims(claims, now)
        token = self.backend.issue_token(self.email, now)
        return {"access_token": token, "expires_in": int(MAX_LIFETIME - 1), "token_type": "Bearer"}

    def _verified_claims(self, assertion: str) -> dict[str, Any]:
        try:
            header_b64, payload_b64, signature_b64 = assertion.split(".")
            header = json.loads(_b64decode(header_b64))
            claims = json.loads(_b64decode(payload_b64))
            signature = _b64decode(signature_b64)
        except (ValueError, json.JSONDecodeError):
            raise TokenError("invalid_grant", "Invalid JWT: Failed audience check.") from None
        if header.get("alg") != "RS256":
            raise TokenError("invalid_grant", "Invalid JWT Signature.")
        try:
            self.public_key.verify(signature, f"{header_b64}.{payload_b64}".encode(),
                                   padding.PKCS1v15(), hashes.SHA256())
        except InvalidSignature:
            raise TokenError("invalid_grant", "Invalid JWT Signature.") from None
        if not isinstance(claims, dict):
            raise TokenError("invalid_grant", "Invalid JWT Signature.")
        return claims

    def _check_claims(self, claims: dict[str, Any], now: float) -> None:
        if claims.get("iss") != self.email:
            raise TokenError("invalid_grant", "Invalid grant: account not found")
        audience = str(claims.get("aud", ""))
        if not audience.endswith("/token"):
            raise TokenError("invalid_grant", "Invalid JWT: Failed audience check. "
                                              "The expected audience is the token endpoint.")
        try:
            issued, expires = float(claims["iat"]), float(claims["exp"])
        except (KeyError, TypeError, ValueError):
            raise TokenError("invalid_grant", _TIMEFRAME) from None
        if expires <= now or issued > now + CLOCK_SKEW or expires - issued > MAX_LIFETIME:
            raise TokenError("invalid_grant", _TIMEFRAME)


_TIMEFRAME = ("Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. "
              "Check your iat and exp values in the JWT claim.")


def bearer_email(backend: GoogleBackend, authorization: str, now: float) -> str:
    """The service-account e-mail behind an `Authorization: Bearer` header, else a 401."""
    scheme, _, token = authorization.strip().partition(" ")
    if not authorization.strip() or scheme.lower() != "bearer" or not token.strip():
        raise GoogleApiError(401, "UNAUTHENTICATED", MISSING_CREDENTIALS)
    email: Optional[str] = backend.token_owner(token.strip(), now)
    if email is None:
        raise GoogleApiError(401, "UNAUTHENTICATED", INVALID_CREDENTIALS)
    return email


def _b64decode(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
