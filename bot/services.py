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
    # --- analysis (issue 4): tag, score and screen every free-text answer ---
    from analysis.pipeline import make_answer_listener
    from analysis.safeguarding import SafeguardingScreen, Signposting
    from analysis.theming import Tagger
    from bot.alerts import make_alert_listener

    tagger = Tagger.load()
    screen = SafeguardingScreen(wording, Signposting.load(settings.signposting_file))
    service = SurveyService(
        db,
        surveys,
        wording,
        Pseudonymiser(settings.pseudonym_secret()),
        screen=screen,
        on_answers=make_answer_listener(db, tagger),
        on_alert=make_alert_listener(None, settings.public_url),
    )
    services = Services(settings, db, surveys, wording, service)
    services.extras["tagger"] = tagger
    services.extras["safeguarding_screen"] = screen
    return services
