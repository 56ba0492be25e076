/**
 * The discovery boundary: endpoints found on the AWS resources that serve certificates, and the
 * certificates each is configured with. The discovery source writes them, `cert-watch discover`
 * prints them (`{"endpoints": DiscoveredEndpoint[]}`), the dispatcher turns them into probe
 * targets, and the prober compares what an endpoint serves with what its resource is configured
 * with ("renewed but not deployed", docs/discovery.md).
 */

/**
 * The metric (namespace and `Watcher` dimension of the watcher's others) the discovery worker
 * emits, 1 per scope, when a scope's discovery ran and left nothing to probe (no endpoint found,
 * none to retire), so no probe batch follows. Without configured endpoints, the probes' heartbeat
 * alarm (lib/endpoint-probes.ts) counts it with EndpointBatchesCompleted: "discovery ran and found
 * nothing" is healthy, "nothing ran" still alarms.
 */
export const DISCOVERED_NOTHING_TO_PROBE_METRIC = 'DiscoveredNothingToProbe';

/** Where an endpoint was discovered. */
export const DISCOVERY_KINDS = ['elbv2', 'elb', 'cloudfront', 'apigateway', 'tag'] as const;
export type DiscoveryKind = (typeof DISCOVERY_KINDS)[number];

export interface DiscoveredEndpoint {
  /** The address the resource publishes (load balancer / distribution DNS name, API Gateway target domain, tagged host). */
  readonly host: string;
  readonly port: number;
  /** The name sent as SNI and checked against the served certificate. */
  readonly servername: string;
  readonly source: DiscoveryKind;
  /** The resource's ARN (listener, load balancer, distribution, domain name, tagged certificate or secret). */
  readonly resource: string;
  readonly account?: string;
  readonly region?: string;
  /**
   * The stored certificates this endpoint is configured to serve (ACM ARNs, IAM server certificate
   * ARNs or ids, secret ARNs): one for most resources, several for a listener with SNI certificates.
   */
  readonly certificateIds: readonly string[];
  /**
   * An internal load balancer (scheme `internal`): reachable only from inside its VPC, so probed
   * only by a prober attached to a VPC (docs/discovery.md). @default false
   */
  readonly internal?: boolean;
}

/**
 * A stored certificate as its store describes it (ACM DescribeCertificate, IAM server certificate
 * metadata, a tagged secret's PEM). `storedAt` is when the store got this version: ACM
 * `ImportedAt` / `IssuedAt`, IAM `UploadDate` (ISO instants). Serial numbers in upper-case hex
 * without separators and fingerprints as colon-separated upper-case hex: as Node's
 * `X509Certificate` gives them and the prober reports a served leaf.
 */
export interface ExpectedCertificate {
  /** ACM ARN, IAM server certificate ARN, or secret ARN. */
  readonly id: string;
  readonly serialNumber?: string;
  readonly fingerprintSha256?: string;
  /** ISO instant. */
  readonly notAfter?: string;
  /** ISO instant. */
  readonly storedAt?: string;
}

/**
 * What a discovered endpoint should serve (part 2 of issue #17 judges it: "renewed but not
 * deployed"): the certificates its resource is configured with, and each newer certificate of the
 * same store and account that covers all of a configured one's names with a later notAfter
 * (`replaces`: the configured certificate's id). ACM renewals and re-imports keep their ARN, so an
 * ACM-configured resource has no successors: the configured certificate is the newer one.
 */
export interface DeploymentExpectation {
  readonly source: DiscoveryKind;
  readonly resource: string;
  readonly configured: readonly ExpectedCertificate[];
  readonly successors: readonly (ExpectedCertificate & { readonly replaces: string })[];
}

/** The tag naming where a stored certificate is deployed: `host[:port]` entries (docs/discovery.md). */
export const DISCOVERY_TAG_KEY = 'cert-watch:endpoints';

/** The `discovery` source's options (WATCHER_SOURCES): which kinds to discover. @default every kind */
export const DISCOVERY_OPTION_KEYS = ['kinds'] as const;

/** The `discovery` source's kind (scope keys `discovery#...`, WATCHER_SOURCES). */
export const DISCOVERY_SOURCE_KIND = 'discovery';

/** Kinds read in an account's one global scope (`discovery#<account>`): CloudFront, tagged IAM server certificates. */
export const DISCOVERY_GLOBAL_KINDS: readonly DiscoveryKind[] = ['cloudfront', 'tag'];
/** Kinds read in each regional scope (`discovery#<account>#<region>`): load balancers, API Gateway, tagged ACM certificates and secrets. */
export const DISCOVERY_REGIONAL_KINDS: readonly DiscoveryKind[] = ['elbv2', 'elb', 'apigateway', 'tag'];

/**
 * The regions of an account's discovery scopes for these kinds, `undefined` standing for the
 * global scope: each region when a regional kind is on, then the global scope when a global kind
 * is on. The source's scopes and the planner's units both come from here.
 */
export const discoveryScopeRegions = (
  regions: readonly string[],
  kinds: readonly DiscoveryKind[] = DISCOVERY_KINDS,
): (string | undefined)[] => [
  ...(kinds.some((k) => DISCOVERY_REGIONAL_KINDS.includes(k)) ? regions : []),
  ...(kinds.some((k) => DISCOVERY_GLOBAL_KINDS.includes(k)) ? [undefined] : []),
];

/** The kinds a `discovery` setting's `kinds` option names (checked at synth), or every kind. */
export const discoverySettingKinds = (
  options: Readonly<Record<string, unknown>> | undefined,
): DiscoveryKind[] => {
  const kinds = options?.kinds;
  if (!Array.isArray(kinds)) return [...DISCOVERY_KINDS];
  return DISCOVERY_KINDS.filter((k) => kinds.includes(k));
};

/**
 * A discovered endpoint as a probe target: what the prober probes (host, port, SNI), what the
 * endpoint should serve (`expected`), and the lifecycle scope its results are tracked under
 * (`scope`, {@link discoveredScopeOf}): one per host, port and SNI name, under the discovery scope
 * that found it, so a resource gone from a complete listing retires exactly its endpoints.
 */
export interface DiscoveredTarget {
  readonly host: string;
  readonly port: number;
  readonly servername: string;
  /** Load balancers, CloudFront and API Gateway speak TLS from the first byte. */
  readonly starttls?: 'none';
  readonly labels?: Readonly<Record<string, string>>;
  readonly expected: DeploymentExpectation;
  readonly scope: string;
}

/** Lifecycle scopes of discovered endpoints start with this; configured endpoints' with `endpoint#`. */
export const DISCOVERY_SCOPE_PREFIX = 'discovery#';

/** `discovery#<account>#<region>` (or `discovery#<account>` for the global one) + `@`: the prefix of its endpoints' scopes. */
export const discoveredScopePrefix = (discoveryScope: string): string => `${discoveryScope}@`;

/**
 * The lifecycle scope of one discovered endpoint: `<discovery scope>@<host>:<port>/<servername>`,
 * host and SNI name in lower case. Distinct per host, port and SNI name; never `endpoint#...`, so
 * the dispatcher's retirement of unconfigured endpoints leaves it alone.
 */
export const discoveredScopeOf = (
  discoveryScope: string,
  e: { readonly host: string; readonly port: number; readonly servername: string },
): string => `${discoveredScopePrefix(discoveryScope)}${discoveredGroupOf(e)}`;

/** `host:port/servername`: the location group of a discovered endpoint (`<group>@<address>`). */
export const discoveredGroupOf = (e: {
  readonly host: string;
  readonly port: number;
  readonly servername: string;
}): string => `${e.host.toLowerCase()}:${e.port}/${e.servername.toLowerCase()}`;

const DISCOVERY_SCOPE = /^discovery#\d{12}(#[a-z0-9-]+)?$/;

/**
 * Whether a queued target is a well-formed discovered target: the prober admits it only then (and
 * only when discovery is on), with its scope recomputed from its own host, port and SNI name, so a
 * message cannot file results under another endpoint's scope.
 */
export const isDiscoveredTarget = (t: unknown): t is DiscoveredTarget => {
  if (typeof t !== 'object' || t === null) return false;
  const d = t as Partial<DiscoveredTarget>;
  if (typeof d.host !== 'string' || typeof d.servername !== 'string' || typeof d.scope !== 'string')
    return false;
  if (!Number.isInteger(d.port) || (d.port as number) < 1 || (d.port as number) > 65535) return false;
  if (typeof d.expected !== 'object' || d.expected === null || !Array.isArray(d.expected.configured))
    return false;
  const at = d.scope.indexOf('@');
  if (at < 0 || !DISCOVERY_SCOPE.test(d.scope.slice(0, at))) return false;
  return d.scope === discoveredScopeOf(d.scope.slice(0, at), d as DiscoveredTarget);
};
