/** Small pure facts about a tracked state: acknowledged, same certificate, newer, changed. */
import type { CertificateRecord } from '../core/certificate';
import { lifetimeDaysOf } from '../core/evaluate';
import { toCertificateDetail } from '../core/events';
import type { AlertState, Observation, TrackedState } from './model';

/** A draft of the next state: the rules fill it in before it is compared and written. */
export type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Alert state of a certificate nothing was announced for yet. */
export const EMPTY_ALERT: AlertState = {
  tierDays: null,
  expired: false,
  lastTransition: null,
  lastEmittedAt: null,
  reminderCount: 0,
  risk: null,
};

export { lifetimeDaysOf };

/** An acknowledgement without `until` holds until renewal or `unack`. */
export const isAcked = (s: Pick<TrackedState, 'ack'>, now: Date): boolean =>
  s.ack !== null && (s.ack.until === undefined || now.getTime() < Date.parse(s.ack.until));

/** Same certificate? Compares the most precise identity both sides know. */
export const sameCertificate = (s: TrackedState, r: CertificateRecord): boolean => {
  if (s.fingerprintSha256 && r.fingerprintSha256) return s.fingerprintSha256 === r.fingerprintSha256;
  if (s.serialNumber && r.serialNumber) return s.serialNumber === r.serialNumber;
  return (s.notAfter ?? null) === (r.notAfter?.toISOString() ?? null);
};

/** The record expires after the tracked certificate: a renewal rather than a replacement. */
export const isLater = (r: CertificateRecord, s: TrackedState): boolean =>
  r.notAfter !== undefined && (s.notAfter === null || r.notAfter.getTime() > Date.parse(s.notAfter));

/** Stable JSON (sorted keys) to compare states read back from DynamoDB with computed ones. */
const stable = (v: unknown): string => {
  if (Array.isArray(v)) return `[${v.map(stable).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => x !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, x]) => `${JSON.stringify(k)}:${stable(x)}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
};

/** Equal as stored: key order and undefined members do not count. */
export const sameStoredState = (a: TrackedState, b: TrackedState): boolean => stable(a) === stable(b);

/**
 * The tracking fields of a location nothing has happened to yet: seen in the last scan, not
 * removed, not acknowledged, no ticket. Also what an item stored before a field existed reads as.
 */
export const UNTOUCHED_TRACKING = {
  missingScans: 0,
  missingScanId: null,
  removedAt: null,
  purgeAt: null,
  ack: null,
  ticket: null,
  backendsDiffer: false,
} as const satisfies Partial<TrackedState>;

/** First state of a location; a removed item's `version` carries over so its conditional write holds. */
export const newState = (
  obs: Observation,
  record: CertificateRecord,
  now: Date,
  prev?: TrackedState,
): TrackedState => ({
  location: obs.location,
  scope: obs.scope,
  source: record.source,
  certificate: toCertificateDetail(record),
  fingerprintSha256: record.fingerprintSha256 ?? null,
  serialNumber: record.serialNumber ?? null,
  notAfter: record.notAfter?.toISOString() ?? null,
  lifetimeDays: lifetimeDaysOf(record),
  alert: EMPTY_ALERT,
  firstSeenAt: now.toISOString(),
  lastSeenAt: now.toISOString(),
  ...UNTOUCHED_TRACKING,
  version: prev?.version ?? 0,
});
