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
import type { EndpointDetail } from '../core/endpoint-events';
import type { RenewalRisk } from '../core/evaluate';
import type { CertificateDetail, Problem } from '../core/events';
import { parseIsoInstant } from '../core/time';

export { DEFAULT_LIFECYCLE_CONFIG, InvalidLifecycleConfigError, type LifecycleConfig, lifecycleConfig };

export type Transition =
  | 'tier-entered'
  | 'tier-reminder'
  | 'expired'
  | 'expired-reminder'
  | 'renewal-at-risk'
  | 'renewed'
  | 'removed'
  | 'backends-differ'
  // A notBefore in the future (RFC 5280 §4.1.2.5: clients reject it): said, reminded, resolved.
  | 'not-yet-valid'
  | 'not-yet-valid-reminder'
  | 'now-valid'
  // Endpoint problems (endpoint-problems.ts): said once, reminded while critical, resolved.
  | 'check-failed'
  | 'check-failed-reminder'
  | 'misconfigured'
  | 'misconfigured-reminder'
  | 'recovered'
  // An endpoint not serving what its resource is configured with (not-deployed.ts): said, reminded, resolved.
  | 'not-deployed'
  | 'not-deployed-reminder'
  | 'deployed';

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
  if (ack.until !== undefined) {
    try {
      parseIsoInstant(ack.until);
    } catch (error) {
      throw new InvalidAckError(
        `until must be an ISO instant: ${(error as Error).message}, got "${ack.until}"`,
      );
    }
  }
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
  /** 'Certificate Not Yet Valid' was announced and not yet resolved (absent: false). */
  readonly notYetValid?: boolean;
}

/**
 * An endpoint problem announced to people and not yet resolved: a check that failed
 * `checkFailedAfterScans` times in a row, or a certificate clients reject now for a reason other
 * than time (HOSTNAME_MISMATCH, UNTRUSTED, ...). Its kind and codes are its identity: a different
 * set is a new problem.
 */
export interface EndpointProblem {
  readonly kind: 'check-failed' | 'misconfigured';
  /** Sorted problem codes. */
  readonly codes: readonly string[];
  /** What was wrong (at most 10, messages cut): the recovery event says it. */
  readonly problems: readonly Problem[];
  /** First scan that saw it (for check failures: the first failure in the row). */
  readonly since: string;
  readonly lastEmittedAt: string;
  /** Reminders since it was announced. */
  readonly reminderCount: number;
}

/**
 * "Renewed but not deployed" announced and not yet resolved (not-deployed.ts): the endpoint serves
 * an older certificate than its store holds (CERTIFICATE_NOT_DEPLOYED) or none of the configured
 * ones (UNEXPECTED_CERTIFICATE). Its codes are its identity.
 */
export type DeploymentProblem = Omit<EndpointProblem, 'kind'>;

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
  /** Endpoint problem announced and not yet resolved (absent: none). */
  readonly problem?: EndpointProblem;
  /** "Certificate Not Deployed" announced and not yet resolved (absent: none). */
  readonly notDeployed?: DeploymentProblem;
  /** Failed probes of this endpoint location in a row (absent: the last probe read a certificate). */
  readonly failing?: {
    readonly scans: number;
    /** First failure of the row. */
    readonly since: string;
    /** Scan that last counted: a re-applied scan never counts twice. */
    readonly scanId: string;
  };
  /**
   * No certificate was ever read here (an endpoint whose first probes failed): the state exists to
   * carry the problem, and `certificate` only names the endpoint.
   */
  readonly placeholder?: boolean;
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
  /** The endpoint probed (endpoint observations): what an 'Endpoint Check Failed' event names. */
  readonly endpoint?: EndpointDetail;
}

export interface LifecycleScan {
  readonly scanId: string;
  readonly observations: readonly Observation[];
  /** Scopes listed completely: their tracked locations that were not observed count as missing. */
  readonly completeScopes: readonly string[];
  /** Scopes that could not be listed: their tracked certificates keep being evaluated (never silent). */
  readonly failedScopes?: readonly { readonly scope: string; readonly error: Problem }[];
  /**
   * Scopes no longer configured (an endpoint removed from the configuration): nothing will be
   * observed there again, so their tracked locations count as missing exactly as in a complete
   * scope, and end with 'Certificate Removed' after `removeAfterMissingScans` scans.
   */
  readonly retiredScopes?: readonly string[];
}
