"""The parameter schema: every parameter of the model in one place.

Each parameter has a name, a unit, a default, bounds (or allowed choices) and a source
or a stated assumption. ``Params`` validates a mapping of overrides against the schema:
an unknown key is an error naming the key and the nearest valid one; a value out of
range names the field, the value and the allowed range.

Usage::

    from backbone.simulation import Params
    p = Params(backbone_share=0.2, n_partners=12)
    p.backbone_share          # 0.2
    p.to_record()             # the numeric parameters as a numpy record for the kernels

The numeric parameters travel into the numba kernels as one numpy structured record
(``to_record``), so kernels read ``p.turnover_rate`` by name.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

import numpy as np

REGIMES = ("pooled", "isolated")
REVIEW_RULES = ("expectation", "price")  # how funders review grants (ODD 7.1)
SECTORS = ("public", "private", "nonprofit", "academia")
N_SECTORS = len(SECTORS)  # recruits take sectors in turn; the schema names the sectors
MONTHS_PER_YEAR = 12.0  # a unit conversion
# A funder's level is a multiple of funder_budget: launch funders pay at level 1 (what
# "funder_budget" means, and what backbone_budget and funding_weight measure against). A
# definition, not a rule; a funder that joins later starts at funder_join_level.
LAUNCH_LEVEL = 1.0
# Need profiles (and a policy change's new one) are drawn uniform on [NEED_LOW, NEED_LOW + 1]
# and normalized: the most needed dimension at most three times the least. A shape of the
# population's needs, not a behaviour; scenarios set the needs through complexity.
NEED_LOW = 0.5
PRINCIPLES = ("alignment", "momentum", "identity", "coordination", "population", "measurement")


class ParameterError(ValueError):
    """A parameter value or name that the schema does not allow (one-line message)."""


@dataclass(frozen=True)
class Spec:
    """One parameter: ``kind`` is float, int, bool, choice or names (a list of strings)."""

    name: str
    kind: str
    default: Any
    unit: str
    lo: float | None
    hi: float | None
    source: str
    doc: str
    group: str
    choices: tuple[str, ...] = ()

    def bounds_text(self) -> str:
        if self.kind == "choice":
            return "one of " + ", ".join(self.choices)
        if self.kind == "bool":
            return "true or false"
        if self.kind == "names":
            return f"a list of names, one per partner; sectors from {', '.join(SECTORS)}"
        return f"[{_fmt(self.lo)}, {_fmt(self.hi)}]"


def _fmt(x: float | None) -> str:
    if x is None:
        return "?"
    if float(x).is_integer() and abs(x) < 1e15:
        return str(int(x))
    return f"{x:g}"


ASSUMPTION = "assumption"
_S: list[Spec] = []


def _p(name, kind, default, unit, lo, hi, source, doc, group, choices=()):
    _S.append(Spec(name, kind, default, unit, lo, hi, source, doc, group, tuple(choices)))


# ---------------------------------------------------------------- structure and time
G = "structure"
_p("months", "int", 120, "month", 1, 600, ASSUMPTION + " (a 10-year horizon; range 5-15 years: the Communities That Care trial followed its towns for 12 years, Kuklinski et al. 2021; the Ungas Vägar partnership in the Refined Collective Impact Model had run about ten)", "simulated horizon", G)
_p("n_partners", "int", 8, "organizations", 2, 500, ASSUMPTION + " (range 5-25: a working group of a collective impact initiative; Communities That Care boards are larger)", "partner organizations at launch", G)
_p("max_recruits", "int", 4, "organizations", 0, 500, ASSUMPTION, "room for partners recruited later (extra slots)", G)
_p("n_funders", "int", 3, "funders", 1, 50, ASSUMPTION + " (range 1-5: one seed funder, as in Communities That Care, to a funders' collaborative)", "funders at launch", G)
_p("n_beneficiaries", "int", 10_000, "people", 10, 2_000_000, ASSUMPTION + " (a city's target group); for scale: more than 28,000 young people in Sweden neither work nor study (Save the Children Sweden / Accenture 2021, Refined Collective Impact Model)", "target population", G)
_p("n_dimensions", "int", 4, "dimensions", 1, 8, ASSUMPTION + " (e.g. skills, health, housing, networks)", "problem dimensions K", G)
_p("complexity", "int", 2, "dimensions", 1, 8, "Kania & Kramer 2011: complex problems need several dimensions served together", "need dimensions a beneficiary needs served together (<= n_dimensions)", G)
_p("regime", "choice", "pooled", "-", None, None, "Kania & Kramer 2011: collective vs isolated impact", "funding regime", G, REGIMES)
_p("partner_names", "names", (), "-", None, None, ASSUMPTION, "optional names as 'Name:sector', one per launch partner", G)

# ---------------------------------------------------------------- funding
G = "funding"
_p("funder_budget", "float", 100.0, "k/month per funder", 0.0, 1e7, ASSUMPTION + " (a mid-size regional programme)", "money each funder pays in per month at full level", G)
_p("backbone_share", "float", 0.10, "share", 0.0, 0.9, "27 Ways / FSG practice: backbones cost a few to 15% of budgets", "share of pooled money for the backbone", G)
_p("backbone_budget", "float", 0.0, "k/month at full funding", 0.0, 1e6, ASSUMPTION + " (a backbone stated in money, not as a share: e.g. 30 = the baseline's 10% of three funders' 100 k; FSG's backbones: a few staff, Turner et al. 2012)", "money for backbone staff each month while funders pay at their launch level (scaled by the funders' total level over n_funders), added to backbone_share x inflow and never more than the inflow: a backbone whose hours do not grow with the budget", G)
_p("cost_per_hour", "float", 0.06, "k/hour", 0.001, 10.0, ASSUMPTION + " (60 per hour of professional time)", "what a funded hour of partner work costs", G)
_p("staff_cost_per_hour", "float", 0.06, "k/hour", 0.001, 10.0, ASSUMPTION, "what an hour of backbone staff costs", G)
_p("admin_base_rate", "float", 0.95, "multiple", 0.0, 10.0, "Bitterman & Koliba 2020 (administrative bottleneck); value assumed", "disbursement capacity, as a multiple of monthly partner money, with no backbone staff", G)
_p("admin_max_rate", "float", 1.25, "multiple", 0.0, 10.0, ASSUMPTION, "disbursement capacity, as a multiple of monthly partner money, with a fully staffed backbone (above 1 clears backlogs)", G)
_p("admin_half_hours", "float", 200.0, "staff hours/month", 1.0, 10_000.0, ASSUMPTION, "backbone hours that close 63% of the disbursement gap", G)
_p("funder_patience", "int", 24, "month", 1, 600, "Refined CI model: trust needs several years; value assumed", "months before a funder's review can cut", G)
_p("review_rule", "choice", "expectation", "-", None, None, "grantmaking practice: a grant is reviewed on the grantee's annual progress report against the results agreed for it (Orosz 2000, The Insider's Guide to Grantmaking); payment by results pays a price per outcome (House of Commons Work and Pensions Committee 2013, HC 162)", "how funders review: 'expectation' judges each year's results and their trend against the funder's expected cost per outcome and cuts in proportion to the shortfall; 'price' is a payment-by-results contract: the cost per outcome since launch against a price, a fixed cut", G, REVIEW_RULES)
_p("review_cycle", "int", 12, "month", 1, 120, ASSUMPTION + " (annual reviews)", "months between funder reviews", G)
_p("expected_cost_per_outcome", "float", 10.0, "k per outcome", 0.0, 1e7, "what programmes for young people out of work and study cost per sustained outcome (docs/MONEY_EVIDENCE.md, 3): spend per sustained outcome of the UK Youth Contract GBP 5.3 k (18.4 m / 3,445, DfE statistics 2014); the Fair Chance Fund's cap for young people with complex needs about GBP 15 k per client (DCLG 2014); YouthBuild USD 16,965 per participant (Miller et al. 2018, MDRC) over 0.40 sustained placements per enrollee, about USD 42 k; range 5-45. A payment-by-results price is lower (UK Work Programme, jobseekers 18-24: GBP 2,410-3,500, HC 162 2013; about 3-4.4 k): set it with review_rule = 'price'", "funders' expectation: the cost per sustained outcome (money paid in over sustained outcomes, as measured) that a funder expects; a review below it is a shortfall (times the funder's stance)", G)
_p("funder_cut", "float", 0.5, "share", 0.0, 1.0, ASSUMPTION + " (range 0.2-1: grants are paid in tranches tied to agreed milestones and later tranches 'may vary' with a shortfall, Fund for Youth Employment (NL); cuts within a term are the exception, withdrawal only for no progress, National Lottery Community Fund; no source sizes a cut, docs/MONEY_EVIDENCE.md 4)", "share of its funding a funder cuts at a review whose results fall wholly short of its expectation; under the expectation rule the cut is this times the shortfall (0-1), under the price rule the whole of it", G)
_p("funder_grow", "float", 0.05, "share", 0.0, 1.0, ASSUMPTION, "share of funding added after a review at or above expectation", G)
_p("funder_grow_gain", "float", 1.0, "share of funder_grow", 0.0, 5.0, "Turner, Merchant, Kania & Martin 2012 (Understanding the value of backbone organizations in collective impact, SSIR): mobilizing funding is one of six backbone activities; value assumed: full fundraising effort doubles a good review's growth, as funder_recruit_gain doubles the base chance of a new funder (range 0-2)", "growth added at full momentum effort (fundraising), as a share of funder_grow: a review at or above expectation grows the level by funder_grow x (1 + funder_grow_gain x E_momentum)", G)
_p("funder_exit_level", "float", 0.3, "level", 0.0, 1.0, ASSUMPTION, "a funder whose level falls below this leaves", G)
_p("funder_max_level", "float", 1.25, "level", 1.0, 10.0, ASSUMPTION, "a funder never pays more than this multiple of its budget", G)
_p("isolated_attribution", "float", 1.0, "exponent", 0.0, 5.0, "Kania & Kramer 2011: funders pick grantees by attributable results", "how steeply isolated grants follow measured output", G)
_p("grant_seeking_share", "float", 0.09, "share of funded hours", 0.0, 0.9, "Annual Grants Management Survey 2020 (as reported by Government Executive): finding, applying for and managing grants takes about 9% of a grant's value; range 0.05-0.20; Project Streamline / CEP 2008 (Drowning in Paperwork): the time does not shrink with the grant (docs/MONEY_EVIDENCE.md, 1)", "share of a grantee's grant-funded hours spent competing for and reporting on its own grants (isolated regime)", G)

# ---------------------------------------------------------------- partners
G = "partners"
_p("partner_hours", "float", 60.0, "hours/month", 0.0, 5000.0, ASSUMPTION + " (a representative at ~40% plus colleagues)", "in-kind hours a fully engaged partner gives the partnership", G)
_p("competence_floor", "float", 0.1, "share", 0.0, 1.0, ASSUMPTION, "lowest competence of a partner on a dimension", G)
_p("init_engagement", "float", 0.6, "share", 0.0, 1.0, ASSUMPTION, "engagement of a partner at launch or recruitment", G)
_p("init_commitment", "float", 0.5, "share", 0.0, 1.0, "Smaldino & Lubell 2011 (dual loyalty); value assumed", "share of direct work serving the common agenda at launch", G)
_p("init_knowledge", "float", 0.3, "share", 0.0, 1.0, ASSUMPTION, "partnership knowledge of a representative at launch", G)
_p("home_pull", "float", 0.02, "1/month", 0.0, 1.0, "27 Ways: partners restricted by their own KPIs; value assumed", "monthly drift of commitment toward home KPIs", G)
_p("commit_gain", "float", 0.1, "1/month", 0.0, 1.0, ASSUMPTION, "monthly rise of commitment with engagement and trust", G)
_p("engagement_rate", "float", 0.1, "1/month", 0.0, 1.0, ASSUMPTION, "speed at which engagement follows perceived value", G)
_p("progress_smoothing", "float", 0.2, "share", 0.0, 1.0, ASSUMPTION + " (range 0.1-0.5: partners judge progress over the last few months, not the last one)", "weight of this month's change in the smoothed progress partners see (exponential smoothing)", G)
_p("grant_interest_weight", "float", 0.1, "engagement", 0.0, 1.0, ASSUMPTION + " (range 0-0.2)", "engagement a partner gains (loses) from a grant twice (none of) the mean grant: its own interest", G)
_p("grant_interest_cap", "float", 2.0, "multiple of the mean grant", 1.0, 10.0, ASSUMPTION + " (range 1.5-3)", "grant relative to the mean above which more money adds no further interest", G)
_p("progress_weight", "float", 2.0, "-", 0.0, 20.0, ASSUMPTION, "weight of visible progress in perceived value", G)
_p("trust_weight", "float", 0.5, "engagement per unit trust", 0.0, 5.0, "Refined CI model: trust among actors is the most critical component; value assumed", "how much a partner's trust in the others, above (below) the launch level init_trust, adds to (takes from) its engagement", G)
_p("funding_weight", "float", 0.5, "engagement per unit of funding", 0.0, 5.0, "Save the Children & Accenture 2021 (Refined Collective Impact Model): a quarter of stakeholders interviewed repeated that funding is a prerequisite; NORC 2012: two thirds of coalitions that were not sustained dissolved over funding or organizational problems; value assumed (range 0.2-1)", "how much the partnership's funding, relative to launch (the funders' total level over n_funders), adds to (takes from) partners' engagement", G)
_p("overcoord_tolerance", "float", 0.15, "share of hours", 0.0, 1.0, "27 Ways: over-coordination burdens people; value assumed", "coordination share of hours partners accept", G)
_p("overcoord_erosion", "float", 1.0, "1/month per share", 0.0, 20.0, ASSUMPTION, "engagement lost per unit of coordination share above tolerance", G)
_p("knowledge_productivity", "float", 0.5, "share", 0.0, 1.0, "Levine, Moreland, Argote & Carley 2005 (newcomers are less productive until they learn the group's ways); value assumed (range 0.3-0.7)", "share of an hour's service that depends on partnership knowledge: productivity = 1 - share + share x knowledge", G)
_p("learning_knowledge", "float", 0.02, "1/month", 0.0, 1.0, ASSUMPTION, "monthly growth of a representative's partnership knowledge", G)

# ---------------------------------------------------------------- turnover and membership
G = "membership"
_p("turnover_rate", "float", 0.015, "1/month", 0.0, 0.5, "Nonprofit staff turnover 13-21% a year (Opportunity Knocks 2008, 2010; Nonprofit HR 2011-2020 surveys); Swedish municipal social services 22-34% (SCB for Akademikerförbundet SSR 2017); 0.015 = 17% a year, range 0.009-0.035", "monthly probability a representative leaves", G)
_p("interpersonal_weight", "float", 0.92, "share", 0.05, 1.0, "calibrated (docs/VALIDATION.md): the rounded posterior median of a calibration of this model (2026-12-06) on the calibration patterns coalition_survival_7y, representative_turnover and tie_value_lost_on_departure (experiments/calibration/targets.toml; `backbone show` prints the shipped posterior's median and 90% interval beside it); prior 0.05-1, 90% interval 0.77-0.99: a tie loses 21-24% of its value when the person leaves (Blanes i Vidal, Draca & Fons-Rosen 2012), in a partnership whose backbone onboards successors; Zaheer, McEvily & Perrone 1998 (Organization Science 9(2)): interpersonal and interorganizational trust are related but distinct; Bermiss & Greenbaum 2016 (ASQ 61(2)): clients more often stay with the firm than follow a departing manager", "weight of interpersonal trust (between the representatives) in the trust partners act on; the rest is interorganizational trust, which a representative's departure leaves in place", G)
_p("org_trust_rate", "float", 0.03, "1/month", 0.0, 1.0, ASSUMPTION + " (range 0.01-0.1: organizations take years to absorb what their representatives learned of each other into routines and reputation, Zaheer et al. 1998); calibrated but not informed: its posterior on the calibration patterns (experiments/calibration/targets.toml, prior 0-0.2) stays close to the prior, so the stated assumption stays the default and --posterior default carries the uncertainty", "monthly move of interorganizational trust toward the representatives' interpersonal trust", G)
_p("newcomer_knowledge", "float", 0.1, "share", 0.0, 1.0, ASSUMPTION, "partnership knowledge of a successor without onboarding", G)
_p("exit_threshold", "float", 0.3, "engagement", 0.0, 1.0, ASSUMPTION, "engagement below which a partner considers leaving", G)
_p("exit_patience", "int", 6, "month", 1, 120, ASSUMPTION, "months below the threshold before a partner exits", G)
_p("min_partners", "int", 3, "partners", 2, 50, "NORC at the University of Chicago 2012 (An Assessment of the Sustainability and Impact of Community Coalitions once Federal Funding has Expired, ASPE/HHS): a coalition counts as sustained while three or more organizations still collaborate on an original goal; range 2-3", "the partnership dissolves when fewer partners than this remain (or than it launched with, if fewer)", G)
_p("recruit_rate", "float", 0.01, "1/month", 0.0, 1.0, ASSUMPTION, "monthly chance of recruiting a partner without partner-raising", G)

# ---------------------------------------------------------------- backbone
G = "backbone"
_p("effort_scale_hours", "float", 100.0, "staff hours/month", 0.1, 10_000.0, ASSUMPTION, "hours on one principle that give 63% of its full effect (diminishing returns)", G)
for _name in PRINCIPLES:
    _p(f"effort_{_name}", "float", 1.0, "weight", 0.0, 1.0, "Crespin & Moser: 6 principles, equal by default", f"relative share of backbone effort on {_name}", G)
for _name in PRINCIPLES:
    _p(f"use_{_name}", "bool", True, "-", None, None, "ablation switch", f"principle '{_name}' acts (false: switched off)", G)
_p("self_orchestration_hours", "float", 0.0, "hours/month per partner", 0.0, 500.0, "Refined CI model: the orchestrator role can be shared", "partner hours each partner spends orchestrating (work ON the partnership) every month, backbone or not", G)
_p("self_orchestration_efficiency", "float", 0.5, "share", 0.0, 1.0, ASSUMPTION, "effectiveness of a partner hour of orchestration against a backbone hour", G)
_p("align_strength", "float", 0.5, "share", 0.0, 1.0, ASSUMPTION, "share of home pull and funder agenda pull cancelled at full alignment", G)
_p("recognition_gain", "float", 0.15, "engagement", 0.0, 1.0, "27 Ways: recognition; value assumed", "perceived value added by recognition at full momentum effort", G)
_p("narrative_persuasion", "float", 0.3, "probability", 0.0, 1.0, "27 Ways: ROI narratives; value assumed", "chance a funder is persuaded not to cut at full momentum effort", G)
_p("recruit_gain", "float", 0.05, "1/month", 0.0, 1.0, "27 Ways: partner-raising; value assumed", "monthly recruitment chance added at full momentum effort", G)
_p("relaunch_threshold", "float", 0.15, "share", 0.01, 1.0, "27 Ways / HBR 2017: relaunch after 15% turnover", "turnover since the last launch, as a share of partners, that triggers a relaunch", G)
_p("relaunch_hours", "float", 8.0, "hours per partner", 0.0, 200.0, ASSUMPTION + " (a kickoff day)", "partner hours a relaunch costs in its month", G)
_p("relaunch_trust_restore", "float", 0.5, "share", 0.0, 1.0, ASSUMPTION, "share of the gap to the team's best trust a relaunch restores, at full identity effort", G)
_p("relaunch_engagement_gain", "float", 0.15, "engagement", 0.0, 1.0, ASSUMPTION, "engagement a relaunch adds, at full identity effort", G)
_p("relaunch_knowledge_gain", "float", 0.3, "share", 0.0, 1.0, ASSUMPTION, "share of the knowledge gap a relaunch closes, at full identity effort", G)
_p("betrayal_protocol", "float", 0.7, "share", 0.0, 1.0, ASSUMPTION, "share of credit-claiming prevented by identity work (protocols) at full effort", G)
_p("backbone_demand", "float", 0.2, "partner hours per staff hour", 0.0, 5.0, ASSUMPTION + " (range 0.1-0.5: the backbone's meetings, data requests and co-creation sessions ask partners for time; 27 Ways: the best partnerships spend half their time talking, and partners never vote for more coordination)", "partner hours each hour of backbone staff work asks of the partners, shared equally", G)
_p("facilitation", "float", 0.3, "share", 0.0, 1.0, ASSUMPTION, "share of a link's hours saved at full coordination effort", G)
_p("dedup", "float", 0.4, "share", 0.0, 1.0, ASSUMPTION, "share of duplicated effort removed at full coordination effort", G)
_p("onboarding", "float", 0.6, "share", 0.0, 1.0, "Moreland & Argote: telling members about a newcomer removed most of the loss", "share of turnover losses avoided at full coordination effort", G)
_p("cocreation_rate", "float", 0.1, "1/month", 0.0, 1.0, "Refined CI model: beneficiary engagement; value assumed", "monthly correction of the needs estimate toward true needs at full effort", G)
_p("cocreation_engagement", "float", 0.1, "engagement", 0.0, 1.0, ASSUMPTION, "beneficiary engagement added at full population effort", G)
_p("measurement_noise", "float", 0.5, "relative sd", 0.0, 3.0, ASSUMPTION, "noise in measured results without shared measurement", G)
_p("measurement_gain", "float", 0.8, "share", 0.0, 1.0, ASSUMPTION, "share of measurement noise removed at full effort", G)
_p("learning_rate", "float", 0.05, "1/month", 0.0, 1.0, ASSUMPTION, "monthly shift of the agenda toward measured demand (engaged people not yet sustained, per dimension), at full effort", G)
_p("phase_initiation_months", "int", 12, "month", 1, 600, "Refined CI model: initiation phase; value assumed (plausible range 6-24)", "months the partnership stays in the initiation phase at least", G)
_p("phase_min_months", "int", 6, "month", 1, 120, ASSUMPTION + " (plausible range 3-12: a phase is a strategic period, not a month's mood)", "dwell time: months a phase lasts at least before the partnership can leave it (hysteresis)", G)
_p("phase_growth_threshold", "float", 0.05, "share/year", 0.0, 1.0, ASSUMPTION + " (plausible range 0.02-0.10)", "smoothed annual growth of the improved share that counts as exponential value (with phase_trust_threshold)", G)
_p("phase_trust_threshold", "float", 0.5, "share", 0.0, 1.0, ASSUMPTION + " (plausible range 0.4-0.7)", "mean trust needed for the exponential value phase", G)
_p("stagnation_threshold", "float", 0.01, "share/year", -1.0, 1.0, ASSUMPTION + " (plausible range 0-0.03)", "smoothed annual growth of the improved share below which a month counts as stagnant", G)
_p("stagnation_months", "int", 12, "month", 1, 120, "Refined CI model phase 3 (re-design after the run phase); value assumed (plausible range 6-24)", "consecutive stagnant months, after initiation, that send the partnership into re-design", G)
_p("shock_cut_share", "float", 0.25, "share", 0.0, 1.0, ASSUMPTION + " (plausible range 0.2-0.5)", "fall of total funder level in one month, as a share of last month's, that counts as a major shock (re-design)", G)
_p("redesign_rate", "float", 0.2, "1/month", 0.0, 1.0, "Refined CI model phase 3: re-design revisits needs and the agenda; value assumed (plausible range 0.1-0.5)", "monthly correction of the agenda toward true needs during re-design (a needs assessment)", G)
_p("redesign_hours", "float", 4.0, "hours/month per partner", 0.0, 200.0, ASSUMPTION + " (plausible range 2-16: a half-day workshop a month)", "partner hours each re-design month costs (counted as coordination)", G)

# ---------------------------------------------------------------- coordination and trust
G = "trust"
_p("integration", "float", 0.5, "degree", 0.0, 1.0, "27 Ways: degree of integration from parallel play (0) to full integration (1)", "intended degree of integration", G)
_p("link_hours", "float", 8.0, "hours/month", 0.0, 100.0, "27 Ways: coordination as a transaction cost; value assumed (a 2-hour meeting a week)", "hours a partner spends per fully integrated link at full trust", G)
_p("max_links", "int", 12, "links", 1, 1000, "Dunbar-style limit on working relationships; value assumed", "most partners one partner coordinates with at full integration", G)
_p("integration_trust_floor", "float", 0.3, "share", 0.0, 1.0, ASSUMPTION, "share of intended integration realized at zero trust (trust raises willingness to integrate)", G)
_p("low_trust_cost", "float", 1.0, "multiplier", 0.0, 10.0, ASSUMPTION, "extra link cost at zero trust (1: twice the hours)", G)
_p("duplication_base", "float", 0.3, "share", 0.0, 1.0, "Kania & Kramer 2011: duplication in isolated impact; value assumed", "share of service duplicated in parallel play", G)
_p("init_trust", "float", 0.2, "share", 0.0, 1.0, "Refined CI model: trust needs years of interaction", "pairwise trust at launch and with newcomers", G)
_p("trust_gain", "float", 0.10, "1/month", 0.0, 1.0, "Pant & Yu 2025 (l+ = 0.10), applied per month of full interaction", "trust gain rate", G)
_p("trust_loss", "float", 0.30, "1/month", 0.0, 1.0, "Pant & Yu 2025 (l- = 0.30)", "trust loss rate (negativity bias)", G)
_p("trust_dependence", "float", 0.5, "-", 0.0, 5.0, "Pant & Yu 2025 (x = 0.5)", "amplification of losses by dependence on the partner", G)
_p("trust_signal_k", "float", 4.0, "-", 0.1, 50.0, "Pant & Yu 2025: s = tanh(k (a - baseline)); value assumed", "steepness of the cooperation signal", G)
_p("trust_baseline", "float", 0.2, "share", 0.0, 1.0, ASSUMPTION, "cooperation level that neither builds nor erodes trust", G)
_p("trust_ceiling", "float", 0.95, "share", 0.0, 1.0, "Pant & Yu 2025: trust ceiling", "highest trust", G)
_p("trust_decay", "float", 0.01, "1/month", 0.0, 1.0, ASSUMPTION, "decay of trust without interaction", G)
_p("betrayal_rate", "float", 0.02, "1/month", 0.0, 1.0, ASSUMPTION, "monthly chance of unilateral credit-claiming by an uncommitted partner with no protocols", G)
_p("reputation_damage", "float", 0.15, "share", 0.0, 1.0, "Pant & Yu 2025: reputation damage lowers the ceiling", "ceiling lost by a partner who betrays", G)
_p("reputation_recovery", "float", 0.02, "1/month", 0.0, 1.0, ASSUMPTION, "monthly recovery of a lowered ceiling", G)
_p("meeting_hours", "float", 1.0, "hours/month per member", 0.0, 20.0, ASSUMPTION + " (plausible range 0.5-3: each member adds agenda time to every group meeting)", "group-meeting hours a partner spends per other member at full integration (grows with n, no cap)", G)
_p("reporting_share", "float", 0.10, "share of hours", 0.0, 0.5, ASSUMPTION + " (plausible range 0.05-0.15: shared measurement and joint reporting)", "share of a partner's hours spent on shared reporting at full integration (grows with integration)", G)

# ---------------------------------------------------------------- funders' agenda
G = "agenda"
_p("funder_agenda_power", "float", 0.5, "share", 0.0, 1.0, "Refined CI model: those with money formulate the agenda", "pull of funders' preferences on the agenda", G)
_p("agenda_rate", "float", 0.05, "1/month", 0.0, 1.0, ASSUMPTION, "monthly speed of agenda pull", G)
_p("funder_common_interest", "float", 0.5, "share", 0.0, 1.0, ASSUMPTION + " (range 0.3-0.7: funders in one field follow shared fashions)", "share of each funder's pet needs that all funders share (the rest is its own)", G)
_p("funder_divergence", "float", 0.6, "share", 0.0, 1.0, ASSUMPTION, "how far funders' preferred needs differ from true needs", G)
_p("beneficiary_involvement", "float", 0.1, "share", 0.0, 1.0, "Refined CI model: beneficiary engagement; value assumed", "beneficiaries' voice in the agenda without backbone co-creation", G)

# ---------------------------------------------------------------- context: a population of partnerships
# Each run draws its partnership's context once, from the `context` stream, as log-uniform
# multipliers exp(sd x sqrt(3) x (2u - 1)) (sd of the log; 0 fixes the context at the
# scenario's values). Every arm of a comparison draws the same context for the same seed.
G = "context"
_p("capacity_sd", "float", 0.5, "sd of log", 0.0, 2.0, ASSUMPTION + " (range 0.3-0.8: organizations differ several-fold in the staff time they can give)", "spread of partners' capacity: each partner's in-kind hours are partner_hours times its own multiplier", G)
_p("stake_sd", "float", 0.15, "engagement", 0.0, 0.5, ASSUMPTION + " (range 0.1-0.25: what the partnership is worth differs between organizations, Smaldino & Lubell 2011; a fifth to a quarter of listed coalition members are not active, NORC 2012)", "spread (sd of a uniform around 0) of each organization's stake in the partnership, added to its engagement target", G)
_p("fit_sd", "float", 0.2, "sd of log", 0.0, 2.0, ASSUMPTION + " (range 0-0.4)", "spread of pair fit: how well two partners' ways of working match, a multiplier on what each sees of the other's cooperation", G)
_p("sector_distance", "float", 0.1, "share", 0.0, 1.0, "Selsky & Parker 2005, J. of Management 31(6): cross-sector partners differ in goals, cultures and accountability; value assumed (range 0-0.3)", "pair fit lost when two partners come from different sectors", G)
_p("leadership_sd", "float", 0.5, "sd of log", 0.0, 2.0, ASSUMPTION + " (range 0.3-0.8: leaders differ widely in how much their hours achieve)", "spread of the quality of the partnership's leadership: a multiplier on the backbone's effective hours", G)
_p("difficulty_sd", "float", 0.4, "sd of log", 0.0, 2.0, ASSUMPTION + " (range 0.2-0.6)", "spread of the problem's difficulty: people's monthly gain is gain_rate divided by the run's difficulty", G)
_p("funder_stance_sd", "float", 0.4, "sd of log", 0.0, 2.0, ASSUMPTION + " (range 0.2-0.6)", "spread of funders' stance: each funder's benchmark is expected_cost_per_outcome times its own multiplier", G)

# ---------------------------------------------------------------- shocks and ways to fail
# Monthly hazards from the `shocks` stream; the same seed gives every arm the same shock draws.
G = "shocks"
_p("grant_term", "int", 36, "month", 1, 600, "Feinberg, Bontempo & Greenberg 2008 (Am J Prev Med 34(6):495-501): Communities That Care coalitions got a 3-year seed grant; foundation grants run 12-36 months (Orosz 2000)", "length of a funder's grant; at its end the funder decides whether to renew", G)
_p("renewal_rate", "float", 0.64, "probability", 0.0, 1.0, "calibrated (docs/VALIDATION.md): the rounded posterior median of a calibration of this model (2026-12-06) on the calibration patterns coalition_survival_7y, representative_turnover and tie_value_lost_on_departure (experiments/calibration/targets.toml; `backbone show` prints the shipped posterior's median and 90% interval beside it); prior 0.35-0.9 (docs/MONEY_EVIDENCE.md 4: NIH competing renewals 35-54%, a floor; 90% of CTC coalitions continued past their 3-year grant, Feinberg et al. 2008); the targets inform it weakly", "chance a funder renews a grant whose results met its benchmark", G)
_p("renewal_rate_poor", "float", 0.3, "probability", 0.0, 1.0, ASSUMPTION + " (range 0.1-0.5; foundations reserve the right to decline renewal, Orosz 2000)", "chance a funder renews a grant whose results fell short of its benchmark", G)
_p("funder_shift_rate", "float", 0.005, "1/month", 0.0, 1.0, "calibrated (docs/VALIDATION.md): the rounded posterior median of a calibration of this model (2026-12-06) on the calibration patterns coalition_survival_7y, representative_turnover and tie_value_lost_on_departure (experiments/calibration/targets.toml; `backbone show` prints the shipped posterior's median and 90% interval beside it); prior 0-0.02/month; 90% interval 0.0004-0.011 (0.5-12% of funders a year)", "monthly chance a funder changes its priorities and leaves", G)
_p("funder_recruit_rate", "float", 0.02, "1/month", 0.0, 1.0, ASSUMPTION + " (range 0.01-0.05; many CTC sites attracted funding equal to or above the first grant, Feinberg et al. 2008)", "monthly chance a vacant funder place is filled by a new funder, without fundraising", G)
_p("funder_recruit_gain", "float", 0.02, "1/month", 0.0, 1.0, "Turner, Merchant, Kania & Martin 2012 (Understanding the value of backbone organizations in collective impact, SSIR): mobilizing funding is one of six backbone activities; value assumed: full fundraising effort doubles the base chance funder_recruit_rate (range 0-0.05)", "monthly chance of a new funder added at full momentum effort", G)
_p("funder_join_level", "float", 1.0, "level", 0.1, 10.0, ASSUMPTION + " (range 0.5-1: a funder that joins later pays what a launch funder pays; one may start with a smaller first grant; launch funders are at level 1 by definition)", "level (multiple of funder_budget) at which a funder that fills a vacant place starts paying", G)
_p("home_shift_rate", "float", 0.01, "1/month", 0.0, 1.0, ASSUMPTION + " (range 0.005-0.02; no published rate found; 74-79% of coalition members are active, NORC/ASPE 2012); calibrated but not informed: its posterior on the calibration patterns (experiments/calibration/targets.toml, prior 0-0.03) stays close to the prior, so the stated assumption stays the default and --posterior default carries the uncertainty", "monthly chance a partner's home organization changes its priorities", G)
_p("leader_exit_rate", "float", 0.0075, "1/month", 0.0, 1.0, "Bell, Moyers & Wolfred 2006 (Daring to Lead 2006, CompassPoint & Meyer Foundation): 9% of nonprofit executives leave each year; range 0.0075-0.018 (67% expect to leave within 5 years, Cornelius et al. 2011)", "monthly chance the partnership's leader (the backbone's director) leaves", G)
_p("leader_vacancy", "int", 6, "month", 0, 60, "Opportunity Knocks 2008 (Nonprofit Retention and Vacancy Report): a quarter of vacated posts still open after 4 months; 7-10 months to hire an executive (practitioner estimate); range 4-10", "months the leader's post stays empty; the backbone's hours achieve vacancy_effectiveness of their effect meanwhile", G)
_p("vacancy_effectiveness", "float", 0.5, "share", 0.0, 1.0, ASSUMPTION + " (range 0.3-0.8: staff keep the day-to-day work going without a director; an interim leader, often part-time, mostly stabilizes; no published figure found)", "what an hour of backbone staff achieves while the leader's post is empty, as a share of what it achieves under a leader", G)
_p("policy_shock_rate", "float", 0.01, "1/month", 0.0, 1.0, ASSUMPTION + " (range 1/120-1/48: a policy change that shifts needs at most once per 4-year electoral term)", "monthly chance of a policy change that shifts the population's needs", G)
_p("policy_shift", "float", 0.3, "share", 0.0, 1.0, ASSUMPTION + " (range 0.1-0.5)", "share of the need profile replaced by a new one in a policy change", G)
_p("interaction_noise", "float", 0.3, "relative sd", 0.0, 2.0, ASSUMPTION + " (range 0.1-0.5: some meetings go well, some badly)", "month-to-month variation in how a pair's cooperation comes across", G)

# ---------------------------------------------------------------- beneficiaries
G = "beneficiaries"
_p("hours_per_case", "float", 1.0, "hours/month", 0.01, 100.0, ASSUMPTION + " (an hour a month per need: case management that brings in mainstream services)", "service hours a person in the caseload needs per month on each needed dimension", G)
_p("fragmentation", "float", 0.3, "share", 0.0, 1.0, "Kania & Kramer 2011: isolated services do not add up; value assumed", "share of a service's value lost per extra needed dimension when services are not integrated", G)
_p("gain_rate", "float", 0.3, "1/month", 0.0, 1.0, ASSUMPTION, "monthly rise of condition at full, matched service", G)
_p("relapse_rate", "float", 0.015, "1/month", 0.0, 1.0, ASSUMPTION, "monthly fall of condition without support", G)
_p("relapse_rate_sustained", "float", 0.004, "1/month", 0.0, 1.0, ASSUMPTION, "monthly fall of condition once the outcome is sustained", G)
_p("outcome_threshold", "float", 0.7, "condition", 0.0, 1.0, ASSUMPTION, "condition that counts as the outcome (e.g. in work or study)", G)
_p("sustain_months", "int", 6, "month", 1, 120, "Partnerships2030: impact as sustained change; value assumed", "months above the threshold that make a sustained outcome", G)
_p("init_condition", "float", 0.3, "condition", 0.0, 1.0, ASSUMPTION, "mean condition at the start (spread: condition_spread)", G)
_p("benef_engagement", "float", 0.4, "share", 0.0, 1.0, ASSUMPTION, "mean beneficiary engagement at the start (spread: engagement_spread)", G)
_p("condition_spread", "float", 0.4, "condition", 0.0, 1.0, ASSUMPTION + " (range 0.2-0.6)", "width of the uniform around init_condition that a person's condition at the start (or as a newcomer) is drawn from", G)
_p("engagement_spread", "float", 0.6, "share", 0.0, 1.0, ASSUMPTION + " (range 0.4-0.8: people differ widely in how readily they take up services)", "width of the uniform around benef_engagement that a person's engagement is drawn from", G)
_p("benef_engagement_rate", "float", 0.05, "1/month", 0.0, 1.0, ASSUMPTION, "speed at which beneficiary engagement follows its target", G)
_p("need_drift", "float", 0.01, "share/month", 0.0, 1.0, ASSUMPTION + " (range 0-0.03: needs change, which is why the Refined Collective Impact Model has a re-design phase)", "share of beneficiaries whose needs change each month", G)
_p("need_profile_drift", "float", 0.02, "1/month", 0.0, 1.0, ASSUMPTION, "random-walk step of the population's need profile", G)
_p("beneficiary_turnover", "float", 1 / 60, "1/month", 0.0, 1.0, ASSUMPTION + " (people stay ~5 years in the target group, e.g. youth ageing out)", "share of the target population replaced by newcomers each month", G)
_p("target_outcome_share", "float", 0.7, "share", 0.0, 1.0, "Ungas Vägar: 70% into work or studies", "the partnership's goal (scorecard reference)", G)
_p("natural_gain", "float", 0.08, "1/month", 0.0, 1.0, "register study 'A life course perspective on the NEET phenomenon' (Norway, N = 125,804): 38% of young adults with a NEET year at 22-25 fare well over ten years (~4.7% a year); value set so that the no_partnership scenario gives ~5% a year reaching a sustained outcome (range 0.06-0.10; Impetus/NIESR 2019: ~25% of 3-month NEETs in any EET 9 months later, not necessarily sustained)", "monthly rise of condition, times the person's own engagement, without the partnership (mainstream services, maturation: the deadweight)", G)

# ---------------------------------------------------------------- value (SROI)
G = "value"
_p("value_per_outcome_year", "float", 10.9, "k per person-year", 0.0, 1e7, "Eurofound 2012, NEETs: EUR 153 bn a year lost for 14 million NEETs aged 15-29 (EU, 2011) = ~10.9 k per NEET-year; range 10.9-37.5 (upper: Nilsson & Wadeskog 2008, 15 MSEK over ~40 adult years in Sweden at ~10 SEK per unit)", "monetized value of one person-year holding a sustained outcome (SROI)", G)
_p("benefit_duration", "int", 5, "year", 0, 50, "Card, Kluve & Weber 2018 (JEEA 16(3)): labour-market programme impacts are close to zero in the short run and larger 2-3 years after completion; Schochet, Burghardt & McConnell 2008 (AER 98(5)): Job Corps' earnings gains lasted several years and faded except for the oldest; Nordström Skans 2011 (IZA DP 5565): early unemployment still costs 17% of earnings five years on, persistent but not permanent; range 2-20 (Gregg & Tominey 2005: a wage scar at 42); Nicholls et al. 2012 (SROI Guide): a duration and drop-off chosen per outcome", "years an outcome held at the end of a run is projected to last beyond it", G)
_p("benefit_dropoff", "float", 0.2, "1/year", 0.0, 1.0, "Schochet et al. 2008 (Job Corps: gains fade over the years after the programme); Nordström Skans 2011 (persistent but not permanent); SROI forecasts with thin evidence use steep drop-off, e.g. 50% a year (Nicholls et al. 2012); range 0.1-0.5", "yearly decline of a projected outcome's value beyond the run", G)
_p("discount_rate", "float", 0.035, "1/year", 0.0, 0.5, "HM Treasury (2022) The Green Book: 3.5% social time preference rate", "yearly discount rate for value and spend", G)
_p("attribution_others", "float", 0.25, "share", 0.0, 1.0, "Nicholls et al. 2012: attribution; Australian Government (NIAA) Helping Hand and Linking Youth SROI report, app. 5: 25% = others have some minor role (range 0-0.5)", "share of the partnership's additional value owed to others (net SROI only)", G)

SCHEMA: dict[str, Spec] = {s.name: s for s in _S}
NUMERIC = [s for s in _S if s.kind in ("float", "int", "bool", "choice")]
RECORD_DTYPE = np.dtype([(s.name, np.float64) for s in NUMERIC])


def nearest(name: str, candidates: Iterable[str]) -> str | None:
    """The closest valid name to a misspelled one, or None."""
    hits = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.5)
    return hits[0] if hits else None


def unknown_key_message(key: str, where: str = "parameter") -> str:
    hint = nearest(key, SCHEMA)
    tail = f"; did you mean '{hint}'?" if hint else "; run 'backbone show baseline' for the list"
    return f"unknown {where} '{key}'{tail}"


def coerce_named(key: str, value: Any) -> Any:
    """The schema's value for parameter ``key``: an unknown name (with the nearest valid
    one) or a bad value raises ParameterError, one line. Scenario files, patterns files and
    ``--set`` all go through it."""
    if key not in SCHEMA:
        raise ParameterError(unknown_key_message(key))
    return coerce(SCHEMA[key], value)


def coerce(spec: Spec, value: Any) -> Any:
    """Validate and convert one value; raise ParameterError naming field, value and range.

    Strict, the same rule for scenario files, experiment specs and Python callers: a
    number must be a number (not the text "0.2"), a boolean must be true or false (not
    "yes" or 1), a list of names a list of strings. Only the command line's ``--set``
    turns text into values first (``scenarios.parse_set``: TOML values).

    The common case (a plain float or int in range) is checked first and cheaply; the
    message text is only formatted when a value is refused."""
    kind = spec.kind
    if kind == "float" or kind == "int":
        t = type(value)
        if t is float or t is int or (not isinstance(value, (bool, np.bool_))
                                      and isinstance(value, (int, float, np.integer, np.floating))):
            x = float(value)
            if spec.lo <= x <= spec.hi:   # False for nan; inf is outside every finite bound
                if kind == "float":
                    return x
                if x.is_integer():
                    return int(x)
                raise ParameterError(f"{spec.name} = {value!r} is not allowed: expected a whole number in "
                                     f"{spec.bounds_text()}")
        raise ParameterError(_refused(spec, value))
    if kind == "choice":
        if not isinstance(value, str) or value not in spec.choices:
            raise ParameterError(_refused(spec, value))
        return value
    if kind == "bool":
        if isinstance(value, (bool, np.bool_)):
            return bool(value)
        raise ParameterError(_refused(spec, value))
    if kind == "names":
        if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
            raise ParameterError(_refused(spec, value))
        for v in value:
            sector = v.rsplit(":", 1)[1].strip() if ":" in v else None
            if sector is not None and sector not in SECTORS:
                raise ParameterError(f"{spec.name}: sector '{sector}' in {v!r} is not allowed: expected one of {', '.join(SECTORS)}")
        return tuple(value)
    raise ParameterError(_refused(spec, value))  # pragma: no cover - every kind is handled above


def _refused(spec: Spec, value: Any) -> str:
    return f"{spec.name} = {value!r} is not allowed: expected {spec.bounds_text()}"


def _check_joint(values: Mapping[str, Any]) -> None:
    """The rules that tie parameters together."""
    if values["complexity"] > values["n_dimensions"]:
        raise ParameterError(
            f"complexity = {values['complexity']} is not allowed: expected [1, n_dimensions = {values['n_dimensions']}]"
        )
    if len(values["partner_names"]) > values["n_partners"]:
        raise ParameterError(
            f"partner_names has {len(values['partner_names'])} names: expected at most n_partners = {values['n_partners']}"
        )


DEFAULTS: dict[str, Any] = {name: spec.default for name, spec in SCHEMA.items()}


class Params:
    """A validated, immutable set of parameters: the defaults with overrides applied."""

    __slots__ = ("_values", "_record")  # _record: to_record's bytes, built on first use

    def __init__(self, overrides: Mapping[str, Any] | None = None, **kwargs: Any):
        merged = dict(overrides or {})
        merged.update(kwargs)
        values = dict(DEFAULTS)
        for key, value in merged.items():
            spec = SCHEMA.get(key)
            if spec is None:
                raise ParameterError(unknown_key_message(key))
            # a value equal to the validated default (same type) needs no check
            values[key] = value if value is spec.default else coerce(spec, value)
        _check_joint(values)
        object.__setattr__(self, "_values", values)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(unknown_key_message(name)) from None

    def __setattr__(self, name, value):
        raise AttributeError("Params are immutable: use Params.replace(...)")

    def __reduce__(self):
        return (Params, (self._values,))

    def replace(self, **changes: Any) -> "Params":
        """A copy with ``changes`` applied: only the changed values are checked (this
        set's own values are valid already), with the same errors as ``Params(...)``."""
        values = dict(self._values)
        for key, value in changes.items():
            spec = SCHEMA.get(key)
            if spec is None:
                raise ParameterError(unknown_key_message(key))
            values[key] = coerce(spec, value)
        _check_joint(values)
        new = object.__new__(Params)
        object.__setattr__(new, "_values", values)
        return new

    def to_dict(self) -> dict[str, Any]:
        return dict(self._values)

    def changed(self) -> dict[str, Any]:
        """Only the values that differ from the defaults."""
        return {k: v for k, v in self._values.items() if v != SCHEMA[k].default}

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Params) and other._values == self._values

    def __hash__(self) -> int:
        return hash(tuple(sorted((k, str(v)) for k, v in self._values.items())))

    def __repr__(self) -> str:
        return f"Params({self.changed()!r})"

    @property
    def slots(self) -> int:
        """Partner slots: launch partners plus room for recruits."""
        return self.n_partners + self.max_recruits

    def to_record(self) -> np.ndarray:
        """The numeric parameters as a 1-element structured array for the kernels: a fresh,
        writable array each call, from the record's bytes kept on first use (building
        the record costs about 50 us, as does ``ndarray.copy`` of a structured array;
        these bytes, under 1 us; runs of the same parameters, replications or a
        benchmark, ask for it once a run)."""
        raw = getattr(self, "_record", None)
        if raw is None:
            vals = self._values
            row = tuple(float(s.choices.index(vals[s.name]) if s.kind == "choice" else vals[s.name]) for s in NUMERIC)
            raw = np.array([row], dtype=RECORD_DTYPE).tobytes()
            object.__setattr__(self, "_record", raw)
        return np.frombuffer(bytearray(raw), dtype=RECORD_DTYPE)

    def partner_labels(self) -> list[tuple[str, str]]:
        """(name, sector) per launch partner; unnamed partners get a name from their sector."""
        out = []
        for i in range(self.n_partners):
            sector = SECTORS[i % len(SECTORS)]
            name = f"Partner {i + 1}"
            if i < len(self.partner_names):
                raw = self.partner_names[i]
                name, _, sec = raw.partition(":")
                name = name.strip()
                sector = sec.strip() or sector
            out.append((name, sector))
        return out


def schema_table() -> list[dict[str, Any]]:
    """The schema as rows (for docs and ``backbone show``)."""
    return [
        {"name": s.name, "group": s.group, "unit": s.unit, "default": s.default,
         "bounds": s.bounds_text(), "source": s.source, "meaning": s.doc}
        for s in _S
    ]
