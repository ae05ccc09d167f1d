"""The page's stylesheet: large, calm type for a projector; teal for the twin with a
backbone, rust for the twin without."""

CSS = """
.bb-page { font-size: 15px; color: #0f172a; max-width: 1680px; margin: 0 auto; }
.bb-page h1 { font-size: 26px; font-weight: 650; margin: 4px 0 2px 0; letter-spacing: -0.01em; }
.bb-sub { color: #475569; font-size: 15px; margin-bottom: 10px; }
.bb-card { background: white; border: 1px solid #e2e8f0; border-radius: 10px; padding: 12px 16px;
           box-shadow: 0 1px 2px rgba(15,23,42,0.04); margin-bottom: 14px; }
.bb-card h2 { font-size: 17px; font-weight: 650; margin: 0 0 6px 0; }
.bb-card h3 { font-size: 14px; font-weight: 600; color: #475569; margin: 10px 0 2px 0;
              text-transform: uppercase; letter-spacing: 0.04em; }
.bb-with-card { border-top: 5px solid #0f766e; }
.bb-without-card { border-top: 5px solid #c2410c; }
.bb-with { color: #0f766e; }
.bb-without { color: #c2410c; }
.bb-bar { display: flex; align-items: center; gap: 10px; flex-wrap: wrap; }
.bb-month-now { font-size: 22px; font-weight: 650; min-width: 190px; font-variant-numeric: tabular-nums; }
.bb-headline { display: flex; gap: 18px; flex-wrap: wrap; }
.bb-big { font-size: 34px; font-weight: 700; line-height: 1.1; font-variant-numeric: tabular-nums; }
.bb-small { color: #475569; font-size: 13px; }
.bb-kpis { display: flex; gap: 22px; flex-wrap: wrap; margin: 4px 0 6px 0; }
.bb-kpis div { font-variant-numeric: tabular-nums; }
.bb-kpis b { font-size: 18px; display: block; }
.bb-watch { background: #f5f3ff; border-left: 5px solid #7c3aed; padding: 10px 14px; border-radius: 6px;
            margin-bottom: 14px; font-size: 16px; }
.bb-watch b { color: #6d28d9; }
.bb-legend { display: flex; flex-wrap: wrap; gap: 12px; font-size: 12px; color: #475569; margin-top: 2px; }
.bb-legend > span { display: inline-flex; align-items: center; gap: 5px; }
.bb-dot { width: 11px; height: 11px; border-radius: 50%; display: inline-block; }
.bb-ring { border: 3px solid; width: 13px; height: 13px; background: white; }
.bb-left { border: 1.5px dashed #94a3b8; background: white; }
.bb-edge { width: 22px; height: 4px; background: #1e293b; opacity: 0.5; display: inline-block; border-radius: 2px; }
.bb-feed { list-style: none; padding: 0; margin: 0; max-height: 300px; overflow-y: auto; font-size: 14px; }
.bb-feed li { padding: 5px 8px; border-left: 4px solid #cbd5e1; margin-bottom: 4px; background: #f8fafc;
              border-radius: 0 4px 4px 0; line-height: 1.35; }
.bb-feed li.bb-good { border-left-color: #16a34a; }
.bb-feed li.bb-bad { border-left-color: #dc2626; }
.bb-feed li.bb-lesson { border-left-color: #7c3aed; background: #f5f3ff; font-weight: 600; }
.bb-month { font-weight: 650; color: #475569; margin-right: 6px; font-variant-numeric: tabular-nums; }
.bb-empty { color: #64748b; font-style: italic; }
table.bb-score { border-collapse: collapse; width: 100%; font-size: 13.5px; font-variant-numeric: tabular-nums; }
table.bb-score th { text-align: right; padding: 4px 8px; border-bottom: 2px solid #cbd5e1; }
table.bb-score th:first-child { text-align: left; }
table.bb-score td { padding: 2px 8px; border-bottom: 1px solid #f1f5f9; text-align: right; white-space: nowrap; }
table.bb-score td:first-child { white-space: normal; }
table.bb-score td:first-child { text-align: left; color: #334155; }
table.bb-score tr.bb-group td { font-weight: 650; color: #0f172a; background: #f8fafc; text-align: left;
                                padding-top: 7px; }
table.bb-score td.bb-better { font-weight: 700; }
.bb-lesson-text { font-size: 13px; color: #475569; margin: -4px 0 10px 0; }
.bb-lever { font-size: 14px; color: #334155; display: flex; justify-content: space-between; margin-top: 6px; }
.bb-lever b { color: #0f172a; font-variant-numeric: tabular-nums; }
.bb-two { display: grid; grid-template-columns: 3fr 2fr; gap: 16px; align-items: start; }
.bb-scenario-text { font-size: 12px; color: #64748b; margin: -6px 0 12px 0; line-height: 1.35; }
"""

__all__ = ["CSS"]
