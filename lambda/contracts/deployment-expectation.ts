/**
 * Checks a target's `expected` (what its resource is configured to serve: discovery.ts) wherever a
 * target is read from outside: endpoint files and `watcher:endpoints`, the construct's `endpoints`,
 * the list bundled for the dispatcher and the prober. Bounded so one target cannot make a probe
 * message or an event large: at most {@link MAX_EXPECTED_CERTIFICATES} configured and as many
 * successors (the contract's bound; Application Load Balancers take 25 certificates by default,
 * Elastic Load Balancing quotas, so a producer cuts a larger list). At the bound a target is about
 * 16 KB of JSON, so the dispatcher cuts such batches shorter to fit a 256 KiB SQS message
 * (lambda/core/endpoint-batch.ts). Pure.
 */
import { type DeploymentExpectation, DISCOVERY_KINDS, type ExpectedCertificate } from './discovery';
import { isJsonObject } from './json';

export const MAX_EXPECTED_CERTIFICATES = 20;
/** ARNs are at most 2048 characters (IAM ARN format); a resource or id longer than that is not one. */
const MAX_ID_CHARS = 2048;
/** A serial is at most 20 octets (RFC 5280 §4.1.2.2): 40 hex digits, 59 with colons. */
const SERIAL = /^[0-9A-Fa-f]{1,2}(:?[0-9A-Fa-f]{1,2}){0,39}$/;
/** SHA-256: 32 octets, hex with or without colons (Node's `fingerprint256` has them). */
const FINGERPRINT = /^([0-9A-Fa-f]{2}:?){31}[0-9A-Fa-f]{2}$/;
/** ISO 8601 instant as the stores give it (`2027-01-01T00:00:00Z`, with milliseconds or an offset). */
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;

export class InvalidExpectationError extends Error {
  override readonly name = 'InvalidExpectationError';
}

const text = (value: unknown, field: string, where: string): string => {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_ID_CHARS)
    throw new InvalidExpectationError(
      `${where}: '${field}' must be a string of 1-${MAX_ID_CHARS} characters`,
    );
  return value;
};

const optional = (
  entry: Record<string, unknown>,
  field: keyof ExpectedCertificate,
  pattern: RegExp,
  where: string,
): Record<string, string> => {
  const value = entry[field];
  if (value === undefined) return {};
  if (
    typeof value !== 'string' ||
    !pattern.test(value) ||
    (pattern === INSTANT && Number.isNaN(Date.parse(value)))
  )
    throw new InvalidExpectationError(
      `${where}: '${field}' is not valid, got ${JSON.stringify(value).slice(0, 80)}`,
    );
  return { [field]: value };
};

const certificateOf = (entry: unknown, where: string): ExpectedCertificate => {
  if (!isJsonObject(entry)) throw new InvalidExpectationError(`${where}: expected an object with 'id'`);
  return {
    id: text(entry.id, 'id', where),
    ...optional(entry, 'serialNumber', SERIAL, where),
    ...optional(entry, 'fingerprintSha256', FINGERPRINT, where),
    ...optional(entry, 'notAfter', INSTANT, where),
    ...optional(entry, 'storedAt', INSTANT, where),
    // Not in the contract's type: read when a producer adds it (the grace period's fallback start).
    ...optional(entry, 'notBefore' as keyof ExpectedCertificate, INSTANT, where),
  };
};

const listOf = (value: unknown, field: string, where: string): unknown[] => {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new InvalidExpectationError(`${where}: '${field}' must be a list`);
  if (value.length > MAX_EXPECTED_CERTIFICATES)
    throw new InvalidExpectationError(
      `${where}: at most ${MAX_EXPECTED_CERTIFICATES} '${field}' certificates, got ${value.length}`,
    );
  return value;
};

/** A target's `expected`, validated; throws InvalidExpectationError naming `where` and the field. */
export const parseExpectation = (value: unknown, where: string): DeploymentExpectation => {
  const at = `${where}: 'expected'`;
  if (!isJsonObject(value)) throw new InvalidExpectationError(`${at} must be an object`);
  const { source, resource } = value;
  if (typeof source !== 'string' || !(DISCOVERY_KINDS as readonly string[]).includes(source))
    throw new InvalidExpectationError(`${at}: 'source' must be one of ${DISCOVERY_KINDS.join(', ')}`);
  return {
    source: source as DeploymentExpectation['source'],
    resource: text(resource, 'resource', at),
    configured: listOf(value.configured, 'configured', at).map((c, i) =>
      certificateOf(c, `${at}.configured[${i}]`),
    ),
    successors: listOf(value.successors, 'successors', at).map((c, i) => {
      const w = `${at}.successors[${i}]`;
      return {
        ...certificateOf(c, w),
        replaces: text((c as Record<string, unknown>).replaces, 'replaces', w),
      };
    }),
  };
};
