/**
 * The port for reading secrets (webhook URLs, ticket credentials), and the cache every reader
 * shares: Powertools for AWS Lambda's parameter cache. A value is reused for `maxAgeMs`, so a batch
 * of a hundred messages reads each secret once, and a rotated secret is picked up within that time
 * (or on the next read after `invalidate`, which the handlers call when a webhook says the URL is
 * gone or a ticket API rejects the credentials).
 */
import { GetParameterError } from '@aws-lambda-powertools/parameters';
import { BaseProvider } from '@aws-lambda-powertools/parameters/base';

export interface SecretReader {
  get(secretId: string): Promise<string>;
}

export interface InvalidatingSecretReader extends SecretReader {
  invalidate(secretId: string): void;
}

export class SecretNotStringError extends Error {
  override readonly name = 'SecretNotStringError';
}

/** @default 5 minutes */
export const DEFAULT_SECRET_MAX_AGE_MS = 5 * 60_000;

/**
 * A Powertools parameter provider as a SecretReader: its cache with `maxAge`, `forceFetch` on the
 * read after `invalidate`, and one read in flight per secret (messages of a batch share it).
 */
export class ProviderSecretReader implements InvalidatingSecretReader {
  private readonly stale = new Set<string>();
  private readonly inFlight = new Map<string, Promise<string>>();
  /** Powertools counts whole seconds. */
  private readonly maxAgeSeconds: number;

  constructor(
    private readonly provider: BaseProvider,
    maxAgeMs = DEFAULT_SECRET_MAX_AGE_MS,
  ) {
    this.maxAgeSeconds = Math.ceil(maxAgeMs / 1000);
  }

  get(secretId: string): Promise<string> {
    const pending = this.inFlight.get(secretId);
    if (pending) return pending;
    const read = this.read(secretId).finally(() => {
      if (this.inFlight.get(secretId) === read) this.inFlight.delete(secretId);
    });
    this.inFlight.set(secretId, read);
    return read;
  }

  invalidate(secretId: string): void {
    this.stale.add(secretId);
    this.inFlight.delete(secretId);
  }

  private async read(secretId: string): Promise<string> {
    let value: unknown;
    try {
      value = await this.provider.get(secretId, {
        maxAge: this.maxAgeSeconds,
        forceFetch: this.stale.has(secretId),
      });
    } catch (error) {
      // Powertools wraps the store's error; callers decide on its name (ResourceNotFoundException, ...).
      throw error instanceof GetParameterError && error.cause instanceof Error ? error.cause : error;
    }
    if (typeof value !== 'string') {
      this.stale.add(secretId); // like a failed read: the next one asks the store again
      // Never echo the value; the id is not secret.
      throw new SecretNotStringError(
        `secret ${secretId} has no SecretString (binary secrets are not supported)`,
      );
    }
    this.stale.delete(secretId);
    return value;
  }
}

/** Any SecretReader (a test fake, another store) as a Powertools provider, for its cache. */
class ReaderProvider extends BaseProvider {
  constructor(private readonly reader: SecretReader) {
    super({});
  }

  protected async _get(name: string): Promise<string> {
    return this.reader.get(name);
  }

  protected _getMultiple(): Promise<Record<string, unknown> | undefined> {
    throw new Error('a secret reader reads one secret at a time');
  }
}

/** Powertools' cache in front of any SecretReader; `invalidate` reaches the inner reader too. */
export class CachedSecretReader extends ProviderSecretReader {
  constructor(
    private readonly inner: SecretReader | InvalidatingSecretReader,
    maxAgeMs = DEFAULT_SECRET_MAX_AGE_MS,
  ) {
    super(new ReaderProvider(inner), maxAgeMs);
  }

  override invalidate(secretId: string): void {
    super.invalidate(secretId);
    if ('invalidate' in this.inner) this.inner.invalidate(secretId);
  }
}
