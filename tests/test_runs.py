"""ecotransition.ui.runs: page runs a few at a time, served in their order of arrival."""

from __future__ import annotations

import threading
import time

import pytest

from ecotransition.ui import runs


def test_slots_are_handed_to_the_waiters_in_their_order_of_arrival():
    gate = runs.FifoGate(1)
    gate.acquire()
    served, threads = [], []
    for k in range(6):
        def wait_turn(k=k):
            gate.acquire()
            served.append(k)
            gate.release()
        t = threading.Thread(target=wait_turn)
        t.start()
        threads.append(t)
        while gate.waiting < k + 1:   # each one queued before the next arrives
            time.sleep(0.001)
    gate.release()
    for t in threads:
        t.join(5)
    assert served == [0, 1, 2, 3, 4, 5]


def test_a_newcomer_does_not_take_a_freed_slot_before_a_waiter():
    gate = runs.FifoGate(1)
    gate.acquire()
    got = threading.Event()
    waiter = threading.Thread(target=lambda: (gate.acquire(), got.set()))
    waiter.start()
    while not gate.waiting:
        time.sleep(0.001)
    gate.release()   # handed to the waiter, not left free for anyone
    assert got.wait(5)
    newcomer = threading.Thread(target=gate.acquire, daemon=True)
    newcomer.start()
    newcomer.join(0.2)
    assert newcomer.is_alive()   # still waiting: the waiter holds the only slot
    gate.release()
    newcomer.join(5)
    assert not newcomer.is_alive()


def test_two_slots_let_two_runs_through_at_once():
    gate = runs.FifoGate(2)
    gate.acquire()
    gate.acquire()
    assert gate.waiting == 0
    t = threading.Thread(target=gate.acquire, daemon=True)
    t.start()
    while not gate.waiting:
        time.sleep(0.001)
    gate.release()
    t.join(5)
    assert not t.is_alive() and gate.waiting == 0


@pytest.mark.parametrize("raw, expected", [
    ("", None), ("  ", None), ("3", 3), (" 2 ", 2), ("0", None), ("-1", None), ("deux", None), ("2.5", None),
])
def test_the_setting(raw, expected):
    assert runs.slots({runs.SETTING: raw}) == expected
    assert runs.slots({}) is None


def test_without_the_setting_a_turn_waits_for_nothing(monkeypatch):
    monkeypatch.setattr(runs, "_gate", None)
    with runs.turn():
        with runs.turn():   # nested or many at once: no limit
            pass
