/**
 * Scopes for lifecycle scans that tests build by hand. In production a scope always comes from the
 * source that listed the record (lambda/core/scan.ts); tests that fabricate observations need some
 * consistent key, and this one is it: `endpoint#<host:port>` for endpoints, `<kind>#<region>`
 * (or account) otherwise.
 */
import type { CertificateRecord } from '../../lambda/core/certificate';
import { endpointGroupOf } from '../../lambda/lifecycle/endpoint-groups';

export const testScopeOf = (r: CertificateRecord): string =>
  r.source === 'endpoint'
    ? `endpoint#${endpointGroupOf(r.id) ?? r.id}`
    : `${r.source}#${r.region ?? r.account ?? 'default'}`;
