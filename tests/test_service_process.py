"""The service as a newcomer meets it: settings from the environment, migrate, serve, /healthz."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from config.settings import QuietHours, SettingsError, load_settings, normalise_database_url

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def clean_env(**values: str) -> dict[str, str]:
    keep = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TELEGRAM_", "WEBHOOK_", "DATABASE_URL"))
    }
    return {**keep, **values}


def test_heroku_style_database_urls_are_converted() -> None:
    assert (
        normalise_database_url("postgres://u:p@host:5432/db")
        == "postgresql+asyncpg://u:p@host:5432/db"
    )
    assert normalise_database_url("postgresql://host/db") == "postgresql+asyncpg://host/db"
    assert (
        normalise_database_url("sqlite:///data/x.sqlite3") == "sqlite+aiosqlite:///data/x.sqlite3"
    )
    assert load_settings(database_url="postgres://h/db").database_url == "postgresql+asyncpg://h/db"


def test_bad_settings_are_named_in_one_message() -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings(
            port="eighty",
            timezone="Mars/Olympus",
            quiet_hours="late",
            telegram_mode="carrier-pigeon",
        )
    message = str(caught.value)
    for name in ("PORT", "TIMEZONE", "QUIET_HOURS", "TELEGRAM_MODE"):
        assert name in message


def test_quiet_hours_cross_midnight() -> None:
    import datetime as dt

    quiet = QuietHours.parse("21:00-08:00")
    assert quiet.contains(dt.time(23, 30)) and quiet.contains(dt.time(7, 59))
    assert not quiet.contains(dt.time(8, 0)) and not quiet.contains(dt.time(12, 0))


def test_the_service_refuses_to_start_on_a_bad_variable_and_says_which() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot"],
        cwd=ROOT,
        env=clean_env(PORT="not-a-port"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "PORT" in result.stderr


def test_migrate_then_serve_answers_healthz_and_says_telegram_is_off(tmp_path: Path) -> None:
    port = free_port()
    env = clean_env(
        DATABASE_URL=f"sqlite:///{tmp_path}/ev.sqlite3",
        PORT=str(port),
        HOST="127.0.0.1",
        PSEUDONYM_KEY="test-key",
    )
    subprocess.run(
        [sys.executable, "-m", "bot", "migrate"], cwd=ROOT, env=env, check=True, timeout=120
    )
    log_path = tmp_path / "server.log"
    with log_path.open("w") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "bot"], cwd=ROOT, env=env, stdout=log, stderr=log
        )
        try:
            body = _wait_for_health(port, server)
        finally:
            server.terminate()
            server.wait(timeout=30)
    assert body["database"] == "ok"
    assert body["channels"]["telegram"] == "off"
    assert len(body["surveys"]) >= 3, "the bundled surveys are loaded"
    logged = log_path.read_text()
    assert "Telegram is off" in logged and "TELEGRAM_BOT_TOKEN" in logged


def _wait_for_health(port: int, server: subprocess.Popen[bytes]) -> dict:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"the service stopped with {server.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                assert response.status == 200
                return json.loads(response.read())
        except OSError:
            time.sleep(0.2)
    raise AssertionError("no /healthz within a minute")


def test_web_concurrency_runs_workers_on_one_port_and_stops_them_together(
    tmp_path: Path,
) -> None:
    """``WEB_CONCURRENCY=2``: two whole services share the port; one dying stops the rest."""
    port = free_port()
    env = clean_env(
        DATABASE_URL=f"sqlite:///{tmp_path}/ev.sqlite3",
        PORT=str(port),
        HOST="127.0.0.1",
        PSEUDONYM_KEY="test-key",
        WEB_CONCURRENCY="2",
    )
    subprocess.run(
        [sys.executable, "-m", "bot", "migrate"], cwd=ROOT, env=env, check=True, timeout=120
    )
    with (tmp_path / "server.log").open("w") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "bot"], cwd=ROOT, env=env, stdout=log, stderr=log
        )
        try:
            assert _wait_for_health(port, server)["database"] == "ok"
            workers = _children(server.pid)
            assert len(workers) == 2
            deadline = time.monotonic() + 60
            while _listening(port) < 2 and time.monotonic() < deadline:
                time.sleep(0.2)
            assert _listening(port) == 2, "each worker listens on the same port"
            os.kill(workers[0], signal.SIGKILL)
            assert server.wait(timeout=60) != 0, "a worker died: the service says so"
            assert not Path(f"/proc/{workers[1]}").exists(), "and the other one is stopped"
        finally:
            if server.poll() is None:
                server.terminate()
                server.wait(timeout=60)


def test_web_concurrency_workers_stop_cleanly_on_sigterm(tmp_path: Path) -> None:
    port = free_port()
    env = clean_env(
        DATABASE_URL=f"sqlite:///{tmp_path}/ev.sqlite3",
        PORT=str(port),
        HOST="127.0.0.1",
        PSEUDONYM_KEY="test-key",
        WEB_CONCURRENCY="2",
    )
    subprocess.run(
        [sys.executable, "-m", "bot", "migrate"], cwd=ROOT, env=env, check=True, timeout=120
    )
    server = subprocess.Popen([sys.executable, "-m", "bot"], cwd=ROOT, env=env)
    try:
        _wait_for_health(port, server)
        workers = _children(server.pid)
        server.terminate()
        assert server.wait(timeout=60) == 0, "a deploy's SIGTERM is a clean stop"
        assert not any(Path(f"/proc/{pid}").exists() for pid in workers)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()


def _children(pid: int) -> list[int]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        found = [
            int(child)
            for task in Path(f"/proc/{pid}/task").glob("*/children")
            for child in task.read_text().split()
        ]
        if found:
            return found
        time.sleep(0.1)
    return []


def _listening(port: int) -> int:
    rows = Path("/proc/net/tcp").read_text().splitlines()[1:]
    return sum(1 for r in rows if r.split()[1].endswith(f":{port:04X}") and r.split()[3] == "0A")
