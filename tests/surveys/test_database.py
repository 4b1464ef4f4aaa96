"""The store's database handle: what other processes sharing a SQLite file can rely on."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
from pathlib import Path

from sqlalchemy import func, insert, select

from surveys.database import Database
from surveys.models import Participant


async def test_a_read_never_waits_for_another_process_writing(
    tmp_path: Path, sqlite_template: Path
) -> None:
    path = tmp_path / "shared.sqlite3"
    shutil.copy(sqlite_template, path)
    db = Database.from_url(f"sqlite+aiosqlite:///{path}")
    people = select(func.count()).select_from(Participant)
    await db.run_sync(lambda conn: conn.execute(insert(Participant).values(id="p-one")))
    other_process = sqlite3.connect(path, isolation_level=None)
    other_process.execute("BEGIN IMMEDIATE")  # another web process, mid-write
    try:
        seen = await asyncio.wait_for(db.read_sync(lambda c: c.execute(people).scalar()), 5)
        assert seen == 1  # the write committed before is there to read
    finally:
        other_process.execute("ROLLBACK")
        other_process.close()
    await db.run_sync(lambda conn: conn.execute(insert(Participant).values(id="p-two")))
    assert await db.read_sync(lambda c: c.execute(people).scalar()) == 2
    await db.dispose()
