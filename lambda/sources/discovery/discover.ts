/**
 * Discovery of one scope: each configured kind's adapter, then the stores' word on every
 * certificate found (names, serial, notAfter, successors: ./catalog.ts), then one endpoint per
 * host, port and SNI name (a listener's default and SNI certificates covering one name merge into
 * one endpoint naming both) and its probe target. One unreadable resource or certificate is an
 * item error; it only stops retirement for this run (`partial`), never the scope.
 */
import {
  type DeploymentExpectation,
  DISCOVERY_KINDS,
  type DiscoveredEndpoint,
  type DiscoveredTarget,
  type DiscoveryKind,
  discoveredScopeOf,
  type ExpectedCertificate,
} from '../../contracts/discovery';
import type { ItemError, Scope } from '../../core/ports';
import { errorCode, errorMessage, mapLimit } from '../../core/scan';
import { discoverApiGateway } from './apigateway';
import { CertificateCatalog, type StoredCertificate } from './catalog';
import type { DiscoveryClients } from './clients';
import { discoverCloudFront } from './cloudfront';
import { discoverElb } from './elb';
import { discoverElbv2 } from './elbv2';
import { probeNamesOf } from './names';
import { discoverTagged } from './tags';
import type { Attachment, KindContext, KindReader } from './types';

/** Stores read in flight while expanding what was found. */
const CERTIFICATE_CONCURRENCY = 8;

export interface DiscoveryRun {
  readonly clients: DiscoveryClients;
  readonly partition: string;
  readonly kinds?: readonly DiscoveryKind[];
  /** Whether the prober can reach internal load balancers (it runs in a VPC). @default false */
  readonly internalReachable?: boolean;
}

export interface ScopeDiscovery {
  readonly endpoints: DiscoveredEndpoint[];
  /** What to probe: every endpoint but the unreachable internal ones. */
  readonly targets: DiscoveredTarget[];
  /** Internal load balancers' endpoints the prober cannot reach (no VPC): not probed, not retired. */
  readonly skipped: DiscoveredTarget[];
  /** Something that may hold endpoints was not read: absent endpoints prove nothing. */
  readonly partial: boolean;
  readonly itemErrors: ItemError[];
}

const readersFor = (catalog: CertificateCatalog): Record<DiscoveryKind, KindReader> => ({
  elbv2: discoverElbv2,
  elb: discoverElb,
  cloudfront: discoverCloudFront,
  apigateway: discoverApiGateway,
  tag: discoverTagged(() => catalog.iamCertificates()),
});

interface Merged {
  endpoint: DiscoveredEndpoint & { certificateIds: string[] };
  configured: Map<string, ExpectedCertificate>;
  successors: Map<string, ExpectedCertificate & { replaces: string }>;
  tlsFromStart: boolean;
}

const LABEL_MAX = 256;

const targetOf = (scope: Scope, m: Merged): DiscoveredTarget => {
  const e = m.endpoint;
  const expected: DeploymentExpectation = {
    source: e.source,
    resource: e.resource,
    configured: [...m.configured.values()],
    successors: [...m.successors.values()],
  };
  return {
    host: e.host,
    port: e.port,
    servername: e.servername,
    ...(m.tlsFromStart ? { starttls: 'none' as const } : {}),
    labels: { 'discovery:source': e.source, 'discovery:resource': e.resource.slice(0, LABEL_MAX) },
    expected,
    scope: discoveredScopeOf(scope.key, e),
  };
};

/** Discovers one scope (`discovery#<account>#<region>` or the global `discovery#<account>`). */
export const discoverScope = async (run: DiscoveryRun, scope: Scope): Promise<ScopeDiscovery> => {
  const itemErrors: ItemError[] = [];
  let partial = false;
  const ctx: KindContext = {
    clients: run.clients,
    partition: run.partition,
    account: scope.account ?? '',
    ...(scope.region ? { region: scope.region } : {}),
    report: (e) => itemErrors.push(e),
    markPartial: () => {
      partial = true;
    },
  };
  const catalog = new CertificateCatalog(run.clients);
  const readers = readersFor(catalog);
  const kinds = run.kinds ?? DISCOVERY_KINDS;
  // A kind that cannot be listed at all fails the scope: nothing of it may be retired or trusted.
  const attachments = (await Promise.all(kinds.map((k) => readers[k](ctx)))).flat();

  const merged = new Map<string, Merged>();
  await mapLimit(attachments, CERTIFICATE_CONCURRENCY, async (a: Attachment) => {
    const stored: StoredCertificate[] = [...(a.stored ?? [])];
    const successors: (ExpectedCertificate & { replaces: string })[] = [];
    if (!a.stored)
      for (const id of a.certificateIds) {
        try {
          const c = await catalog.certificate(id);
          stored.push(c);
          successors.push(...(await catalog.successors(c)));
        } catch (error) {
          ctx.report({
            item: `${id} (on ${a.resource})`,
            code: errorCode(error),
            message: errorMessage(error),
          });
          if (!a.servernames) ctx.markPartial(); // its names, so its endpoints, are unknown this time
        }
      }
    const names = a.servernames ?? probeNamesOf(stored.flatMap((c) => c.names));
    const certificateIds = stored.length > 0 ? stored.map((c) => c.expected.id) : [...a.certificateIds];
    for (const servername of names) {
      const key = `${a.host.toLowerCase()}:${a.port}/${servername}`;
      let m = merged.get(key);
      if (!m) {
        m = {
          endpoint: {
            host: a.host.toLowerCase(),
            port: a.port,
            servername,
            source: a.source,
            resource: a.resource,
            account: ctx.account,
            ...(scope.region ? { region: scope.region } : {}),
            certificateIds: [],
            ...(a.internal ? { internal: true } : {}),
          },
          configured: new Map(),
          successors: new Map(),
          tlsFromStart: a.tlsFromStart,
        };
        merged.set(key, m);
      }
      for (const id of certificateIds)
        if (!m.endpoint.certificateIds.includes(id)) m.endpoint.certificateIds.push(id);
      for (const c of stored) m.configured.set(c.expected.id, c.expected);
      for (const s of successors) m.successors.set(`${s.replaces}>${s.id}`, s);
    }
  });

  const sorted = [...merged.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, m]) => m);
  const targets: DiscoveredTarget[] = [];
  const skipped: DiscoveredTarget[] = [];
  const unreachable = new Set<string>();
  for (const m of sorted) {
    const target = targetOf(scope, m);
    if (m.endpoint.internal && !run.internalReachable) {
      skipped.push(target);
      unreachable.add(m.endpoint.resource);
    } else targets.push(target);
  }
  for (const resource of unreachable)
    itemErrors.push({
      item: resource,
      code: 'INTERNAL_NOT_PROBED',
      message:
        'an internal load balancer: reachable only from its VPC, and the prober has no VPC configuration (endpointProbes.vpc, docs/discovery.md); not probed',
    });
  return { endpoints: sorted.map((m) => m.endpoint), targets, skipped, partial, itemErrors };
};
