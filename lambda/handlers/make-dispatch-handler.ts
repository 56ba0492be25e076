/**
 * The endpoint dispatcher: on schedule, splits the configured endpoints into small batches on
 * the probe queue, so the prober scales out and one slow batch holds no one else up.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseExpectation } from '../contracts/deployment-expectation';
import { ENDPOINTS_FILE_ENV, PROBE_BATCH_SIZE_ENV, PROBE_QUEUE_URL_ENV } from '../contracts/env-names';
import { type EndpointBatchMessage, splitIntoBatches, withRetiredScopes } from '../core/endpoint-batch';
import type { Logger } from '../core/ports';
import { ConfigurationError, type Env, numberEnv, requireEnv } from '../shared/env';
import type { MetricsSink } from '../shared/metrics';
import { toALabels } from '../sources/endpoint/idn';
import { DEFAULT_PORT } from '../sources/endpoint/probe';
import type { EndpointTarget } from '../sources/endpoint/types';

/** Retired scopes sent per period (about 60 bytes each, far below SQS's 256 KiB); more wait for the next period. */
export const MAX_RETIRED_SCOPES_PER_PERIOD = 1000;

/** The lifecycle scope of a configured target: what the prober's results are tracked under. */
export const endpointScopeOf = (t: EndpointTarget): string => {
  let host = t.host;
  try {
    host = toALabels(t.host);
  } catch {
    // The prober refuses such a target; its scope can only be the name as written.
  }
  return `endpoint#${host}:${t.port ?? DEFAULT_PORT}`;
};

/** Tracked endpoint scopes the configuration no longer names, sorted and capped. */
export const retiredScopesOf = (tracked: readonly string[], targets: readonly EndpointTarget[]): string[] => {
  const configured = new Set(targets.map(endpointScopeOf));
  return tracked.filter((s) => !configured.has(s)).slice(0, MAX_RETIRED_SCOPES_PER_PERIOD);
};

export interface DispatchConfig {
  readonly queueUrl: string;
  readonly batchSize: number;
  readonly targets: readonly EndpointTarget[];
}

/** Targets were normalized and validated at synth; this re-checks the shape so a bad file fails at init. */
export const parseTargetsJson = (text: string, origin: string): EndpointTarget[] => {
  let list: unknown;
  try {
    list = JSON.parse(text);
  } catch (error) {
    throw new ConfigurationError(`${origin} is not JSON: ${(error as Error).message}`);
  }
  if (!Array.isArray(list)) throw new ConfigurationError(`${origin} must hold a JSON array of endpoints`);
  list.forEach((t: Partial<EndpointTarget>, i) => {
    if (
      typeof t?.host !== 'string' ||
      !t.host ||
      !Number.isInteger(t.port) ||
      (t.port ?? 0) < 1 ||
      (t.port ?? 0) > 65535
    ) {
      throw new ConfigurationError(
        `${origin}[${i}] needs a host and a port 1-65535, got ${JSON.stringify(t)}`,
      );
    }
    if (t.expected !== undefined) {
      try {
        parseExpectation(t.expected, `${origin}[${i}]`);
      } catch (error) {
        throw new ConfigurationError((error as Error).message);
      }
    }
  });
  return list as EndpointTarget[];
};

/**
 * The configured endpoint list the construct bundles (`endpoints.json` beside the handler, or
 * ENDPOINTS_FILE): the dispatcher queues it, the prober probes nothing else. Fails at init.
 */
export const readEndpointsFile = (
  env: Env,
  read = (p: string) => readFileSync(p, 'utf8'),
): EndpointTarget[] => {
  const file = env[ENDPOINTS_FILE_ENV]?.trim() || join(env.LAMBDA_TASK_ROOT ?? __dirname, 'endpoints.json');
  let text: string;
  try {
    text = read(file);
  } catch (error) {
    throw new ConfigurationError(
      `cannot read the endpoint list ${file} (ENDPOINTS_FILE): ${(error as Error).message}`,
    );
  }
  return parseTargetsJson(text, file);
};

export const dispatchConfigFromEnv = (
  env: Env,
  read = (p: string) => readFileSync(p, 'utf8'),
): DispatchConfig => {
  const targets = readEndpointsFile(env, read);
  const batchSize = numberEnv(env, PROBE_BATCH_SIZE_ENV);
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new ConfigurationError(
      `environment variable PROBE_BATCH_SIZE must be a positive integer, got ${batchSize}`,
    );
  }
  return { queueUrl: requireEnv(env, PROBE_QUEUE_URL_ENV), batchSize, targets };
};

export interface DispatchDeps {
  readonly config: DispatchConfig;
  readonly sender: { send(bodies: readonly string[]): Promise<{ sent: number }> };
  readonly logger: Logger;
  readonly metrics: MetricsSink;
  readonly clock?: () => Date;
  /**
   * Scopes the state table still tracks with this prefix (DynamoDbStateStore.trackedScopes): those
   * the configuration no longer names are retired. @default none (removed endpoints are not retired)
   */
  readonly trackedScopes?: (prefix: string) => Promise<string[]>;
}

export interface DispatchSummary {
  readonly scanId: string;
  readonly batches: number;
  readonly targets: number;
  /** Endpoint scopes sent for retirement (no longer configured). */
  readonly retired?: number;
}

export const makeDispatchHandler = (deps: DispatchDeps) => {
  const clock = deps.clock ?? (() => new Date());
  return async (event?: { id?: string }): Promise<DispatchSummary> => {
    const scanId = event?.id ?? randomUUID();
    const scheduledAt = clock();
    const retired = deps.trackedScopes
      ? retiredScopesOf(await deps.trackedScopes('endpoint#'), deps.config.targets)
      : [];
    const batches: EndpointBatchMessage[] = withRetiredScopes(
      splitIntoBatches(deps.config.targets, deps.config.batchSize, { scanId, scheduledAt }),
      retired,
      { scanId, scheduledAt },
    );
    await deps.sender.send(batches.map((b) => JSON.stringify(b)));
    deps.metrics({
      EndpointBatchesDispatched: batches.length,
      EndpointsDispatched: deps.config.targets.length,
    });
    const summary = {
      scanId,
      batches: batches.length,
      targets: deps.config.targets.length,
      ...(retired.length > 0 ? { retired: retired.length } : {}),
    };
    deps.logger.info('endpoint scan dispatched', { ...summary });
    return summary;
  };
};
