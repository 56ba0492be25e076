/** The ticket reference store in memory, with the same conditional-write contract as DynamoDB. */
import type { TicketRecord, TicketRefStore } from '../../lambda/sinks/state/ticket-ref-store';

export class InMemoryTicketRefStore implements TicketRefStore {
  readonly items = new Map<string, TicketRecord | null>();
  /** Called before each write lands: tests use it to interleave other deliveries. */
  beforePut?: (location: string) => Promise<void>;

  async get(location: string): Promise<TicketRecord | null> {
    return this.items.get(location) ?? null;
  }

  async put(location: string, ref: TicketRecord | null, expected: TicketRecord | null): Promise<boolean> {
    await this.beforePut?.(location);
    const current = this.items.get(location) ?? null;
    if ((current?.rev ?? null) !== (expected?.rev ?? null)) return false;
    this.items.set(location, ref);
    return true;
  }
}
