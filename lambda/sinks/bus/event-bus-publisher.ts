/**
 * Puts watcher events on the EventBridge bus: batches of at most 10 entries within the request
 * size limit (256 KiB for the whole PutEvents request, AWS EventBridge quotas); retries only the
 * entries EventBridge rejected with a retryable code, with exponential backoff and jitter.
 *
 * One entry never holds back the others:
 * - an entry above the limit, or one EventBridge refuses for its content (`InvalidArgument`,
 *   `MalformedDetail`, `RedactionFailure`: non-retryable per the PutEventsResultEntry reference), is
 *   **undeliverable**: it is not retried, the rest are sent, and it is reported on its own (an error
 *   log naming its event id and detail-type, never its detail, and the metric `EventsUndeliverable`);
 * - an entry that still fails with a retryable code (`InternalFailure`, `ThrottlingException`) or
 *   an access error after the attempts makes `publish` throw {@link PublishFailedError} once every
 *   other entry was tried, naming which event ids went out, so the caller keeps only the rest.
 */
import {
  EventBridgeClient,
  PutEventsCommand,
  type PutEventsRequestEntry,
  type PutEventsResultEntry,
} from '@aws-sdk/client-eventbridge';
import { type BusEvent, DEFAULT_EVENT_SOURCE, MAX_EVENT_ENTRY_BYTES } from '../../core/events';
import { type Logger, silentLogger } from '../../core/ports';
import { errorCode, errorMessage } from '../../core/scan';
import type { MetricsSink } from '../../shared/metrics';

export const MAX_ENTRIES_PER_CALL = 10;
/** PutEvents request limit (256 KiB), computed the way EventBridge documents it. */
export const MAX_REQUEST_BYTES = MAX_EVENT_ENTRY_BYTES;

/**
 * PutEventsResultEntry codes that resending the same entry cannot fix (the entry itself is at
 * fault), plus the watcher's own code for an entry above the size limit.
 */
export const UNDELIVERABLE_CODES: ReadonlySet<string> = new Set([
  'InvalidArgument',
  'MalformedDetail',
  'RedactionFailure',
  'EntryTooLarge',
]);

export class EntryTooLargeError extends Error {
  override readonly name = 'EntryTooLargeError';
}

/** An event that was not put on the bus, as logs and callers see it (no detail: it may hold tags). */
export interface EventFailure {
  readonly eventId: string;
  readonly detailType: string;
  readonly code: string;
  readonly message: string;
}

export class PublishFailedError extends Error {
  override readonly name = 'PublishFailedError';
  constructor(
    /** Events still failing with a retryable or access error: the caller keeps them for a retry. */
    readonly failures: ReadonlyArray<EventFailure>,
    readonly published: number,
    /** Ids of the events that are on the bus. */
    readonly publishedIds: ReadonlySet<string> = new Set(),
    /** Events that can never be put (reported already): the caller drops them. */
    readonly undeliverable: ReadonlyArray<EventFailure> = [],
  ) {
    const codes = [...new Set(failures.map((f) => f.code))].join(', ');
    super(
      `${failures.length} event(s) could not be put on the bus after retries (${codes}); ${published} succeeded`,
    );
  }
}

export const entrySize = (e: PutEventsRequestEntry): number =>
  (e.Time ? 14 : 0) +
  Buffer.byteLength(e.Source ?? '') +
  Buffer.byteLength(e.DetailType ?? '') +
  Buffer.byteLength(e.Detail ?? '') +
  (e.Resources ?? []).reduce((n, r) => n + Buffer.byteLength(r), 0);

/**
 * Splits entries into PutEvents calls of at most 10 entries and MAX_REQUEST_BYTES each. Throws
 * EntryTooLargeError for an entry above the limit (`publish` sets those aside first).
 */
export const batchEntries = (entries: readonly PutEventsRequestEntry[]): PutEventsRequestEntry[][] => {
  const batches: PutEventsRequestEntry[][] = [];
  let current: PutEventsRequestEntry[] = [];
  let bytes = 0;
  for (const entry of entries) {
    const size = entrySize(entry);
    if (size > MAX_REQUEST_BYTES) {
      throw new EntryTooLargeError(
        `event "${entry.DetailType}" is ${size} bytes, above ${MAX_REQUEST_BYTES}`,
      );
    }
    if (current.length === MAX_ENTRIES_PER_CALL || bytes + size > MAX_REQUEST_BYTES) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(entry);
    bytes += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
};

export interface PublisherOptions {
  readonly busName: string;
  readonly source?: string;
  /** Attempts per entry, the first included. */
  readonly maxAttempts?: number;
  readonly baseDelayMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
  /** Where undeliverable events are reported (event id and detail-type only). @default silent */
  readonly logger?: Logger;
  /**
   * Receives `EventsPublished` per detail-type (dimension `DetailType`) after each publish, and
   * `EventsUndeliverable` when an event cannot be put. @default none
   */
  readonly metrics?: MetricsSink;
}

export interface PublishReport {
  readonly published: number;
  readonly calls: number;
  readonly retriedEntries: number;
  /** Ids of the events now on the bus. */
  readonly publishedIds: ReadonlySet<string>;
  /** Events that can never be put (too large, refused for their content), reported and dropped. */
  readonly undeliverable: ReadonlyArray<EventFailure>;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The watcher's own id of an event (its detail's `eventId`), or '' for a foreign one. */
export const watcherEventId = (event: BusEvent): string => {
  const id = (event.detail as { eventId?: unknown } | null)?.eventId;
  return typeof id === 'string' ? id : '';
};

interface Pending {
  readonly entry: PutEventsRequestEntry;
  readonly eventId: string;
}

export class EventBusPublisher {
  private readonly source: string;
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly logger: Logger;

  constructor(
    private readonly options: PublisherOptions,
    private readonly events = new EventBridgeClient({ retryMode: 'adaptive', maxAttempts: 6 }),
  ) {
    this.source = options.source ?? DEFAULT_EVENT_SOURCE;
    this.maxAttempts = options.maxAttempts ?? 5;
    this.baseDelayMs = options.baseDelayMs ?? 200;
    this.sleep = options.sleep ?? defaultSleep;
    this.logger = options.logger ?? silentLogger;
  }

  toEntry(event: BusEvent): PutEventsRequestEntry {
    return {
      EventBusName: this.options.busName,
      Source: this.source,
      DetailType: event.detailType,
      Detail: JSON.stringify(event.detail),
      Resources: event.resources.length > 0 ? event.resources : undefined,
      Time: event.time,
    };
  }

  async publish(events: readonly BusEvent[]): Promise<PublishReport> {
    let calls = 0;
    let retriedEntries = 0;
    const publishedIds = new Set<string>();
    const perDetailType = new Map<string, number>();
    let published = 0;
    const failures: EventFailure[] = [];
    const undeliverable: EventFailure[] = [];
    const failure = (p: Pending, code: string, message: string): EventFailure => ({
      eventId: p.eventId,
      detailType: p.entry.DetailType ?? '',
      code,
      message,
    });
    let pending: Pending[] = [];
    for (const event of events) {
      const p = { entry: this.toEntry(event), eventId: watcherEventId(event) };
      const size = entrySize(p.entry);
      if (size > MAX_REQUEST_BYTES)
        undeliverable.push(failure(p, 'EntryTooLarge', `${size} bytes, above ${MAX_REQUEST_BYTES}`));
      else pending.push(p);
    }
    for (let attempt = 1; pending.length > 0; attempt++) {
      const again: { p: Pending; code: string; message: string }[] = [];
      const byEntry = new Map(pending.map((p) => [p.entry, p]));
      // Every batch is tried even when an earlier one fails: one bad call must not hold back the rest.
      for (const batch of batchEntries(pending.map((p) => p.entry))) {
        calls++;
        let results: PutEventsResultEntry[];
        try {
          const out = await this.events.send(new PutEventsCommand({ Entries: batch }));
          results = out.Entries ?? [];
        } catch (error) {
          // The SDK already retried throttling and transient errors for the whole call.
          const code = errorCode(error);
          const message = errorMessage(error);
          results = batch.map(() => ({ ErrorCode: code, ErrorMessage: message }));
        }
        batch.forEach((entry, i) => {
          const r = results[i];
          const p = byEntry.get(entry) as Pending;
          if (r?.EventId && !r.ErrorCode) {
            published++;
            const type = entry.DetailType ?? '';
            perDetailType.set(type, (perDetailType.get(type) ?? 0) + 1);
            publishedIds.add(p.eventId);
          } else {
            const code = r?.ErrorCode ?? 'Unknown';
            const message = r?.ErrorMessage ?? 'no result entry';
            if (UNDELIVERABLE_CODES.has(code)) undeliverable.push(failure(p, code, message));
            else again.push({ p, code, message });
          }
        });
      }
      if (again.length === 0) break;
      if (attempt >= this.maxAttempts) {
        failures.push(...again.map((f) => failure(f.p, f.code, f.message)));
        break;
      }
      retriedEntries += again.length;
      pending = again.map((f) => f.p);
      await this.sleep(this.baseDelayMs * 2 ** (attempt - 1) * (1 + Math.random()));
    }
    // Counted even when some failed: those events are on the bus.
    for (const [DetailType, n] of perDetailType)
      this.options.metrics?.({ EventsPublished: n }, { DetailType });
    if (undeliverable.length > 0) this.report(undeliverable);
    if (failures.length > 0) throw new PublishFailedError(failures, published, publishedIds, undeliverable);
    return { published, calls, retriedEntries, publishedIds, undeliverable };
  }

  /** Each undeliverable event on its own line: id, detail-type and why; never its detail. */
  private report(undeliverable: readonly EventFailure[]) {
    for (const u of undeliverable) {
      this.logger.error('event is undeliverable: not put on the bus, not retried', {
        eventId: u.eventId,
        detailType: u.detailType,
        code: u.code,
        reason: u.message.slice(0, 300),
      });
    }
    this.options.metrics?.({ EventsUndeliverable: undeliverable.length });
  }
}
