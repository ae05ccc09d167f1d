"""The page's stylesheet: large, calm type for a projector; teal for the twin with a
backbone, rust for the twin without.

Laid out for a 1280x720 projector first: a narrow sidebar (Solara's drawer is 400 px
wide; here 280), a compact header, and the top row (charts, key numbers, feeds) within
the first screen; taller screens give the feeds more room."""

SIDEBAR_PX = 280

CSS = """
.v-navigation-drawer { width: SIDEBAR_PXpx !important; min-width: SIDEBAR_PXpx !important; }
.v-main { --v-layout-left: SIDEBAR_PXpx !important; }
.v-app-bar.v-toolbar { height: 48px !important; left: 0 !important; width: 100% !important; }
.v-app-bar .v-toolbar__content { height: 48px !important; }
.v-main { --v-layout-top: 48px !important; }
.v-navigation-drawer { top: 48px !important; height: calc(100% - 48px) !important; }
.bb-page { font-size: 15px; color: #0f172a; max-width: 1680px; margin: 0 auto; }
.bb-page h1 { font-size: 21px; font-weight: 650; margin: 0 0 1px 0; letter-spacing: -0.01em; }
.bb-sub { color: #475569; font-size: 14px; margin: -4px 0 6px 0; line-height: 1.3; }
.bb-card { background: white; border: 1px solid #e2e8f0; border-radius: 10px; padding: 8px 12px;
           box-shadow: 0 1px 2px rgba(15,23,42,0.04); margin-bottom: 10px; }
.bb-top .bb-card { margin-bottom: 8px; }
.bb-transport { padding: 2px 12px 0 12px; margin-bottom: 8px; }
.bb-transport .v-btn { height: 34px !important; }
.bb-overview h3, .bb-feeds h3 { margin-top: 4px; }
.bb-chart-both svg { max-height: 370px; }
.bb-chart-funding svg { max-height: 185px; }
.bb-legend-line { display: flex; gap: 14px; flex-wrap: wrap; font-size: 14px; color: #334155; }
.bb-key { display: inline-flex; align-items: center; gap: 6px; }
.bb-key i { display: inline-block; width: 22px; height: 4px; border-radius: 2px; }
.bb-key i.bb-key-ghost { background: linear-gradient(90deg, rgba(15,118,110,0.38) 50%, rgba(194,65,12,0.38) 50%); }
table.bb-keys { border-collapse: collapse; width: 100%; font-size: 14px; font-variant-numeric: tabular-nums; }
table.bb-keys th { text-align: right; font-size: 15px; padding: 0 4px 2px 8px; white-space: nowrap; }
table.bb-keys td { text-align: right; padding: 1px 4px 1px 8px; font-weight: 650; font-size: 15px;
                   white-space: nowrap; border-top: 1px solid #f1f5f9; }
table.bb-keys td:first-child { text-align: left; font-weight: 400; color: #475569; font-size: 14px;
                               padding-left: 0; }
table.bb-keys small { font-weight: 400; color: #64748b; font-size: 13px; }
.bb-feeds .bb-feed { max-height: 96px; }
.bb-feeds h3 { margin: 2px 0 2px 0 !important; }
@media (min-height: 780px) { .bb-feeds .bb-feed { max-height: 140px; } }
@media (min-height: 900px) { .bb-feeds .bb-feed { max-height: 220px; } }
.bb-card h2 { font-size: 17px; font-weight: 650; margin: 0 0 6px 0; }
.bb-card h3 { font-size: 14px; font-weight: 600; color: #475569; margin: 10px 0 2px 0;
              text-transform: uppercase; letter-spacing: 0.04em; }
.bb-with-card { border-top: 5px solid #0f766e; }
.bb-without-card { border-top: 5px solid #c2410c; }
.bb-with { color: #0f766e; }
.bb-without { color: #c2410c; }
.bb-bar { display: flex; align-items: center; gap: 10px; flex-wrap: wrap; }
.bb-month-now { font-size: 20px; font-weight: 650; min-width: 190px; font-variant-numeric: tabular-nums; }
.bb-headline { display: flex; gap: 18px; flex-wrap: wrap; }
.bb-big { font-size: 28px; font-weight: 700; line-height: 1.1; font-variant-numeric: tabular-nums; }
.bb-small { color: #475569; font-size: 13px; }
.bb-kpis { display: flex; gap: 22px; flex-wrap: wrap; margin: 4px 0 6px 0; }
.bb-kpis div { font-variant-numeric: tabular-nums; }
.bb-kpis b { font-size: 18px; display: block; }
.bb-watch { background: #f5f3ff; border-left: 5px solid #7c3aed; padding: 4px 10px; border-radius: 6px;
            margin-bottom: 8px; font-size: 14px; line-height: 1.3; }
.bb-watch b { color: #6d28d9; }
.bb-legend { display: flex; flex-wrap: wrap; gap: 12px; font-size: 14px; color: #475569; margin-top: 2px; }
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
.bb-two { display: grid; grid-template-columns: repeat(auto-fit, minmax(340px, 1fr)); gap: 12px; align-items: start; }
.bb-two > div { max-width: 620px; }
.bb-scorecard { max-width: 1100px; }
.bb-scenario-text { font-size: 13px; color: #64748b; margin: -6px 0 12px 0; line-height: 1.35; }
""".replace("SIDEBAR_PX", str(SIDEBAR_PX))

__all__ = ["CSS", "SIDEBAR_PX"]
