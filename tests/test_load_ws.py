"""The protocol client of bench/load_ws.py: the request it sends and how it judges a view (no server)."""

from __future__ import annotations

import sys
from pathlib import Path

from streamlit.proto.Alert_pb2 import Alert
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

from load_ws import PageRun, rerun_request  # noqa: E402

BASE = "http://127.0.0.1:8501"
HASHES = {"": "h-overview", "solaire": "h-solaire", "carte": "h-carte"}


def test_rerun_request_is_what_a_new_tab_sends():
    msg = BackMsg()
    msg.ParseFromString(rerun_request(BASE, "/solaire?epci=CAHC&annee=2023").SerializeToString())
    assert msg.WhichOneof("type") == "rerun_script"
    state = msg.rerun_script
    assert (state.page_name, state.query_string, state.page_script_hash) == ("solaire", "epci=CAHC&annee=2023", "")
    assert list(state.cached_message_hashes) == [] and not state.fragment_id and not state.is_auto_rerun
    assert state.context_info.url == "http://127.0.0.1:8501/solaire?epci=CAHC&annee=2023"
    assert (state.context_info.timezone, state.context_info.locale) == ("Europe/Paris", "fr-FR")


def test_rerun_request_for_the_default_page():
    state = rerun_request(BASE, "/").rerun_script
    assert (state.page_name, state.query_string) == ("", "")


def _run(page: str, *elements, status=ForwardMsg.FINISHED_SUCCESSFULLY) -> list[ForwardMsg]:
    """The messages of one script run that showed `page`."""
    start, nav = ForwardMsg(), ForwardMsg()
    start.new_session.page_script_hash = "h-main"
    nav.navigation.page_script_hash = HASHES[page]
    for path, h in HASHES.items():
        p = nav.navigation.app_pages.add()
        p.url_pathname, p.page_script_hash, p.is_default = path, h, path == ""
    end = ForwardMsg()
    end.script_finished = status
    return [start, nav, *elements, end]


def _element(kind: str, **fields) -> ForwardMsg:
    msg = ForwardMsg()
    el = getattr(msg.delta.new_element, kind)
    for name, value in fields.items():
        if isinstance(value, list):
            getattr(el, name).extend(value)
        else:
            setattr(el, name, value)
    return msg


TITLE = _element("heading", body="Solaire photovoltaïque")
EPCI = _element("selectbox", label="Agglomération", query_param_key="epci", raw_value="CAHC")
METRIC = _element("metric", label="Installations", body="2 573")


def _judge(url: str, messages: list[ForwardMsg]) -> tuple[bool, list[str]]:
    run = PageRun(url)
    done = False
    for m in messages:
        done = run.feed(m)
        if done:
            break
    return done, run.problems()


def test_ready_page_with_its_filter():
    assert _judge("/solaire?epci=CAHC", _run("solaire", EPCI, TITLE, METRIC)) == (True, [])


def test_first_run_cut_short_by_a_rerun_is_not_the_end():
    first = _run("solaire", TITLE, status=ForwardMsg.FINISHED_EARLY_FOR_RERUN)
    run = PageRun("/solaire?epci=CAHC")
    assert not any(run.feed(m) for m in first)
    assert [run.feed(m) for m in _run("solaire", EPCI, TITLE, METRIC)][-1] is True
    assert run.problems() == []


def test_other_page_blank_page_and_unapplied_filter_are_not_ready():
    other = _element("selectbox", label="Agglomération", query_param_key="epci", raw_value="")
    done, problems = _judge("/solaire?epci=CAHC", _run("", other, _element("heading", body="Vue")))
    assert done
    assert problems == ["ran / instead of /solaire", "title 'Solaire photovoltaïque' missing",
                        "no number, chart, table or map", "filter epci=CAHC not applied (widget shows '')"]


def test_exception_error_box_and_page_not_found_are_errors():
    exc = _element("exception", type="duckdb.IOException", message="Could not\nopen file",
                   stack_trace=[f'File "{Path(__file__).resolve().parents[1]}/pages/solaire.py", line 12, in <module>'])
    warning = _element("exception", type="DeprecationWarning", message="soon", is_warning=True)
    box = _element("alert", body="La base est introuvable.", format=Alert.ERROR)
    info = _element("alert", body="Données de démonstration", format=Alert.INFO)
    missing = ForwardMsg()
    missing.page_not_found.page_name = ""
    done, problems = _judge("/solaire", [missing, *_run("solaire", TITLE, METRIC, exc, warning, box, info)])
    assert done
    assert problems == ["page not found: ''", "exception IOException: Could not open file [pages/solaire.py:12]",
                        "error box: La base est introuvable."]


def test_connection_closed_mid_run():
    done, problems = _judge("/carte", _run("carte", TITLE)[:-1])
    assert not done and problems == ["connection closed before the run ended"]
