/**
 * The endpoint prober: consumes batches from the probe queue, probes every target the way its
 * clients see it, and puts the results on the bus. A batch whose events could not be published
 * is reported as a partial batch failure, so SQS redelivers it (and finally dead-letters it).
 */
import { readFileSync } from 'node:fs';
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { isDiscoveredTarget } from '../contracts/discovery';
import { targetKey } from '../contracts/endpoints';
import {
  ALLOW_LINK_LOCAL_ENV,
  CA_FILE_ENV,
  CRITICAL_DAYS_ENV,
  DISCOVERED_TARGETS_ENV,
  EVENT_BUS_NAME_ENV,
  EVENT_SOURCE_ENV,
  FETCH_MISSING_ISSUERS_ENV,
  NOT_DEPLOYED_GRACE_HOURS_ENV,
  PROBE_CONCURRENCY_ENV,
  PROBE_DUAL_CERTIFICATES_ENV,
  PROBE_TIMEOUT_MS_ENV,
  TIERS_DAYS_ENV,
} from '../contracts/env-names';
import { type EndpointBatchMessage, parseBatchMessage } from '../core/endpoint-batch';
import { endpointCheckFailedEvent } from '../core/endpoint-events';
import {
  DEFAULT_THRESHOLDS,
  type Evaluation,
  evaluate,
  type Thresholds,
  type VerdictPolicy,
  validateThresholds,
} from '../core/evaluate';
import {
  type BusEvent,
  certificateEvent,
  DEFAULT_EVENT_SOURCE,
  DetailType,
  scanCompletedEvent,
} from '../core/events';
import type { Logger } from '../core/ports';
import { countSeverities } from '../core/scan';
import { endpointDetailOf, lifecycleScanFromProbeResults } from '../lifecycle/observations';
import { processScan } from '../lifecycle/run-lifecycle';
import {
  ConfigurationError,
  type Env,
  numberEnv,
  numberListEnv,
  positiveIntEnv,
  requireEnv,
} from '../shared/env';
import { withLogKeys } from '../shared/logger';
import type { MetricsSink } from '../shared/metrics';
import { SQS_BATCH_OPTIONS } from '../shared/sqs-batch';
import { admitDiscovered } from '../sources/discovery/admission';
import { discoveredPlaces } from '../sources/discovery/placement';
import { parsePemBundle } from '../sources/endpoint/trust';
import type { EndpointTarget, ProbeOptions, ProbeResult } from '../sources/endpoint/types';
import { readEndpointsFile } from './make-dispatch-handler';
import type { LifecycleWiring, Publisher } from './make-inventory-handler';

export interface ProbeConfig {
  readonly busName: string;
  readonly eventSource: string;
  readonly thresholds: Thresholds;
  readonly timeoutMs: number;
  readonly concurrency: number;
  readonly caPems: readonly string[];
  /** FETCH_MISSING_ISSUERS=true: fetch missing intermediates from AIA caIssuers URLs (outbound HTTP). */
  readonly fetchMissingIssuers: boolean;
  /** PROBE_DUAL_CERTIFICATES (default true; 'false' turns it off): look for a second certificate of the other key family. */
  readonly dualCertificates: boolean;
  /**
   * The configured endpoints (`endpoints.json` bundled by the construct, or ENDPOINTS_FILE): a queued
   * target is probed only when it is one of these, and then as configured (labels, owner).
   */
  readonly targets: readonly EndpointTarget[];
  /** ALLOW_LINK_LOCAL=true: probe names that resolve to link-local / metadata addresses (refused otherwise). */
  readonly allowLinkLocal?: boolean;
  /** NOT_DEPLOYED_GRACE_HOURS (default 24): targets with `expected`, lambda/sources/endpoint/deployment.ts. */
  readonly notDeployedGraceHours?: number;
  /** DISCOVERED_TARGETS=true: well-formed discovered targets are probed too (docs/discovery.md). */
  readonly discoveredTargets?: boolean;
}

const dualEnv = (value: string | undefined): boolean => {
  const v = value?.trim();
  if (!v || v === 'true') return true;
  if (v === 'false') return false;
  throw new ConfigurationError(`PROBE_DUAL_CERTIFICATES must be 'true' or 'false', got '${v}'`);
};

const graceEnv = (env: Env): number => {
  const hours = numberEnv(env, NOT_DEPLOYED_GRACE_HOURS_ENV);
  if (hours < 0)
    throw new ConfigurationError(`${NOT_DEPLOYED_GRACE_HOURS_ENV} must be 0 or more hours, got ${hours}`);
  return hours;
};

export const probeConfigFromEnv = (env: Env, read = (p: string) => readFileSync(p, 'utf8')): ProbeConfig => {
  let caPems: string[] = [];
  const caFile = env[CA_FILE_ENV]?.trim();
  if (caFile) {
    try {
      const bundle = read(caFile);
      parsePemBundle(bundle, caFile); // fail at init, not on the first probe
      caPems = [bundle];
    } catch (error) {
      throw new ConfigurationError(
        `CA_FILE ${caFile} is not a usable PEM bundle: ${(error as Error).message}`,
      );
    }
  }
  return {
    busName: requireEnv(env, EVENT_BUS_NAME_ENV),
    eventSource: env[EVENT_SOURCE_ENV]?.trim() || DEFAULT_EVENT_SOURCE,
    thresholds: validateThresholds({
      tiersDays: env[TIERS_DAYS_ENV] ? numberListEnv(env, TIERS_DAYS_ENV) : DEFAULT_THRESHOLDS.tiersDays,
      criticalDays: env[CRITICAL_DAYS_ENV]
        ? numberEnv(env, CRITICAL_DAYS_ENV)
        : DEFAULT_THRESHOLDS.criticalDays,
    }),
    timeoutMs: positiveIntEnv(env, PROBE_TIMEOUT_MS_ENV),
    concurrency: positiveIntEnv(env, PROBE_CONCURRENCY_ENV),
    caPems,
    fetchMissingIssuers: env[FETCH_MISSING_ISSUERS_ENV]?.trim() === 'true',
    dualCertificates: dualEnv(env[PROBE_DUAL_CERTIFICATES_ENV]),
    allowLinkLocal: env[ALLOW_LINK_LOCAL_ENV]?.trim() === 'true',
    ...(env[NOT_DEPLOYED_GRACE_HOURS_ENV]?.trim() ? { notDeployedGraceHours: graceEnv(env) } : {}),
    discoveredTargets: env[DISCOVERED_TARGETS_ENV]?.trim() === 'true',
    targets: readEndpointsFile(env, read),
  };
};

/** Problems that break clients today even when the certificate is far from expiry. */
const isCritical = (p: { severity?: string }) => p.severity === 'critical';

/** The prober's own verdict (the earliest expiry on the path, by its lifetime); recomputed for hand-built results. */
const evaluationOf = (r: ProbeResult, now: Date, policy: Thresholds | VerdictPolicy): Evaluation =>
  r.evaluation ?? evaluate({ ...r.record!, notAfter: new Date(r.notAfter!) }, now, policy);

/**
 * Bus events for one batch's results without a lifecycle (which then owns all of them but an
 * intermediate expiring first): check failed, misconfigured, expiring/expired. With a lifecycle
 * (`{ expiry: false, problems: false }`) failed checks and rejected certificates are its
 * transitions (lambda/lifecycle/endpoint-problems.ts): said once, not at every scan.
 */
export const eventsForProbeResults = (
  results: readonly ProbeResult[],
  ctx: { scanId: string; now: Date; thresholds: Thresholds | VerdictPolicy },
  options: { expiry: boolean; problems?: boolean } = { expiry: true },
): BusEvent[] => {
  const events: BusEvent[] = [];
  const problemEvents = options.problems ?? true;
  for (const r of results) {
    if (r.status === 'error' || !r.record || !r.notAfter) {
      if (!problemEvents) continue;
      const error = r.error ?? { code: 'HANDSHAKE_FAILED', message: 'no certificate was read' };
      events.push(endpointCheckFailedEvent(endpointDetailOf(r), error, ctx));
      continue;
    }
    // The earliest expiry in the chain is what breaks clients; the event still describes the leaf.
    const evaluation = evaluationOf(r, ctx.now, ctx.thresholds);
    const problems = r.problems.map((p) => ({ code: p.code, message: p.message, severity: p.severity }));
    if (evaluation.severity !== 'ok') {
      // With a lifecycle, the leaf and the path's first expiry (`host:port#chain@address`) are its transitions.
      if (options.expiry) events.push(certificateEvent(r.record, evaluation, { ...ctx, problems }));
    } else if (problemEvents && r.problems.some(isCritical)) {
      events.push(
        certificateEvent(r.record, evaluation, {
          ...ctx,
          problems,
          detailType: DetailType.EndpointMisconfigured,
        }),
      );
    }
  }
  return events;
};

export interface ProbeDeps {
  readonly config: ProbeConfig;
  /** With a lifecycle, expiry events are transitions only (see docs/lifecycle.md). */
  readonly lifecycle?: LifecycleWiring;
  readonly probe: (
    targets: readonly EndpointTarget[],
    options: ProbeOptions & { concurrency: number },
  ) => Promise<ProbeResult[]>;
  readonly publisher: Publisher;
  readonly logger: Logger;
  readonly metrics: MetricsSink;
  readonly clock?: () => Date;
}

export const makeProbeHandler = (deps: ProbeDeps) => {
  const clock = deps.clock ?? (() => new Date());
  const { config } = deps;
  // One verdict policy for the probe, its events and the lifecycle: the lifetime rule included.
  const policy: Thresholds | VerdictPolicy = deps.lifecycle?.config ?? config.thresholds;

  const configured = new Map(config.targets.map((t) => [targetKey(t), t]));
  /**
   * The batch's targets that are configured, as configured: anything else in a message (a forged
   * or stale one) is dropped with a log line and the EndpointTargetsRejected metric, never probed.
   */
  const admitted = (batch: EndpointBatchMessage): EndpointTarget[] => {
    const out: EndpointTarget[] = [];
    let rejected = 0;
    for (const t of batch.targets) {
      const found = config.discoveredTargets ? admitDiscovered(t) : undefined;
      if (found) {
        out.push(found);
        continue;
      }
      const shaped =
        typeof t === 'object' && t !== null && typeof (t as EndpointTarget).host === 'string'
          ? (t as EndpointTarget)
          : undefined;
      const known = shaped && configured.get(targetKey(shaped));
      if (known) {
        out.push(known);
        continue;
      }
      const named = shaped ? `${shaped.host}:${shaped.port ?? 443}` : typeof t;
      deps.logger.warn('endpoint target not in the configuration; dropped, not probed', {
        scanId: batch.scanId,
        target: named.slice(0, 300),
      });
      rejected++;
    }
    if (rejected > 0) deps.metrics({ EndpointTargetsRejected: rejected });
    return out;
  };

  const probeBatch = async (batch: EndpointBatchMessage): Promise<void> => {
    const startedAt = clock();
    const targets = admitted(batch);
    const results = await deps.probe(targets, {
      now: () => startedAt,
      timeoutMs: config.timeoutMs,
      caPems: config.caPems,
      fetchMissingIssuers: config.fetchMissingIssuers,
      dualCertificates: config.dualCertificates,
      allowLinkLocal: config.allowLinkLocal ?? false,
      notDeployedGraceHours: config.notDeployedGraceHours,
      thresholds: policy,
      concurrency: config.concurrency,
    });
    const finishedAt = clock();
    const ctx = { scanId: batch.scanId, now: startedAt, thresholds: policy };
    const events = eventsForProbeResults(results, ctx, {
      expiry: !deps.lifecycle,
      problems: !deps.lifecycle,
    });
    const read = results.filter((r) => r.status !== 'error' && r.record);
    const failed = results.length - read.length;
    const counts = countSeverities(read.map((r) => ({ evaluation: evaluationOf(r, startedAt, policy) })));
    await deps.publisher.publish(events);
    let transitions = 0;
    if (deps.lifecycle) {
      const summary = await processScan(
        { ...deps.lifecycle, publisher: deps.publisher, now: startedAt, clock, logger: deps.logger },
        lifecycleScanFromProbeResults(
          batch.scanId,
          results,
          batch.retiredScopes,
          discoveredPlaces(targets.filter(isDiscoveredTarget)),
        ),
      );
      transitions = summary.eventsPublished;
    }
    await deps.publisher.publish([
      scanCompletedEvent({
        scanId: batch.scanId,
        source: 'endpoint',
        startedAt: startedAt.toISOString(),
        finishedAt: finishedAt.toISOString(),
        durationMs: finishedAt.getTime() - startedAt.getTime(),
        scopesScanned: [],
        scopesFailed: [],
        counts,
        eventsPublished: events.length + transitions,
        batch: { index: batch.batchIndex, count: batch.batchCount },
        endpointsChecked: results.length,
        endpointsFailed: failed,
      }),
    ]);
    deps.metrics({
      EndpointBatchesCompleted: 1,
      EndpointsChecked: results.length,
      EndpointsFailed: failed,
      CertificatesExpiring: counts.warning + counts.critical,
      CertificatesExpired: counts.expired,
    });
    deps.logger.info('endpoint batch probed', {
      scanId: batch.scanId,
      batch: `${batch.batchIndex}/${batch.batchCount}`,
      endpoints: results.length,
      failed,
      counts,
    });
  };

  const probeMessage = async (message: SQSRecord): Promise<void> => {
    try {
      const batch = parseBatchMessage(message.body);
      await withLogKeys(deps.logger, { scanId: batch.scanId }, () => probeBatch(batch));
    } catch (error) {
      deps.logger.error('endpoint batch failed; it will be redelivered', {
        messageId: message.messageId,
        error,
      });
      throw error; // reported in batchItemFailures
    }
  };

  // One batch at a time (SQS_BATCH_OPTIONS): the socket count stays at `concurrency` whatever the SQS batch size.
  return (event: SQSEvent): Promise<SQSBatchResponse> =>
    processPartialResponse(event, probeMessage, new BatchProcessor(EventType.SQS), SQS_BATCH_OPTIONS);
};
