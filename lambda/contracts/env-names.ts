/**
 * Names of the environment variables the construct sets and the Lambdas read, besides those that
 * sit next to their own contract (`SOURCES_ENV` and `ACCOUNT_ENV` in sources.ts, the organization's
 * in organization.ts, `ROUTING_ENV`, `WEBHOOK_DESTINATIONS_ENV` and `topicArnEnv` in channels.ts,
 * `OWNERS_ENV` in owners.ts, `LIFECYCLE_ENV` in lifecycle-config.ts). Both sides use these
 * constants, never the literal: test/unit/architecture.test.ts fails on a Lambda reading a name no
 * contract declares. Pure data.
 */

/** Every function: the watcher's id, a metric dimension and part of names (`default` when unset). */
export const WATCHER_ID_ENV = 'WATCHER_ID';
/** Every function that emits EMF metrics: their CloudWatch namespace. */
export const METRICS_NAMESPACE_ENV = 'METRICS_NAMESPACE';
/** The state table's name (DynamoDB): lifecycle, coverage and ticket references. */
export const STATE_TABLE_NAME_ENV = 'STATE_TABLE_NAME';

/** Functions that publish events: the custom bus's name. */
export const EVENT_BUS_NAME_ENV = 'EVENT_BUS_NAME';
/** Functions that publish events: the events' `source`. */
export const EVENT_SOURCE_ENV = 'EVENT_SOURCE';
/** Days before expiry of each alert tier, comma-separated, e.g. `30,14,7,3,1`. */
export const TIERS_DAYS_ENV = 'TIERS_DAYS';
/** Days before expiry from which a certificate is critical. */
export const CRITICAL_DAYS_ENV = 'CRITICAL_DAYS';

/** Endpoint dispatcher: the probe queue's URL. */
export const PROBE_QUEUE_URL_ENV = 'PROBE_QUEUE_URL';
/** Endpoint dispatcher: targets per probe message. */
export const PROBE_BATCH_SIZE_ENV = 'PROBE_BATCH_SIZE';
/** Endpoint dispatcher: the endpoint list's file name next to the handler (`endpoints.json` when unset). */
export const ENDPOINTS_FILE_ENV = 'ENDPOINTS_FILE';
/** Endpoint prober: one probe's deadline, milliseconds. */
export const PROBE_TIMEOUT_MS_ENV = 'PROBE_TIMEOUT_MS';
/** Endpoint prober: probes in flight. */
export const PROBE_CONCURRENCY_ENV = 'PROBE_CONCURRENCY';
/** Endpoint prober: path of extra trust anchors (PEM) next to the handler. */
export const CA_FILE_ENV = 'CA_FILE';
/** Endpoint prober: `true` to fetch issuers a server leaves out (AIA caIssuers). */
export const FETCH_MISSING_ISSUERS_ENV = 'FETCH_MISSING_ISSUERS';
/** Endpoint prober: `false` to skip the second handshake that finds a server's other certificate. */
export const PROBE_DUAL_CERTIFICATES_ENV = 'PROBE_DUAL_CERTIFICATES';
/** Endpoint prober: `true` to probe link-local and metadata addresses (refused by default). */
export const ALLOW_LINK_LOCAL_ENV = 'ALLOW_LINK_LOCAL';
/** Endpoint prober: hours a newer stored certificate may go unserved before CERTIFICATE_NOT_DEPLOYED (24 when unset). */
export const NOT_DEPLOYED_GRACE_HOURS_ENV = 'NOT_DEPLOYED_GRACE_HOURS';

/** Webhook notifier: one delivery's deadline, milliseconds. */
export const WEBHOOK_TIMEOUT_MS_ENV = 'WEBHOOK_TIMEOUT_MS';
/** Webhook notifier: attempts per delivery. */
export const WEBHOOK_MAX_ATTEMPTS_ENV = 'WEBHOOK_MAX_ATTEMPTS';
/** Webhook notifier and ticket function: how long a secret read from Secrets Manager is cached, milliseconds. */
export const SECRET_CACHE_TTL_MS_ENV = 'SECRET_CACHE_TTL_MS';

/** Ticket function: the connectors, JSON (ticket-connectors.ts). */
export const TICKET_CONNECTORS_ENV = 'TICKET_CONNECTORS';
/** Ticket function: one request's deadline, milliseconds. */
export const TICKET_TIMEOUT_MS_ENV = 'TICKET_TIMEOUT_MS';
/** Ticket function: attempts per idempotent request. */
export const TICKET_MAX_ATTEMPTS_ENV = 'TICKET_MAX_ATTEMPTS';
/** Ticket function: how long a claim on a ticket key holds, milliseconds. */
export const TICKET_CLAIM_LEASE_MS_ENV = 'TICKET_CLAIM_LEASE_MS';

/** Endpoint prober: `true` when discovery is on: well-formed discovered targets are probed too (docs/discovery.md). */
export const DISCOVERED_TARGETS_ENV = 'DISCOVERED_TARGETS';
/** Discovery worker: `true` when the prober runs in a VPC, so internal load balancers are probed, not skipped. */
export const PROBER_IN_VPC_ENV = 'PROBER_IN_VPC';
