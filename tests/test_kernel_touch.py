"""Each kernel's docstring says what it reads and writes, and says it right.

A kernel's docstring ends with two lines (wrapped as needed)::

    Reads: partners (active, engagement), world (month), trust.
    Writes: partners (engagement), world (orch_hours).

naming the parts of the state (partners, funders, beneficiaries, needs, world, trust,
trust_levels, fit, events; ``row``: the month's output row) and, for the record-like
parts, their fields (the event log's counters ``world.n_events`` and
``world.dropped_events`` count as the event log). This test reads the kernels' source (simulation/kernels/*.py, with
``ast``), follows each kernel into the functions it calls with the arguments it passes,
and checks that the docstring lists exactly the fields the code reads and writes. The
parameters (``P[0]``) are not listed: the schema and docs/ODD.md say which rule uses
which. A read-modify-write (``+=``) is both a read and a write; ``.shape`` is not a read.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

KERNELS = Path(__file__).resolve().parents[1] / "simulation" / "kernels"

# The names the kernels use for the parts of the state, and the part each stands for.
PARTS = {"pt": "partners", "fu": "funders", "be": "beneficiaries", "nd": "needs", "w": "world",
         "T": "trust", "trust": "trust", "L": "trust_levels", "levels": "trust_levels",
         "fit": "fit", "ev": "events", "events": "events", "row": "row"}
RECORDS = ("partners", "funders", "beneficiaries", "needs", "world")  # parts listed with their fields
WHOLE = ("trust", "trust_levels", "fit", "events", "row")              # parts listed as a whole
ORDER = RECORDS + WHOLE

# The kernels: the schedule's processes (simulation/engine.py), initialization and the
# app's interventions on the whole state.
CHECKED = ("initialize", "draw_context", "funding", "shocks", "turnover", "membership", "practices",
           "coordination", "trust", "work", "beneficiaries", "engagement", "measurement",
           "replace_representative", "claim_credit", "funder_leaves")


def _functions() -> dict[str, tuple[str, ast.FunctionDef]]:
    out = {}
    for path in sorted(KERNELS.glob("*.py")):
        if path.name == "jit.py":
            continue
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.FunctionDef):
                out[node.name] = (path.name, node)
    return out


FUNCTIONS = _functions()
_MEMO: dict[str, tuple[set, set]] = {}


def _chain(e):
    """(name, attribute or None) at the root of ``x.a[i]``, ``x[i, j]``, ``x.a``."""
    while isinstance(e, (ast.Subscript, ast.Attribute)):
        if isinstance(e.value, ast.Name):
            return e.value.id, (e.attr if isinstance(e, ast.Attribute) else None)
        e = e.value
    return None


def touches(name: str) -> tuple[set[str], set[str]]:
    """(reads, writes) of function ``name`` as 'head' or 'head.field', in the names of
    its own arguments (a state part is ``st.partners``...), its callees' included."""
    if name in _MEMO:
        return _MEMO[name]
    _MEMO[name] = (set(), set())  # recursion guard
    node = FUNCTIONS[name][1]
    params = {a.arg for a in node.args.args}
    alias: dict[str, str] = {}  # local name -> what it stands for ('p', 'st.world', 'events.rows')
    for n in ast.walk(node):
        if isinstance(n, ast.Assign) and len(n.targets) == 1:
            t, v = n.targets[0], n.value
            if isinstance(t, ast.Name) and isinstance(v, ast.Subscript):
                if isinstance(v.value, ast.Name) and v.value.id == "P":
                    alias[t.id] = "p"
                elif isinstance(v.value, ast.Attribute) and isinstance(v.value.value, ast.Name) \
                        and v.value.value.id in params:
                    alias[t.id] = f"{v.value.value.id}.{v.value.attr}"
            elif isinstance(t, ast.Tuple) and isinstance(v, ast.Call) and v.args \
                    and isinstance(v.args[0], ast.Tuple):  # pt, fu = borrowed((st.partners, st.funders))
                for tt, a in zip(t.elts, v.args[0].elts):
                    if isinstance(a, ast.Attribute) and isinstance(a.value, ast.Name):
                        alias[tt.id] = f"{a.value.id}.{a.attr}"

    def tracked(n):
        return n in params or n in alias

    def norm(n, attr):
        head = alias.get(n, n)
        if head == "P":
            head = "p"
        return f"{head}.{attr}" if attr else head

    skip = set()   # attribute nodes that are not reads: store targets, x.shape
    for n in ast.walk(node):
        if isinstance(n, ast.Assign):
            for t in n.targets:
                for m in ast.walk(t):
                    if isinstance(m, ast.Attribute):
                        skip.add(id(m))
        if isinstance(n, ast.Attribute) and n.attr == "shape":
            skip.add(id(n.value))
        if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) and n.value.id == "st":
            skip.add(id(n))   # st.partners: a part handed on (to borrowed, a callee), not a read
    reads, writes = set(), set()
    for n in ast.walk(node):
        targets = n.targets if isinstance(n, ast.Assign) else [n.target] if isinstance(n, ast.AugAssign) else []
        for t in targets:
            c = None if isinstance(t, ast.Name) else _chain(t)
            if c and tracked(c[0]):
                writes.add(norm(*c))
                if isinstance(n, ast.AugAssign):
                    reads.add(norm(*c))
        if isinstance(n, ast.Attribute) and isinstance(n.ctx, ast.Load) and id(n) not in skip \
                and isinstance(n.value, ast.Name) and tracked(n.value.id) and n.attr not in ("shape", "random"):
            reads.add(norm(n.value.id, n.attr))
        if isinstance(n, ast.Subscript) and isinstance(n.ctx, ast.Load) and isinstance(n.value, ast.Name) \
                and tracked(n.value.id) and n.value.id != "P":
            reads.add(norm(n.value.id, None))
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id in FUNCTIONS:
            callee = FUNCTIONS[n.func.id][1]
            mapping = {}
            for cp, a in zip((x.arg for x in callee.args.args), n.args):
                if isinstance(a, ast.Name) and tracked(a.id):
                    mapping[cp] = norm(a.id, None)
                elif isinstance(a, ast.Attribute) and isinstance(a.value, ast.Name) and tracked(a.value.id):
                    mapping[cp] = norm(a.value.id, a.attr)
                elif isinstance(a, ast.Subscript) and isinstance(a.value, ast.Attribute) \
                        and isinstance(a.value.value, ast.Name) and tracked(a.value.value.id):
                    mapping[cp] = norm(a.value.value.id, a.value.attr)   # st.world[0]
                elif isinstance(a, ast.Subscript) and isinstance(a.value, ast.Name) and a.value.id == "P":
                    mapping[cp] = "p"
            cr, cw = touches(n.func.id)
            for src, dst in ((cr, reads), (cw, writes)):
                for x in src:
                    head, _, rest = x.partition(".")
                    if head in mapping:
                        dst.add(mapping[head] + ("." + rest if rest else ""))
    _MEMO[name] = (reads, writes)
    return reads, writes


def _part(x: str) -> tuple[str, str] | None:
    """'pt.engagement' -> ('partners', 'engagement'); 'st.world.month' -> ('world',
    'month'); 'events.rows' -> ('events', ''); None for parameters and other arguments."""
    bits = x.split(".")
    if bits[0] == "st":
        bits = bits[1:]
    if not bits or bits[0] not in PARTS and bits[0] not in ORDER:
        return None
    head = PARTS.get(bits[0], bits[0])
    if head == "world" and len(bits) > 1 and bits[1] in ("n_events", "dropped_events"):
        return "events", ""    # the log's own counters: part of the event log
    return head, (bits[1] if head in RECORDS and len(bits) > 1 else "")


def grouped(names: set[str]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for x in names:
        got = _part(x)
        if got is None:
            continue
        head, field = got
        out.setdefault(head, set())
        if field:
            out[head].add(field)
    return out


def text(groups: dict[str, set[str]]) -> str:
    """'partners (active, engagement), world (month), trust'."""
    items = []
    for head in ORDER:
        if head in groups:
            fields = sorted(groups[head])
            items.append(f"{head} ({', '.join(fields)})" if head in RECORDS and fields else head)
    return ", ".join(items) if items else "nothing"


def stated(doc: str, label: str) -> dict[str, set[str]] | None:
    """The parts and fields a docstring's 'Reads:' or 'Writes:' line names."""
    m = re.search(rf"^\s*{label}:(.*?)(?=^\s*(?:Reads|Writes):|^\s*$|\Z)", doc, re.S | re.M)
    if m is None:
        return None
    body = " ".join(m.group(1).split()).rstrip(".")
    if body == "nothing":
        return {}
    out: dict[str, set[str]] = {}
    for head, fields in re.findall(r"(\w+)(?:\s*\(([^)]*)\))?", body):
        out[head] = {f.strip() for f in fields.split(",") if f.strip()} if fields else set()
    return out


@pytest.mark.parametrize("name", CHECKED)
def test_kernel_docstring_lists_what_it_reads_and_writes(name):
    node = FUNCTIONS[name][1]
    doc = ast.get_docstring(node) or ""
    reads, writes = touches(name)
    for label, found in (("Reads", reads), ("Writes", writes)):
        want = grouped(found)
        said = stated(doc, label)
        assert said is not None, f"{name}: no '{label}:' line in its docstring; it should say: {label}: {text(want)}."
        assert said == want, f"{name}: the docstring's '{label}:' line should say: {label}: {text(want)}."


def test_the_analysis_sees_a_planted_write_through_a_callee():
    # funding calls pay_in(p, fu, w), which writes w.inflow: the analysis must follow it
    reads, writes = touches("funding")
    assert "w.inflow" in writes and "fu.level" in reads
    assert grouped({"st.world.month", "pt.engagement", "events.rows", "p.turnover_rate"}) == {
        "world": {"month"}, "partners": {"engagement"}, "events": set()}
    assert stated("x\n\nReads: partners (a, b), trust.\nWrites: nothing.", "Reads") == {"partners": {"a", "b"}, "trust": set()}
    assert stated("x\n\nReads: partners (a, b), trust.\nWrites: nothing.", "Writes") == {}


MONTHLY = ("funding", "shocks", "turnover", "membership", "practices", "coordination", "trust",
           "work", "beneficiaries", "engagement", "measurement")


def direct_world_writers() -> dict[str, set[str]]:
    """world field -> the kernel modules whose functions assign it (init.py aside: it sets
    the launch values)."""
    out: dict[str, set[str]] = {}
    for name, (module, node) in FUNCTIONS.items():
        if module == "init.py":
            continue
        for n in ast.walk(node):
            targets = n.targets if isinstance(n, ast.Assign) else [n.target] if isinstance(n, ast.AugAssign) else []
            for t in targets:
                c = None if isinstance(t, ast.Name) else _chain(t)
                if c and c[0] == "w" and c[1]:
                    out.setdefault(c[1], set()).add(module)
    return out


def test_each_world_field_the_row_reports_has_one_writer():
    reported = grouped(touches("measurement")[0])["world"]
    writers = direct_world_writers()
    several = {f: sorted(writers.get(f, ())) for f in reported if len(writers.get(f, ())) != 1}
    assert not several, f"world fields the monthly row reads with no or several writing modules: {several}"
    assert writers["exits"] == {"interventions.py"} and writers["mean_trust"] == {"trust.py"}


def test_the_monthly_kernels_are_the_schedule():
    # the processes this test follows are the ones run_months calls
    engine = (KERNELS.parent / "engine.py").read_text()
    called = re.findall(r"K\.(\w+)\(P, ", engine.split("for t in range")[1])
    assert tuple(called) == MONTHLY


def direct_writers(part: str, field: str, bare: bool = False) -> set[str]:
    """The functions (module:function) that assign ``part.field`` themselves, init's included
    (``bare``: also ``field[i] = ...``, the array handed in by itself)."""
    names = {k for k, v in PARTS.items() if v == part}
    out = set()
    for name, (module, node) in FUNCTIONS.items():
        for n in ast.walk(node):
            targets = n.targets if isinstance(n, ast.Assign) else [n.target] if isinstance(n, ast.AugAssign) else []
            for t in targets:
                c = None if isinstance(t, ast.Name) else _chain(t)
                if c and ((c[0] in names and c[1] == field) or (bare and c[0] == field and c[1] is None)):
                    out.add(f"{module}:{name}")   # pt.active[i] = ..., or active[i] = ... (the array handed in)
    return out


def test_partners_and_funders_join_and_leave_only_through_interventions():
    assert direct_writers("partners", "active", bare=True) == {"interventions.py:add_partner", "interventions.py:remove_partner"}
    assert direct_writers("funders", "active") == {"interventions.py:add_funder", "interventions.py:funder_out"}
    # and the processes that add them call the one intervention each
    for kernel, intervention in (("initialize", "add_partner"), ("membership", "add_partner"),
                                 ("initialize", "add_funder"), ("shocks", "add_funder")):
        node = FUNCTIONS[kernel][1]
        called = {n.func.id for n in ast.walk(node) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
        reached = set(called)
        for c in called:   # one level down: shocks calls funder_shocks, which calls add_funder
            if c in FUNCTIONS:
                reached |= {n.func.id for n in ast.walk(FUNCTIONS[c][1])
                            if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
        assert intervention in reached, f"{kernel} does not add through {intervention}"
