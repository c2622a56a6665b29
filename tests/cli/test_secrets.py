"""Whatever fails, no key, token, access token or private key reaches the console or a log file."""
from __future__ import annotations

import json
from typing import Any

import requests

from tests.cli.conftest import Cli, issued_access_tokens, write_sheet

STATUS_COLUMN = 4


def inject(cli: Cli, rules: list[dict[str, Any]]) -> None:
    assert cli.sandbox is not None
    auth = cli.sandbox.control_headers()
    requests.delete(f"{cli.sandbox.url}/_sandbox/faults", timeout=5, headers=auth).raise_for_status()
    requests.post(f"{cli.sandbox.url}/_sandbox/faults", json={"rules": rules}, timeout=5,
                  headers=auth).raise_for_status()


def secrets_of(cli: Cli) -> list[str]:
    assert cli.sandbox is not None
    key_file = json.loads(cli.sandbox.key_path.read_text())
    private_lines = [line for line in key_file["private_key"].splitlines() if "-----" not in line]
    return [cli.env["TRELLO_API_KEY"], cli.env["TRELLO_TOKEN"], *private_lines,
            *issued_access_tokens(cli.sandbox)]


def leaked(text: str, secrets: list[str]) -> list[str]:
    found = [s[:8] + "..." for s in secrets if s and s in text]
    if "ya29." in text:
        found.append("ya29. access token")
    if "PRIVATE KEY-----" in text and "BEGIN" in text:
        found.append("PEM block")
    return found


def faulty_runs(cli: Cli) -> str:
    """Several runs, each with a different fault; their console output together.

    Faults answer with Retry-After: 0 where the service would send one, so the
    clients' retries cost no waiting.
    """
    token, key = cli.env["TRELLO_TOKEN"], cli.env["TRELLO_API_KEY"]
    outputs = [cli("sync").out]  # a good run first, so access tokens exist and links are made
    bearer = issued_access_tokens(cli.sandbox)[0]
    scenarios: list[tuple[list[dict[str, Any]], list[str]]] = [
        # Trello keeps failing card writes, and its error text echoes the credentials back.
        ([{"path": "/1/cards*", "method": "PUT", "status": 500, "times": 50, "retry_after": 0,
           "body": f"internal error for key={key}&token={token}"}], ["push", "sync"]),
        ([{"path": "/1/boards*", "status": 401, "times": 50, "body": f"invalid token {token}"}],
         ["sync", "doctor"]),
        # Google: the token endpoint refuses, the sheet drops the connection, a 500 quoting the bearer.
        ([{"path": "/token", "status": 400, "times": 50,
           "body": {"error": "invalid_grant", "error_description": f"bad assertion for {key}"}}],
         ["sync", "doctor"]),
        ([{"path": "/v4/spreadsheets*", "drop": True, "times": 50}], ["status"]),
        ([{"path": "/v4/spreadsheets*", "status": 500, "times": 50, "retry_after": 0,
           "body": {"error": {"code": 500, "message": f"Bearer {bearer}", "status": "INTERNAL"}}}],
         ["sync"]),
    ]
    for rules, commands in scenarios:
        # Every lead's status changed, so each run has card moves to attempt.
        for row in range(2, 8):
            write_sheet(cli.sandbox, row, STATUS_COLUMN, ["QUALIFIED" if len(outputs) % 2 else "CONTACTED"])
        inject(cli, rules)
        for command in commands:
            run = cli(command)
            assert run.code != 0, (rules, command, run.out)  # the fault really hit
            assert "Traceback" not in run.out, (rules, run.out)
            outputs.append(run.out)
    inject(cli, [])
    return "\n".join(outputs)


def test_no_secret_reaches_the_console_or_the_log_after_injected_faults(cli: Cli) -> None:
    cli.env["LOG_LEVEL"] = "DEBUG"  # library HTTP lines reach the log only when asked for
    console = faulty_runs(cli)
    secrets = secrets_of(cli)
    assert leaked(console, secrets) == []
    log = cli.log_text()
    assert "urllib3.connectionpool" in log  # library traffic is logged, so the check means something
    assert leaked(log, secrets) == []


def test_secrets_in_a_crash_traceback_stay_out_of_the_log(cli: Cli) -> None:
    # A 200 answer the client cannot parse: an unexpected error, logged with its traceback.
    token = cli.env["TRELLO_TOKEN"]
    inject(cli, [{"path": "/1/boards*", "status": 200, "times": 50, "body": f"not json {token}"}])
    run = cli("sync")
    assert "Traceback" not in run.out
    assert leaked(run.out + cli.log_text(), secrets_of(cli)) == []
