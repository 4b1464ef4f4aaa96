"""Fixtures for the web chat: the real app on a real database, with the test survey."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from sqlalchemy import select

from bot.app import create_app
from bot.services import Services, build_services
from config.settings import load_settings
from surveys.database import Database
from surveys.models import Answer, SurveyRun

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
PSEUDONYM_KEY = "web-chat-tests-" + "k" * 32
EMBEDDER = "https://www.local-offer.example"


def web_settings(database_url: str, tmp_path: Path, **more: Any) -> Any:
    return load_settings(
        database_url=database_url,
        surveys_dir=FIXTURES / "surveys",
        pseudonym_key=PSEUDONYM_KEY,
        web_audio_dir=tmp_path / "audio",
        web_embed_origins=EMBEDDER,
        **more,
    )


@pytest.fixture
async def services(database_url: str, tmp_path: Path) -> AsyncIterator[Services]:
    built = build_services(web_settings(database_url, tmp_path))
    yield built
    await built.close()  # again after the app's own clean-up is harmless


@pytest.fixture
def app(services: Services) -> web.Application:
    return create_app(services)


@pytest.fixture
async def client(app: web.Application, aiohttp_client: Callable[..., Any]) -> TestClient:
    return await aiohttp_client(app)


async def stored_answers(db: Database) -> dict[str, tuple[str, Any]]:
    """Every answer in force (not superseded): question id → (status, value or words)."""
    async with db.reading() as session:
        rows = (
            await session.scalars(
                select(Answer).where(Answer.superseded_at.is_(None)).order_by(Answer.id)
            )
        ).all()
    return {a.question_id: (a.status, a.text if a.text is not None else a.value) for a in rows}


async def runs(db: Database) -> list[SurveyRun]:
    async with db.reading() as session:
        return list((await session.scalars(select(SurveyRun))).all())
