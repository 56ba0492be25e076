/**
 * Scan results as lifecycle observations: which location, which scope, what was read there.
 * Scopes are the ones the sources give (`acm#<account>#<region>`: one ListCertificates listing;
 * lambda/contracts/sources.ts) and `endpoint#<host:port>` (every address one name resolved to).
 * Only complete scopes may count a tracked location as missing.
 */
import type { CertificateRecord, SourceKind } from '../core/certificate';
import type { EndpointDetail } from '../core/endpoint-events';
import type { ScanResult } from '../core/scan';
import type { ProbeResult } from '../sources/endpoint/types';
import type { LifecycleScan, Observation } from './model';

export const scopeKey = (source: SourceKind, scope: string): string => `${source}#${scope}`;

/**
 * An inventory scan: every listed certificate under the scope it was listed in, never a scope
 * guessed from the record. A scope listed incompletely is a failed scope: its certificates are
 * judged, its absences prove nothing.
 */
export const lifecycleScanFromInventory = (result: ScanResult): LifecycleScan => ({
  scanId: result.scanId,
  observations: result.certificates.map(({ record, scope }) => ({ location: record.id, scope, record })),
  completeScopes: result.scopesScanned.map((s) => s.key),
  failedScopes: result.scopesFailed.map((f) => ({
    scope: f.scope.key,
    error: { code: 'SCOPE_NOT_LISTED', message: `${f.scope.label}: ${f.code}: ${f.message}` },
  })),
});

/** Where the certificate of a path that expires first is tracked: `host:port#chain@address`. */
export const chainLocationOf = (leafLocation: string): string => {
  const at = leafLocation.lastIndexOf('@');
  return `${leafLocation.slice(0, at)}#chain${leafLocation.slice(at)}`;
};

export const isChainLocation = (location: string): boolean => /#chain@[^@]*$/.test(location);

/**
 * The certificate on the verified path, other than the leaf, that expires first (an intermediate
 * or the trust anchor): clients stop trusting the endpoint when it expires, so the lifecycle tracks
 * it at its own location with the expiry rules (tiers, expiry, its renewal when the server sends a
 * later one). Named like the endpoint (domain, names, labels) so routing and owners find it.
 */
const chainRecord = (r: ProbeResult, leaf: CertificateRecord): CertificateRecord | undefined => {
  const first = (r.path ?? [])
    .filter((c) => c.role !== 'leaf')
    .sort((a, b) => Date.parse(a.notAfter) - Date.parse(b.notAfter))[0];
  if (!first) return undefined;
  return {
    source: 'endpoint',
    id: chainLocationOf(leaf.id),
    domain: leaf.domain,
    sans: leaf.sans,
    subject: first.subject,
    issuer: first.issuer,
    fingerprintSha256: first.fingerprintSha256,
    notBefore: new Date(first.notBefore),
    notAfter: new Date(first.notAfter),
    type: 'UNMANAGED',
    ...(leaf.labels ? { labels: leaf.labels } : {}),
  };
};

/** The endpoint a probe result names, as 'Endpoint Check Failed' reports it. */
export const endpointDetailOf = (r: ProbeResult): EndpointDetail => ({
  target: r.target,
  host: r.host,
  port: r.port,
  address: r.address,
  servername: r.servername,
  starttls: r.starttls,
  ...(r.labels ? { labels: { ...r.labels } } : {}),
  ...(r.owner !== undefined ? { owner: r.owner } : {}),
});

/**
 * One batch of endpoint probes. A host:port whose name resolved is a complete scope (its addresses
 * are all probed); one whose name did not resolve is a failed scope, so its tracked certificates
 * are still judged (never silent) and never counted missing. The name itself is then observed at
 * `host:port@` (no address) with the error, so a lasting resolution failure is announced once
 * like any failed check, and resolved when the name resolves again.
 */
/** Where a probe result is tracked: its location group (locations are `<group>@<address>`) and scope. */
export interface ProbePlace {
  readonly group: string;
  readonly scope: string;
}

export const lifecycleScanFromProbeResults = (
  scanId: string,
  results: readonly ProbeResult[],
  /** Scopes no longer configured (the dispatcher's `retiredScopes`). */
  retiredScopes: readonly string[] = [],
  /**
   * The place of a result that is not a configured endpoint's (a discovered endpoint's:
   * `host:port/servername` under its discovery scope, docs/discovery.md). @default `host:port` in `endpoint#host:port`
   */
  placeOf: (r: ProbeResult) => ProbePlace | undefined = () => undefined,
): LifecycleScan => {
  const observations: Observation[] = [];
  const resolved = new Set<string>();
  const unresolved = new Map<string, string>();
  for (const r of results) {
    const place = placeOf(r);
    const group = place?.group ?? `${r.host}:${r.port}`;
    const scope = place?.scope ?? scopeKey('endpoint', group);
    if (r.address === null) {
      unresolved.set(scope, r.error ? `${r.error.code}: ${r.error.message}` : 'name did not resolve');
      observations.push({
        location: `${group}@`,
        scope,
        error: r.error ? { code: r.error.code, message: r.error.message } : undefined,
        endpoint: endpointDetailOf(r),
      });
      continue;
    }
    resolved.add(scope);
    const location = place
      ? `${group}${r.variant ? `#${r.variant}` : ''}@${r.address}`
      : (r.record?.id ?? `${group}@${r.address}`);
    const record = place && r.record ? { ...r.record, id: location } : r.record;
    observations.push({
      location,
      scope,
      record: r.status === 'error' ? undefined : record,
      problems: r.problems.map((p) => ({ code: p.code, message: p.message, severity: p.severity })),
      error: r.error ? { code: r.error.code, message: r.error.message } : undefined,
      endpoint: endpointDetailOf(r),
    });
    // The path's first expiry (an intermediate, the anchor) at its own location; unreadable now:
    // judged on what was last read there, like the leaf.
    const chain = r.status === 'error' || !record ? undefined : chainRecord(r, record);
    const chainError = r.error ? { code: r.error.code, message: r.error.message } : undefined;
    if (chain || chainError)
      observations.push({
        location: chainLocationOf(location),
        scope,
        record: chain,
        problems: [],
        error: chain ? undefined : chainError,
      });
  }
  return {
    scanId,
    observations,
    completeScopes: [...resolved],
    failedScopes: [...unresolved]
      .filter(([scope]) => !resolved.has(scope))
      .map(([scope, message]) => ({ scope, error: { code: 'NAME_NOT_RESOLVED', message } })),
    ...(retiredScopes.length > 0 ? { retiredScopes: retiredScopes.filter((s) => !resolved.has(s)) } : {}),
  };
};
