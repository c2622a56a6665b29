"""The OAuth2 token endpoint: a service account's signed JWT in, an access token out."""
from __future__ import annotations

from sandbox.google.auth import TokenError, TokenIssuer
from sandbox.google.models import GoogleBackend
from sandbox.google.responses import Handlers
from sandbox.services import Context
from sandbox.web import Request, Response, json_response


class OAuthResponses(Handlers):
    """The token endpoint (/token, and Google's own /oauth2/v4/token path)."""

    def __init__(self, backend: GoogleBackend, context: Context) -> None:
        super().__init__(backend, context)
        self.issuer = TokenIssuer(backend, context.creds.service_account_email, context.creds.public_key_pem)

    def token(self, request: Request) -> Response:
        try:
            body = self.issuer.exchange(request.body_fields(), self.context.now())
        except TokenError as err:
            return json_response(err.body(), 400)
        self.context.mark_dirty()
        return json_response(body)
