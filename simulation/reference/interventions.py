"""Interventions, in plain Python: mirrors ``simulation/kernels/interventions.py`` (the
changes to the state that an event makes, written once and used by every process that
makes the event)."""

from __future__ import annotations


def partner_exits(ps, i: int):
    """Partner i leaves the partnership (disengaged, ODD 7.3, or called home, 7.2a; kernels
    partner_exits): no longer a member, nobody's trust with it counts, counted in
    world.exits. The caller logs the event that says why."""
    ps.partners[i].active = False
    for j in range(len(ps.partners)):
        ps.set_trust(i, j, 0.0)
    ps.w.exits += 1.0
