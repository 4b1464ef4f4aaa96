"""Shared fixtures: a migrated database per test, on SQLite and (when configured) PostgreSQL.

Store tests take the ``db`` fixture and so run once per database. PostgreSQL runs when
``TEST_DATABASE_URL`` names one (``.ci/run`` sets it); otherwise those cases skip and say so.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

# Tables kept in other packages' modules, so truncation between tests empties them too.
import analysis.models  # noqa: E402,F401  (issue 5)
import bot.telegram.models  # noqa: F401  (issue 3: so _truncate empties its tables too)
import bot.updates.models  # noqa: F401  (issue 6: its tables are truncated between tests too)
import bot.web.models  # noqa: F401  (web chat tables, so truncation sees them)
from config.settings import normalise_database_url
from surveys.database import Database
from surveys.definition import SurveyCatalog
from surveys.migrate import upgrade
from surveys.models import Base
from surveys.wording import Wording

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
BUNDLED_SURVEYS = ROOT / "config" / "surveys"

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL", "")


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test (far faster than migrating each time)."""
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    upgrade(f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    if not POSTGRES_URL:
        pytest.skip("PostgreSQL: TEST_DATABASE_URL is not set (.ci/run sets it)")
    url = normalise_database_url(POSTGRES_URL)
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker:
        url = _worker_database(url, worker)
    _reset_schema(url)
    upgrade(url)
    yield url


def _worker_database(url: str, worker: str) -> str:
    import asyncio

    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    name = f"{parsed.database}_{worker}"

    async def create() -> None:
        engine = create_async_engine(url, isolation_level="AUTOCOMMIT")
        async with engine.connect() as conn:
            exists = await conn.scalar(
                text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
            )
            if not exists:
                await conn.execute(text(f'CREATE DATABASE "{name}"'))
        await engine.dispose()

    asyncio.run(create())
    return parsed.set(database=name).render_as_string(hide_password=False)


def _reset_schema(url: str) -> None:
    import asyncio

    async def reset() -> None:
        engine = create_async_engine(url)
        async with engine.begin() as conn:
            await conn.execute(text("DROP SCHEMA public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
        await engine.dispose()

    asyncio.run(reset())


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, migrated database: a SQLite file, or an emptied PostgreSQL database."""
    if request.param == "sqlite":
        path = tmp_path / "test.sqlite3"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite+aiosqlite:///{path}"
    url: str = request.getfixturevalue("postgres_url")
    _truncate(url)
    return url


def _truncate(url: str) -> None:
    import asyncio

    async def truncate() -> None:
        engine = create_async_engine(url)
        async with engine.begin() as conn:
            names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
            await conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        await engine.dispose()

    asyncio.run(truncate())


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database.from_url(database_url)
    yield database
    await database.dispose()


@pytest.fixture(scope="session")
def wording() -> Wording:
    return Wording.load()


@pytest.fixture(scope="session")
def test_surveys() -> SurveyCatalog:
    return SurveyCatalog.from_paths(FIXTURES / "surveys")


@pytest.fixture(scope="session")
def bundled_surveys() -> SurveyCatalog:
    return SurveyCatalog.from_paths(BUNDLED_SURVEYS)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say how many store tests ran on each database, so CI's output shows both."""
    counts: dict[str, dict[str, int]] = {}
    for outcome in ("passed", "failed", "skipped", "error"):
        for report in terminalreporter.stats.get(outcome, []):
            nodeid = getattr(report, "nodeid", "")
            if getattr(report, "when", "call") not in ("call", "setup") or "[" not in nodeid:
                continue
            if outcome != "skipped" and getattr(report, "when", "") == "setup":
                continue
            for database in ("sqlite", "postgresql"):
                if f"[{database}" in nodeid or f"-{database}" in nodeid:
                    counts.setdefault(database, {}).setdefault(outcome, 0)
                    counts[database][outcome] += 1
    if counts:
        terminalreporter.section("store tests by database")
        for database, by_outcome in sorted(counts.items()):
            figures = ", ".join(f"{n} {o}" for o, n in sorted(by_outcome.items()))
            terminalreporter.write_line(f"{database}: {figures}")


# Property tests explore new random cases on developers' machines; CI replays a fixed set
# (derandomize), so a submission lands or not on its own merits, not on the draw.
from hypothesis import settings as _hypothesis_settings  # noqa: E402

_hypothesis_settings.register_profile("ci", derandomize=True)
if os.environ.get("CI"):
    _hypothesis_settings.load_profile("ci")
