"""The native stack's run directory and command line, without starting anything."""

from __future__ import annotations

import os
import stat
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from local.keyfile import KeyFileError, read_or_create_key
from local.stack import LOCAL_LIMITS, Stack, StackConfig, StackError, commands, redis_key_prefix
from local.stack.__main__ import parse_args
from local.stack.children import find_executable
from local.stack.state import RunDirLock


def test_the_key_file_is_made_once_with_mode_600(tmp_path: Path) -> None:
    path = tmp_path / "jwt-secret"
    key = read_or_create_key(path)
    assert len(key) >= 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert read_or_create_key(path) == key


def test_racing_processes_agree_on_one_key(tmp_path: Path) -> None:
    path = tmp_path / "jwt-secret"
    with ThreadPoolExecutor(8) as pool:
        keys = set(pool.map(lambda _: read_or_create_key(path), range(32)))
    assert len(keys) == 1


def test_a_key_file_without_a_usable_key_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "jwt-secret"
    path.write_text("short\n")
    with pytest.raises(KeyFileError, match="delete it"):
        read_or_create_key(path)


def test_each_run_dir_has_its_own_stable_redis_prefix(tmp_path: Path) -> None:
    one, other = tmp_path / "one", tmp_path / "other"
    assert redis_key_prefix(one) == redis_key_prefix(one)
    assert redis_key_prefix(one) != redis_key_prefix(other)
    assert redis_key_prefix(one).startswith("taskapp:local:")
    assert redis_key_prefix(one) != "taskapp:"  # the production default


def _environment(config: StackConfig) -> dict[str, str]:
    """The app environment of a stack on ``config``, after its run dir is prepared."""
    stack = Stack(config)
    stack._prepare_dirs()
    return commands.environment(config, stack.run_dir)


def test_a_persistent_stack_signs_with_its_run_dir_key(tmp_path: Path) -> None:
    env = _environment(StackConfig(run_dir=tmp_path, persist=True))
    assert env["JWT_SECRET"] == (tmp_path / "jwt-secret").read_text().strip()
    assert (
        _environment(StackConfig(run_dir=tmp_path, persist=True))["JWT_SECRET"]
        == (env["JWT_SECRET"])
    )
    assert env["REDIS_KEY_PREFIX"] == redis_key_prefix(tmp_path)


def test_an_in_memory_stack_keeps_no_key(tmp_path: Path) -> None:
    first = _environment(StackConfig(run_dir=tmp_path))
    second = _environment(StackConfig(run_dir=tmp_path))
    assert first["JWT_SECRET"] != second["JWT_SECRET"]
    assert not (tmp_path / "jwt-secret").exists()


def test_a_fresh_start_forgets_the_kept_data_and_key(tmp_path: Path) -> None:
    (tmp_path / "dynamodb.json").write_text("{}")
    (tmp_path / "jwt-secret").write_text("x" * 64)
    (tmp_path / "logs").mkdir()
    (tmp_path / "logs" / "app.log").write_text("kept")
    env = _environment(StackConfig(run_dir=tmp_path, persist=True, fresh=True))
    assert not (tmp_path / "dynamodb.json").exists()
    assert env["JWT_SECRET"] != "x" * 64  # a new key was made
    assert (tmp_path / "logs" / "app.log").read_text() == "kept"


def test_the_emulator_gets_the_state_file_only_when_persisting(tmp_path: Path) -> None:
    kept = commands.emulator_argv(StackConfig(persist=True), tmp_path)
    assert kept[-4:] == [
        "--state-file",
        str(tmp_path / "dynamodb.json"),
        "--snapshot-interval",
        "5",
    ]
    assert "--state-file" not in commands.emulator_argv(StackConfig(), tmp_path)


def test_make_up_keeps_data_and_relaxes_the_credential_limits() -> None:
    config = parse_args([])
    assert config.persist and not config.fresh
    assert config.run_dir.name == ".run"
    assert config.env_defaults == LOCAL_LIMITS
    assert int(LOCAL_LIMITS["REGISTER_MAX_PER_CLIENT"]) >= 1000
    assert parse_args(["--fresh"]).fresh
    assert not parse_args(["--in-memory"]).persist
    with pytest.raises(SystemExit):
        parse_args(["--fresh", "--in-memory"])


def test_limits_set_in_the_environment_win_over_the_local_defaults(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REGISTER_MAX_PER_CLIENT", "3")
    env = _environment(StackConfig(run_dir=tmp_path, env_defaults=dict(LOCAL_LIMITS)))
    assert env["REGISTER_MAX_PER_CLIENT"] == "3"
    assert env["LOGIN_MAX_ATTEMPTS_PER_CLIENT"] == LOCAL_LIMITS["LOGIN_MAX_ATTEMPTS_PER_CLIENT"]


def test_a_missing_program_names_make_up() -> None:
    with pytest.raises(StackError, match="make up"):
        find_executable("no-such-program-for-the-stack")


def test_the_run_dir_lock_is_exclusive(tmp_path: Path) -> None:
    held = RunDirLock(tmp_path)
    held.acquire()
    try:
        with pytest.raises(StackError, match=f"pid {os.getpid()}"):
            RunDirLock(tmp_path).acquire()
    finally:
        held.release()
    again = RunDirLock(tmp_path)
    again.acquire()
    again.release()
