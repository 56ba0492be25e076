/**
 * Certificates kept as values in a store (Secrets Manager secrets, Parameter Store parameters):
 * the selection both sources share (a tag, or name prefixes), the value → certificates parsing
 * (PEM bundles and chains, JSON with PEM fields, base64 DER, binary DER or PEM) and the record and
 * error mapping. Values are parsed and dropped: never logged, kept or echoed. Private keys and
 * other PEM blocks are skipped by label in lambda/sources/pem.ts; messages name only locations,
 * sizes and counts.
 */
import type { X509Certificate } from 'node:crypto';
import {
  DEFAULT_WATCH_TAG_KEY,
  DEFAULT_WATCH_TAG_VALUE,
  InvalidSourceSettingError,
} from '../contracts/sources';
import type { CertificateRecord } from '../core/certificate';
import type { ItemError } from '../core/ports';
import { certInfo } from './endpoint/cert-info';
import { certificatesIn } from './pem';
import { recordFromCertInfo } from './x509-record';

/** The tag that selects a secret or parameter by default (lib/sources/secrets.ts grants by the same). */
/** The default selecting tag (lambda/contracts/sources.ts), shared with the construct. */
export const DEFAULT_TAG_KEY = DEFAULT_WATCH_TAG_KEY;
export const DEFAULT_TAG_VALUE = DEFAULT_WATCH_TAG_VALUE;
/** Secrets Manager's largest value (SecretString or SecretBinary); Parameter Store's is 8 KiB. */
export const MAX_STORED_VALUE_BYTES = 65_536;
export const DEFAULT_READ_CONCURRENCY = 8;
const MAX_READ_CONCURRENCY = 32;
/** Shortest JSON string tried as base64 DER: a DER certificate is a few hundred bytes at least. */
const MIN_BASE64_FIELD = 128;
const MAX_JSON_DEPTH = 8;

/** Names valid in both stores; no IAM wildcard (`*`, `?`), since a prefix becomes a resource ARN. */
const PREFIX_PATTERN = /^[A-Za-z0-9/_+=.@-]{1,256}$/;
const TAG_PATTERN = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,256}$/u;

export type StoredSelection =
  | { readonly by: 'tag'; readonly key: string; readonly value: string }
  | { readonly by: 'prefixes'; readonly prefixes: readonly string[] };

export interface StoredValueOptions {
  readonly selection: StoredSelection;
  /** Also read values (and JSON string fields) holding base64 of one DER certificate. */
  readonly base64: boolean;
  /** Value reads (GetSecretValue or GetParameters calls) at once per scope. */
  readonly concurrency: number;
}

const listOption = (raw: unknown): string[] | undefined => {
  if (raw === undefined) return undefined;
  const items = typeof raw === 'string' ? raw.split(',') : Array.isArray(raw) ? raw : [raw];
  return items.map((p) => (typeof p === 'string' ? p.trim() : p)).filter((p) => p !== '') as string[];
};

/**
 * The options of a `secrets` or `ssm` setting (the construct's props, or `--option key=value` in
 * the CLI where lists are comma-separated): `tagKey`/`tagValue` or `prefixes`, `base64`,
 * `concurrency`. Throws InvalidSourceSettingError naming the bad option.
 */
export const storedValueOptions = (
  kind: string,
  options: Readonly<Record<string, unknown>> = {},
): StoredValueOptions => {
  const bad = (message: string) => new InvalidSourceSettingError(`${kind} options: ${message}`);
  const prefixes = listOption(options.prefixes);
  const { tagKey, tagValue } = options;
  if (prefixes !== undefined && (tagKey !== undefined || tagValue !== undefined))
    throw bad('select by tag (tagKey/tagValue) or by name prefixes, not both');
  let selection: StoredSelection;
  if (prefixes !== undefined) {
    if (prefixes.length === 0) throw bad('prefixes must name at least one prefix');
    for (const p of prefixes)
      if (typeof p !== 'string' || !PREFIX_PATTERN.test(p))
        throw bad(`prefix ${JSON.stringify(p)} must be 1-256 letters, digits or /_+=.@- (no wildcards)`);
    selection = { by: 'prefixes', prefixes: [...new Set(prefixes)] };
  } else {
    const key = tagKey ?? DEFAULT_TAG_KEY;
    const value = tagValue ?? DEFAULT_TAG_VALUE;
    for (const [name, v] of [
      ['tagKey', key],
      ['tagValue', value],
    ] as const)
      if (typeof v !== 'string' || !TAG_PATTERN.test(v))
        throw bad(`${name} must be a non-empty tag text, got ${JSON.stringify(v)}`);
    selection = { by: 'tag', key: key as string, value: value as string };
  }
  const base64 = options.base64 ?? false;
  if (base64 !== true && base64 !== false && base64 !== 'true' && base64 !== 'false')
    throw bad(`base64 must be true or false, got ${JSON.stringify(base64)}`);
  const concurrency = Number(options.concurrency ?? DEFAULT_READ_CONCURRENCY);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > MAX_READ_CONCURRENCY)
    throw bad(`concurrency must be a whole number from 1 to ${MAX_READ_CONCURRENCY}`);
  return { selection, base64: base64 === true || base64 === 'true', concurrency };
};

/** Whether a name falls under the prefix selection (the services' own filters are re-checked). */
export const nameSelected = (selection: StoredSelection, name: string): boolean =>
  selection.by === 'prefixes' && selection.prefixes.some((p) => name.startsWith(p));

// ---------------------------------------------------------------------------------------------
// Value → certificates

export interface StoredCertificate {
  /** Appended to the item's ARN: '' for the value itself, `#<jsonKey>`, then `#2`, `#3` for a bundle's later certificates. */
  readonly location: string;
  readonly x509: X509Certificate;
}

export interface StoredValueProblem {
  readonly location: string;
  readonly code: 'NOT_A_CERTIFICATE' | 'MALFORMED_CERTIFICATE' | 'VALUE_TOO_LARGE';
  readonly message: string;
}

export interface StoredValueContents {
  readonly certificates: StoredCertificate[];
  readonly problems: StoredValueProblem[];
}

const PEM_MARKER = '-----BEGIN ';
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** PEM pasted into JSON or a one-line parameter often carries literal `\n` instead of line breaks. */
const withLineBreaks = (text: string): string =>
  text.includes(PEM_MARKER) && text.includes('\\n') ? text.replace(/\\r\\n|\\n/g, '\n') : text;

interface Field {
  readonly location: string;
  readonly found: number;
  readonly otherBlocks: number;
}

const kib = (bytes: number) =>
  bytes >= 1024 ? `${(bytes / 1024).toFixed(bytes % 1024 ? 1 : 0)} KiB` : `${bytes} bytes`;

class Collector {
  readonly certificates: StoredCertificate[] = [];
  readonly problems: StoredValueProblem[] = [];

  /** The certificates of one text or binary field; `quiet` drops "no certificate here" (JSON fields hold other things too). */
  field(value: string | Buffer, base: string, base64: boolean, quiet: boolean): Field {
    const parsed = certificatesIn(typeof value === 'string' ? withLineBreaks(value) : value, { base64 });
    parsed.certificates.forEach(({ x509 }, i) => {
      this.certificates.push({ location: i === 0 ? base : `${base}#${i + 1}`, x509 });
    });
    for (const p of parsed.problems) {
      if (p.code === 'NOT_A_CERTIFICATE' && (quiet || parsed.certificates.length > 0)) continue;
      this.problems.push({ location: base, code: p.code, message: p.message });
    }
    return { location: base, found: parsed.certificates.length, otherBlocks: parsed.otherBlocks };
  }

  json(node: unknown, path: string, depth: number, base64: boolean, fields: Field[]): void {
    if (depth > MAX_JSON_DEPTH) return;
    if (typeof node === 'string') {
      const worth = node.includes(PEM_MARKER) || (base64 && node.length >= MIN_BASE64_FIELD);
      if (worth) fields.push(this.field(node, `#${path}`, base64, true));
      return;
    }
    if (Array.isArray(node)) {
      node.forEach((item, i) => {
        this.json(item, `${path}[${i}]`, depth + 1, base64, fields);
      });
      return;
    }
    if (node && typeof node === 'object')
      for (const [key, item] of Object.entries(node))
        this.json(item, path ? `${path}.${key}` : key, depth + 1, base64, fields);
  }
}

const parseJson = (text: string): unknown => {
  const t = text.trimStart();
  if (!t.startsWith('{') && !t.startsWith('[')) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

/**
 * Every certificate in a stored value. Text: PEM blocks (chains, bundles, keys mixed in), JSON
 * whose string fields hold PEM (nested objects and arrays; location `#<key.path>`), base64 DER
 * (`base64`), a comma-separated list of those (`list`: a StringList). Binary: DER, or text as
 * above. A value with no certificate at all is one NOT_A_CERTIFICATE problem. Never throws.
 */
export const certificatesInStoredValue = (
  value: string | Uint8Array,
  options: { readonly base64?: boolean; readonly list?: boolean } = {},
): StoredValueContents => {
  const out = new Collector();
  const bytes = typeof value === 'string' ? Buffer.byteLength(value, 'utf8') : value.byteLength;
  const base64 = options.base64 === true;
  if (bytes > MAX_STORED_VALUE_BYTES) {
    out.problems.push({
      location: '',
      code: 'VALUE_TOO_LARGE',
      message: `the value is ${kib(bytes)}, above the ${kib(MAX_STORED_VALUE_BYTES)} a secret can hold; not read`,
    });
    return out;
  }
  let text: string;
  if (typeof value === 'string') text = value;
  else {
    const buffer = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
    try {
      text = utf8.decode(buffer);
    } catch {
      // Not text: one DER certificate, or nothing.
      const f = out.field(buffer, '', false, true);
      if (f.found === 0 && out.problems.length === 0)
        out.problems.push({
          location: '',
          code: 'NOT_A_CERTIFICATE',
          message: `the binary value (${kib(bytes)}) is not a DER certificate, PEM or text`,
        });
      return out;
    }
  }
  const json = parseJson(text);
  const fields: Field[] = [];
  if (json !== undefined) out.json(json, '', 0, base64, fields);
  else if (options.list && !text.includes(PEM_MARKER) && text.includes(','))
    text.split(',').forEach((item, i) => {
      fields.push(out.field(item.trim(), `#[${i}]`, base64, true));
    });
  else fields.push(out.field(text, '', base64, true));
  if (out.certificates.length === 0 && out.problems.length === 0) {
    const skipped = fields.reduce((n, f) => n + f.otherBlocks, 0);
    const what =
      json !== undefined
        ? `a JSON ${Array.isArray(json) ? 'array' : 'object'} with no certificate in any field`
        : skipped > 0
          ? `PEM blocks but no CERTIFICATE block`
          : base64
            ? 'no PEM certificate block and no base64 DER certificate'
            : 'no PEM certificate block (base64 DER is read with the option base64=true)';
    out.problems.push({
      location: '',
      code: 'NOT_A_CERTIFICATE',
      message: `the ${typeof value === 'string' ? '' : 'binary '}value (${kib(bytes)}) holds ${what}${skipped > 0 ? `; ${skipped} other PEM block(s), such as private keys, skipped unread` : ''}`,
    });
  }
  return out;
};

// ---------------------------------------------------------------------------------------------
// Records and per-item errors

/** One secret or parameter whose value was read. */
export interface StoredItem {
  readonly source: string;
  /** The item's ARN: record ids are `<ARN>`, `<ARN>#<jsonKey>`, `<ARN>#2`... */
  readonly arn: string;
  /** The secret's or parameter's name, kept as the `name` label. */
  readonly name: string;
  readonly account?: string;
  readonly region: string;
  /** The item's tags in its store, for routing alerts to owners (Secrets Manager lists them with the secret). */
  readonly tags?: Readonly<Record<string, string>>;
}

/**
 * The records of one item's value; its problems go to `report` under `<ARN><location>`. Stored
 * certificates are IMPORTED: nothing renews them.
 */
export const recordsFromStoredValue = (
  item: StoredItem,
  value: string | Uint8Array,
  options: { readonly base64?: boolean; readonly list?: boolean },
  report: (e: ItemError) => void,
): CertificateRecord[] => {
  const { certificates, problems } = certificatesInStoredValue(value, options);
  for (const p of problems) report({ item: `${item.arn}${p.location}`, code: p.code, message: p.message });
  return certificates.map(({ location, x509 }) => ({
    ...recordFromCertInfo(certInfo(x509), {
      source: item.source,
      id: `${item.arn}${location}`,
      labels: { name: item.name },
    }),
    account: item.account,
    region: item.region,
    type: 'IMPORTED',
    ...(item.tags && Object.keys(item.tags).length > 0 ? { tags: item.tags } : {}),
  }));
};
