/**
 * The message between the endpoint dispatcher and the prober: one batch of targets of one scan.
 * Kept small (a few dozen targets) so one slow batch holds no one else up.
 */
export interface EndpointBatchMessage<T = unknown> {
  readonly schemaVersion: '1.0';
  readonly scanId: string;
  /** 1-based. */
  readonly batchIndex: number;
  readonly batchCount: number;
  readonly scheduledAt: string;
  readonly targets: readonly T[];
  /**
   * Endpoint scopes (`endpoint#host:port`) the state table still tracks but the configuration no
   * longer names: the prober's lifecycle counts their locations missing, then removes them
   * ('Certificate Removed'). Sent with the first batch of a period.
   */
  readonly retiredScopes?: readonly string[];
}

export class InvalidBatchMessageError extends Error {
  override readonly name = 'InvalidBatchMessageError';
}

/**
 * Bytes a batch's targets may take in one message: SQS takes at most 256 KiB (262,144 bytes) per
 * message (Amazon SQS quotas); the rest is the envelope and `retiredScopes` (at most 1,000 scope
 * keys are sent with the first batch and may make it larger: they are not counted here).
 */
export const MAX_TARGET_BYTES_PER_MESSAGE = 200 * 1024;

/**
 * Targets in batches of at most `size`, and of at most `maxBytes` of JSON: a target carrying its
 * resource's expected certificates (up to 20 + 20: about 16 KB with ACM ARNs) makes a 25-target batch (400 KB) too large
 * for one SQS message, so such batches are cut shorter.
 */
export const splitIntoBatches = <T>(
  targets: readonly T[],
  size: number,
  ctx: { scanId: string; scheduledAt: Date },
  maxBytes = MAX_TARGET_BYTES_PER_MESSAGE,
): EndpointBatchMessage<T>[] => {
  if (!Number.isInteger(size) || size < 1)
    throw new RangeError(`batch size must be a positive integer, got ${size}`);
  const groups: T[][] = [];
  let bytes = 0;
  for (const target of targets) {
    const weight = Buffer.byteLength(JSON.stringify(target)) + 1;
    const last = groups[groups.length - 1];
    if (!last || last.length >= size || bytes + weight > maxBytes) {
      groups.push([target]);
      bytes = weight;
    } else {
      last.push(target);
      bytes += weight;
    }
  }
  return groups.map((group, i) => ({
    schemaVersion: '1.0',
    scanId: ctx.scanId,
    batchIndex: i + 1,
    batchCount: groups.length,
    scheduledAt: ctx.scheduledAt.toISOString(),
    targets: group,
  }));
};

export const parseBatchMessage = (body: string): EndpointBatchMessage => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (error) {
    throw new InvalidBatchMessageError(`message body is not JSON: ${(error as Error).message}`);
  }
  const m = parsed as Partial<EndpointBatchMessage>;
  if (
    m?.schemaVersion !== '1.0' ||
    typeof m.scanId !== 'string' ||
    !Number.isInteger(m.batchIndex) ||
    !Number.isInteger(m.batchCount) ||
    !Array.isArray(m.targets) ||
    (m.retiredScopes !== undefined &&
      (!Array.isArray(m.retiredScopes) || m.retiredScopes.some((x) => typeof x !== 'string')))
  ) {
    throw new InvalidBatchMessageError(
      'message is not an endpoint batch (schemaVersion 1.0 with scanId, batchIndex, batchCount, targets)',
    );
  }
  return m as EndpointBatchMessage;
};

/**
 * `retiredScopes` on the first batch of a period; a lone batch without targets when nothing is
 * probed any more. Used by the dispatcher (configured endpoints) and discovery (found ones).
 */
export const withRetiredScopes = <T>(
  batches: readonly EndpointBatchMessage<T>[],
  retired: readonly string[],
  ctx: { scanId: string; scheduledAt: Date },
): EndpointBatchMessage<T>[] => {
  if (retired.length === 0) return [...batches];
  const [first, ...rest] = batches;
  if (first) return [{ ...first, retiredScopes: retired }, ...rest];
  return [
    {
      schemaVersion: '1.0',
      scanId: ctx.scanId,
      batchIndex: 1,
      batchCount: 1,
      scheduledAt: ctx.scheduledAt.toISOString(),
      targets: [],
      retiredScopes: retired,
    },
  ];
};
