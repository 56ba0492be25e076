/**
 * The lifecycle state table in memory, with DynamoDbStateStore's semantics: every write and outbox
 * update is conditional (on the version, the outbox owner and claim) and bumps the version; reads
 * and writes are copies, never shared objects. Each call is atomic at one instant, like a DynamoDB
 * item operation.
 *
 * `turns` decides how many event-loop turns a call waits before it takes effect, so concurrent
 * runs interleave between their reads and writes as they do against a real table; a seeded
 * `turns` replays the same interleavings on every run.
 */
import type { BusEvent } from '../../lambda/core/events';
import type { Ack, TrackedState } from '../../lambda/lifecycle/model';
import type { LifecycleStore, Outbox, StoredEntry } from '../../lambda/lifecycle/run-lifecycle';

export interface InMemoryLifecycleStoreOptions {
  /** Event-loop turns before each call takes effect. @default () => 1 */
  readonly turns?: () => number;
}

interface Item {
  state: TrackedState;
  outbox: Outbox | null;
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Mulberry32: a small seeded PRNG, so an interleaving that fails can be replayed. */
export const seededRandom = (seed: number): (() => number) => {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
};

export class InMemoryLifecycleStore implements LifecycleStore {
  private readonly items = new Map<string, Item>();
  private readonly turns: () => number;
  /** Conditional writes and outbox updates refused because the item had changed. */
  conditionFailures = 0;

  constructor(options: InMemoryLifecycleStoreOptions = {}) {
    this.turns = options.turns ?? (() => 1);
  }

  private async settle(): Promise<void> {
    for (let i = this.turns(); i > 0; i--) await turn();
  }

  private refuse(): false {
    this.conditionFailures++;
    return false;
  }

  async load(locations: readonly string[], scopes: readonly string[]): Promise<Map<string, StoredEntry>> {
    await this.settle();
    const keys = new Set(locations);
    const inScope = new Set(scopes);
    for (const [location, item] of this.items) {
      if (inScope.has(item.state.scope) && (item.state.removedAt === null || item.outbox !== null))
        keys.add(location);
    }
    const out = new Map<string, StoredEntry>();
    for (const location of keys) {
      const item = this.items.get(location);
      if (item) out.set(location, structuredClone(item));
    }
    return out;
  }

  async write(state: TrackedState, previousVersion: number | null, outbox: Outbox | null): Promise<boolean> {
    await this.settle();
    const current = this.items.get(state.location);
    const ok = previousVersion === null ? current === undefined : current?.state.version === previousVersion;
    if (!ok) return this.refuse();
    this.items.set(
      state.location,
      structuredClone({ state, outbox: outbox && outbox.events.length > 0 ? outbox : null }),
    );
    return true;
  }

  async claimOutbox(location: string, from: Outbox, owner: string, claimedAt: number): Promise<boolean> {
    await this.settle();
    const item = this.items.get(location);
    const outbox = item?.outbox;
    const same =
      outbox !== undefined &&
      outbox !== null &&
      (from.owner === null
        ? outbox.owner === null
        : outbox.owner === from.owner && outbox.claimedAt === from.claimedAt);
    if (!item || !outbox || !same) return this.refuse();
    item.outbox = { ...outbox, owner, claimedAt };
    this.bump(item);
    return true;
  }

  async clearOutbox(location: string, owner: string): Promise<boolean> {
    await this.settle();
    const item = this.items.get(location);
    if (!item?.outbox || item.outbox.owner !== owner) return this.refuse();
    item.outbox = null;
    this.bump(item);
    return true;
  }

  async releaseOutbox(location: string, owner: string): Promise<void> {
    await this.settle();
    const item = this.items.get(location);
    if (!item?.outbox || item.outbox.owner !== owner) {
      this.refuse();
      return;
    }
    item.outbox = { ...item.outbox, owner: null };
    this.bump(item);
  }

  async retainOutbox(location: string, owner: string, events: readonly BusEvent[]): Promise<void> {
    await this.settle();
    const item = this.items.get(location);
    if (!item?.outbox || item.outbox.owner !== owner) {
      this.refuse();
      return;
    }
    item.outbox = { ...item.outbox, events: structuredClone([...events]), owner: null };
    this.bump(item);
  }

  /** One location's state and outbox (a copy); null when never tracked. */
  async get(location: string): Promise<StoredEntry | null> {
    await this.settle();
    const item = this.items.get(location);
    return item ? structuredClone(item) : null;
  }

  /** Sets or removes the acknowledgement and bumps the version, as `cert-watch ack` does. */
  async setAck(location: string, ack: Ack | null): Promise<void> {
    await this.settle();
    const item = this.items.get(location);
    if (!item) throw new Error(`no tracked certificate at "${location}"`);
    item.state = { ...item.state, ack: structuredClone(ack) };
    this.bump(item);
  }

  private bump(item: Item): void {
    item.state = { ...item.state, version: item.state.version + 1 };
  }
}
