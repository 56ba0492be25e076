/**
 * The report's inline style sheet. The certificate table is laid out once: it is hidden until
 * the parser has read all of it (html.ts reveals it with a style element after the table, no
 * script needed), and its columns have fixed widths, so a 10,000-row table is not laid out again
 * at every step of progressive parsing nor measured cell by cell (docs/benchmarks.md). Severity colours always come with the severity in words (WCAG
 * 2.2, 1.4.1 "Use of Color"); text on every coloured background has a contrast ratio of at least
 * 4.5:1 (1.4.3). System fonts only: nothing is fetched.
 */
export const REPORT_STYLE = `
:root{--expired:#7f1d1d;--critical:#b91c1c;--warning:#92400e;--ok:#166534}
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:1.5rem;color:#111;background:#fff}
h1{font-size:1.5rem;margin:0 0 .25rem}h2{font-size:1.15rem;margin:1.5rem 0 .5rem}
.badges{display:flex;gap:.5rem;list-style:none;padding:0;flex-wrap:wrap}
.sev{padding:.25rem .6rem;border-radius:4px;color:#fff}
.sev.s-expired,.s-expired .sv,.b-expired{background:var(--expired);fill:var(--expired)}
.sev.s-critical,.s-critical .sv,.b-critical{background:var(--critical);fill:var(--critical)}
.sev.s-warning,.s-warning .sv{background:var(--warning)}.b-warning{fill:#d97706}
.sev.s-ok,.s-ok .sv{background:var(--ok)}.b-ok{fill:#16a34a}
.sv{color:#fff;font-weight:600}
.grid{display:flex;gap:1.5rem;flex-wrap:wrap;align-items:flex-start}
table{border-collapse:collapse}caption{text-align:left;font-weight:600;padding:.25rem 0}
th,td{border:1px solid #d4d4d8;padding:.2rem .4rem;text-align:left;vertical-align:top}
.mini td{text-align:right}
#certs{width:100%;min-width:1100px;font-size:13px;table-layout:fixed}#certs td{overflow-wrap:anywhere}
#certs th:nth-child(1){width:15%}#certs th:nth-child(2){width:11%}#certs th:nth-child(3){width:12%}
#certs th:nth-child(4){width:5%}#certs th:nth-child(5){width:7%}#certs th:nth-child(6){width:6%}
#certs th:nth-child(7){width:9%}#certs th:nth-child(8){width:7%}#certs th:nth-child(9){width:8%}
#certs th:nth-child(10){width:7%}#certs th:nth-child(11){width:8%}#certs th:nth-child(12){width:5%}
.scroll{display:none}
#certs th{background:#f4f4f5;position:sticky;top:0}
#certs th button{all:inherit;cursor:pointer;background:none;border:0;padding:0}
#certs th[aria-sort=ascending] button::after{content:" \\25B2"}
#certs th[aria-sort=descending] button::after{content:" \\25BC"}
#certs th button:focus-visible{outline:2px solid #1d4ed8}
.filters{margin:.5rem 0;display:flex;gap:.5rem;align-items:center;flex-wrap:wrap}
.scroll{overflow-x:auto}
svg .axis{font-size:10px;fill:#3f3f46}svg .tick{stroke:#e4e4e7}svg .axis-line{stroke:#71717a}
.note{color:#3f3f46;font-size:12px}
.scopes{columns:3 20ch;font-size:12px}
@media print{.filters{display:none}#certs th{position:static}}
`;
