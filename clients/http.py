"""The one place that builds HTTP sessions for gspread and py-trello.

Both sessions route their service's hosts to a configured base URL (the real
service or the sandbox: same paths), put a timeout on every request, retry
what is safe to retry, and log each attempt without secrets. The Trello
session also moves the key and token out of the URL into the Authorization
header and paces itself from Trello's rate headers across threads (clients/pacing.py).
"""
from __future__ import annotations

import base64
import contextlib
import email.utils
import hashlib
import logging
import threading
import time
from pathlib import Path
from typing import Any, Callable, Iterator, Optional, Self
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

import gspread
import requests
from google.auth.transport.requests import AuthorizedSession, Request
from google.oauth2 import service_account
from trello import TrelloClient
from urllib3.exceptions import ConnectTimeoutError, MaxRetryError, NewConnectionError

from clients.pacing import Pacer, RatePacer
from clients.quota import QUOTA_FILE, SharedQuota, quota_bucket
from core.config import RetryPolicy, Settings
from core.control import BACKOFF, RETRY, RunControl, Wait
from core.errors import ServiceUnavailableError

log = logging.getLogger("worklead.http")

GOOGLE_SCOPES = (
    "https://www.googleapis.com/auth/spreadsheets",
    # files.get modifiedTime, for `watch`; nothing else of Drive is used.
    "https://www.googleapis.com/auth/drive.metadata.readonly",
)
DEFAULT_TIMEOUT = (5.0, 30.0)  # (connect, read) seconds
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
RETRY_STATUSES = frozenset({500, 502, 503, 504})
# Query parameters that are credentials and must never be sent in a URL or logged.
SECRET_PARAMS = frozenset({"key", "token", "access_token", "assertion", "client_secret"})


_limiters: dict[tuple[str, int, float], RatePacer] = {}
_limiters_lock = threading.Lock()


def shared_limiter(token: str, limit: int, window: float) -> RatePacer:
    """One pacer per token: Trello counts per token, whichever session sends."""
    with _limiters_lock:
        key = (hashlib.sha256(token.encode()).hexdigest(), limit, window)
        if key not in _limiters:
            _limiters[key] = RatePacer(limit, window)
        return _limiters[key]


_sheets_quotas: dict[tuple[Optional[Path], str, int, float], tuple[SharedQuota, SharedQuota]] = {}


def sheets_quota(settings: Settings, user: str) -> tuple[SharedQuota, SharedQuota]:
    """The (reads, writes) quotas of one Google user (and server), shared by every process of the folder."""
    limit, window = settings.sheets_quota
    path = settings.mapping_file.parent / QUOTA_FILE
    bucket = quota_bucket(user, settings.google_api_url)
    key = (path, bucket, limit, window)
    with _limiters_lock:
        if key not in _sheets_quotas:
            _sheets_quotas[key] = (SharedQuota(path, f"{bucket}:reads", limit, window),
                                   SharedQuota(path, f"{bucket}:writes", limit, window))
        return _sheets_quotas[key]


def redact_url(url: str) -> str:
    """The URL with credential query parameters removed, for logs and messages."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in SECRET_PARAMS]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), ""))


def split_credentials(base_url: Optional[str]) -> tuple[Optional[str], str]:
    """`http://user:pass@host/x` as (`http://host/x`, 'user:pass'); the URL alone when it has none."""
    if not base_url:
        return base_url, ""
    parts = urlsplit(base_url)
    if "@" not in parts.netloc:
        return base_url, ""
    userinfo, host = parts.netloc.rsplit("@", 1)
    user, _, password = userinfo.partition(":")
    return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment)), \
        f"{unquote(user)}:{unquote(password)}"


def route(url: str, base_url: Optional[str], owns_host: Callable[[str], bool]) -> str:
    """Send a service URL to `base_url` instead, keeping path and query."""
    if not base_url:
        return url
    parts = urlsplit(url)
    if not owns_host(parts.hostname or ""):
        return url
    base = urlsplit(base_url)
    return urlunsplit((base.scheme, base.netloc, base.path.rstrip("/") + parts.path, parts.query, parts.fragment))


def is_google_host(host: str) -> bool:
    return host == "googleapis.com" or host.endswith(".googleapis.com")


def is_trello_host(host: str) -> bool:
    return host == "api.trello.com"


def google_post_is_safe(url: str) -> bool:
    """Which Google POSTs may be repeated after an ambiguous failure.

    values:batchUpdate writes the same values again (same result); the OAuth
    token POST only mints another token. spreadsheets :batchUpdate is not:
    a repeated deleteDimension deletes the next rows too. values:append
    appends twice.
    """
    path = urlsplit(url).path
    return path.endswith("/values:batchUpdate") or path.endswith("/token")


def sent_nothing(exc: requests.RequestException) -> bool:
    """True when the request never left: the connection could not be opened."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    reason = exc.args[0] if exc.args else None
    if isinstance(reason, MaxRetryError):
        reason = reason.reason
    return isinstance(reason, (NewConnectionError, ConnectTimeoutError))


def not_json(service: str, setting: str, exc: ValueError) -> ServiceUnavailableError:
    """A 2xx answer that is not the API's JSON: say what came back (a proxy's or Wi-Fi sign-in page, usually)."""
    doc = str(getattr(exc, "doc", "") or "").lstrip()
    what = "an HTML page" if doc[:1] == "<" else "text that is not JSON" if doc else "an empty answer"
    return ServiceUnavailableError(
        f"{service} answered with {what} instead of its API's JSON: check {setting} if it is set, and "
        f"whatever sits between this machine and {service} (a proxy, a Wi-Fi sign-in page), then try again.")


def retry_after(response: requests.Response) -> Optional[float]:
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:  # the other form RFC 9110 allows: an HTTP date
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


class ServiceSession(requests.Session):
    """Routing, default timeout, safe retries and secret-free logging for one service.

    Configured after construction (`configure`), because AuthorizedSession
    calls `Session.__init__()` without arguments through the MRO.
    """

    base_url: Optional[str] = None
    owns_host: Callable[[str], bool] = staticmethod(lambda host: False)
    post_is_safe: Callable[[str], bool] = staticmethod(lambda url: False)
    policy: RetryPolicy = RetryPolicy()
    limiter: Optional[RatePacer] = None
    service: str = "the service"
    # Every wait goes through the run's control: Ctrl-C ends it, and a long one is shown.
    control: RunControl = RunControl()
    _local = threading.local()

    @contextlib.contextmanager
    def refusals_handed_back(self) -> Iterator[None]:
        """Within this block a 429 comes back at once instead of being waited out and sent again.

        For writes placed by row number: after a wait the rows may have moved, so the
        caller re-reads and places the write again rather than repeating it as it was.
        """
        self._local.hand_back = True
        try:
            yield
        finally:
            self._local.hand_back = False

    @contextlib.contextmanager
    def despite_stop(self) -> Iterator[None]:
        """Within this block requests are sent even after a stop request (Ctrl-C).

        For the one request a stopping run still owes: releasing its hold on the sheet and
        board, which would otherwise keep every other run out until it expires.
        """
        self._local.despite_stop = True
        try:
            yield
        finally:
            self._local.despite_stop = False

    def configure(self, base_url: Optional[str], owns_host: Callable[[str], bool],
                  post_is_safe: Callable[[str], bool], policy: RetryPolicy,
                  limiter: Optional[RatePacer] = None, service: str = "the service",
                  control: Optional[RunControl] = None) -> Self:
        self.base_url, credentials = split_credentials(base_url)
        if credentials:
            # The Authorization header carries the service's own credentials (Google's
            # bearer token, Trello's key and token), so the URL's are for the host in between.
            self.headers["Proxy-Authorization"] = f"Basic {base64.b64encode(credentials.encode()).decode()}"
        self.owns_host = owns_host
        self.post_is_safe = post_is_safe
        self.limiter = limiter
        self.policy = policy
        self.service = service
        self.control = control or RunControl()
        # Routed requests must not pick up proxies meant for the real hosts.
        self.trust_env = base_url is None
        return self

    def prepare_call(self, method: str, url: str, kwargs: dict[str, Any]) -> str:
        """Hook for subclasses to adjust URL and arguments before sending."""
        return url

    def request(self, method: str, url: str, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        method = method.upper()
        url = route(self.prepare_call(method, url, kwargs), self.base_url, self.owns_host)
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = DEFAULT_TIMEOUT
        may_repeat = method in IDEMPOTENT_METHODS or (method == "POST" and self.post_is_safe(url))
        attempt = 0
        while True:
            attempt += 1
            try:
                response = self._send_once(method, url, attempt, kwargs)
            except requests.RequestException as exc:
                if attempt >= self.policy.attempts or not (may_repeat or sent_nothing(exc)):
                    raise
                self.control.sleep(Wait(self.service, BACKOFF, self.policy.backoff(attempt)))
                continue
            delay = self._retry_delay(response, attempt, may_repeat, self.pacer_for(method, url))
            if delay is None:
                return response
            response.close()
            told = response.status_code == 429 or response.headers.get("Retry-After")
            kind = RETRY if told else BACKOFF
            self.control.sleep(Wait(self.service, kind, delay))

    def _send_once(self, method: str, url: str, attempt: int, kwargs: dict[str, Any]) -> requests.Response:
        control = None if getattr(self._local, "despite_stop", False) else self.control
        if control is not None:
            control.check()  # once a stop is asked for, no new request starts
        pacer = self.pacer_for(method, url)
        slot = pacer.acquire(control, self.service) if pacer else None
        try:
            response = super().request(method, url, **kwargs)
        except requests.RequestException as exc:
            if slot is not None and pacer is not None:
                pacer.release(slot)
            log.debug("%s %s -> %s (attempt %d)", method, redact_url(url), type(exc).__name__, attempt)
            raise
        if slot is not None and pacer is not None:
            pacer.release(slot, response.headers)
        log.debug("%s %s -> %d (attempt %d)", method, redact_url(url), response.status_code, attempt)
        return response

    def pacer_for(self, method: str, url: str) -> Optional[Pacer]:
        """The pacer this request counts against, if any."""
        return self.limiter

    def _retry_delay(self, response: requests.Response, attempt: int, may_repeat: bool,
                     pacer: Optional[Pacer]) -> Optional[float]:
        """Seconds to wait before trying again, or None to hand the response back."""
        status = response.status_code
        wait = retry_after(response)
        # A refusal without Retry-After: the pacer, from the rate headers or its own count, holds the
        # next request until the window frees (whether this one is tried again here or by the caller).
        paced = pacer.refused(response.headers) if status == 429 and wait is None and pacer else None
        if attempt >= self.policy.attempts:
            return None
        if status == 429 and getattr(self._local, "hand_back", False):
            return None
        if status == 429:  # refused before any work was done: safe for every method
            if wait is None:
                return paced if paced is not None else self.policy.backoff(attempt)
            return wait if wait <= self.policy.max_retry_after else None
        if status in RETRY_STATUSES and may_repeat:
            return min(wait, self.policy.max_retry_after) if wait is not None else self.policy.backoff(attempt)
        return None


class GoogleSession(AuthorizedSession, ServiceSession):
    """gspread's session: adds the bearer token (AuthorizedSession), then routes, paces and retries.

    Sheets allows each user 60 reads and 60 writes a minute; Google sends no rate
    headers, so those fixed windows, counted across the folder's processes
    (clients/quota.py), pace every Sheets request (Drive and the token endpoint have
    quotas of their own). A wait for them is reported like any other.
    """

    sheets_quota: Optional[tuple[Pacer, Pacer]] = None  # (reads, writes)

    def pacer_for(self, method: str, url: str) -> Optional[Pacer]:
        if self.sheets_quota is None or "/v4/spreadsheets" not in urlsplit(url).path:
            return None
        reads, writes = self.sheets_quota
        return reads if method.upper() in ("GET", "HEAD") else writes

    def writes_held_for(self) -> float:
        """Seconds until a quota refusal of a write stops holding writes (0 when none holds them)."""
        writes = self.sheets_quota[1] if self.sheets_quota is not None else None
        return writes.held_for() if isinstance(writes, SharedQuota) else 0.0


class TrelloSession(ServiceSession):
    """py-trello's `http_service`: credentials only in the Authorization header."""

    def __init__(self, api_key: str, token: str) -> None:
        super().__init__()
        self._authorization = f'OAuth oauth_consumer_key="{api_key}", oauth_token="{token}"'

    def prepare_call(self, method: str, url: str, kwargs: dict[str, Any]) -> str:
        # py-trello sends key/token as query parameters, and List.list_cards'
        # mutable default carries them from call to call: strip them wherever they are.
        params = kwargs.get("params")
        if params:
            kwargs["params"] = {k: v for k, v in dict(params).items() if k not in ("key", "token")}
        parts = urlsplit(url)
        query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in ("key", "token")]
        url = urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), parts.fragment))
        kwargs.pop("auth", None)
        kwargs["headers"] = {**(kwargs.get("headers") or {}), "Authorization": self._authorization}
        return url


def google_credentials(settings: Settings) -> service_account.Credentials:
    """The service-account credentials (raises ValueError/OSError on a bad key file)."""
    return service_account.Credentials.from_service_account_file(
        str(settings.google_credentials_path), scopes=list(GOOGLE_SCOPES))


def build_google_session(settings: Settings, credentials: Optional[service_account.Credentials] = None,
                         control: Optional[RunControl] = None) -> GoogleSession:
    """An authorised session for gspread; the token request is routed and retried too."""
    credentials = credentials or google_credentials(settings)
    control = control or RunControl()
    token_session = ServiceSession().configure(settings.google_api_url, is_google_host, google_post_is_safe,
                                               settings.retry_policy, service="Google", control=control)
    session = GoogleSession(credentials, auth_request=Request(session=token_session))
    session.configure(settings.google_api_url, is_google_host, google_post_is_safe, settings.retry_policy,
                      service="Google", control=control)
    session.sheets_quota = sheets_quota(settings, credentials.service_account_email)
    return session


def build_trello_session(settings: Settings, control: Optional[RunControl] = None) -> TrelloSession:
    """The session py-trello sends through (`TrelloClient(..., http_service=session)`)."""
    session = TrelloSession(settings.trello_api_key, settings.trello_token)
    limiter = shared_limiter(settings.trello_token, settings.trello_rate_limit, settings.trello_rate_window)
    # No POST is repeated after an ambiguous failure: a second card would appear.
    return session.configure(settings.trello_api_url, is_trello_host, lambda url: False, settings.retry_policy,
                             limiter, service="Trello", control=control)


def gspread_client(settings: Settings, session: Optional[GoogleSession] = None) -> gspread.Client:
    """A gspread client for any script (and GoogleSheet), through this session factory."""
    session = session or build_google_session(settings)
    return gspread.Client(auth=session.credentials, session=session)


def trello_client(settings: Settings, session: Optional[TrelloSession] = None) -> TrelloClient:
    """A py-trello client for any script (and TrelloBoard), through this session factory.

    The key and token reach Trello only in the session's Authorization header;
    the client's own key and secret only feed query parameters the session strips.
    """
    return TrelloClient(api_key="", api_secret="", http_service=session or build_trello_session(settings))

