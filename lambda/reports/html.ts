/**
 * The estate report as one self-contained HTML file: it opens offline and from an e-mail
 * attachment (no external script, style, font or image; a Content-Security-Policy that forbids
 * every network fetch), and reads with scripting off (the table is in the HTML; the small inline
 * script only adds sorting and filtering). Every certificate field is escaped (escape.ts).
 * docs/reports.md describes the file.
 */
import { createHash } from 'node:crypto';
import type { Severity } from '../core/evaluate';
import { httpsUrl, text } from './escape';
import { REPORT_CHUNK_ROWS, REPORT_STYLE } from './html-style';

export { REPORT_CHUNK_ROWS } from './html-style';

import { coverageCounts, type EstateReport, expiryOrderKey, type ReportCertificate } from './model';
import { accountLabel, type CountRow, countBy, severityCounts } from './summary';
import { renderTimeline } from './timeline';

/**
 * Sorting (a click on a column header; `aria-sort` and the caption say the order) and filtering
 * (text, severity), and the rest of the table's layout after the first frame.
 *
 * The rows are in chunks of `data-chunk` shown rows, one `<tbody>` each (REPORT_CHUNK_ROWS). A chunk
 * starts with `content-visibility: auto` (html-style.ts): the first frame lays out only what is on
 * screen, the others take an estimated height (the row height measured on the first chunk, the
 * `--row-height` property). A skipped chunk is missing from Chromium's accessibility tree too, so
 * `reveal()` then lays out the chunks one by one (class `v`: `content-visibility: visible`), in tasks
 * of about 25 ms so that scrolling and typing go on between them, until the whole table is exposed;
 * the table is `aria-busy` until then. After a sort or a filter, `relock()` skips every chunk again
 * (so moving 10,000 rows costs the layout of one screen, not of the table; not on a change of window
 * width, where skipping would lose the reader's place: Chromium's scroll anchoring does not hold
 * across it); `place()` deals the rows out in order (a hidden row stays between its neighbours) and hides
 * the chunks left empty. Sort keys: `data-v` when a cell has one (a number), else the text, numbers
 * in it compared as numbers (OPS-9 before OPS-10); empty cells last in either direction. The text
 * filter matches within a cell, not across two. Kept in ES5 so any browser that opens the file runs
 * it; its SHA-256 is the CSP's script source.
 */
export const REPORT_SCRIPT = `(function(){
var t=document.getElementById('certs');if(!t||!t.tBodies.length)return;
var bodies=Array.prototype.slice.call(t.tBodies),size=Number(t.getAttribute('data-chunk'))||100,rows=[],heads=t.tHead.rows[0].cells;
for(var b=0;b<bodies.length;b++)rows.push.apply(rows,Array.prototype.slice.call(bodies[b].rows));
var box=document.getElementById('filter-box'),q=document.getElementById('filter'),sev=document.getElementById('severity-filter'),shown=document.getElementById('shown'),order=document.getElementById('order');
var run=0;box.hidden=false;
function measure(){var f=bodies[0];if(f.className==='v'&&f.rows.length===size&&!f.querySelector('tr[hidden]'))t.style.setProperty('--row-height',(f.offsetHeight/size).toFixed(1)+'px');}
function reveal(){var my=++run,i=0;t.setAttribute('aria-busy','true');
function step(){if(my!==run)return;var end=Date.now()+25;
while(i<bodies.length&&Date.now()<end){var b=bodies[i++];if(b.className!=='v'){b.className='v';b.offsetHeight;if(i===1)measure();}}
if(i<bodies.length)setTimeout(step,0);else t.removeAttribute('aria-busy');}
requestAnimationFrame(function(){setTimeout(step,0);});}
function relock(){for(var j=0;j<bodies.length;j++)bodies[j].className='';}
function place(){var c=0,k=0,f=document.createDocumentFragment();relock();
for(var i=0;i<rows.length;i++){var r=rows[i];f.appendChild(r);if(!r.hidden&&++k===size&&c<bodies.length-1){bodies[c++].appendChild(f);k=0;}}
bodies[c].appendChild(f);for(var j=0;j<bodies.length;j++)bodies[j].hidden=j>c||(j===c&&k===0);reveal();}
function key(r,i){var c=r.cells[i],v=c.getAttribute('data-v');if(v!==null)return Number(v);return c.textContent.trim().toLowerCase();}
function sortBy(i){var h=heads[i],asc=h.getAttribute('aria-sort')!=='ascending';
for(var j=0;j<heads.length;j++)heads[j].removeAttribute('aria-sort');h.setAttribute('aria-sort',asc?'ascending':'descending');
if(order)order.textContent='by '+h.textContent.toLowerCase()+(asc?', ascending':', descending');
var k=rows.map(function(r,n){return[key(r,i),n,r];});
k.sort(function(a,b){var x=a[0],y=b[0];if(x===''||y==='')return x===y?a[1]-b[1]:x===''?1:-1;
var d=typeof x==='number'&&typeof y==='number'?(x===y?0:x<y?-1:1):String(x).localeCompare(String(y),undefined,{numeric:true});return d===0?a[1]-b[1]:asc?d:-d;});
rows=k.map(function(e){return e[2];});place();}
Array.prototype.forEach.call(heads,function(h,i){var b=h.querySelector('button');if(b)b.addEventListener('click',function(){sortBy(i);});});
function textOf(r){var s=[];for(var i=0;i<r.cells.length;i++)s.push(r.cells[i].textContent);return s.join('\\n').toLowerCase();}
function filter(){var s=q.value.trim().toLowerCase(),v=sev.value,n=0,moved=false;
for(var i=0;i<rows.length;i++){var r=rows[i];if(s&&r.__text===undefined)r.__text=textOf(r);
var ok=(!s||r.__text.indexOf(s)>=0)&&(!v||r.className==='s-'+v);if(r.hidden===ok){r.hidden=!ok;moved=true;}if(ok)n++;}
if(moved)place();shown.textContent=String(n);}
q.addEventListener('input',filter);sev.addEventListener('change',filter);
reveal();
})();`;

/** `'sha256-…'` of the inline script (CSP Level 3, "hash-source"): the only script the page may run. */
export const scriptHashSource = (script: string = REPORT_SCRIPT): string =>
  `'sha256-${createHash('sha256').update(script, 'utf8').digest('base64')}'`;

/**
 * No fetch of any kind (`default-src 'none'`: scripts, styles, fonts, images, frames, connections),
 * inline style allowed, the one inline script by its hash, `data:` images only; no `<base>`, no
 * form submission.
 */
export const reportCsp = (): string =>
  `default-src 'none'; style-src 'unsafe-inline'; script-src ${scriptHashSource()}; img-src data:; base-uri 'none'; form-action 'none'`;

const SEVERITY_LABEL: Record<Severity, string> = {
  expired: 'Expired',
  critical: 'Critical',
  warning: 'Warning',
  ok: 'OK',
};

/** Severities from the most urgent: the severity column's sort key, so its first sort, like days left's, puts the worst first. */
const URGENCY: readonly Severity[] = ['expired', 'critical', 'warning', 'ok'];

/** At most this many `used by` entries are listed per row; the rest are counted. */
export const USED_BY_SHOWN = 3;

const COLUMNS = [
  'Location',
  'Account / region',
  'Domain',
  'Days left',
  'Expires (UTC)',
  'Severity',
  'Issuer',
  'Key',
  'Used by',
  'Lifecycle state',
  'Acknowledged',
  'Ticket',
] as const;
const DAYS_COLUMN = COLUMNS.indexOf('Days left');

const usedBy = (list: readonly string[]): string => {
  const shown = list.slice(0, USED_BY_SHOWN).map(text).join('<br>');
  return list.length > USED_BY_SHOWN ? `${shown}<br>+${list.length - USED_BY_SHOWN} more` : shown;
};

const ackCell = (a: ReportCertificate['acknowledged']): string =>
  a
    ? `until ${text(a.until === 'renewal' ? 'renewal' : a.until.slice(0, 10))}${a.by ? ` by ${text(a.by)}` : ''}${a.reason ? `: ${text(a.reason)}` : ''}`
    : '';

const ticketCell = (t: ReportCertificate['ticket']): string => {
  if (!t) return '';
  const label = `${text(t.system)} ${text(t.key)}`;
  const url = httpsUrl(t.url);
  return url ? `<a href="${text(url)}" rel="noopener noreferrer">${label}</a>` : label;
};

const dayCount = (n: number): string => String(Math.round(n * 100) / 100);

/** Lifecycle state, error, problem codes, and why a short-lived certificate is graded as it is. */
const stateCell = (c: ReportCertificate): string => {
  const parts = [c.lifecycleState, c.error ? `${c.error.code}: ${c.error.message}` : undefined];
  const problems = c.problems.filter((p) => p !== c.error?.code);
  if (problems.length) parts.push(problems.join(', '));
  const s = c.shortLived;
  if (s)
    parts.push(
      `Short-lived (${dayCount(s.lifetimeDays)}-day lifetime): warning at ${dayCount(s.warningDays)} days left, critical at ${dayCount(s.criticalDays)}`,
    );
  return parts.filter(Boolean).map(breakable).join('<br>');
};

/** Escaped text that may break after an underscore (`SELF_SIGNED`, `EC_prime256v1`) rather than mid-word. */
const breakable = (value: string | undefined): string => text(value).replace(/_/g, '_<wbr>');

/**
 * One table row: text cells only, every value escaped; the days, expiry and severity cells carry
 * their sort key in `data-v` (days left for both the days and the expiry column, without an expiry
 * first when not OK and last when OK, as expiryOrderKey; how urgent, not the severity's name).
 */
const row = (c: ReportCertificate): string => {
  const where = [accountLabel(c), c.region].filter(Boolean).map(text).join('<br>');
  const days = String(c.daysRemaining ?? expiryOrderKey(c));
  return (
    `<tr class=s-${c.severity}><td>${text(c.location).replace('@', '@<wbr>')}</td><td>${where}</td><td>${text(c.domain)}</td>` +
    `<td data-v="${days}">${c.daysRemaining ?? '-'}</td><td data-v="${days}">${c.notAfter ? text(c.notAfter.slice(0, 10)) : '-'}</td>` +
    `<td class=sv data-v=${URGENCY.indexOf(c.severity)}>${SEVERITY_LABEL[c.severity]}</td><td>${text(c.issuer)}</td><td>${breakable(c.keyAlgorithm)}</td>` +
    `<td>${usedBy(c.inUseBy)}</td><td>${stateCell(c)}</td><td>${ackCell(c.acknowledged)}</td><td>${ticketCell(c.ticket)}</td></tr>`
  );
};

const countTable = (caption: string, what: string, rows: readonly CountRow[]): string =>
  `<table class=mini><caption>${caption}</caption><thead><tr><th scope=col>${what}</th><th scope=col>Certificates</th>` +
  `<th scope=col>Expired</th><th scope=col>Critical</th><th scope=col>Warning</th></tr></thead><tbody>` +
  rows
    .map(
      (r) =>
        `<tr><th scope=row>${text(r.key)}</th><td data-count="${text(`${what.toLowerCase()}:${r.key}`)}">${r.count}</td>` +
        `<td>${r.bySeverity.expired}</td><td>${r.bySeverity.critical}</td><td>${r.bySeverity.warning}</td></tr>`,
    )
    .join('') +
  '</tbody></table>';

const summarySection = (report: EstateReport): string => {
  const certs = report.certificates;
  // An acknowledged certificate keeps its severity; the badge says how many of its count are acknowledged.
  const acked = (severity: string, n: number) =>
    n > 0 ? ` <span class=acked data-count="acknowledged:${severity}">(${n} acknowledged)</span>` : '';
  const badges = severityCounts(certs)
    .map(
      (s) =>
        `<li class="sev s-${s.severity}" data-count="severity:${s.severity}"><strong>${s.count}</strong> ${SEVERITY_LABEL[s.severity].toLowerCase()}${acked(s.severity, s.acknowledged)}</li>`,
    )
    .join('');
  return (
    `<section aria-labelledby=h-summary><h2 id=h-summary>Summary</h2>` +
    `<p><strong data-count="total">${certs.length}</strong> certificate${certs.length === 1 ? '' : 's'}</p>` +
    `<ul class=badges>${badges}</ul><div class=grid>` +
    countTable(
      'By source',
      'Source',
      countBy(certs, (c) => c.source),
    ) +
    countTable('By account', 'Account', countBy(certs, accountLabel)) +
    countTable(
      'By region',
      'Region',
      countBy(certs, (c) => c.region),
    ) +
    '</div></section>'
  );
};

const coverageSection = (report: EstateReport): string => {
  const { scopesScanned, scopesFailed, periodRecorded } = report.coverage;
  const head = `<section aria-labelledby=h-coverage><h2 id=h-coverage>Coverage</h2>`;
  if (periodRecorded === false)
    return `${head}<p data-count="no-period">No scan period is recorded yet: which scopes were listed, and whether any failed, is not known.</p></section>`;
  const { scopes, complete, withErrors } = coverageCounts(report.coverage);
  const failed = scopesFailed.length
    ? `<table class=mini><caption>Not listed completely</caption><thead><tr><th scope=col>Scope</th><th scope=col>Code</th><th scope=col>Message</th></tr></thead><tbody>${scopesFailed
        .map(
          (f) =>
            `<tr><th scope=row>${text(f.scope)}</th><td>${text(f.code)}</td><td>${text(f.message)}</td></tr>`,
        )
        .join('')}</tbody></table>`
    : '<p>Every scope was listed completely.</p>';
  const failedScopes = new Set(scopesFailed.map((f) => f.scope));
  const listed = [...new Set(scopesScanned)].filter((s) => !failedScopes.has(s));
  const scanned = listed.length
    ? `<details><summary>Scopes listed completely</summary><ul class=scopes>${listed.map((s) => `<li>${text(s)}</li>`).join('')}</ul></details>`
    : '';
  return (
    head +
    `<p><strong data-count="scopes-scanned">${scopes}</strong> scope${scopes === 1 ? '' : 's'} scanned: ` +
    `<strong data-count="scopes-complete">${complete}</strong> listed completely, ` +
    `<strong data-count="scopes-failed">${withErrors}</strong> with errors.</p>${failed}${scanned}</section>`
  );
};

const chunks = (rows: readonly string[]): string => {
  const out: string[] = [];
  for (let i = 0; i < rows.length; i += REPORT_CHUNK_ROWS) {
    const chunk = rows.slice(i, i + REPORT_CHUNK_ROWS);
    // A short last chunk says how many rows it has, for its estimated height (html-style.ts).
    const short = chunk.length < REPORT_CHUNK_ROWS ? ` style="--rows:${chunk.length}"` : '';
    out.push(`<tbody${short}>${chunk.join('\n')}</tbody>`);
  }
  return out.join('\n');
};

const tableSection = (report: EstateReport): string => {
  const n = report.certificates.length;
  const title = '<section aria-labelledby=h-certs><h2 id=h-certs>Certificates</h2>';
  if (n === 0) return `${title}<p>No certificates in this report.</p></section>`;
  const head = COLUMNS.map(
    (c, i) =>
      // data-label: the name printed in the header row repeated on every page (html-style.ts: Chromium
      // leaves a button's text out of a repeated header).
      `<th scope=col data-label="${c}"${i === DAYS_COLUMN ? ' aria-sort=ascending' : ''}><button type=button>${c}</button></th>`,
  ).join('');
  const options = URGENCY.map((s) => `<option value=${s}>${SEVERITY_LABEL[s]}</option>`).join('');
  return (
    title +
    `<div id=filter-box class=filters hidden><label for=filter>Filter</label> <input id=filter type=search autocomplete=off> ` +
    `<label for=severity-filter>Severity</label> <select id=severity-filter><option value="">All</option>${options}</select> ` +
    `<span role=status><span id=shown>${n}</span> of ${n} shown</span></div>` +
    `<table id=certs data-chunk=${REPORT_CHUNK_ROWS}><caption>Every certificate, <span id=order>soonest expiry first</span></caption><thead><tr>${head}</tr></thead>` +
    `${chunks(report.certificates.map(row))}</table></section>`
  );
};

/**
 * The report as an HTML document (UTF-8). Its size is about 440 bytes per certificate plus 12 KB
 * (docs/benchmarks.md: 10,000 certificates).
 */
export const renderHtml = (report: EstateReport): string => {
  const generated = report.generatedAt;
  return (
    `<!doctype html><html lang=en><head><meta charset=utf-8>` +
    `<meta http-equiv="Content-Security-Policy" content="${reportCsp()}">` +
    `<meta name=viewport content="width=device-width, initial-scale=1">` +
    `<meta name=referrer content=no-referrer>` +
    `<title>Certificate estate report ${text(generated.slice(0, 10))}</title><style>${REPORT_STYLE}</style></head><body>` +
    `<header><h1>Certificate estate report</h1><p>Generated <time datetime="${text(generated)}">${text(generated.replace('T', ' ').replace(/\.\d+Z$/, 'Z'))}</time>` +
    ` by ${text(report.origin)}. Days left count from this instant. Report version ${text(report.reportVersion)}.</p></header><main>` +
    summarySection(report) +
    `<section aria-labelledby=h-timeline><h2 id=h-timeline>Expiry timeline</h2>${renderTimeline(report)}</section>` +
    coverageSection(report) +
    tableSection(report) +
    `</main><script>${REPORT_SCRIPT}</script></body></html>\n`
  );
};
