"""Update numbers in the summaries: the "replies to updates" summary and its files."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import update

from analysis.disclosure import DisclosureRule
from analysis.exports import export
from analysis.summary import Filters, build_summary
from bot.updates import compose, replies
from bot.updates.fanout import fan_out_due
from bot.updates.models import Outbox
from surveys.database import Database
from surveys.definition import SurveyCatalog
from surveys.service import Pseudonymiser, SurveyService
from surveys.wording import Wording
from tests.updates.support import Person, add_people


async def test_the_replies_summary_shows_each_update_and_how_it_landed(
    db: Database, wording: Wording, test_surveys: SurveyCatalog
) -> None:
    people = [Person(n) for n in range(14)]
    await add_people(db, people)
    draft = compose.parse_draft(wording, title="Short breaks", text="More places.", themes=["P5"])
    update_id = await compose.save(db, draft, by="vic")
    await fan_out_due(db, dt.datetime.now(dt.UTC))
    async with db.transaction() as session:  # as if the sender had delivered to all but two
        await session.execute(
            update(Outbox)
            .where(Outbox.participant_id.not_in([people[0].id, people[1].id]))
            .values(state="delivered")
        )
    store = replies.ReplyStore(SurveyService(db, test_surveys, wording, Pseudonymiser(b"k")))
    for person in people[:11]:
        await replies.react(db, person.id, update_id, "helps")
        await store.store(person.id, update_id, "Good to hear about the short breaks.")
    await replies.react(db, people[11].id, update_id, "not_really")

    summary = await build_summary(
        db, test_surveys, Filters(updates=True), DisclosureRule(), require_quote_approval=True
    )
    table = summary.table("updates")
    assert table is not None
    (row,) = table.rows
    assert row.label.startswith("Short breaks (")
    shown = [cell.display for cell in row.cells]
    assert shown == ["15", "10", "10", "fewer than 10", "0", "10"]  # 14, 12, 11, 1, 0, 11

    csv = export(summary, "csv").body.decode()
    assert "Updates sent and how they landed" in csv and "fewer than 10" in csv
    html = export(summary, "html").body.decode()
    assert "Updates sent" in html
