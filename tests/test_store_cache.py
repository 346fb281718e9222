"""The process-wide caches of ecotransition.ui.store: computed once, keyed by what the result depends on."""

from __future__ import annotations

import json
import threading
import time

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
import pytest

from ecotransition.core import plotting
from ecotransition.ui import store


def test_a_missing_key_is_computed_once_for_callers_arriving_together():
    memo, calls = store._Memo(max_entries=4), []

    def build():
        calls.append(1)
        time.sleep(0.2)
        return "valeur"

    results = []
    threads = [threading.Thread(target=lambda: results.append(memo.get("k", build))) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == ["valeur"] * 8
    assert len(calls) == 1


def test_least_recently_used_goes_first_and_a_failure_stores_nothing():
    memo = store._Memo(max_entries=2)
    memo.get("a", lambda: 1)
    memo.get("b", lambda: 2)
    memo.get("a", lambda: 0)        # a is used again: b is now the oldest
    memo.get("c", lambda: 3)
    assert memo.get("a", lambda: "recalculé") == 1
    assert memo.get("b", lambda: "recalculé") == "recalculé"

    with pytest.raises(ZeroDivisionError):
        memo.get("d", lambda: 1 / 0)
    assert memo.get("d", lambda: 4) == 4


def test_an_entry_older_than_its_ttl_is_computed_again():
    memo = store._Memo(max_entries=2, ttl=0.05)
    assert memo.get("k", lambda: 1) == 1
    assert memo.get("k", lambda: 2) == 1
    time.sleep(0.1)
    assert memo.get("k", lambda: 3) == 3


def test_argument_keys_tell_apart_what_gives_different_results():
    key = store._arg_key
    assert key(1) != key(1.0) != key(True)
    assert key(float("nan")) == key(float("nan"))      # a NaN argument finds its own entry again
    assert key([1, 2]) != key((1, 2))
    assert key({"b": 1, "a": 2}) == key({"a": 2, "b": 1})
    a = pd.DataFrame({"x": [1, 2]})
    assert key(a) == key(pd.DataFrame({"x": [1, 2]}))  # by content when it did not come from query()
    assert key(a) != key(pd.DataFrame({"x": [1, 3]}))
    assert key(a) != key(pd.DataFrame({"y": [1, 2]}))


def test_a_finished_figure_gives_the_json_of_the_figure_it_was_made_from():
    fig = go.Figure(go.Scatter(x=pd.to_datetime(["2023-01-01", "2023-02-01"]), y=[1.5, None], name="Piétons"))
    fig.update_layout(title="Passages")
    done = plotting.Finished(fig)
    assert json.loads(pio.to_json(done.to_dict(), validate=False)) == json.loads(pio.to_json(fig))
    assert done.to_dict() is done.to_dict()            # worked out once
    assert done.to_dict()["data"][0]["x"] == ["2023-01-01T00:00:00", "2023-02-01T00:00:00"]


def test_figures_of_a_shared_result_are_finished_inside_lists_and_tuples():
    fig = go.Figure(go.Bar(x=["a"], y=[1]))
    pairs = store._finish([("t", fig)])
    assert isinstance(pairs, list) and isinstance(pairs[0][1], plotting.Finished)
    assert store._finish(fig).to_dict()["data"][0]["type"] == "bar"
    frame = pd.DataFrame({"x": [1]})
    assert store._finish(frame) is frame


def test_the_shared_cache_keeps_every_page_the_stack_warms(built_db):
    """The warm-up's pages all stay in the shared cache: none pushes out another's entries.

    At 256 entries the 18 warmed pages evicted the home page's, and 120 viewers opening the
    home page then the map rebuilt them while the replica's other sessions waited.
    """
    import sys
    from pathlib import Path

    from streamlit.testing.v1 import AppTest

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "deploy"))
    import warm

    store.clear()
    seen: set = set()
    pages = warm.public_pages(built_db)
    assert len(pages) == 18
    for url in pages:
        path, _, query = url.partition("?")
        at = AppTest.from_file(str(Path(__file__).resolve().parents[1] / "dashboard.py"), default_timeout=120)
        for pair in filter(None, query.split("&")):
            key, value = pair.split("=")
            at.query_params[key] = value
        at.run()
        if path.strip("/"):
            at.switch_page(f"pages/{path.strip('/')}.py")
            at.run()
        assert not at.exception, (url, [e.value for e in at.exception])
        seen |= set(store._shared_memo._entries)
    kept = set(store._shared_memo._entries)
    assert kept == seen
    assert 200 < len(kept) < store._shared_memo.max_entries // 4
