/**
 * The ticket port and its configuration. A connector knows one ticketing system; the handler
 * decides when to open, comment and resolve. Every method is safe to repeat: `find` looks a
 * lifecycle's open ticket up by its dedup key (check before create), and resolving a ticket that
 * is already resolved is a no-op.
 */

import { isJsonObject } from '../../contracts/json';
import type { ConnectorKind } from '../../contracts/ticket-connectors';
import type { TicketRef } from '../../lifecycle/model';
import type { AlertView } from '../format/view';

export {
  CONNECTOR_KINDS,
  type ConnectorConfig,
  type ConnectorKind,
  DEFAULT_SEARCH_LAG_SECONDS,
  type GitHubConfig,
  type JiraConfig,
  MAX_SEARCH_LAG_SECONDS,
  type PagerDutyConfig,
  parseConnectors,
  type ServiceNowConfig,
  searchLagMsOf,
} from '../../contracts/ticket-connectors';
export type { TicketRef };

export interface TicketConnector {
  readonly name: string;
  readonly kind: ConnectorKind;
  /**
   * How long (ms) a ticket just created may stay invisible to `find`: a claim's successor trusts
   * an empty `find` only this long after the claim's lease ended (Jira's and GitHub's searches
   * are eventually consistent; ServiceNow's table query and PagerDuty's dedup_key are not).
   */
  readonly searchLagMs: number;
  /** The open ticket carrying this dedup key, or null. */
  find(dedupKey: string): Promise<TicketRef | null>;
  open(view: AlertView, dedupKey: string): Promise<TicketRef>;
  /** Adds the event to the ticket (an escalation). */
  comment(ref: TicketRef, view: AlertView, dedupKey: string): Promise<void>;
  /** Resolves or closes the ticket, saying why (renewed, removed). Already closed: no-op. */
  resolve(ref: TicketRef, view: AlertView, dedupKey: string): Promise<void>;
  /**
   * Systems whose tickets are addressed by the dedup key itself (PagerDuty) return the reference
   * without a request, so a lifecycle can be resolved even when no reference was stored.
   */
  refOf?(dedupKey: string): TicketRef;
}

/** The secret is not the JSON the connector needs. Never carries the value. */
export class InvalidTicketSecretError extends Error {
  override readonly name = 'InvalidTicketSecretError';
}

/** Reads string fields of a JSON secret; the message names the secret id and the missing fields only. */
export const secretFields = <K extends string>(
  raw: string,
  secretId: string,
  keys: readonly K[],
): Record<K, string> => {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new InvalidTicketSecretError(`secret ${secretId} is not JSON (expected ${keys.join(', ')})`);
  }
  const missing = keys.filter((k) => !isJsonObject(value) || typeof value[k] !== 'string' || !value[k]);
  if (!isJsonObject(value) || missing.length)
    throw new InvalidTicketSecretError(
      `secret ${secretId} lacks ${missing.join(', ')} (a JSON object of strings)`,
    );
  return Object.fromEntries(keys.map((k) => [k, value[k] as string])) as Record<K, string>;
};
