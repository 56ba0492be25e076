/**
 * One SMS segment: at most 160 GSM-7 septets (3GPP TS 23.038), where the extension characters
 * `^{}\[~]|€` cost two. One character outside GSM-7 would switch the whole message to UCS-2
 * (70 characters a segment), so names are transliterated to ASCII (é→e, ß→ss, NFD with the marks
 * stripped) and anything left over is dropped. Says what, where and when:
 * `CERT EXPIRES IN 3d: api.example.com (ACM eu-west-1) 2026-12-01`.
 */
import { clean } from './text';
import { type AlertView, isoDay, remainingOf, toView, type WatcherEvent } from './view';

/** "20h", "6d": the one rounding rule (hours under 48 hours), never below zero for an expiring alert. */
const leftCompact = (v: AlertView): string | undefined => {
  const r = remainingOf(v);
  return r ? `${Math.max(0, r.value)}${r.unit === 'hour' ? 'h' : 'd'}` : undefined;
};

export const SMS_MAX_SEPTETS = 160;

const GSM_BASIC = new Set(
  Array.from(
    '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà',
  ),
);
const GSM_EXTENDED = new Set(Array.from('^{}\\[~]|€\f'));

/** Septets a text costs in GSM-7, or undefined when it holds a character GSM-7 cannot encode. */
export const gsmSeptets = (s: string): number | undefined => {
  let n = 0;
  for (const c of s) {
    if (GSM_BASIC.has(c)) n += 1;
    else if (GSM_EXTENDED.has(c)) n += 2;
    else return undefined;
  }
  return n;
};

const SPECIAL: Record<string, string> = {
  ß: 'ss',
  ẞ: 'SS',
  æ: 'ae',
  Æ: 'AE',
  œ: 'oe',
  Œ: 'OE',
  ø: 'o',
  Ø: 'O',
  đ: 'd',
  Đ: 'D',
  ð: 'd',
  Ð: 'D',
  ł: 'l',
  Ł: 'L',
  þ: 'th',
  Þ: 'Th',
  ı: 'i',
  ħ: 'h',
  Ħ: 'H',
  '‘': "'",
  '’': "'",
  '‚': "'",
  '“': '"',
  '”': '"',
  '„': '"',
  '–': '-',
  '—': '-',
  '‐': '-',
  '…': '...',
  '«': '"',
  '»': '"',
  '\u00a0': ' ',
};

/**
 * Printable ASCII that GSM-7 encodes in one septet; `` ` `` has no GSM-7 code at all. Only these
 * are kept, so every character of a transliterated text costs exactly one septet.
 */
const SAFE_ASCII = /^[A-Za-z0-9 !"#%&'()*+,\-./:;<=>?@_$]$/;

/** To one-septet GSM-7 ASCII: known ligatures spelled out, accents stripped (NFD), the rest dropped. */
export const toGsmAscii = (s: string): string => {
  let out = '';
  for (const c of clean(s)) {
    if (SAFE_ASCII.test(c)) {
      out += c;
      continue;
    }
    const special = SPECIAL[c];
    if (special !== undefined) {
      out += special;
      continue;
    }
    for (const d of c.normalize('NFD').replace(/\p{M}/gu, '')) if (SAFE_ASCII.test(d)) out += d;
  }
  return out.replace(/ {2,}/g, ' ').trim();
};

const ELLIPSIS = '..';
const cut = (s: string, max: number): string =>
  s.length <= max
    ? s
    : max <= ELLIPSIS.length
      ? s.slice(0, max)
      : `${s.slice(0, max - ELLIPSIS.length)}${ELLIPSIS}`;

const what = (v: AlertView): string => {
  switch (v.kind) {
    case 'expiring':
      return leftCompact(v) ? `CERT EXPIRES IN ${leftCompact(v)}` : 'CERT EXPIRING';
    case 'expired':
      return 'CERT EXPIRED';
    case 'misconfigured':
      return `CERT REJECTED ${v.problems[0]?.code ?? ''}`.trim();
    case 'check-failed':
      return `TLS CHECK FAILED ${v.error?.code ?? ''}`.trim();
    case 'renewed':
      return 'CERT RENEWED';
    case 'removed':
      return 'CERT REMOVED';
    case 'not-yet-valid':
      return 'CERT NOT YET VALID';
    case 'now-valid':
      return 'CERT NOW VALID';
    case 'not-deployed':
      return 'CERT NOT DEPLOYED';
    case 'deployed':
      return 'CERT DEPLOYED';
    case 'recovered':
      return v.resolved?.kind === 'check-failed' ? 'TLS CHECK OK AGAIN' : 'CERT ACCEPTED AGAIN';
    case 'scan-completed':
      return 'CERT SCAN DONE';
    case 'group': {
      const n = v.group?.count ?? 0;
      if (v.group?.memberKind === 'renewed') return `${n} CERTS RENEWED`;
      if (v.group?.memberKind === 'expired') return `${n} CERTS EXPIRED`;
      return leftCompact(v) ? `${n} CERTS EXPIRE FROM ${leftCompact(v)}` : `${n} CERTS EXPIRING`;
    }
    default:
      return 'CERT WATCHER';
  }
};

/** A readable name even when the domain has no Latin letters (then a SAN, or the location). */
const nameOf = (v: AlertView): string => {
  for (const candidate of [v.name, ...v.sans.slice(0, 10), v.location ?? '']) {
    const ascii = toGsmAscii(candidate);
    if (/[A-Za-z0-9]/.test(ascii)) return ascii;
  }
  return 'unnamed certificate';
};

/** The SMS text; always a single GSM-7 segment (≤ 160 septets, one septet a character). */
export const formatSms = (event: WatcherEvent): string => {
  const v = toView(event);
  const head = toGsmAscii(what(v)).slice(0, 40);
  if (v.kind === 'scan-completed' || v.kind === 'unknown') {
    return cut(`${head}: ${toGsmAscii(v.detailType)}`, SMS_MAX_SEPTETS);
  }
  const where = cut(toGsmAscii(v.where), 40);
  const day = isoDay(v.notAfter) ?? isoDay(v.observedAt);
  const tail = `${where ? ` (${where})` : ''}${day ? ` ${day}` : ''}`;
  const room = SMS_MAX_SEPTETS - head.length - 2 - tail.length;
  const text = `${head}: ${cut(nameOf(v), Math.max(room, 0))}${tail}`;
  return cut(text, SMS_MAX_SEPTETS);
};
