"""/summary in Telegram: only VIC members, by invite code, get the menu and then the file."""

from __future__ import annotations

from bot import vic_summary
from surveys.service import ChannelRef
from tests.telegram.harness import BotHarness
from tests.telegram.test_telegram_survey import onboard


async def test_a_vic_member_gets_a_summary_file_and_anyone_else_is_told_how(
    bot: BotHarness,
) -> None:
    assert bot.services is not None
    parent = bot.person(951)
    await onboard(parent)
    await parent.tap("Special school")

    stranger = bot.person(952)
    await stranger.send("/summary")
    assert "Voice, Influence and Change" in stranger.last_text()
    assert stranger.labels() == [], "no menu for someone who is not a member"

    member = bot.person(953)
    await member.send("/summary WRONG-CODE")
    pseudonym = bot.services.survey_service.pseudonymise(ChannelRef("telegram", "953"))
    assert not await vic_summary.is_member(bot.services, pseudonym), "a wrong code grants nothing"
    code = await vic_summary.new_invite(bot.services, "admin:test")
    await member.send(f"/summary {code}")
    await member.send("/summary")
    assert "Every kind of question" in member.labels()
    await member.tap("Every kind of question")
    assert "CSV" in " ".join(member.labels())
    await member.tap(next(label for label in member.labels() if "CSV" in label))

    (sent,) = bot.fake.calls_to("sendDocument")
    assert int(sent.params["chat_id"]) == 953
    (body,) = sent.files.values()
    text = body.decode("utf-8-sig")
    assert "suppression_rule" in text, "the file says how small numbers were protected"
    assert "Special school" in text or "fewer than" in text.lower() or "too few" in text.lower()
