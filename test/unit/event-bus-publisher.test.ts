import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type BusEvent, DetailType } from '../../lambda/core/events';
import {
  batchEntries,
  EntryTooLargeError,
  EventBusPublisher,
  entrySize,
  MAX_REQUEST_BYTES,
  PublishFailedError,
} from '../../lambda/sinks/bus/event-bus-publisher';

let ebMock = mockClient(EventBridgeClient);
beforeEach(() => {
  ebMock = mockClient(EventBridgeClient);
});
afterEach(() => ebMock.restore());

const event = (i: number, pad = 0): BusEvent => ({
  detailType: DetailType.Expiring,
  detail: { eventId: `evt-${i}`, n: i, pad: 'x'.repeat(pad) },
  resources: [`arn:aws:acm:eu-west-1:111122223333:certificate/${i}`],
  time: new Date('2026-06-15T12:00:00Z'),
});

const noSleep = async () => {};
const publisher = () =>
  new EventBusPublisher(
    { busName: 'watcher-bus', source: 'cert-expiry-watcher', sleep: noSleep },
    new EventBridgeClient({}),
  );

const detailN = (e: PutEventsRequestEntry) => (JSON.parse(e.Detail ?? '{}') as { n: number }).n;

describe('batching', () => {
  it('puts at most 10 entries per call', () => {
    const p = publisher();
    const batches = batchEntries(Array.from({ length: 25 }, (_, i) => p.toEntry(event(i))));
    expect(batches.map((b) => b.length)).toEqual([10, 10, 5]);
  });

  it('splits by request size before reaching 10 entries', () => {
    const p = publisher();
    const big = Array.from({ length: 5 }, (_, i) => p.toEntry(event(i, 100_000)));
    const batches = batchEntries(big);
    expect(batches.map((b) => b.length)).toEqual([2, 2, 1]);
    for (const b of batches)
      expect(b.reduce((n, e) => n + entrySize(e), 0)).toBeLessThanOrEqual(MAX_REQUEST_BYTES);
  });

  it('refuses a single entry above the limit with a clear error', () => {
    const p = publisher();
    expect(() => batchEntries([p.toEntry(event(1, 300_000))])).toThrow(EntryTooLargeError);
  });
});

describe('EventBusPublisher.publish', () => {
  it('sends every event to the named bus with the source, detail-type and resources', async () => {
    ebMock.on(PutEventsCommand).callsFake((input: { Entries: PutEventsRequestEntry[] }) => ({
      FailedEntryCount: 0,
      Entries: input.Entries.map((_, i) => ({ EventId: `id-${i}` })),
    }));
    const report = await publisher().publish(Array.from({ length: 12 }, (_, i) => event(i)));
    expect(report).toMatchObject({ published: 12, calls: 2, retriedEntries: 0, undeliverable: [] });
    const first = ebMock.commandCalls(PutEventsCommand)[0]?.args[0].input.Entries?.[0];
    expect(first).toMatchObject({
      EventBusName: 'watcher-bus',
      Source: 'cert-expiry-watcher',
      DetailType: 'Certificate Expiring',
      Resources: ['arn:aws:acm:eu-west-1:111122223333:certificate/0'],
    });
  });

  it('retries only the entries that failed', async () => {
    let call = 0;
    ebMock.on(PutEventsCommand).callsFake((input: { Entries: PutEventsRequestEntry[] }) => {
      call++;
      return {
        FailedEntryCount: call === 1 ? 2 : 0,
        Entries: input.Entries.map((e) =>
          call === 1 && [1, 3].includes(detailN(e))
            ? { ErrorCode: 'ThrottlingException', ErrorMessage: 'slow down' }
            : { EventId: `id-${detailN(e)}` },
        ),
      };
    });
    const report = await publisher().publish(Array.from({ length: 5 }, (_, i) => event(i)));
    expect(report).toMatchObject({ published: 5, calls: 2, retriedEntries: 2 });
    const retried = ebMock.commandCalls(PutEventsCommand)[1]?.args[0].input.Entries ?? [];
    expect(retried.map(detailN)).toEqual([1, 3]);
  });

  it('throws PublishFailedError when entries keep failing, after publishing the rest', async () => {
    ebMock.on(PutEventsCommand).callsFake((input: { Entries: PutEventsRequestEntry[] }) => ({
      FailedEntryCount: 1,
      Entries: input.Entries.map((e) =>
        detailN(e) === 2 ? { ErrorCode: 'InternalFailure', ErrorMessage: 'boom' } : { EventId: 'ok' },
      ),
    }));
    const p = new EventBusPublisher(
      { busName: 'b', maxAttempts: 3, sleep: noSleep },
      new EventBridgeClient({}),
    );
    const error = await p.publish(Array.from({ length: 4 }, (_, i) => event(i))).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PublishFailedError);
    expect((error as PublishFailedError).published).toBe(3);
    expect([...(error as PublishFailedError).publishedIds].sort()).toEqual(['evt-0', 'evt-1', 'evt-3']);
    expect((error as PublishFailedError).failures).toEqual([
      { eventId: 'evt-2', detailType: 'Certificate Expiring', code: 'InternalFailure', message: 'boom' },
    ]);
    expect(ebMock.commandCalls(PutEventsCommand)).toHaveLength(3);
  });

  it('a whole call failing is retried and then raised, and other batches still go out', async () => {
    let call = 0;
    ebMock.on(PutEventsCommand).callsFake((input: { Entries: PutEventsRequestEntry[] }) => {
      call++;
      if (input.Entries.some((e) => detailN(e) === 0))
        throw Object.assign(new Error('no bus'), { name: 'ResourceNotFoundException' });
      return { FailedEntryCount: 0, Entries: input.Entries.map(() => ({ EventId: 'ok' })) };
    });
    const p = new EventBusPublisher(
      { busName: 'b', maxAttempts: 2, sleep: noSleep },
      new EventBridgeClient({}),
    );
    const error = (await p
      .publish(Array.from({ length: 15 }, (_, i) => event(i)))
      .catch((e: unknown) => e)) as PublishFailedError;
    expect(error).toBeInstanceOf(PublishFailedError);
    expect(error.published).toBe(5);
    expect(error.failures).toHaveLength(10);
    expect(error.message).toMatch(/10 event\(s\).*ResourceNotFoundException/);
    expect(call).toBe(3);
  });
});

describe('one event never blocks the others', () => {
  const recordingLogger = () => {
    const errors: Record<string, unknown>[] = [];
    return {
      errors,
      logger: {
        info: () => {},
        warn: () => {},
        error: (_m: string, f?: Record<string, unknown>) => errors.push(f ?? {}),
      },
    };
  };
  const accepting = () =>
    ebMock.on(PutEventsCommand).callsFake((input: { Entries: PutEventsRequestEntry[] }) => ({
      FailedEntryCount: 0,
      Entries: input.Entries.map((e) => ({ EventId: `id-${detailN(e)}` })),
    }));

  it('an event above 256 KiB is reported on its own (log with its id, EventsUndeliverable) and the other 13 go out', async () => {
    accepting();
    const { errors, logger } = recordingLogger();
    const metrics: Record<string, number>[] = [];
    const p = new EventBusPublisher(
      { busName: 'b', sleep: noSleep, logger, metrics: (m) => metrics.push(m) },
      new EventBridgeClient({}),
    );
    const events = Array.from({ length: 14 }, (_, i) => event(i, i === 6 ? 300_000 : 0));
    const report = await p.publish(events);
    expect(report.published).toBe(13);
    expect(report.publishedIds.has('evt-6')).toBe(false);
    expect(report.undeliverable).toEqual([
      expect.objectContaining({
        eventId: 'evt-6',
        detailType: 'Certificate Expiring',
        code: 'EntryTooLarge',
      }),
    ]);
    const sent = ebMock.commandCalls(PutEventsCommand).flatMap((c) => c.args[0].input.Entries ?? []);
    expect(sent.map(detailN).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 7, 8, 9, 10, 11, 12, 13]);
    expect(errors).toEqual([expect.objectContaining({ eventId: 'evt-6', code: 'EntryTooLarge' })]);
    // The log names the event, never its detail.
    expect(JSON.stringify(errors)).not.toContain('xxxx');
    // The 13 that went out are counted by detail-type (dimension DetailType), the one that did not apart.
    expect(metrics).toEqual([{ EventsPublished: 13 }, { EventsUndeliverable: 1 }]);
  });

  it('an entry refused for its content (MalformedDetail) is not retried and does not fail the others', async () => {
    ebMock.on(PutEventsCommand).callsFake((input: { Entries: PutEventsRequestEntry[] }) => ({
      FailedEntryCount: 1,
      Entries: input.Entries.map((e) =>
        detailN(e) === 3
          ? { ErrorCode: 'MalformedDetail', ErrorMessage: 'bad json' }
          : { EventId: `id-${detailN(e)}` },
      ),
    }));
    const report = await publisher().publish(Array.from({ length: 5 }, (_, i) => event(i)));
    expect(report).toMatchObject({ published: 4, calls: 1, retriedEntries: 0 });
    expect(report.undeliverable.map((u) => [u.eventId, u.code])).toEqual([['evt-3', 'MalformedDetail']]);
  });
});
