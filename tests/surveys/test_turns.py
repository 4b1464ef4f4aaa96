"""The turn machinery's own rules: what a process may remember, and for how long."""

from __future__ import annotations

import json

import pytest

from surveys._turns import RecentConversations


def test_a_remembered_conversation_is_a_fresh_copy_each_time() -> None:
    recent = RecentConversations()
    recent.put("p1", json.dumps({"step": "question", "run": {"answers": {}}}), 3)
    first = recent.get("p1")
    assert first is not None and first.version == 3
    first.conversation["run"]["answers"]["q1"] = "changed by a turn that then failed"
    second = recent.get("p1")
    assert second is not None and second.conversation["run"]["answers"] == {}


def test_memory_is_bounded_and_the_oldest_go_first() -> None:
    recent = RecentConversations(size=3)
    for number in range(5):
        recent.put(f"p{number}", "{}", 1)
    assert len(recent) == 3
    assert recent.get("p0") is None and recent.get("p1") is None
    assert recent.get("p4") is not None


def test_a_conversation_is_forgotten_after_its_time(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [1000.0]
    monkeypatch.setattr("surveys._turns.time.monotonic", lambda: clock[0])
    recent = RecentConversations(ttl=300.0)
    recent.put("p1", "{}", 1)
    clock[0] += 299.0
    assert recent.get("p1") is not None
    clock[0] += 2.0
    assert recent.get("p1") is None and len(recent) == 0


def test_erasing_a_person_drops_what_was_remembered() -> None:
    recent = RecentConversations()
    recent.put("p1", "{}", 1)
    recent.drop("p1")
    recent.drop("never-seen")
    assert recent.get("p1") is None
