"""How many page runs one server process works on at once, served in their order of arrival.

Streamlit runs each viewer's page in a thread of its own, and the threads share one core (the
GIL): when a room of 120 opens the dashboard together, every page advances a little at a time and
all of them finish late, together (each view takes about as long as the whole burst). With a few
runs at a time, taken in order, the first viewers are served first and the later ones wait their
turn, as behind a counter: the same work, a shorter wait for most (bench/README.md, « Public
deployment »).

Setting: ECOTRANSITION_CONCURRENT_RUNS, a whole number ≥ 1 (unset or empty: no limit). The
public replicas of deploy/stack.py set it; the staff instance does not, since its data page waits
for an import worker during its run.
"""

from __future__ import annotations

import collections
import contextlib
import logging
import os
import threading
from collections.abc import Iterator

SETTING = "ECOTRANSITION_CONCURRENT_RUNS"


class FifoGate:
    """At most `slots` holders at once; a freed slot goes to the longest waiter.

    threading.Semaphore lets a newcomer take a slot before the waiter it woke, so under a steady
    load a viewer can wait far longer than its turn; here a release hands the slot over."""

    def __init__(self, slots: int):
        if slots < 1:
            raise ValueError(f"slots must be ≥ 1, not {slots}")
        self._lock = threading.Lock()
        self._free = slots
        self._waiting: collections.deque[threading.Event] = collections.deque()

    def acquire(self) -> None:
        with self._lock:
            if self._free and not self._waiting:
                self._free -= 1
                return
            turn = threading.Event()
            self._waiting.append(turn)
        turn.wait()

    def release(self) -> None:
        with self._lock:
            if self._waiting:
                self._waiting.popleft().set()
            else:
                self._free += 1

    @property
    def waiting(self) -> int:
        """Number of callers waiting for a slot."""
        with self._lock:
            return len(self._waiting)


def slots(environ: os._Environ | dict = os.environ) -> int | None:
    """The setting's number of runs at a time; None (no limit) when unset, empty or not a whole
    number ≥ 1 (logged: a wrong value must not stop the public side)."""
    raw = str(environ.get(SETTING, "")).strip()
    if not raw:
        return None
    try:
        n = int(raw)
    except ValueError:
        n = 0
    if n < 1:
        logging.getLogger(__name__).warning("%s=%r ignoré : un nombre entier ≥ 1 est attendu.", SETTING, raw)
        return None
    return n


_slots = slots()
_gate = FifoGate(_slots) if _slots else None


@contextlib.contextmanager
def turn() -> Iterator[None]:
    """Hold one of the process's slots for the length of the block (no-op without the setting)."""
    if _gate is None:
        yield
        return
    _gate.acquire()
    try:
        yield
    finally:
        _gate.release()
