import {
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CachedSecretReader, SecretNotStringError } from '../../lambda/sinks/secrets/secret-reader';
import { SecretsManagerReader } from '../../lambda/sinks/secrets/secrets-manager-reader';

const countingReader = (values: Record<string, string>) => {
  const reads: string[] = [];
  const invalidated: string[] = [];
  return {
    reads,
    invalidated,
    get: async (id: string) => {
      reads.push(id);
      const v = values[id];
      if (v === undefined) throw new Error(`no secret ${id}`);
      return v;
    },
    invalidate: (id: string) => {
      invalidated.push(id);
    },
  };
};

afterEach(() => {
  vi.useRealTimers();
});

describe('CachedSecretReader (Powertools parameter cache over any reader)', () => {
  it('reads each secret once within maxAge, and again once it has passed', async () => {
    vi.useFakeTimers();
    const inner = countingReader({ a: 'https://hooks.example/a' });
    const secrets = new CachedSecretReader(inner, 60_000);
    for (let i = 0; i < 5; i++) expect(await secrets.get('a')).toBe('https://hooks.example/a');
    expect(inner.reads).toEqual(['a']);
    vi.advanceTimersByTime(61_000);
    await secrets.get('a');
    expect(inner.reads).toEqual(['a', 'a']);
  });

  it('shares one read among concurrent gets of the same secret', async () => {
    const inner = countingReader({ a: 'x' });
    const secrets = new CachedSecretReader(inner);
    await Promise.all([secrets.get('a'), secrets.get('a'), secrets.get('a')]);
    expect(inner.reads).toEqual(['a']);
  });

  it('reads again after invalidate, and passes the invalidation to the inner reader', async () => {
    const inner = countingReader({ a: 'x' });
    const secrets = new CachedSecretReader(inner);
    await secrets.get('a');
    secrets.invalidate('a');
    await secrets.get('a');
    await secrets.get('a');
    expect(inner.reads).toEqual(['a', 'a']);
    expect(inner.invalidated).toEqual(['a']);
  });

  it('does not cache a failed read: the next get tries again, with the original error', async () => {
    const inner = countingReader({});
    const secrets = new CachedSecretReader(inner);
    await expect(secrets.get('missing')).rejects.toThrow('no secret missing');
    await expect(secrets.get('missing')).rejects.toThrow('no secret missing');
    expect(inner.reads).toEqual(['missing', 'missing']);
  });
});

describe('SecretsManagerReader (Powertools SecretsProvider)', () => {
  let sm = mockClient(SecretsManagerClient);
  beforeEach(() => {
    sm = mockClient(SecretsManagerClient);
  });
  afterEach(() => sm.restore());

  it('returns the SecretString and caches it for maxAge', async () => {
    sm.on(GetSecretValueCommand, { SecretId: 'cert-watch/slack' }).resolves({
      SecretString: 'https://hooks',
    });
    const secrets = new SecretsManagerReader(new SecretsManagerClient({ region: 'eu-west-1' }), 300_000);
    expect(await secrets.get('cert-watch/slack')).toBe('https://hooks');
    expect(await secrets.get('cert-watch/slack')).toBe('https://hooks');
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(1);
  });

  it('fetches again after invalidate (forceFetch), picking up a rotated value', async () => {
    sm.on(GetSecretValueCommand).resolvesOnce({ SecretString: 'old' }).resolves({ SecretString: 'new' });
    const secrets = new SecretsManagerReader(new SecretsManagerClient({ region: 'eu-west-1' }));
    expect(await secrets.get('s')).toBe('old');
    secrets.invalidate('s');
    expect(await secrets.get('s')).toBe('new');
    expect(await secrets.get('s')).toBe('new');
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });

  it('fails a binary secret with SecretNotStringError, naming the id and never the value', async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretBinary: new Uint8Array([115, 101, 99, 114, 101, 116]) });
    const secrets = new SecretsManagerReader(new SecretsManagerClient({ region: 'eu-west-1' }));
    const error = await secrets.get('bin').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecretNotStringError);
    expect((error as Error).message).toContain('bin');
  });

  it("rethrows the SDK's own error (its name intact), not Powertools' GetParameterError wrapper", async () => {
    sm.on(GetSecretValueCommand).rejects(
      new ResourceNotFoundException({ message: 'Secrets Manager can not find it', $metadata: {} }),
    );
    const secrets = new SecretsManagerReader(new SecretsManagerClient({ region: 'eu-west-1' }));
    await expect(secrets.get('gone')).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });
});
