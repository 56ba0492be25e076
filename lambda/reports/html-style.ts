/**
 * Rows per `<tbody>` chunk of the certificate table: each chunk is a block the browser lays out only
 * when it comes near the viewport (below), so a 10,000-row table is laid out 100 rows at a time
 * instead of all at once (docs/benchmarks.md, "Estate report").
 */
export const REPORT_CHUNK_ROWS = 100;

/** The certificate table's column widths, in % of its width, in html.ts's column order. */
const COLUMN_WIDTHS = [10, 10, 10, 5, 8, 7, 9, 8, 8, 10, 10, 5] as const;

/**
 * The report's inline style sheet. The certificate table is a column of blocks: each `<tbody>`
 * chunk (html.ts) has `content-visibility: auto` (CSS Containment Level 2), so the browser styles
 * and lays out only the chunks near the viewport; a chunk not yet seen takes its estimated height
 * (`contain-intrinsic-size`: the chunk's rows, `--rows` on a short last chunk, times `--row-height`,
 * which the script measures on the first chunk; 110 px without it), one seen keeps its last height. Containment does not apply to
 * table-internal boxes, so the table, its row groups and rows are blocks and each row is a grid
 * with the same column widths (the table keeps its HTML semantics: Chromium maps the elements, not
 * their display, to table roles; test/integration/report-chromium.test.ts reads the tree). The
 * report's script lays out the skipped chunks afterwards (class `v`), because skipped content is
 * not in the accessibility tree; a laid-out chunk keeps layout and paint containment, which halves
 * the work of each later frame (docs/benchmarks.md). The page itself scrolls sideways in a narrow
 * window, so the header row sticks to the top of the viewport and the scroll bar is always at hand.
 * On paper the table is a table again (fixed column widths, the header row repeated on every page,
 * landscape); its names come from `data-label`, since Chromium does not draw a button's text in a
 * repeated header.
 * Severity colours always come with the severity in words (WCAG 2.2, 1.4.1 "Use of Color"); text on
 * every coloured background has a contrast ratio of at least 4.5:1 (1.4.3). System fonts only:
 * nothing is fetched.
 */
export const REPORT_STYLE = `
:root{--expired:#7f1d1d;--critical:#b91c1c;--warning:#92400e;--ok:#166534}
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:1.5rem;color:#111;background:#fff}
h1{font-size:1.5rem;margin:0 0 .25rem}h2{font-size:1.15rem;margin:1.5rem 0 .5rem}
.badges{display:flex;gap:.5rem;list-style:none;padding:0;flex-wrap:wrap}
.sev{padding:.25rem .6rem;border-radius:4px;color:#fff}
.sev .acked{font-size:.9em}
.sev.s-expired,.s-expired .sv,.b-expired{background:var(--expired);fill:var(--expired)}
.sev.s-critical,.s-critical .sv,.b-critical{background:var(--critical);fill:var(--critical)}
.sev.s-warning,.s-warning .sv{background:var(--warning)}.b-warning{fill:#d97706}
.sev.s-ok,.s-ok .sv{background:var(--ok)}.b-ok{fill:#16a34a}
.sv{color:#fff;font-weight:600}
.grid{display:flex;gap:1.5rem;flex-wrap:wrap;align-items:flex-start}
table{border-collapse:collapse}caption{text-align:left;font-weight:600;padding:.25rem 0}
th,td{border:1px solid #d4d4d8;padding:.2rem .4rem;text-align:left;vertical-align:top}
.mini td{text-align:right}
[hidden]{display:none!important}
#certs{display:block;width:100%;min-width:1100px;font-size:13px}
#certs caption{display:block}#certs thead,#certs tbody{display:block}
#certs tr{display:grid;grid-template-columns:${COLUMN_WIDTHS.map((w) => `${w}%`).join(' ')}}
#certs th,#certs td{overflow-wrap:anywhere}#certs th{font-size:12px}
#certs th,#certs td{border-width:0 1px 1px 0}
#certs tr>:first-child{border-left-width:1px}#certs thead th{border-top-width:1px}
#certs tbody{content-visibility:auto;contain-intrinsic-size:auto calc(var(--row-height,110px)*var(--rows,${REPORT_CHUNK_ROWS}))}
#certs tbody.v{content-visibility:visible;contain:content}
#certs thead{position:sticky;top:0;z-index:1}#certs th{background:#f4f4f5}
#certs th button{all:inherit;cursor:pointer;background:none;border:0;padding:0}
#certs th[aria-sort=ascending] button::after{content:" \\25B2";content:" \\25B2"/""}
#certs th[aria-sort=descending] button::after{content:" \\25BC";content:" \\25BC"/""}
#certs th button:focus-visible{outline:2px solid #1d4ed8}
.filters{margin:.5rem 0;display:flex;gap:.5rem;align-items:center;flex-wrap:wrap}
svg .axis{font-size:10px;fill:#3f3f46}svg .tick{stroke:#e4e4e7}svg .axis-line{stroke:#71717a}
.note{color:#3f3f46;font-size:12px}
.scopes{columns:3 20ch;font-size:12px}
@page{size:landscape;margin:1cm}
@media print{body{margin:0}.filters{display:none}
#certs{display:table;table-layout:fixed;min-width:0;font-size:10px}#certs caption{display:table-caption}
#certs thead{display:table-header-group;position:static}#certs th button{display:none}#certs th::before{content:attr(data-label)}#certs tbody{display:table-row-group}
#certs tr{display:table-row;break-inside:avoid}#certs th,#certs td{border-width:1px}
${COLUMN_WIDTHS.map((w, i) => `#certs th:nth-child(${i + 1}){width:${w}%}`).join('')}}
`;
