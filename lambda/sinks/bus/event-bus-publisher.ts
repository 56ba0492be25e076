/**
 * Puts watcher events on the EventBridge bus: batches of at most 10 entries within the request
 * size limit; retries only the entries EventBridge rejected; throws when any entry is still
 * rejected so the invocation fails, Lambda retries, and alarms fire. Nothing is dropped silently.
 */
import {
  EventBridgeClient,
  PutEventsCommand,
  type PutEventsRequestEntry,
  type PutEventsResultEntry,
} from '@aws-sdk/client-eventbridge';
import { type BusEvent, DEFAULT_EVENT_SOURCE } from '../../core/events';
import { errorCode, errorMessage } from '../../core/scan';

export const MAX_ENTRIES_PER_CALL = 10;
/** PutEvents request limit (256 KiB), computed the way EventBridge documents it. */
export const MAX_REQUEST_BYTES = 256 * 1024;

export class EntryTooLargeError extends Error {
  override readonly name = 'EntryTooLargeError';
}

export class PublishFailedError extends Error {
  override readonly name = 'PublishFailedError';
  constructor(
    readonly failures: ReadonlyArray<{ detailType: string; code: string; message: string }>,
    readonly published: number,
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

/** Splits entries into PutEvents calls of at most 10 entries and MAX_REQUEST_BYTES each. */
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
}

export interface PublishReport {
  readonly published: number;
  readonly calls: number;
  readonly retriedEntries: number;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class EventBusPublisher {
  private readonly source: string;
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    private readonly options: PublisherOptions,
    private readonly events = new EventBridgeClient({ retryMode: 'adaptive', maxAttempts: 6 }),
  ) {
    this.source = options.source ?? DEFAULT_EVENT_SOURCE;
    this.maxAttempts = options.maxAttempts ?? 5;
    this.baseDelayMs = options.baseDelayMs ?? 200;
    this.sleep = options.sleep ?? defaultSleep;
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
    let published = 0;
    let retriedEntries = 0;
    const failures: { detailType: string; code: string; message: string }[] = [];
    let pending = events.map((e) => this.toEntry(e));
    for (let attempt = 1; pending.length > 0; attempt++) {
      const again: { entry: PutEventsRequestEntry; code: string; message: string }[] = [];
      // Every batch is tried even when an earlier one fails: one bad call must not hold back the rest.
      for (const batch of batchEntries(pending)) {
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
          if (r?.EventId && !r.ErrorCode) published++;
          else
            again.push({
              entry,
              code: r?.ErrorCode ?? 'Unknown',
              message: r?.ErrorMessage ?? 'no result entry',
            });
        });
      }
      if (again.length === 0) break;
      if (attempt >= this.maxAttempts) {
        failures.push(
          ...again.map((f) => ({ detailType: f.entry.DetailType ?? '', code: f.code, message: f.message })),
        );
        break;
      }
      retriedEntries += again.length;
      pending = again.map((f) => f.entry);
      await this.sleep(this.baseDelayMs * 2 ** (attempt - 1) * (1 + Math.random()));
    }
    if (failures.length > 0) throw new PublishFailedError(failures, published);
    return { published, calls, retriedEntries };
  }
}
