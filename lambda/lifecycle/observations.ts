/**
 * Scan results as lifecycle observations: which location, which scope, what was read there.
 * Scopes: `acm#<region>` (one ListCertificates listing) and `endpoint#<host:port>` (every address
 * one name resolved to). Only complete scopes may count a tracked location as missing.
 */
import type { CertificateRecord, SourceKind } from '../core/certificate';
import type { ScanResult } from '../core/scan';
import type { ProbeResult } from '../sources/endpoint/types';
import { endpointGroupOf } from './endpoint-groups';
import type { LifecycleScan, Observation } from './model';

export const scopeKey = (source: SourceKind, scope: string): string => `${source}#${scope}`;

export const scopeOfRecord = (r: CertificateRecord): string =>
  r.source === 'endpoint'
    ? scopeKey('endpoint', endpointGroupOf(r.id) ?? r.id)
    : scopeKey(r.source, r.region ?? r.account ?? 'default');

/** An inventory scan (ACM per region, files): every listed certificate, scopes as listed. */
export const lifecycleScanFromInventory = (
  result: ScanResult,
  source: SourceKind = 'acm',
): LifecycleScan => ({
  scanId: result.scanId,
  observations: result.certificates.map(({ record }) => ({
    location: record.id,
    scope: scopeOfRecord(record),
    record,
  })),
  completeScopes: result.scopesScanned.map((s) => scopeKey(source, s)),
  failedScopes: result.scopesFailed.map((f) => ({
    scope: scopeKey(source, f.region),
    error: { code: 'SCOPE_NOT_LISTED', message: `${f.region}: ${f.code}: ${f.message}` },
  })),
});

/**
 * One batch of endpoint probes. A host:port whose name resolved is a complete scope (its addresses
 * are all probed); one whose name did not resolve is a failed scope, so its tracked certificates
 * are still judged (never silent) and never counted missing.
 */
export const lifecycleScanFromProbeResults = (
  scanId: string,
  results: readonly ProbeResult[],
): LifecycleScan => {
  const observations: Observation[] = [];
  const resolved = new Set<string>();
  const unresolved = new Map<string, string>();
  for (const r of results) {
    const group = `${r.host}:${r.port}`;
    const scope = scopeKey('endpoint', group);
    if (r.address === null) {
      unresolved.set(scope, r.error ? `${r.error.code}: ${r.error.message}` : 'name did not resolve');
      continue;
    }
    resolved.add(scope);
    const location = r.record?.id ?? `${group}@${r.address}`;
    observations.push({
      location,
      scope,
      record: r.status === 'error' ? undefined : r.record,
      problems: r.problems.map((p) => ({ code: p.code, message: p.message })),
      error: r.error ? { code: r.error.code, message: r.error.message } : undefined,
    });
  }
  return {
    scanId,
    observations,
    completeScopes: [...resolved],
    failedScopes: [...unresolved]
      .filter(([scope]) => !resolved.has(scope))
      .map(([scope, message]) => ({ scope, error: { code: 'NAME_NOT_RESOLVED', message } })),
  };
};
