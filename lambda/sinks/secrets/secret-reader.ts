/**
 * The port for reading secrets (webhook URLs). Values are cached per container for `ttlMs`, so a
 * batch of a hundred messages reads each secret once, and a rotated secret is picked up within
 * the TTL (or at once after `invalidate`, which the notifier calls when a webhook says the URL
 * is gone).
 */
export interface SecretReader {
  get(secretId: string): Promise<string>;
}

export interface InvalidatingSecretReader extends SecretReader {
  invalidate(secretId: string): void;
}

export class CachedSecretReader implements InvalidatingSecretReader {
  private readonly cache = new Map<string, { value: Promise<string>; at: number }>();

  constructor(
    private readonly inner: SecretReader,
    private readonly ttlMs = 5 * 60_000,
    private readonly clock: () => number = Date.now,
  ) {}

  get(secretId: string): Promise<string> {
    const hit = this.cache.get(secretId);
    if (hit && this.clock() - hit.at < this.ttlMs) return hit.value;
    const value = this.inner.get(secretId);
    this.cache.set(secretId, { value, at: this.clock() });
    // A failed read is not cached: the next message tries again.
    value.catch(() => this.cache.delete(secretId));
    return value;
  }

  invalidate(secretId: string): void {
    this.cache.delete(secretId);
  }
}
