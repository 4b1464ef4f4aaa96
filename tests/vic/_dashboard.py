"""Helpers for dashboard tests: an app over a test database, staff accounts, a signed-in client."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from aiohttp import web
from aiohttp.test_utils import TestClient

from bot.app import create_app
from bot.dashboard.auth import Accounts
from bot.services import build_services
from config.settings import Settings
from surveys.database import Database

FIXTURES = Path(__file__).resolve().parent / "fixtures"
PASSWORD = "correct horse battery staple"
ROLES = ("viewer", "analyst", "safeguarding_lead", "admin")


def settings_for(database_url: str, **extra: object) -> Settings:
    return Settings(
        database_url=database_url,
        surveys_dir=FIXTURES,
        pseudonym_key="test-key-for-dashboard",
        summary_quote_approval=True,
        **extra,
    )


async def make_app(db: Database, database_url: str, **extra: object) -> web.Application:
    services = build_services(settings_for(database_url, **extra), db)
    return create_app(services)


async def add_staff(db: Database, database_url: str) -> None:
    accounts = Accounts(db, settings_for(database_url))
    for role in ROLES:
        await accounts.add(role, PASSWORD, role, f"Test {role}")


def cookies_from(response) -> dict[str, str]:  # type: ignore[no-untyped-def]
    found = {}
    for header in response.headers.getall("Set-Cookie", []):
        name, _, rest = header.partition("=")
        value = rest.split(";", 1)[0]
        found[name.strip()] = value.strip('"')
    return found


@dataclass
class Browser:
    """A cookie-carrying client that, like a browser on localhost, keeps Secure cookies."""

    client: TestClient
    cookies: dict[str, str] = field(default_factory=dict)

    def _headers(self) -> dict[str, str]:
        return {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items() if v)}

    def _keep(self, response) -> None:  # type: ignore[no-untyped-def]
        for name, value in cookies_from(response).items():
            self.cookies[name] = value

    async def get(self, path: str, **kwargs: object):  # type: ignore[no-untyped-def]
        response = await self.client.get(
            path, headers=self._headers(), allow_redirects=False, **kwargs
        )
        self._keep(response)
        return response

    async def post(self, path: str, data: dict | list | None = None):  # type: ignore[no-untyped-def]
        response = await self.client.post(
            path, data=data or {}, headers=self._headers(), allow_redirects=False
        )
        self._keep(response)
        return response

    async def csrf(self, path: str = "/dashboard/") -> str:
        page = await (await self.get(path)).text()
        match = re.search(r'name="csrf" value="([^"]+)"', page)
        assert match, "no CSRF token on the page"
        return match.group(1)

    async def sign_in(self, username: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
        token = await self.csrf("/dashboard/signin")
        return await self.post(
            "/dashboard/signin", {"csrf": token, "username": username, "password": password}
        )
