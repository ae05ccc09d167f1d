"""The app's memory: models that are replaced (a slider move, a seed, Reset, a lesson's
ghost) or whose session closes are freed. Mesa 3.3's ``Agent._ids`` held every model
ever built (Mesa issue #3179); ``simulation._mesa`` keys it weakly. Each test counts the
live ``PartnershipModel`` objects after ``gc.collect()``: the bound is the models still
in use (none once everything is closed), and a planted strong registry (Mesa 3.3's own)
shows that the count sees the leak."""

from __future__ import annotations

import functools
import gc
import itertools
import weakref
from collections import defaultdict

import ipyvuetify as v
import pytest
import solara

from backbone.app import Twins, get_lesson, twin_params
from backbone.simulation import PartnershipModel, Params
from backbone.simulation._mesa import mesa

SMALL = {"n_beneficiaries": 300, "months": 48}
REBUILDS = 50


def live_models() -> int:
    gc.collect()
    return sum(isinstance(o, PartnershipModel) for o in gc.get_objects())


def rebuild(times: int) -> list[weakref.ref]:
    """``times`` twin pairs built, played a few months (every fifth with a lesson and its
    ghosts) and dropped, as the page does; weak references to every model built."""
    params = twin_params(Params(SMALL))
    lesson = get_lesson("press_release")   # at month 30
    refs = []
    for i in range(times):
        twins = Twins(params.replace(months=36), seed=i, lesson=lesson if i % 5 == 0 else None)
        twins.step(3 if i % 5 else 31)
        refs += [weakref.ref(m) for t in twins.sides for m in (t.model, t.ghost) if m is not None]
        del twins
    return refs


def alive(refs: list[weakref.ref]) -> int:
    gc.collect()
    return sum(r() is not None for r in refs)


def test_fifty_twin_rebuilds_leave_no_model_alive():
    before = live_models()
    refs = rebuild(REBUILDS)
    assert len(refs) > 2 * REBUILDS   # both twins, and the lessons' ghosts
    assert alive(refs) == 0
    assert live_models() == before


def test_a_strong_registry_would_keep_every_model(monkeypatch):
    """The planted leak: Mesa 3.3's registry put back, the same rebuilds keep every model."""
    if "_ids" not in vars(mesa.Agent):
        pytest.skip("this Mesa numbers agents without a class-level registry")
    monkeypatch.setattr(mesa.Agent, "_ids", defaultdict(functools.partial(itertools.count, 1)))
    refs = rebuild(10)
    assert alive(refs) == len(refs)


def test_agent_ids_are_numbered_per_model_as_before():
    a = PartnershipModel(params=Params(SMALL), rng=1)
    b = PartnershipModel(params=Params(SMALL), rng=1)
    ids = sorted(agent.unique_id for agent in a.agents)
    assert ids == list(range(1, len(ids) + 1))
    assert sorted(agent.unique_id for agent in b.agents) == ids


def button(rc, label: str):
    return next(b for b in rc.find(v.Btn).widgets if label in b.children)


def test_fifty_closed_sessions_leave_no_model_alive():
    """50 page sessions, each rebuilt once (a Step, then Reset), then closed as Solara
    closes a page: no model is left. A session holds its twins and, in the dependencies
    reacton keeps, the pair it replaced last: at most two pairs."""
    from backbone.app.page import Layout, Page

    before = live_models()
    for i in range(REBUILDS):
        box, rc = solara.render(Layout(children=[Page()]), handle_error=False)
        button(rc, "Step").click()
        button(rc, "Reset").click()
        if i % 10 == 0:
            assert live_models() - before <= 2 * 2
        rc.close()
        del box, rc   # the server drops a closed session's widgets and context too
        # Outside a server, Solara gives each widget a placeholder comm that it keeps, with
        # its widget, in ``solara.comm.orphan_comm_stacks`` for debugging; in the server the
        # widgets have the session's comms and go with it. Drop those placeholders.
        solara.comm.orphan_comm_stacks.clear()
    assert live_models() == before


def test_a_closed_session_schedules_one_trim_for_a_burst_of_closes(monkeypatch):
    from backbone.app import memory

    trims = []
    monkeypatch.setattr(memory, "malloc_trim", lambda: trims.append(1) or True)
    cleanup = memory.on_session_start()      # what Solara calls at a session's start
    first = cleanup(0.2)                      # ... and what it calls at its close
    assert first is not None and cleanup(0.2) is None   # a second close meanwhile: the same trim
    first.join(10)
    assert trims == [1]
    later = cleanup(0.0)
    assert later is not None
    later.join(10)
    assert trims == [1, 1]
