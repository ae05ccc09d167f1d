"""The report's HTML: one self-contained page (figures as base64 PNG; no external file,
font or script), rendered from the estimates of ``analysis.report`` (``render``). Nothing
here runs the model or estimates: it puts numbers into words, tables and figures
(``analysis.report_figures``, ``analysis.narrative`` for the impact narratives).
"""

from __future__ import annotations

import base64
import datetime as dt
import html
from typing import TYPE_CHECKING, Mapping

import numpy as np
import pandas as pd

from . import report_figures as rf
from backbone.simulation.scenarios import DEFAULT_CURRENCY

from .compare import COMPARE_ROWS
from .labels import FIGURES, GROSS_NET_SENTENCE, figure_name
from .narrative import narrative, points
from .stats import IMPACT, Estimate

if TYPE_CHECKING:
    from backbone.simulation import Params

CSS = """
body{font-family:Georgia,'Times New Roman',serif;max-width:1000px;margin:2em auto;padding:0 1.5em;color:#222;line-height:1.45}
h1{font-size:1.9em;margin-bottom:.1em}h2{border-bottom:2px solid #0173b2;padding-bottom:.2em;margin-top:1.8em}
.sub{color:#555;font-size:.95em}.box{background:#f3f7fb;border-left:5px solid #0173b2;padding:.6em 1.2em;margin:1em 0}
table{border-collapse:collapse;font-family:Helvetica,Arial,sans-serif;font-size:.82em;width:100%;margin:.8em 0}
th,td{border-bottom:1px solid #ddd;padding:.3em .5em;text-align:right;vertical-align:top}
th{background:#f0f0f0}td.l,th.l{text-align:left}tr.p td{background:#fafafa;font-weight:bold;text-align:left;color:#0173b2}
.sig{color:#0173b2;font-weight:bold}img{max-width:100%;display:block;margin:.5em auto}
.note{font-size:.85em;color:#555}.caveat{background:#fff7e6;border-left:5px solid #d97706;padding:.5em 1.2em;
margin:1em 0;font-size:1.05em}.code{font-family:Helvetica,Arial,sans-serif;color:#777;font-size:.8em}.scen{margin:.4em 0}.scen b{font-family:Helvetica,Arial,sans-serif}
"""


def _img(png: bytes, alt: str) -> str:
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{base64.b64encode(png).decode()}">'


def _cell(x: float, lo: float, hi: float, digits: int) -> str:
    if not np.isfinite(x):
        return "-"
    return f"{x:,.{digits}f} <span class=note>[{lo:,.{digits}f}, {hi:,.{digits}f}]</span>"


def _digits(values) -> int:
    v = np.nanmax(np.abs(np.asarray(values, float))) if len(values) else 1
    return 0 if v >= 100 else (1 if v >= 10 else (2 if v >= 1 else 3))


def scorecard_html(table: pd.DataFrame, names: list[str], titles: Mapping[str, str] | None = None,
                   currency: str = DEFAULT_CURRENCY) -> str:
    """The paired comparison table as HTML: one row per metric (its display name and
    unit, ``analysis.labels``), per scenario mean [CI], and the difference with the
    first scenario (bold when its CI excludes 0). Columns are headed by ``titles``
    (display names; default the names)."""
    from .labels import metric_label

    titles = titles or {}
    label = {n: titles.get(n, n) for n in names}
    ref = names[0]
    meaning = {m: t for _, m, t in COMPARE_ROWS}
    head = "<tr><th class=l>metric</th>" + "".join(f"<th>{html.escape(label[n])}</th>" for n in names)
    head += "".join(f"<th>{html.escape(label[n])} minus {html.escape(label[ref])}</th>" for n in names[1:]) + "</tr>"
    rows, persp = [head], None
    by = table.set_index(["metric", "scenario"])
    for p, metric, _ in COMPARE_ROWS:
        if p != persp:
            persp = p
            rows.append(f"<tr class=p><td colspan={1 + 2 * len(names) - 1}>{p.upper()}</td></tr>")
        block = by.loc[metric]
        d = _digits(block["mean"].to_numpy())
        shown = metric_label(metric, meaning[metric], currency)[0]
        tip = FIGURES[metric][1] if metric in FIGURES else shown
        cells = [f"<td class=l title='{html.escape(tip)}'>{html.escape(shown)}</td>"]
        cells += [f"<td>{_cell(block.loc[n, 'mean'], block.loc[n, 'ci_low'], block.loc[n, 'ci_high'], d)}</td>"
                  for n in names]
        for n in names[1:]:
            r = block.loc[n]
            sig = r.diff_low > 0 or r.diff_high < 0
            txt = f"{r['diff']:+,.{d}f} <span class=note>[{r.diff_low:+,.{d}f}, {r.diff_high:+,.{d}f}]</span>"
            cells.append(f"<td class={'sig' if sig else ''}>{txt}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return "<table>" + "".join(rows) + "</table>"


def money_html(rows: list[dict], currency: str = DEFAULT_CURRENCY, units: Mapping[str, str] | None = None) -> str:
    """The money table: per scenario cost per sustained outcome, gross and net SROI, net
    cost per additional sustained outcome [CIs], all runs pooled (``analysis.labels.FIGURES``),
    and the backbone payoff ratio (rows of ``analysis.report.money_estimates``). Money in
    ``currency``, or, where ``units`` (scenario -> its unit) differ, in each row's unit."""
    mixed = units is not None and len(set(units.values())) > 1
    heads = [figure_name(k, None if mixed else currency) for k in ("cost_pooled", "gross_sroi_pooled",
                                                                   "net_sroi_pooled", "net_cost_pooled")]
    html_rows = ["<tr><th class=l>scenario</th>" + "".join(f"<th>{html.escape(h)}</th>" for h in heads)
                 + "<th>backbone payoff ratio</th></tr>"]
    for r in rows:
        pay = r["payoff"]
        ptxt = "no backbone funded"
        if pay is not None:
            e = pay["ratio"]
            ptxt = (f"{e.value:.1f} <span class=note>[{e.lo:.1f}, {e.hi:.1f}]</span>" if pay["bounded"]
                    else "not meaningful: what the backbone's money would buy as direct work is too small or "
                         "too uncertain to divide by")
        scen = html.escape(r["scenario"]) + (f" <span class=note>({html.escape(units[r['scenario']])})</span>"
                                             if mixed and r["scenario"] in units else "")
        html_rows.append(f"<tr><td class=l>{scen}</td>"
                         f"<td>{_cell(r['cost'].value, r['cost'].lo, r['cost'].hi, 2)}</td>"
                         f"<td>{_cell(r['sroi'].value, r['sroi'].lo, r['sroi'].hi, 1)}</td>"
                         f"<td>{_cell(r['net_sroi'].value, r['net_sroi'].lo, r['net_sroi'].hi, 1)}</td>"
                         f"<td>{_cell(r['net_cost'].value, r['net_cost'].lo, r['net_cost'].hi, 2)}</td>"
                         f"<td>{ptxt}</td></tr>")
    return "<table>" + "".join(html_rows) + "</table>"


def fixed_hours_html(fixed: Mapping[str, Mapping[float, dict]], scenarios, titles: Mapping[str, str]) -> str:
    """The payoff ratio with the backbone's staff held fixed while the funders' budget
    changes, one sentence per scenario that funds a backbone; a ratio whose denominator
    (what the backbone's money would buy as direct work) is not clearly above zero is
    called not meaningful, never printed."""
    from .arms import backbone_money

    out = []
    for n, by in fixed.items():
        p = scenarios[n]
        hours = backbone_money(p) / p.staff_cost_per_hour
        parts = []
        for m, pay in sorted(by.items()):
            budget = "half the funders' budget" if m == 0.5 else "twice the funders' budget" if m == 2 else f"{m:g} times the funders' budget"
            if pay["bounded"]:
                e = pay["ratio"]
                parts.append(f"at {budget} the ratio is {e.value:.1f} [{e.lo:.1f}, {e.hi:.1f}]")
            else:
                parts.append(f"at {budget} it is not meaningful: what the backbone's money would buy as "
                             "direct work is too small or too uncertain to divide by")
        out.append(f"<p class=note><b>{html.escape(titles.get(n, n))}</b>: with the backbone's staff held at "
                   f"{hours:,.0f} hours a month instead of growing with the money, {'; '.join(parts)}.</p>")
    return "".join(out)


def findings_html(names, params, runs, titles: Mapping[str, str], replications: int,
                  diffs: Mapping[str, Estimate]) -> str:
    """The top of the report in plain words: what to decide, what the model finds, how
    sure it is, and that it is a model, not a forecast. ``diffs``: long-term impact of
    each scenario but the first minus the first's, paired by seed."""
    t = {n: html.escape(titles.get(n, n)) for n in names}
    imp = {n: runs[n]["summary"][IMPACT].mean() for n in names}
    best = max(imp, key=imp.get)
    years = params[best].months / 12
    ref = names[0]
    out = ["<div class=caveat><b>A model, not a forecast.</b> These numbers show what follows from the model's "
           "stated mechanisms and assumptions about partnerships, funders and the people they serve. Use them to "
           "compare the options below with each other and to see what drives the difference, not to predict what "
           "any real partnership will achieve.</div>"]
    if len(names) == 1:
        decide = (f"<b>What to decide:</b> whether {t[best]} is worth funding as set up here: the model shows what it "
                  "reaches and what its result depends on.")
    else:
        decide = (f"<b>What to decide:</b> which of these {len(names)} set-ups to back ("
                  + ", ".join(t[n] for n in names) + ").")
    found = (f"<b>What the model finds:</b> {t[best]} reaches the most people, {100 * imp[best]:.0f}% of its target "
             f"population with a sustained outcome over the last year of {years:g} years")
    sure, total = [], 0
    for n in names[1:]:
        d = diffs[n]
        total += 1
        clear = d.lo > 0 or d.hi < 0
        word = "more" if d.value >= 0 else "fewer"
        if clear:
            sure.append(f"{t[n]} reaches {abs(100 * d.value):.1f} percentage points {word} than {t[ref]} (95% CI "
                        f"{100 * d.lo:+.1f} to {100 * d.hi:+.1f}): clear")
        else:
            sure.append(f"{t[n]} against {t[ref]}: {100 * d.value:+.1f} percentage points (95% CI {100 * d.lo:+.1f} "
                        f"to {100 * d.hi:+.1f}): not distinguishable from no difference with these runs")
    found += "."
    how = (f"<b>How sure the model is:</b> each scenario ran {replications} times on the same seeds (the same "
           "turnover, needs and shocks in each), and the 95% intervals below show how much the result varies with "
           "luck. ")
    if sure:
        how += ("; ".join(sure) + ". ")
    how += ("Sure here means the model gives the same order under other luck; it does not mean its assumptions "
            "hold for a given partnership.")
    return out[0] + "<div class=box>" + "".join(f"<p>{x}</p>" for x in (decide, found, how)) + "</div>"


def key_findings(names, params, runs, payoffs, atts, titles: Mapping[str, str] | None,
                 diffs: Mapping[str, Estimate]) -> list[str]:
    """Three to five plain sentences for the top of the report (``diffs`` as in
    ``findings_html``)."""
    titles = titles or {}
    t = {n: html.escape(titles.get(n, n)) for n in names}
    imp = {n: runs[n]["summary"][IMPACT].mean() for n in names}
    best = max(imp, key=imp.get)
    out = [f"<b>{t[best]}</b> reaches the most people: {100 * imp[best]:.0f}% of its target population "
           f"with a sustained outcome over the last year of {params[best].months / 12:g} years."]
    ref = names[0]
    for n in names[1:]:
        d = diffs[n]
        out.append(f"{t[n]} against {t[ref]}: {points(d, signed=True)} of long-term impact.")
    for n, pay in payoffs.items():
        e = pay["ratio"]
        if pay["bounded"]:
            out.append(f"In {t[n]}, each unit of impact the backbone's budget would have bought as direct "
                       f"work comes back as {e.value:.1f} units through the backbone (95% CI {e.lo:.1f} to {e.hi:.1f}); "
                       f"practitioners claim 3 to 4. "
                       + ("The ratio is large because its denominator is small: " if e.value > 4 else "In plain terms: ")
                       + f"the backbone's money spent on direct work instead would add "
                         f"{points(pay['direct'], signed=True)} of long-term impact; the backbone adds "
                         f"{points(pay['gain'], signed=True)}.")
    for n, att in atts.items():
        c = att["contributions"]
        if len(c) and c.value.iloc[0] > 0.005:
            top = c.iloc[0]
            out.append(f"In {t[n]}, the backbone principle that matters most is "
                       f"{html.escape(rf.SHORT[top.principle])}: switching it off alone costs "
                       f"{points(Estimate(top.value, top.lo, top.hi))} of long-term impact.")
    return out[:6]


def value_findings(money: pd.DataFrame) -> list[str]:
    """One sentence on value for money: the scenario with the highest net SROI."""
    ok = money[[np.isfinite(e.value) for e in money.net_sroi]]
    if ok.empty:
        return []
    best = ok.iloc[int(np.argmax([e.value for e in ok.net_sroi]))]
    n, g = best.net_sroi, best.sroi
    return [f"Value for money: <b>{html.escape(best.scenario)}</b> returns {n.value:.1f} units of social value per "
            f"unit spent (95% CI {n.lo:.1f} to {n.hi:.1f}) beyond what the same people would have reached without "
            f"the partnership, less the share owed to others ({FIGURES['net_sroi_pooled'][0]}); "
            f"{g.value:.1f} before those deductions ({FIGURES['gross_sroi_pooled'][0]})."]


def money_note() -> str:
    """What each money figure is (``analysis.labels.FIGURES``, one definition each), why
    gross and net SROI can move in opposite directions, and the payoff ratio, in words."""
    defs = "; ".join(f"<i>{html.escape(FIGURES[k][0])}</i> = {html.escape(FIGURES[k][1])}"
                     for k in ("cost_pooled", "cost_per_outcome", "gross_sroi_pooled", "sroi", "net_sroi_pooled",
                               "net_cost_pooled"))
    return ("<p class=note>" + defs + ". The scorecard above shows run averages; this table pools all runs, so the "
            "two can differ slightly. SROI after Nicholls et al. (2012): the value of a year with a sustained "
            "outcome is set by the scenario, and outcomes still held at the end count for the years they are "
            "expected to last, fading. " + html.escape(GROSS_NET_SENTENCE) + " The backbone payoff ratio compares "
            "the impact the backbone adds with the impact its budget would buy as partners' direct work (1 = "
            "break-even; above 1, the backbone is worth its cost); bootstrap 95% intervals over runs.</p>")


def scenarios_html(names, titles: Mapping[str, str], labels: Mapping[str, dict]) -> str:
    """One paragraph per scenario: its title and description (no file name)."""
    from backbone.simulation.scenarios import ScenarioError, scenario_description

    out = []
    for n in names:
        try:
            desc = scenario_description(n)
        except ScenarioError:  # a Params-only scenario has no file
            desc = ""
        out.append(f"<p class=scen><b>{html.escape(titles[n])}</b>: {html.escape(' '.join(desc.split()))} "
                   f"<span class=note>Money in {html.escape(labels[n]['currency'])}.</span></p>")
    return "".join(out)


def narrative_parts(names, scenarios: Mapping[str, Params], runs, atts, titles, labels) -> list[str]:
    """The impact narrative of each scenario as HTML paragraphs (and its attribution)."""
    parts = []
    for n in names:
        parts.append(f"<h3>{html.escape(titles[n])}</h3>")
        ref = (titles[names[0]], runs[names[0]]["summary"]) if n != names[0] else None
        paras = narrative(titles[n], scenarios[n], runs[n], ref, atts.get(n),
                          dimension_names=labels[n]["dimension_names"], currency=labels[n]["currency"])
        for s in paras:
            head, sep, rest = s.partition(": ")
            if head in ("To whom", "At what level", "Why", "Implications", "What happened along the way (mean per run)"):
                parts.append(f"<p><b>{html.escape(head)}:</b> {html.escape(rest)}</p>")
            else:
                parts.append(f"<p>{html.escape(s)}</p>")
        if n in atts:
            parts.append(_img(rf.attribution(atts[n], titles[n]), f"attribution for {titles[n]}"))
    return parts


def render(e) -> str:  # e: analysis.report.ReportEstimates (report imports this module, not the reverse)
    """The report as one self-contained HTML page, from its estimates alone (nothing here
    runs the model): the findings, the scenarios, impact over time, the scorecard, money,
    the narratives, the hours section when searched, and how the numbers were made."""
    names, scenarios, runs, titles, labels = e.names, e.scenarios, e.runs, e.titles, e.labels
    replications, seed0, posterior = e.replications, e.seed0, e.posterior
    table, payoffs, atts, money = e.table, e.payoffs, e.atts, e.money
    parts = [f"<h1>Funding scenarios compared</h1><p class=sub>{', '.join(html.escape(titles[n]) for n in names)} "
             f"&middot; {replications} runs each on common random numbers &middot; Backbone {_version()} &middot; "
             f"{dt.date.today().isoformat()}</p>"]
    if posterior is not None:
        parts.append(f"<p class=note><b>Parameter uncertainty:</b> {html.escape(posterior.note())}; run r of every "
                     "scenario used the same posterior draw.</p>")
    parts.append("<h2>Findings</h2>" + findings_html(names, scenarios, runs, titles, replications, e.diffs))
    findings = key_findings(names, scenarios, runs, payoffs, atts, titles, e.diffs) + value_findings(money)
    parts.append("<div class=box><b>Key findings</b><ul>" + "".join(
        f"<li>{s}</li>" for s in findings) + "</ul></div>")
    parts.append("<h2>The scenarios</h2>" + scenarios_html(names, titles, labels))
    parts.append("<h2>Impact over time</h2>" + _img(rf.impact_over_time(runs, scenarios, titles), "impact over time")
                 + "<p class=note>Share of the target population with a sustained outcome each month: mean over "
                   "runs with its 95% confidence band. The partnership's goal is marked as a note at the side (or "
                   "as a dashed line when it is within the range of the curves), so that it does not squash them.</p>")
    parts.append("<h2>Balanced scorecard at the horizon</h2><p class=note>Mean over runs [95% confidence interval: a bootstrap "
                 "interval for shares and 0-1 scales, which never leaves 0-1; a t-interval for counts and money]; the "
                 "difference columns are paired by seed (the same turnover, needs and shocks in every scenario); "
                 f"bold: the interval excludes zero. {_money_note(names, labels)}</p>"
                 + scorecard_html(table, names, titles, _currency_of(names, labels)))
    parts.append("<h2>Money: what a sustained outcome costs, and what the backbone returns</h2>"
                 + money_html(e.money_rows, _currency_of(names, labels),
                              {titles[n]: labels[n]["currency"] for n in names})
                 + fixed_hours_html(e.fixed_payoffs or {}, scenarios, titles)
                 + _img(rf.money(money, _currency_of(names, labels)), "cost per sustained outcome and SROI, all runs pooled")
                 + money_note())
    parts.append("<h2>Impact narrative: what changed, for whom, at what level, why, and the implications</h2>")
    parts += narrative_parts(names, scenarios, runs, atts, titles, labels)
    if e.hours is not None:
        parts.append(hours_section(e.hours, titles, e.optimize_trials, replications))
    parts.append(_method(replications, seed0))
    return ("<!DOCTYPE html><html lang=en><head><meta charset=utf-8><title>Backbone report: "
            + html.escape(", ".join(titles[n] for n in names)) + f"</title><style>{CSS}</style></head><body>"
            + "\n".join(parts) + "</body></html>")


def hours_section(results: Mapping[str, object], titles: Mapping[str, str], trials: int, replications: int) -> str:
    """The section "Where this backbone's hours matter most" from the searches of
    ``analysis.report.run_hours`` (one ``analysis.optimize`` result per scenario that
    funds a backbone): the best split of its hours across the six principles, its gain
    over the scenario's own split on fresh seeds, and the range of each principle's share
    among the allocations within 1 pp of the best: a wide range means the principle's
    hours matter little."""
    from .optimize import WEIGHTS

    out = ["<h2>Where this backbone's hours matter most</h2>"]
    if not results:
        return out[0] + "<p class=note>No scenario funds a backbone.</p>"
    for n, res in results.items():
        g = res.gain_own
        clear = g.lo > 0
        rows = "".join(
            f"<tr><td class=l>{html.escape(w.removeprefix('effort_'))}</td><td>{100 * res.own_weights[w]:.0f}%</td>"
            f"<td>{100 * res.best[w]:.0f}%</td><td>{100 * res.flat_ranges.loc[w, 'min']:.0f}-"
            f"{100 * res.flat_ranges.loc[w, 'max']:.0f}%</td></tr>" for w in WEIGHTS)
        verdict = (f"The best split found gives {100 * g.value:+.1f} percentage points of long-term impact against "
                   f"the scenario's own split (95% CI {100 * g.lo:+.1f} to {100 * g.hi:+.1f}, {replications} fresh "
                   "runs on common seeds): " + ("a clear gain." if clear else
                                                "not distinguishable from the own split with these runs."))
        out.append(f"<h3>{html.escape(titles[n])}</h3><p>{verdict} {len(res.flat)} of {len(res.trials)} splits "
                   "searched lie within 1 percentage point of the best; the narrower a principle's range among "
                   "them, the more its hours matter.</p><table><tr><th class=l>principle</th><th>own split</th>"
                   f"<th>best found</th><th>range within 1 pp of the best</th></tr>{rows}</table>")
    out.append(f"<p class=note>From a search of {trials} splits of the backbone's hours (optuna's TPE sampler; the "
               "even split and the scenario's own first), each run on the same seeds; the best re-run on fresh seeds "
               "against the own split. A small search: <code>backbone optimize</code> runs a larger one.</p>")
    return "".join(out)


def _version() -> str:
    from backbone.experiments.store import package_version

    return package_version()


def _currency_of(names, labels) -> str:
    """The one money unit of these scenarios, or "money units" when they differ."""
    units = {labels[n]["currency"] for n in names}
    return units.pop() if len(units) == 1 else "money units"


def _money_note(names, labels) -> str:
    """Which money unit each scenario's figures are in."""
    units = {}
    for n in names:
        units.setdefault(labels[n]["currency"], []).append(labels[n]["title"])
    if len(units) == 1:
        return f"Money in {html.escape(next(iter(units)))}."
    return "Money in " + "; ".join(f"{html.escape(u)} for {', '.join(html.escape(t) for t in ts)}"
                                   for u, ts in units.items()) + " (not comparable across these)."


def _method(replications: int, seed0: int) -> str:
    return (f"<h2>How these numbers were made</h2><p class=note>Each scenario ran {replications} times with seeds "
            f"{seed0} to {seed0 + replications - 1}; run r of every scenario and counterfactual used the same seed, so "
            "the arms share who turns over when, whose needs change and which people show up (common random numbers). "
            "Long-term impact is the mean share of the target population with a sustained outcome over the last 12 "
            "months. The causes in the narrative come from counterfactual runs: the same scenario with one backbone "
            "principle switched off at a time, and with no orchestration at all. This is a model: its numbers show "
            "what follows from its stated mechanisms and assumptions (described in the model's ODD protocol, which "
            "comes with it), not a forecast; the practitioners' claims behind it are tested one by one in the "
            "model's claims report.</p>")
