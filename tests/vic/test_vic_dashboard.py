"""The dashboard over HTTP: sign-in, sessions, lockout, CSRF, headers, and roles on every route."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select, text

from analysis.models import AuditEvent, StaffSession, TagReview
from bot.dashboard.auth import SESSION_COOKIE
from bot.dashboard.views import ROUTES
from surveys.models import AnswerTag, SafeguardingAlert
from tests.vic._dashboard import ROLES, Browser, add_staff, make_app
from tests.vic._seed import ALERT_EXCERPT, RESTRICTED_WORDS, seed


@pytest.fixture
async def app(db, database_url):
    await seed(db)
    await add_staff(db, database_url)
    return await make_app(db, database_url)


@pytest.fixture
async def browser(app, aiohttp_client):
    return Browser(await aiohttp_client(app))


async def signed_in(aiohttp_client, app, role: str) -> Browser:
    browser = Browser(await aiohttp_client(app))
    response = await browser.sign_in(role)
    assert response.status == 303, await response.text()
    return browser


async def audit(db, action: str) -> list[AuditEvent]:
    async with db.reading() as session:
        return list(
            (await session.scalars(select(AuditEvent).where(AuditEvent.action == action))).all()
        )


async def test_sign_in_sets_a_secure_cookie_and_a_new_session_id(browser, db) -> None:
    response = await browser.sign_in("viewer")
    assert response.status == 303 and response.headers["Location"] == "/dashboard/"
    header = next(h for h in response.headers.getall("Set-Cookie") if h.startswith(SESSION_COOKIE))
    for part in ("Secure", "HttpOnly", "SameSite=Strict", "Path=/"):
        assert part in header
    first = browser.cookies[SESSION_COOKIE]
    assert len(first) >= 40  # 256 bits, URL-safe
    second = await browser.sign_in("viewer")
    assert second.status == 303 and browser.cookies[SESSION_COOKIE] != first
    async with db.reading() as session:
        assert await session.scalar(select(func.count()).select_from(StaffSession)) == 1
    assert len(await audit(db, "signin")) == 2


async def test_pages_carry_csp_and_no_store(browser) -> None:
    await browser.sign_in("viewer")
    response = await browser.get("/dashboard/")
    assert response.status == 200
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp
    assert "http" not in csp  # no third-party sources
    assert response.headers["Cache-Control"] == "no-store"


async def test_wrong_password_then_lockout_after_five(browser, db) -> None:
    for _ in range(5):
        response = await browser.sign_in("analyst", "not the password at all")
        assert response.status == 401
    locked = await browser.sign_in("analyst")  # the right password, but locked now
    assert locked.status == 401
    assert "locked" in await locked.text()
    failures = await audit(db, "signin_failed")
    assert [f.outcome for f in failures][-1] == "locked" and len(failures) == 6


async def test_sign_in_form_without_its_token_is_refused(browser) -> None:
    await browser.get("/dashboard/signin")
    response = await browser.post("/dashboard/signin", {"username": "viewer", "password": "x" * 20})
    assert response.status == 403


async def test_sign_out_ends_the_session(browser, db) -> None:
    await browser.sign_in("viewer")
    old = browser.cookies[SESSION_COOKIE]
    token = await browser.csrf()
    response = await browser.post("/dashboard/signout", {"csrf": token})
    assert response.status == 303
    browser.cookies[SESSION_COOKIE] = old  # even replaying the old cookie gets nothing
    again = await browser.get("/dashboard/")
    assert again.status == 303 and again.headers["Location"] == "/dashboard/signin"


async def test_idle_session_ends(app, aiohttp_client, db) -> None:
    browser = await signed_in(aiohttp_client, app, "viewer")
    async with db.transaction() as session:
        await session.execute(
            text("UPDATE staff_session SET last_seen_at = :t"),
            {"t": __import__("datetime").datetime(2020, 1, 1, tzinfo=__import__("datetime").UTC)},
        )
    response = await browser.get("/dashboard/")
    assert response.status == 303


async def test_a_post_without_csrf_is_refused(app, aiohttp_client, db) -> None:
    lead = await signed_in(aiohttp_client, app, "safeguarding_lead")
    async with db.reading() as session:
        alert_id = await session.scalar(select(SafeguardingAlert.id))
    response = await lead.post(f"/dashboard/alerts/{alert_id}/acknowledge", {"csrf": "forged"})
    assert response.status == 403
    async with db.reading() as session:
        assert (await session.get(SafeguardingAlert, alert_id)).status == "open"


EXPECTED = {
    # route path (GET unless noted) -> roles allowed
    "/dashboard/": set(ROLES),
    "/dashboard/survey": set(ROLES),
    "/dashboard/themes": set(ROLES),
    "/dashboard/downloads": set(ROLES),
    "/dashboard/download?format=csv": set(ROLES),
    "/dashboard/review": {"analyst"},
    "/dashboard/review/export.jsonl": {"analyst"},
    "/dashboard/voice-notes": {"analyst", "safeguarding_lead"},
    "/dashboard/alerts": {"safeguarding_lead"},
    "/dashboard/admin/users": {"admin"},
    "/dashboard/admin/vic": {"admin"},
    "/dashboard/admin/audit": {"admin"},
}
# Pages about one thing: the wrong role gets 403 whether or not the thing exists.
GETS_ABOUT_ONE = {
    "/dashboard/voice-notes/{note_id}": {"analyst", "safeguarding_lead"},
    "/dashboard/voice-notes/{note_id}/audio": {"analyst", "safeguarding_lead"},
    "/dashboard/voice-notes/{note_id}/unclear": {"analyst", "safeguarding_lead"},
}
POSTS = {
    "/dashboard/review/{answer_id}": {"analyst"},
    "/dashboard/voice-notes/{note_id}": {"analyst", "safeguarding_lead"},
    "/dashboard/voice-notes/{note_id}/unclear": {"analyst", "safeguarding_lead"},
    "/dashboard/alerts/{alert_id}/acknowledge": {"safeguarding_lead"},
    "/dashboard/admin/users": {"admin"},
    "/dashboard/admin/users/{user_id}": {"admin"},
    "/dashboard/admin/vic/invite": {"admin"},
    "/dashboard/admin/vic/revoke": {"admin"},
}


def test_every_guarded_route_is_in_the_role_table() -> None:
    guarded = {
        re.sub(r"\{(\w+):[^}]+\}", r"{\1}", path)
        for method, path, _h, allowed in ROUTES
        if allowed is not None and path != "/dashboard/signout"
    }
    listed = {p.split("?")[0] for p in EXPECTED} | set(GETS_ABOUT_ONE) | set(POSTS)
    assert guarded == listed


@pytest.mark.parametrize("role", ROLES)
async def test_roles_on_every_route(app, aiohttp_client, db, role) -> None:
    browser = await signed_in(aiohttp_client, app, role)
    for path, allowed in EXPECTED.items():
        response = await browser.get(path)
        assert response.status == (200 if role in allowed else 403), (role, path, response.status)
    for path, allowed in GETS_ABOUT_ONE.items():
        response = await browser.get(path.format(note_id=999999))
        assert (response.status == 403) is (role not in allowed), (role, path, response.status)
    csrf = await browser.csrf()
    for path, allowed in POSTS.items():
        concrete = path.format(answer_id=999999, alert_id=999999, user_id=999999, note_id=999999)
        response = await browser.post(concrete, {"csrf": csrf})
        if role in allowed:
            assert response.status != 403, (role, path)
        else:
            assert response.status == 403, (role, path, response.status)
    refusals = await audit(db, "forbidden")
    assert refusals and all(r.actor == role for r in refusals)


async def test_signed_out_visitors_are_sent_to_sign_in(browser) -> None:
    for path in EXPECTED:
        response = await browser.get(path)
        assert response.status == 303 and response.headers["Location"] == "/dashboard/signin"


async def test_viewer_pages_show_no_restricted_words_or_alerts(app, aiohttp_client) -> None:
    for role in ROLES:
        browser = await signed_in(aiohttp_client, app, role)
        for path in ("/dashboard/", "/dashboard/survey?survey=vic_voice", "/dashboard/themes"):
            body = await (await browser.get(path)).text()
            assert RESTRICTED_WORDS not in body and ALERT_EXCERPT not in body
    lead = await signed_in(aiohttp_client, app, "safeguarding_lead")
    assert ALERT_EXCERPT in await (await lead.get("/dashboard/alerts")).text()


async def test_filters_and_too_few(app, aiohttp_client, db) -> None:
    viewer = await signed_in(aiohttp_client, app, "viewer")
    page = await (
        await viewer.get("/dashboard/survey?survey=vic_voice&audience=practitioner")
    ).text()
    assert "Too few responses to show" in page
    assert await audit(db, "too_few_shown")
    bad = await viewer.get("/dashboard/survey?survey=vic_voice&start=yesterday")
    assert bad.status == 400 and "date like" in await bad.text()


async def test_download_is_audited_with_its_hash(app, aiohttp_client, db) -> None:
    import hashlib

    viewer = await signed_in(aiohttp_client, app, "viewer")
    response = await viewer.get(
        "/dashboard/download?survey=vic_voice&format=xlsx&audience=parent_carer"
    )
    body = await response.read()
    assert response.status == 200 and "attachment" in response.headers["Content-Disposition"]
    (event,) = await audit(db, "download")
    assert event.actor == "viewer" and event.role == "viewer"
    assert event.details["sha256"] == hashlib.sha256(body).hexdigest()
    assert event.details["filters"]["audience"] == "Parents and carers"
    assert event.details["rows"] > 0


async def test_review_confirms_corrects_and_exports(app, aiohttp_client, db) -> None:
    from tests.vic._seed import seed as _  # noqa: F401  (data already seeded by the app fixture)

    analyst = await signed_in(aiohttp_client, app, "analyst")
    page = await (await analyst.get("/dashboard/review")).text()
    answer_id = int(re.search(r'action="/dashboard/review/(\d+)"', page).group(1))
    csrf = await analyst.csrf("/dashboard/review")
    response = await analyst.post(
        f"/dashboard/review/{answer_id}",
        [("csrf", csrf), ("labels", "P5"), ("labels", "W-vic"), ("sentiment", "neutral")],
    )
    assert response.status == 303
    async with db.reading() as session:
        tags = {
            t.tag: t.verified
            for t in (
                await session.scalars(select(AnswerTag).where(AnswerTag.answer_id == answer_id))
            ).all()
        }
        review = await session.scalar(select(TagReview).where(TagReview.answer_id == answer_id))
    assert tags.get("P5") is True and tags.get("W-vic") is True
    assert all(v is not True for t, v in tags.items() if t not in ("P5", "W-vic"))
    assert review.labels == ["P5", "W-vic"] and review.sentiment == "neutral"
    exported = await analyst.get("/dashboard/review/export.jsonl")
    lines = [__import__("json").loads(line) for line in (await exported.text()).splitlines()]
    mine = [line for line in lines if line["id"] == f"a{answer_id}"]
    assert mine and mine[0]["labels"] == ["P5", "W-vic"] and mine[0]["sentiment"] == "neutral"
    assert set(mine[0]) == {"id", "text", "labels", "sentiment"}
    assert await audit(db, "tag_review")


async def test_admin_adds_and_disables_an_account(app, aiohttp_client, db) -> None:
    admin = await signed_in(aiohttp_client, app, "admin")
    viewer = await signed_in(aiohttp_client, app, "viewer")
    csrf = await admin.csrf("/dashboard/admin/users")
    added = await admin.post(
        "/dashboard/admin/users",
        {"csrf": csrf, "username": "newbie", "password": "long enough password", "role": "viewer"},
    )
    assert added.status == 303
    page = await (await admin.get("/dashboard/admin/users")).text()
    viewer_id = re.search(
        r'action="/dashboard/admin/users/(\d+)"[^>]*>\s*<input[^>]*>\s*'
        r'<label for="r-\d+">Role for viewer',
        page,
    )
    assert viewer_id
    response = await admin.post(
        f"/dashboard/admin/users/{viewer_id.group(1)}", {"csrf": csrf, "change": "disable"}
    )
    assert response.status == 303
    assert (await viewer.get("/dashboard/")).status == 303  # their session ended at once


async def test_audit_log_cannot_be_changed(app, aiohttp_client, db) -> None:
    await signed_in(aiohttp_client, app, "admin")
    with pytest.raises(Exception, match="append-only"):
        async with db.transaction() as session:
            await session.execute(text("UPDATE audit_event SET actor = 'someone else'"))
    with pytest.raises(Exception, match="append-only"):
        async with db.transaction() as session:
            await session.execute(text("DELETE FROM audit_event"))
