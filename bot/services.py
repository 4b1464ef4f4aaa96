"""Everything the web server and channels share, built once at start-up."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from config.settings import Settings
from surveys.database import Database
from surveys.definition import SurveyCatalog
from surveys.service import Pseudonymiser, SurveyService
from surveys.wording import Wording

log = logging.getLogger(__name__)


@dataclass
class Services:
    settings: Settings
    db: Database
    surveys: SurveyCatalog
    wording: Wording
    survey_service: SurveyService
    # Channels that are running, by name, with a word on their state for /healthz.
    channels: dict[str, str] = field(default_factory=dict)
    extras: dict[str, Any] = field(default_factory=dict)

    async def close(self) -> None:
        await self.survey_service.drain()
        await self.db.dispose()


def build_services(settings: Settings, db: Database | None = None) -> Services:
    """Load the surveys and wording and connect the store. Raises on a bad survey file."""
    surveys = SurveyCatalog.from_paths(settings.surveys_dir)
    for warning in surveys.warnings:
        log.warning("survey: %s", warning)
    wording = Wording.load()
    db = db or Database.from_url(settings.database_url)
    service = SurveyService(db, surveys, wording, Pseudonymiser(settings.pseudonym_secret()))
    return Services(settings, db, surveys, wording, service)
