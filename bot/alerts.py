"""Telling the safeguarding lead, at once, that a possible disclosure was stored.

The notice says that there is an alert, how serious it sounds and where to read it; it never
carries the person's words, which stay in the restricted alerts page of the dashboard.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from surveys.models import SafeguardingAlert

log = logging.getLogger("safeguarding")

Send = Callable[[str], Awaitable[None]]


def notice(alert: SafeguardingAlert, dashboard_url: str = "") -> str:
    """The text sent to the safeguarding chat: no words of the person's, no pseudonym."""
    urgency = "DANGER NOW — act at once" if alert.level == "immediate" else "concern"
    when = alert.created_at.strftime("%d %b %Y %H:%M UTC") if alert.created_at else "now"
    where = (
        f"{dashboard_url.rstrip('/')}/dashboard/alerts" if dashboard_url else "/dashboard/alerts"
    )
    return (
        f"⚠️ Safeguarding alert #{alert.id} ({urgency})\n"
        f"Kind: {alert.category.replace('_', ' ')}\nReceived: {when}\n"
        f"The person has been shown the help card. Read and acknowledge it at {where}."
    )


def make_alert_listener(
    send: Send | None, dashboard_url: str = ""
) -> Callable[[SafeguardingAlert], Awaitable[None]]:
    """The service's ``on_alert`` hook: log every alert and, when there is one, tell the chat."""

    async def on_alert(alert: SafeguardingAlert) -> None:
        log.warning("safeguarding alert #%s stored (%s, %s)", alert.id, alert.category, alert.level)
        if send is None:
            log.warning(
                "no SAFEGUARDING_CHAT_ID is set: nobody was messaged about alert #%s; "
                "the safeguarding lead must check /dashboard/alerts",
                alert.id,
            )
            return
        try:
            await send(notice(alert, dashboard_url))
        except Exception:
            log.exception("could not message the safeguarding chat about alert #%s", alert.id)
            raise

    return on_alert
