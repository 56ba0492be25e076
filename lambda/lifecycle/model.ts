/**
 * The lifecycle's memory: what the watcher last said about the certificate at each location.
 * Pure data (JSON-safe: ISO strings and numbers), one record per location; the state store
 * persists it as one DynamoDB item.
 */

import {
  DEFAULT_LIFECYCLE_CONFIG,
  InvalidLifecycleConfigError,
  type LifecycleConfig,
  lifecycleConfig,
} from '../contracts/lifecycle-config';
import type { CertificateRecord, SourceKind } from '../core/certificate';
import type { RenewalRisk } from '../core/evaluate';
import type { CertificateDetail, Problem } from '../core/events';

export { DEFAULT_LIFECYCLE_CONFIG, InvalidLifecycleConfigError, type LifecycleConfig, lifecycleConfig };

export type Transition =
  | 'tier-entered'
  | 'tier-reminder'
  | 'expired'
  | 'expired-reminder'
  | 'renewal-at-risk'
  | 'renewed'
  | 'removed'
  | 'backends-differ';

export interface Ack {
  /** ISO instant; reminders resume after it. Absent: until renewal or `unack`. */
  readonly until?: string;
  /** Why, in a sentence: at most MAX_ACK_REASON_CHARS characters. */
  readonly reason?: string;
  /** Who: at most MAX_ACK_BY_CHARS characters. */
  readonly by?: string;
  readonly at: string;
}

/** An acknowledgement's reason travels in every later event of its certificate: it stays short. */
export const MAX_ACK_REASON_CHARS = 500;
export const MAX_ACK_BY_CHARS = 200;

export class InvalidAckError extends Error {
  override readonly name = 'InvalidAckError';
}

/** Refuses an acknowledgement too long to carry in events, or with control characters. */
export const validateAck = (ack: Ack): Ack => {
  const text = (name: string, value: string | undefined, max: number) => {
    if (value === undefined) return;
    if (value.length > max)
      throw new InvalidAckError(`${name} must be at most ${max} characters, got ${value.length}`);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
    if (/[\u0000-\u001f\u007f]/.test(value))
      throw new InvalidAckError(`${name} must not contain control characters`);
  };
  text('reason', ack.reason, MAX_ACK_REASON_CHARS);
  text('by', ack.by, MAX_ACK_BY_CHARS);
  if (ack.until !== undefined && Number.isNaN(Date.parse(ack.until)))
    throw new InvalidAckError(`until must be an ISO instant, got "${ack.until}"`);
  return ack;
};

export interface TicketRef {
  readonly system: string;
  readonly key: string;
  readonly url?: string;
}

export interface AlertState {
  /** Smallest tier (days) announced for the current certificate; null before the first announcement. */
  readonly tierDays: number | null;
  /** 'Certificate Expired' was announced for the current certificate. */
  readonly expired: boolean;
  readonly lastTransition: Transition | null;
  /** When the last event for the current certificate was emitted (reminder periods count from it). */
  readonly lastEmittedAt: string | null;
  /** Reminders since the last tier entry or expiry. */
  readonly reminderCount: number;
  /** Renewal risk last announced, so it is announced once per risk. */
  readonly risk: RenewalRisk | null;
}

export interface TrackedState {
  /** The location: ACM ARN or `host:port@address`. DynamoDB partition key. */
  readonly location: string;
  /** Listing unit the location belongs to (`acm#eu-west-1`, `endpoint#host:443`): removal counting works per scope. */
  readonly scope: string;
  readonly source: SourceKind;
  /** Last known certificate at the location (what reminders and 'Certificate Removed' describe). */
  readonly certificate: CertificateDetail;
  readonly fingerprintSha256: string | null;
  readonly serialNumber: string | null;
  readonly notAfter: string | null;
  /** notAfter - notBefore in days, when both are known. */
  readonly lifetimeDays: number | null;
  readonly alert: AlertState;
  readonly firstSeenAt: string;
  /** Refreshed when the item is written anyway, or at most every `lastSeenRefreshDays` (writes cost). */
  readonly lastSeenAt: string;
  readonly missingScans: number;
  /** Scan that last counted this location missing: a re-applied scan never counts twice. */
  readonly missingScanId: string | null;
  readonly removedAt: string | null;
  /** Removed entries expire (DynamoDB TTL) at this instant. */
  readonly purgeAt: string | null;
  readonly ack: Ack | null;
  readonly ticket: TicketRef | null;
  /** Endpoint group (`host:port`) served different certificates at the last scan: announced once. */
  readonly backendsDiffer: boolean;
  /** Optimistic concurrency: every write sets version + 1 on condition of the version read. */
  readonly version: number;
}

/** One location as a scan saw it. */
export interface Observation {
  readonly location: string;
  readonly scope: string;
  /** Absent when the certificate could not be read (handshake failed, describe failed, ...). */
  readonly record?: CertificateRecord;
  readonly problems?: readonly Problem[];
  /** Why the certificate could not be read. */
  readonly error?: Problem;
}

export interface LifecycleScan {
  readonly scanId: string;
  readonly observations: readonly Observation[];
  /** Scopes listed completely: their tracked locations that were not observed count as missing. */
  readonly completeScopes: readonly string[];
  /** Scopes that could not be listed: their tracked certificates keep being evaluated (never silent). */
  readonly failedScopes?: readonly { readonly scope: string; readonly error: Problem }[];
}
