"""The engine tells its listener of every action as it is carried out, and the counts agree with it."""
from __future__ import annotations

import threading

import requests

from core.plan import Kind
from core.results import Outcome
from tests.engine.conftest import World


def _listened(world: World) -> tuple[list[Outcome], list[str]]:
    seen: list[Outcome] = []
    threads: list[str] = []
    engine = world.engine()

    def listen(outcome: Outcome) -> None:
        seen.append(outcome)
        threads.append(threading.current_thread().name)

    engine.on_action = listen
    result = engine.full_sync()
    changes = (result.created + result.moved + result.sheet_updated + result.card_updated + result.archived
               + result.deleted)
    assert sum(1 for o in seen if o.ok) == changes
    return seen, threads


def test_every_card_made_is_reported_with_its_id_from_the_thread_running_the_sync(world: World) -> None:
    seen, threads = _listened(world)
    created = [o for o in seen if o.action.kind == Kind.CREATE_CARD]
    assert len(created) == 10 and all(o.ok and o.card_id for o in created)
    assert {o.card_id for o in created} == {c.id for c in world.cards()}
    assert set(threads) == {threading.current_thread().name}


def test_moves_status_writes_and_failures_are_reported_as_they_happen(world: World) -> None:
    world.engine().full_sync()
    world.set_status("1", "QUALIFIED")
    world.move("2", "DONE")
    requests.post(f"{world.sandbox.url}/_sandbox/faults", json={"rules": [
        {"path": "/1/cards/*", "method": "PUT", "status": 400, "times": 1}]}, timeout=5,
        headers=world.sandbox.control_headers()).raise_for_status()
    world.set_status("4", "CONTACTED")
    seen, _ = _listened(world)
    by_kind = {(o.action.kind, o.action.lead_id): o for o in seen}
    assert by_kind[(Kind.WRITE_STATUS, "2")].ok
    moves = [o for o in seen if o.action.kind == Kind.MOVE_CARD]
    assert len(moves) == 2 and sum(1 for o in moves if not o.ok) == 1
    failed = next(o for o in moves if not o.ok)
    assert failed.error
