"""Migrations both ways, on each database: the newest goes down and up again without losing
what the tables hold, and at the head the models and the migrations describe one schema (a
model changed without a migration fails here, not on a deployed database)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, inspect, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import create_async_engine

from bot.telegram.models import VoiceNote
from config.settings import normalise_database_url
from surveys.migrate import alembic_config, upgrade
from surveys.models import Answer, Base, Participant, utcnow


def _run(url: str, work: Any) -> Any:
    """``work(connection)`` in one committed transaction, on its own engine."""

    async def run() -> Any:
        engine = create_async_engine(normalise_database_url(url))
        try:
            async with engine.begin() as connection:
                return await connection.run_sync(work)
        finally:
            await engine.dispose()

    return asyncio.run(run())


def _typed_up_note(connection: Connection) -> None:
    connection.execute(Participant.__table__.insert().values(id="p1", created_at=utcnow()))
    connection.execute(
        Answer.__table__.insert().values(
            id=1,
            participant_id="p1",
            survey_id="s",
            survey_version=1,
            question_id="q",
            status="answered",
            text="typed up",
            restricted=False,
            created_at=utcnow(),
        )
    )
    connection.execute(
        VoiceNote.__table__.insert().values(
            id=1,
            answer_id=1,
            participant_id="p1",
            file_id="f",
            duration_seconds=3,
            created_at=utcnow(),
            transcribed_at=utcnow(),
        )
    )


def _note_columns(connection: Connection) -> list[str]:
    return [c["name"] for c in inspect(connection).get_columns("telegram_voice_note")]


def _notes(connection: Connection) -> list[tuple[int, bool]]:
    rows = connection.execute(
        select(VoiceNote.__table__.c.id, VoiceNote.__table__.c.transcribed_at)
    )
    return [(note_id, transcribed is not None) for note_id, transcribed in rows]


def _differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


def test_voice_note_unclear_at_goes_down_and_up_keeping_the_notes(database_url: str) -> None:
    _run(database_url, _typed_up_note)
    try:
        command.downgrade(alembic_config(database_url), "0008")
        assert "unclear_at" not in _run(database_url, _note_columns)
        assert _run(database_url, _notes) == [(1, True)], "the notes survive the way down"
    finally:
        upgrade(database_url)  # the next test on this database expects the head
    assert "unclear_at" in _run(database_url, _note_columns)
    assert _run(database_url, _notes) == [(1, True)], "and the way up"

    def both_endings(connection: Connection) -> None:
        connection.execute(update(VoiceNote.__table__).values(unclear_at=utcnow()))

    with pytest.raises(IntegrityError, match="one_outcome"):
        _run(database_url, both_endings)  # typed up and unclear: the database refuses it


def test_the_models_and_the_migrations_agree(database_url: str) -> None:
    assert _run(database_url, _differences) == []
