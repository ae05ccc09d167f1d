"""The cast: names the room can follow, for partners and funders.

The model numbers its partners ("Partner 3"); a room of practitioners follows a story
better when the retailer's representative leaves and trust with the city falls. The app
passes these names to the model as ``partner_names`` (``"Name:sector"``), in the same
sector order the model uses by default (public, private, nonprofit, academia, repeated),
so naming the partners changes nothing in the dynamics: a twin with the cast is the
same run as one without.

Partners the model recruits later get the next unused name of their sector
(``recruit_name``); funders are named by index (``funder_name``).
"""

from __future__ import annotations

from backbone.simulation import SECTORS

# Four names per sector, in the model's default sector order: slot i has sector i % 4.
PARTNER_CAST: tuple[tuple[str, str], ...] = (
    ("City", "public"), ("Retailer", "private"), ("Youth charity", "nonprofit"), ("University", "academia"),
    ("Job centre", "public"), ("Bank", "private"), ("Sports club", "nonprofit"), ("Vocational college", "academia"),
    ("Health service", "public"), ("Builder", "private"), ("Housing charity", "nonprofit"), ("Research institute", "academia"),
    ("Police", "public"), ("Tech firm", "private"), ("Mentoring network", "nonprofit"), ("Adult school", "academia"),
    ("Region", "public"), ("Hotel chain", "private"), ("Faith group", "nonprofit"), ("Business school", "academia"),
    ("Library service", "public"), ("Energy company", "private"), ("Refugee council", "nonprofit"), ("Teacher college", "academia"),
)
FUNDER_CAST: tuple[str, ...] = (
    "Family foundation", "Municipal fund", "EU social fund", "Corporate sponsor", "National agency",
    "Lottery fund", "Regional fund", "Community foundation",
)
CAST_NAMES = frozenset(name for name, _ in PARTNER_CAST) | frozenset(FUNDER_CAST)


def partner_names(n_partners: int) -> list[str]:
    """``partner_names`` for the model: the cast's first ``n_partners`` as "Name:sector"
    (at most the cast's size; the model names any further partners itself)."""
    return [f"{name}:{sector}" for name, sector in PARTNER_CAST[:n_partners]]


def recruit_name(sector: int | str, taken: set[str]) -> str:
    """The first cast name of ``sector`` not yet ``taken``; else "New partner N"."""
    sector = SECTORS[sector] if isinstance(sector, int) else sector
    for name, sec in PARTNER_CAST:
        if sec == sector and name not in taken:
            return name
    n = 1
    while f"New partner {n}" in taken:
        n += 1
    return f"New partner {n}"


def funder_name(index: int) -> str:
    """A funder's name by its index."""
    return FUNDER_CAST[index] if index < len(FUNDER_CAST) else f"Funder {index + 1}"


def spoken(name: str) -> str:
    """How a sentence refers to a partner or funder: "the retailer" for a cast name,
    the name as written otherwise ("Partner 9", "Malmö stad")."""
    if name in CAST_NAMES:
        keep = len(name) > 1 and name[1].isupper()  # "EU social fund" stays as written
        return "the " + (name if keep else name[0].lower() + name[1:])
    return name


def possessive(name: str) -> str:
    """ "the retailer's", "Partner 9's"."""
    s = spoken(name)
    return s + ("'" if s.endswith("s") else "'s")
