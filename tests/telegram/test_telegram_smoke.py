from tests.telegram.harness import BotHarness


async def test_start_shows_privacy_first(bot: BotHarness) -> None:
    person = bot.person(501)
    await person.send("/start")
    assert "automated chat" in person.last_text()
    assert person.labels() == ["Yes, let's start", "Not now"]


async def test_polling(make_bot) -> None:
    bot = await make_bot("polling")
    person = bot.person(502)
    await person.send("/start")
    assert "automated chat" in person.last_text()
    print([c.method for c in bot.fake.calls])
