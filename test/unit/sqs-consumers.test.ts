/** The partial-batch plumbing every SQS consumer shares (Powertools processPartialResponse + SQS_BATCH_OPTIONS). */
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../lambda/core/ports';
import { makeNotifyHandler } from '../../lambda/handlers/make-notify-handler';
import { makeProbeHandler, probeConfigFromEnv } from '../../lambda/handlers/make-probe-handler';
import { makeTicketHandler } from '../../lambda/handlers/make-ticket-handler';
import { jsonLogger } from '../../lambda/shared/logger';
import { endpointsFileEnv } from '../support/endpoints-file';

const record = (messageId: string, body: string): SQSRecord => ({ messageId, body }) as SQSRecord;
const sqsEvent = (...records: SQSRecord[]): SQSEvent => ({ Records: records });
const batchBody = (scanId: string) =>
  JSON.stringify({
    schemaVersion: '1.0',
    scanId,
    batchIndex: 1,
    batchCount: 1,
    scheduledAt: new Date(0).toISOString(),
    targets: [],
  });

const probeHandler = (overrides: Partial<Parameters<typeof makeProbeHandler>[0]> = {}) =>
  makeProbeHandler({
    config: probeConfigFromEnv({
      EVENT_BUS_NAME: 'bus',
      PROBE_TIMEOUT_MS: '1000',
      PROBE_CONCURRENCY: '4',
      ...endpointsFileEnv(),
    }),
    probe: async () => [],
    publisher: { publish: async (events) => ({ published: events.length }) },
    logger: silentLogger,
    metrics: () => {},
    ...overrides,
  });

describe('SQS consumers on Powertools batch processing', () => {
  it('returns every message as a batch item failure when all fail, instead of throwing FullBatchFailureError', async () => {
    const event = sqsEvent(record('m1', 'not json'), record('m2', '{}'));
    const expected = { batchItemFailures: [{ itemIdentifier: 'm1' }, { itemIdentifier: 'm2' }] };
    expect(await probeHandler()(event)).toEqual(expected);
    const notify = makeNotifyHandler({
      config: { destinations: [], timeoutMs: 1000, maxAttempts: 1, secretCacheTtlMs: 1000 },
      secrets: { get: async () => 'unused' },
      logger: silentLogger,
    });
    expect(await notify(event)).toEqual(expected);
    const tickets = makeTicketHandler({
      config: { connectors: [], timeoutMs: 1000, maxAttempts: 1, secretCacheTtlMs: 1000, claimLeaseMs: 1000 },
      secrets: { get: async () => 'unused' },
      refStore: () => {
        throw new Error('no connectors configured');
      },
      logger: silentLogger,
    });
    expect(await tickets(event)).toEqual(expected);
  });

  it('reports only the failed message of a mixed batch, and nothing for an empty one', async () => {
    const handler = probeHandler();
    expect(await handler(sqsEvent(record('ok', batchBody('s1')), record('bad', 'x')))).toEqual({
      batchItemFailures: [{ itemIdentifier: 'bad' }],
    });
    expect(await handler(sqsEvent())).toEqual({ batchItemFailures: [] });
  });

  it('processes the messages of a batch one at a time, in order', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const heartbeats: unknown[] = [];
    const handler = probeHandler({
      publisher: {
        publish: async (events) => {
          inFlight++;
          maxInFlight = Math.max(maxInFlight, inFlight);
          await new Promise((r) => setTimeout(r, 5));
          inFlight--;
          for (const e of events) heartbeats.push((e.detail as { scanId?: string }).scanId);
          return { published: events.length };
        },
      },
    });
    await handler(
      sqsEvent(record('a', batchBody('s1')), record('b', batchBody('s2')), record('c', batchBody('s3'))),
    );
    expect(maxInFlight).toBe(1);
    expect(heartbeats).toEqual(['s1', 's2', 's3']);
  });

  it("carries the message's scan id on every line logged while it is processed, and not after", async () => {
    const lines: string[] = [];
    const logger = jsonLogger({}, (l) => lines.push(l));
    await probeHandler({ logger })(sqsEvent(record('a', batchBody('scan-42'))));
    logger.info('after the batch');
    const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(parsed.find((l) => l.message === 'endpoint batch probed')).toMatchObject({ scanId: 'scan-42' });
    expect(parsed.at(-1)).not.toHaveProperty('scanId');
  });
});
