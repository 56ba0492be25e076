import { Readable } from 'node:stream';
import {
  GetSecretValueCommand,
  ListSecretsCommand,
  type ListSecretsRequest,
  type SecretListEntry,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { HttpResponse } from '@smithy/core/transport';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_THRESHOLDS } from '../../lambda/core/evaluate';
import type { BusEvent } from '../../lambda/core/events';
import type { ItemError } from '../../lambda/core/ports';
import { runScan } from '../../lambda/core/scan';
import { makeInventoryHandler } from '../../lambda/handlers/make-inventory-handler';
import {
  SECRETS_PAGE_SIZE,
  SecretsScopeReader,
  SecretsSource,
  secretsScope,
} from '../../lambda/sources/secrets/secrets-source';
import { storedValueOptions } from '../../lambda/sources/stored-value';
import { createChain, daysFrom, type GeneratedChain } from '../support/certs';
import { keyMaterialIn } from '../support/key-material';

const ACCOUNT = '111122223333';
const REGION = 'eu-west-1';
const NOW = new Date();
const TAG = { Key: 'cert-watch:watch', Value: 'true' };
const arnOf = (name: string) => `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${name}-AbCdEf`;
const entry = (name: string, over: Partial<SecretListEntry> = {}): SecretListEntry => ({
  ARN: arnOf(name),
  Name: name,
  Tags: [TAG],
  ...over,
});

let chain: GeneratedChain;
beforeAll(async () => {
  chain = await createChain({
    now: NOW,
    leaf: { commonName: 'vault.example.com', notBefore: daysFrom(NOW, -80), notAfter: daysFrom(NOW, 5) },
  });
});

let sm = mockClient(SecretsManagerClient);
beforeEach(() => {
  sm = mockClient(SecretsManagerClient);
});
afterEach(() => sm.restore());

/** Pages like the service: MaxResults and NextToken honoured; no filtering (the reader re-checks). */
const pagedList = (all: SecretListEntry[]) =>
  sm.on(ListSecretsCommand).callsFake((input: ListSecretsRequest) => {
    const start = Number(input.NextToken ?? 0);
    const end = start + (input.MaxResults ?? 10);
    return { SecretList: all.slice(start, end), NextToken: end < all.length ? String(end) : undefined };
  });

const reader = (options: Record<string, unknown> = {}) =>
  new SecretsScopeReader(
    secretsScope(ACCOUNT, REGION),
    storedValueOptions('secrets', options),
    new SecretsManagerClient({ region: REGION }),
  );

const scan = (r: SecretsScopeReader) =>
  runScan([r], { scanId: 's1', now: NOW, thresholds: DEFAULT_THRESHOLDS });

describe('SecretsScopeReader.list', () => {
  it('reads 250 tagged secrets over 3 pages of 100, a bounded number at a time', async () => {
    pagedList(Array.from({ length: 250 }, (_, i) => entry(`tls/s${i}`)));
    let inFlight = 0;
    let most = 0;
    sm.on(GetSecretValueCommand).callsFake(async () => {
      most = Math.max(most, ++inFlight);
      await new Promise((r) => setTimeout(r, 1));
      inFlight--;
      return { SecretString: chain.leaf.certPem };
    });
    const ids: string[] = [];
    for await (const r of reader({ concurrency: 5 }).list()) ids.push(r.id);

    expect(ids).toHaveLength(250);
    expect(new Set(ids).size).toBe(250);
    const lists = sm.commandCalls(ListSecretsCommand).map((c) => c.args[0].input);
    expect(lists.map((l) => l.NextToken)).toEqual([undefined, '100', '200']);
    for (const l of lists) {
      expect(l).toMatchObject({
        MaxResults: SECRETS_PAGE_SIZE,
        IncludePlannedDeletion: true,
        Filters: [
          { Key: 'tag-key', Values: ['cert-watch:watch'] },
          { Key: 'tag-value', Values: ['true'] },
        ],
      });
    }
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(250);
    expect(most).toBeLessThanOrEqual(5);
    expect(most).toBeGreaterThan(1);
  });

  it('re-checks the tag: the filters match any key and any value by prefix, so only an exact pair is read', async () => {
    pagedList([
      entry('exact'),
      entry('value-on-another-tag', {
        Tags: [
          { Key: TAG.Key, Value: 'false' },
          { Key: 'other', Value: 'true' },
        ],
      }),
      entry('prefix-only', { Tags: [{ Key: `${TAG.Key}x`, Value: 'truex' }] }),
      entry('no-tags', { Tags: undefined }),
    ]);
    sm.on(GetSecretValueCommand).resolves({ SecretString: chain.leaf.certPem });
    const ids: string[] = [];
    for await (const r of reader().list()) ids.push(r.id);
    expect(ids).toEqual([arnOf('exact')]);
    expect(sm.commandCalls(GetSecretValueCommand).map((c) => c.args[0].input.SecretId)).toEqual([
      arnOf('exact'),
    ]);
  });

  it('by prefixes: one listing per prefix filtered by name, each secret read once', async () => {
    const all = [
      entry('certs/a', { Tags: [] }),
      entry('tls/b', { Tags: [] }),
      entry('other/c', { Tags: [] }),
    ];
    sm.on(ListSecretsCommand).callsFake((input: ListSecretsRequest) => {
      const prefix = input.Filters?.[0]?.Values?.[0] ?? '';
      // The service matches more loosely than the prefix (here: everything) and repeats entries.
      return { SecretList: prefix === 'certs/' ? all : [...all, all[0]!] };
    });
    sm.on(GetSecretValueCommand).resolves({ SecretString: chain.leaf.certPem });
    const ids: string[] = [];
    for await (const r of reader({ prefixes: 'certs/,tls/' }).list()) ids.push(r.id);
    expect(ids.sort()).toEqual([arnOf('certs/a'), arnOf('tls/b')]);
    expect(sm.commandCalls(ListSecretsCommand).map((c) => c.args[0].input.Filters)).toEqual([
      [{ Key: 'name', Values: ['certs/'] }],
      [{ Key: 'name', Values: ['tls/'] }],
    ]);
  });
});

describe('per-secret errors: the rest of the region is still read', () => {
  const values: Record<string, () => unknown> = {};
  beforeEach(() => {
    const big = 'x'.repeat(65_536);
    Object.assign(values, {
      good: () => ({ SecretString: chain.chainPem }),
      password: () => ({ SecretString: '{"username":"app","password":"hunter2"}' }),
      'binary-der': () => ({ SecretBinary: new Uint8Array(chain.leaf.cert.rawData) }),
      'binary-junk': () => ({ SecretBinary: new Uint8Array([0, 159, 146, 150, 0xff]) }),
      'big-value': () => ({ SecretString: big }),
      denied: () => {
        throw Object.assign(
          new Error(
            'User: arn:aws:sts::1:assumed-role/r is not authorized to perform: secretsmanager:GetSecretValue',
          ),
          {
            name: 'AccessDeniedException',
          },
        );
      },
      gone: () => {
        throw Object.assign(new Error("Secrets Manager can't find the specified secret."), {
          name: 'ResourceNotFoundException',
        });
      },
    });
    pagedList([
      ...Object.keys(values).map((n) => entry(n)),
      entry('leaving', { DeletedDate: new Date('2026-01-02T03:04:05Z') }),
    ]);
    sm.on(GetSecretValueCommand).callsFake((input: { SecretId: string }) => {
      const name = Object.keys(values).find((n) => input.SecretId === arnOf(n));
      return values[name ?? '']?.();
    });
  });

  it('a value without a certificate, a binary secret, a 64 KiB value, a denied and a deleted secret each give one clear error', async () => {
    const result = await scan(reader());
    expect(result.certificates.map((c) => c.record.id).sort()).toEqual(
      [arnOf('binary-der'), arnOf('good'), `${arnOf('good')}#2`].sort(),
    );
    const errors = Object.fromEntries(
      result.itemErrors.map((e) => [e.item.replace(/^.*secret:|-AbCdEf$/g, ''), e]),
    );
    expect(errors.password).toMatchObject({
      code: 'NOT_A_CERTIFICATE',
      message: 'the value (39 bytes) holds a JSON object with no certificate in any field',
    });
    expect(errors['binary-junk']).toMatchObject({
      code: 'NOT_A_CERTIFICATE',
      message: expect.stringContaining('binary value'),
    });
    expect(errors['big-value']).toMatchObject({
      code: 'NOT_A_CERTIFICATE',
      message: expect.stringContaining('(64 KiB)'),
    });
    expect(errors.denied).toMatchObject({
      code: 'ITEM_ACCESS_DENIED',
      message: expect.stringContaining('secretsmanager:GetSecretValue'),
    });
    expect(errors.gone).toMatchObject({ code: 'ITEM_DELETED' });
    expect(errors.leaving).toMatchObject({
      code: 'SECRET_SCHEDULED_FOR_DELETION',
      message: 'scheduled for deletion since 2026-01-02T03:04:05.000Z; skipped, its value is not read',
    });
    expect(sm.commandCalls(GetSecretValueCommand).map((c) => c.args[0].input.SecretId)).not.toContain(
      arnOf('leaving'),
    );
    // The denied secret's certificates are unknown, not gone: the region counts as listed incompletely.
    expect(result.scopesFailed.map((f) => f.code)).toEqual(['SCOPE_INCOMPLETE']);
  });

  it('without an unreadable secret the region is complete (no certificate and deleted are known facts)', async () => {
    delete values.denied;
    pagedList(Object.keys(values).map((n) => entry(n)));
    const result = await scan(reader());
    expect(result.scopesFailed).toEqual([]);
    expect(result.scopesScanned.map((s) => s.key)).toEqual([`secrets#${ACCOUNT}#${REGION}`]);
  });
});

describe('private keys never leave the reader', () => {
  it('a secret holding a chain plus a private key: only certificates in records, events, logs and errors', async () => {
    const keyPem = chain.leaf.keyPem;
    expect(keyMaterialIn(keyPem, keyPem).length).toBeGreaterThan(0);
    pagedList([entry('tls/vault'), entry('tls/key-only'), entry('tls/json')]);
    sm.on(GetSecretValueCommand).callsFake((input: { SecretId: string }) => ({
      SecretString: input.SecretId.includes('key-only')
        ? keyPem
        : input.SecretId.includes('json')
          ? JSON.stringify({
              cert: chain.leaf.certPem,
              key: keyPem,
              keyDer: Buffer.from(keyPem).toString('base64'),
            })
          : keyPem + chain.chainPem,
    }));
    const logs: unknown[] = [];
    const logger = {
      info: (m: string, f?: unknown) => logs.push([m, f]),
      warn: (m: string, f?: unknown) => logs.push([m, f]),
      error: (m: string, f?: unknown) => logs.push([m, f]),
    };
    const published: BusEvent[] = [];
    const itemErrors: ItemError[] = [];
    const handler = makeInventoryHandler({
      config: {
        busName: 'b',
        eventSource: 'cert-expiry-watcher',
        account: ACCOUNT,
        sources: [{ kind: 'secrets', regions: [REGION] }],
        thresholds: DEFAULT_THRESHOLDS,
        metricsNamespace: 'N',
        watcherId: 'w',
      },
      sources: [
        new SecretsSource(
          [REGION],
          storedValueOptions('secrets', { base64: true }),
          () => new SecretsManagerClient({ region: REGION }),
        ),
      ],
      publisher: {
        publish: async (events) => {
          published.push(...events);
          return { published: events.length };
        },
      },
      logger,
      metrics: () => {},
    });
    const summary = await handler({ id: 'e1' });
    const records: unknown[] = [];
    for await (const r of reader({ base64: true }).list((e) => itemErrors.push(e))) records.push(r);

    expect(records).toHaveLength(3);
    expect(published.filter((e) => e.detailType !== 'Scan Completed')).toHaveLength(2);
    expect(itemErrors.map((e) => e.code)).toEqual(['NOT_A_CERTIFICATE']);
    const everything = JSON.stringify({ records, published, logs, itemErrors, summary });
    expect(everything).toContain('vault.example.com');
    expect(keyMaterialIn(everything, keyPem)).toEqual([]);
  });
});

describe('throttling (real SDK retry middleware)', () => {
  it('retries a throttled ListSecrets with backoff and then reads the secret', async () => {
    // aws-sdk-client-mock replaces send() and skips retries, so this test fakes the HTTP layer instead.
    sm.restore();
    let listCalls = 0;
    const respond = (status: number, body: unknown) => ({
      response: new HttpResponse({
        statusCode: status,
        headers: { 'content-type': 'application/x-amz-json-1.1' },
        body: Readable.from([Buffer.from(JSON.stringify(body))]),
      }),
    });
    const requestHandler = {
      handle: async (request: { headers: Record<string, string> }) => {
        if (request.headers['x-amz-target']?.endsWith('.ListSecrets'))
          return ++listCalls <= 2
            ? respond(400, { __type: 'ThrottlingException', message: 'Rate exceeded' })
            : respond(200, { SecretList: [entry('tls/vault')] });
        return respond(200, { ARN: arnOf('tls/vault'), SecretString: chain.leaf.certPem });
      },
    };
    const client = new SecretsManagerClient({
      region: REGION,
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
      retryMode: 'adaptive',
      maxAttempts: 4,
      requestHandler,
    });
    const result = await scan(
      new SecretsScopeReader(secretsScope(ACCOUNT, REGION), storedValueOptions('secrets'), client),
    );
    expect(listCalls).toBe(3);
    expect(result.scopesFailed).toEqual([]);
    expect(result.counts).toMatchObject({ total: 1, critical: 1 });
  });

  it('a region whose listing fails is a failed scope, not an empty one', async () => {
    sm.on(ListSecretsCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
    const result = await scan(reader());
    expect(result.scopesFailed.map((f) => f.code)).toEqual(['AccessDeniedException']);
  });
});
