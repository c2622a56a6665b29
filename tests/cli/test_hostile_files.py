"""Hostile files and folders around a run: a sentence and exit 2 instead of 'Unexpected error'.

A full disk is simulated with /dev/full (every write to it fails with ENOSPC), reached through
a symbolic link where WorkLead writes; that needs no privileges and behaves the same as root.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.cli.conftest import Cli

DEV_FULL = Path("/dev/full")
needs_dev_full = pytest.mark.skipif(not DEV_FULL.exists(), reason="needs /dev/full to simulate a full disk")


def no_crash(out: str) -> bool:
    return "Unexpected error" not in out and "Traceback" not in out


def test_a_env_file_with_bytes_that_are_not_utf8_is_a_settings_error(cli: Cli) -> None:
    (cli.workdir / ".env").write_bytes(b"WORKSHEET=Caf\xe9\n")
    run = cli("sync")
    assert run.code == 2 and no_crash(run.out), run.out
    assert ".env is not UTF-8 text" in run.out


def test_a_key_file_whose_token_uri_is_not_text_is_a_settings_error(cli: Cli, tmp_path: Path) -> None:
    key = json.loads(Path(cli.env["GOOGLE_CREDENTIALS_PATH"]).read_text())
    bad = tmp_path / "bad-key.json"
    bad.write_text(json.dumps({**key, "token_uri": 42}))
    run = cli("sync", GOOGLE_CREDENTIALS_PATH=str(bad))
    assert run.code == 2 and no_crash(run.out), run.out
    assert "token_uri is not text" in run.out


def test_a_rate_limit_that_only_looks_like_a_digit_is_a_settings_error(cli: Cli) -> None:
    run = cli("sync", TRELLO_RATE_LIMIT="²")
    assert run.code == 2 and no_crash(run.out), run.out
    assert "TRELLO_RATE_LIMIT is '²'" in run.out


def test_status_reads_around_a_history_file_with_bytes_that_are_not_utf8(cli: Cli) -> None:
    assert cli("sync").code == 0
    history = cli.mapping_file.parent / "history.jsonl"
    history.write_bytes(history.read_bytes() + b'{"conflicts": ["caf\xe9"]\n\xff\xfe\n')
    run = cli("status")
    assert run.code == 0 and no_crash(run.out), run.out
    assert "Linked leads" in run.out


def blocked_by_a_file(cli: Cli) -> str:
    """The mapping folder's place taken by a file: no user, root included, can write there."""
    blocker = cli.workdir / "blocked"
    blocker.write_text("not a folder")
    return str(blocker / "mapping.json")


def blocked_by_permissions(cli: Cli) -> str:
    if os.geteuid() == 0:
        pytest.skip("root writes into a read-only folder; the file-in-the-way case covers root")
    folder = cli.workdir / "readonly"
    folder.mkdir()
    folder.chmod(0o500)
    return str(folder / "mapping.json")


@pytest.mark.parametrize("blocked", [blocked_by_permissions, blocked_by_a_file], ids=["read-only", "file-in-the-way"])
def test_a_data_folder_that_cannot_be_written_is_a_sentence_and_exit_2(cli: Cli, blocked) -> None:
    mapping = blocked(cli)
    run = cli("sync", MAPPING_FILE=mapping)
    assert run.code == 2 and no_crash(run.out), run.out
    assert "MAPPING_FILE" in run.out and "nothing was synced" in run.out


@pytest.mark.parametrize("kind", ["folder", "link-to-dev-null"])
def test_a_mapping_file_that_is_not_a_regular_file_is_refused_and_left_alone(cli: Cli, kind: str) -> None:
    target = cli.workdir / "odd"
    if kind == "folder":
        target.mkdir()
    else:
        target.symlink_to("/dev/null")
    for command in ("sync", "status"):
        run = cli(command, MAPPING_FILE=str(target))
        assert run.code == 2 and no_crash(run.out), run.out
        assert "not a regular file" in run.out
    assert target.is_dir() if kind == "folder" else os.readlink(target) == "/dev/null"
    assert [p.name for p in cli.workdir.iterdir()] == ["odd"]


def test_a_mapping_file_from_a_newer_version_is_refused_and_kept_as_it_is(cli: Cli) -> None:
    cli.mapping_file.parent.mkdir(parents=True)
    newer = json.dumps({"version": 99, "links": {}, "future": "format"})
    cli.mapping_file.write_text(newer)
    for command in ("sync", "status"):
        run = cli(command)
        assert run.code == 2 and no_crash(run.out), run.out
        assert "version 99" in run.out and "left untouched" in run.out
    assert cli.mapping_file.read_text() == newer
    assert sorted(p.name for p in cli.mapping_file.parent.iterdir()) == ["mapping.json", "mapping.json.lock"]


@needs_dev_full
def test_a_full_log_disk_is_one_warning_and_the_sync_carries_on(cli: Cli) -> None:
    from core.logger import log_file_path

    cli.log_dir.mkdir(parents=True)
    log_file_path(cli.log_dir).symlink_to(DEV_FULL)
    run = cli("sync")
    assert run.code == 0, run.out
    assert "--- Logging error ---" not in run.out and "Traceback" not in run.out
    assert run.out.count("cannot be written") == 1 and "carries on" in run.out
    assert "WARNING" not in run.out  # one style for warnings: the sentence alone
    assert "Created" in run.out


@needs_dev_full
def test_a_full_disk_for_the_history_is_a_warning_after_a_complete_sync(cli: Cli) -> None:
    cli.mapping_file.parent.mkdir(parents=True)
    (cli.mapping_file.parent / "history.jsonl").symlink_to(DEV_FULL)
    run = cli("sync")
    assert run.code == 0 and no_crash(run.out), run.out
    said = " ".join(run.out.split())  # the warning is wrapped under its bullet
    assert "This run was not added to" in said and "No space left on device" in said
    assert json.loads(cli.mapping_file.read_text())["sync_count"] == 1


def test_a_base_url_with_credentials_works_and_its_password_is_never_shown(cli: Cli) -> None:
    password = "S3cretProxyPass"
    urls = {name: cli.env[name].replace("http://", f"http://proxyuser:{password}@", 1)
            for name in ("GOOGLE_API_URL", "TRELLO_API_URL")}
    run = cli("sync", **urls)
    assert run.code == 0 and no_crash(run.out), run.out
    assert "Created" in run.out
    bad = cli("sync", GOOGLE_API_URL=urls["GOOGLE_API_URL"] + "?x=1")
    assert bad.code == 2 and "GOOGLE_API_URL" in bad.out and "http://***@" in bad.out, bad.out
    assert password not in run.out + bad.out + cli.log_text()


def test_a_log_dir_that_is_a_file_says_so(cli: Cli) -> None:
    not_a_folder = cli.workdir / "logs-file"
    not_a_folder.write_text("")
    run = cli("sync", LOG_DIR=str(not_a_folder))
    assert run.code == 2 and no_crash(run.out), run.out
    assert "it is a file, not a folder" in run.out and "LOG_DIR" in run.out
