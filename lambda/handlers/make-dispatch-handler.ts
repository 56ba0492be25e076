/**
 * The endpoint dispatcher: on schedule, splits the configured endpoints into small batches on
 * the probe queue, so the prober scales out and one slow batch holds no one else up.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ENDPOINTS_FILE_ENV, PROBE_BATCH_SIZE_ENV, PROBE_QUEUE_URL_ENV } from '../contracts/env-names';
import { splitIntoBatches } from '../core/endpoint-batch';
import type { Logger } from '../core/ports';
import { ConfigurationError, type Env, numberEnv, requireEnv } from '../shared/env';
import type { MetricsSink } from '../shared/metrics';
import type { EndpointTarget } from '../sources/endpoint/types';

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
}

export interface DispatchSummary {
  readonly scanId: string;
  readonly batches: number;
  readonly targets: number;
}

export const makeDispatchHandler = (deps: DispatchDeps) => {
  const clock = deps.clock ?? (() => new Date());
  return async (event?: { id?: string }): Promise<DispatchSummary> => {
    const scanId = event?.id ?? randomUUID();
    const batches = splitIntoBatches(deps.config.targets, deps.config.batchSize, {
      scanId,
      scheduledAt: clock(),
    });
    await deps.sender.send(batches.map((b) => JSON.stringify(b)));
    deps.metrics({
      EndpointBatchesDispatched: batches.length,
      EndpointsDispatched: deps.config.targets.length,
    });
    const summary = { scanId, batches: batches.length, targets: deps.config.targets.length };
    deps.logger.info('endpoint scan dispatched', { ...summary });
    return summary;
  };
};
