import { Readable } from 'node:stream';
import {
  DescribeParametersCommand,
  type DescribeParametersRequest,
  GetParametersCommand,
  type GetParametersRequest,
  type Parameter,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { HttpResponse } from '@smithy/core/transport';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_THRESHOLDS } from '../../lambda/core/evaluate';
import { runScan } from '../../lambda/core/scan';
import { SSM_BATCH_SIZE, SSM_PAGE_SIZE, SsmScopeReader, ssmScope } from '../../lambda/sources/ssm/ssm-source';
import { storedValueOptions } from '../../lambda/sources/stored-value';
import { createChain, daysFrom, type GeneratedChain } from '../support/certs';
import { keyMaterialIn } from '../support/key-material';

const ACCOUNT = '111122223333';
const REGION = 'eu-west-1';
const NOW = new Date();
const arnOf = (name: string) =>
  `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter${name.startsWith('/') ? '' : '/'}${name}`;

let chain: GeneratedChain;
beforeAll(async () => {
  chain = await createChain({
    now: NOW,
    // Long-lived (320 days), so 20 days left is a warning by the tiers (≤ 60-day certificates are graded by lifetime).
    leaf: { commonName: 'param.example.com', notBefore: daysFrom(NOW, -300), notAfter: daysFrom(NOW, 20) },
  });
});

let ssm = mockClient(SSMClient);
beforeEach(() => {
  ssm = mockClient(SSMClient);
});
afterEach(() => ssm.restore());

interface Stored {
  readonly type?: Parameter['Type'];
  readonly value: string;
  /** The role may not read it: GetParameters naming it is denied as a whole, as IAM authorizes every name. */
  readonly denied?: boolean;
}

/** A Parameter Store that pages DescribeParameters (no ARN, like moto) and authorizes GetParameters per name. */
const store = (params: Record<string, Stored>) => {
  const names = Object.keys(params);
  ssm.on(DescribeParametersCommand).callsFake((input: DescribeParametersRequest) => {
    const start = Number(input.NextToken ?? 0);
    const end = start + (input.MaxResults ?? 10);
    return {
      Parameters: names.slice(start, end).map((Name) => ({ Name, Type: params[Name]?.type ?? 'String' })),
      NextToken: end < names.length ? String(end) : undefined,
    };
  });
  ssm.on(GetParametersCommand).callsFake((input: GetParametersRequest) => {
    const asked = input.Names ?? [];
    if (asked.length > SSM_BATCH_SIZE)
      throw Object.assign(new Error('too many names'), { name: 'ValidationException' });
    const denied = asked.find((n) => params[n]?.denied);
    if (denied)
      throw Object.assign(
        new Error(
          `User: arn:aws:sts::${ACCOUNT}:assumed-role/r is not authorized to perform: ssm:GetParameters on resource: ${arnOf(denied)}`,
        ),
        { name: 'AccessDeniedException' },
      );
    return {
      Parameters: asked
        .filter((n) => params[n])
        .map((Name) => ({
          Name,
          ARN: arnOf(Name),
          Type: params[Name]?.type ?? 'String',
          Value: params[Name]?.value,
        })),
      InvalidParameters: asked.filter((n) => !params[n]),
    };
  });
};

const reader = (options: Record<string, unknown> = {}, client = new SSMClient({ region: REGION })) =>
  new SsmScopeReader(ssmScope(ACCOUNT, REGION), storedValueOptions('ssm', options), client);

const scan = (r: SsmScopeReader) => runScan([r], { scanId: 's1', now: NOW, thresholds: DEFAULT_THRESHOLDS });

describe('SsmScopeReader.list', () => {
  it('lists 120 tagged parameters over 3 pages of 50 and reads them ten at a time, decrypted', async () => {
    store(
      Object.fromEntries(
        Array.from({ length: 120 }, (_, i) => [
          `/certs/p${i}`,
          { type: 'SecureString', value: chain.leaf.certPem },
        ]),
      ),
    );
    const ids: string[] = [];
    for await (const r of reader().list()) ids.push(r.id);

    expect(ids).toHaveLength(120);
    expect(ids[0]).toBe(arnOf('/certs/p0'));
    const describes = ssm.commandCalls(DescribeParametersCommand).map((c) => c.args[0].input);
    expect(describes.map((d) => d.NextToken)).toEqual([undefined, '50', '100']);
    for (const d of describes)
      expect(d).toMatchObject({
        MaxResults: SSM_PAGE_SIZE,
        ParameterFilters: [{ Key: 'tag:cert-watch:watch', Values: ['true'] }],
      });
    const gets = ssm.commandCalls(GetParametersCommand).map((c) => c.args[0].input);
    expect(gets).toHaveLength(12);
    for (const g of gets) {
      expect(g.WithDecryption).toBe(true);
      expect(g.Names?.length).toBeLessThanOrEqual(SSM_BATCH_SIZE);
    }
  });

  it('by prefixes: Name BeginsWith, re-checked against the names', async () => {
    store({ '/certs/a': { value: chain.leaf.certPem }, '/other/b': { value: chain.leaf.certPem } });
    const ids: string[] = [];
    for await (const r of reader({ prefixes: '/certs/,tls-' }).list()) ids.push(r.id);
    expect(ids).toEqual([arnOf('/certs/a')]);
    expect(ssm.commandCalls(DescribeParametersCommand)[0]?.args[0].input.ParameterFilters).toEqual([
      { Key: 'Name', Option: 'BeginsWith', Values: ['/certs/', 'tls-'] },
    ]);
  });

  it('reads String, StringList and SecureString values and an 8 KiB advanced parameter', async () => {
    const der = (c: typeof chain.leaf) => Buffer.from(c.cert.rawData).toString('base64');
    const bundle = chain.leaf.certPem.repeat(Math.floor(8192 / chain.leaf.certPem.length)).padEnd(8192);
    store({
      plain: { value: chain.chainPem },
      list: { type: 'StringList', value: `${der(chain.leaf)},${der(chain.root)}` },
      secure: {
        type: 'SecureString',
        value: JSON.stringify({ certificate: chain.leaf.certPem, key: chain.leaf.keyPem }),
      },
      advanced: { value: bundle },
    });
    const ids: string[] = [];
    for await (const r of reader({ base64: true }).list()) ids.push(r.id);
    expect(ids.filter((i) => !i.startsWith(arnOf('advanced')))).toEqual([
      arnOf('plain'),
      `${arnOf('plain')}#2`,
      `${arnOf('list')}#[0]`,
      `${arnOf('list')}#[1]`,
      `${arnOf('secure')}#certificate`,
    ]);
    expect(ids.filter((i) => i.startsWith(arnOf('advanced'))).length).toBe(
      Math.floor(8192 / chain.leaf.certPem.length),
    );
  });
});

describe('per-parameter errors: the rest of the region is still read', () => {
  it('a parameter the role may not read is ITEM_ACCESS_DENIED; the other nine of its batch are read alone', async () => {
    const params: Record<string, Stored> = Object.fromEntries(
      Array.from({ length: 10 }, (_, i) => [`/certs/p${i}`, { value: chain.leaf.certPem }]),
    );
    params['/certs/p4'] = { value: chain.leaf.certPem, denied: true };
    params['/certs/text'] = { value: 'not a certificate' };
    store(params);
    const result = await scan(reader());
    expect(result.certificates.map((c) => c.record.id).sort()).toEqual(
      Object.keys(params)
        .filter((n) => n !== '/certs/p4' && n !== '/certs/text')
        .map(arnOf)
        .sort(),
    );
    expect([...result.itemErrors].sort((a, b) => a.item.localeCompare(b.item))).toEqual([
      expect.objectContaining({
        item: arnOf('/certs/p4'),
        code: 'ITEM_ACCESS_DENIED',
        message: expect.stringContaining('ssm:GetParameters'),
      }),
      expect.objectContaining({ item: arnOf('/certs/text'), code: 'NOT_A_CERTIFICATE' }),
    ]);
    // Unreadable is not absent: the region counts as listed incompletely, so nothing is counted removed.
    expect(result.scopesFailed.map((f) => f.code)).toEqual(['SCOPE_INCOMPLETE']);
  });

  it('a parameter deleted between listing and reading is skipped and said so; the region stays complete', async () => {
    store({ '/certs/a': { value: chain.leaf.certPem } });
    ssm
      .on(DescribeParametersCommand)
      .resolves({ Parameters: [{ Name: '/certs/a' }, { Name: '/certs/gone' }] });
    const result = await scan(reader());
    expect(result.itemErrors).toEqual([
      {
        scope: `ssm#${ACCOUNT}#${REGION}`,
        item: arnOf('/certs/gone'),
        code: 'ITEM_DELETED',
        message: 'deleted while being read; skipped',
      },
    ]);
    expect(result.scopesFailed).toEqual([]);
  });

  it('a chain plus a private key in a SecureString: certificates only, no key material in records or errors', async () => {
    store({
      '/certs/tls': { type: 'SecureString', value: chain.leaf.keyPem + chain.chainPem },
      '/certs/key': { value: chain.leaf.keyPem },
    });
    const result = await scan(reader());
    expect(result.certificates).toHaveLength(2);
    expect(result.itemErrors.map((e) => e.code)).toEqual(['NOT_A_CERTIFICATE']);
    expect(keyMaterialIn(JSON.stringify(result), chain.leaf.keyPem)).toEqual([]);
  });
});

describe('throttling (real SDK retry middleware)', () => {
  it('retries throttled DescribeParameters and GetParameters with backoff', async () => {
    // aws-sdk-client-mock replaces send() and skips retries, so this test fakes the HTTP layer instead.
    ssm.restore();
    const calls: Record<string, number> = {};
    const respond = (status: number, body: unknown) => ({
      response: new HttpResponse({
        statusCode: status,
        headers: { 'content-type': 'application/x-amz-json-1.1' },
        body: Readable.from([Buffer.from(JSON.stringify(body))]),
      }),
    });
    const throttled = { __type: 'ThrottlingException', message: 'Rate exceeded' };
    const requestHandler = {
      handle: async (request: { headers: Record<string, string> }) => {
        const op = request.headers['x-amz-target']?.split('.')[1] ?? '';
        calls[op] = (calls[op] ?? 0) + 1;
        if ((calls[op] ?? 0) <= 1) return respond(400, throttled);
        return op === 'DescribeParameters'
          ? respond(200, { Parameters: [{ Name: '/certs/a', Type: 'String' }] })
          : respond(200, { Parameters: [{ Name: '/certs/a', Type: 'String', Value: chain.leaf.certPem }] });
      },
    };
    const client = new SSMClient({
      region: REGION,
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
      retryMode: 'adaptive',
      maxAttempts: 4,
      requestHandler,
    });
    const result = await scan(reader({}, client));
    // The reported parameter's tags are read too (ListTagsForResource), throttled and retried like the rest.
    expect(calls).toEqual({ DescribeParameters: 2, GetParameters: 2, ListTagsForResource: 2 });
    expect(result.scopesFailed).toEqual([]);
    expect(result.certificates.map((c) => c.record.id)).toEqual([arnOf('/certs/a')]);
  });

  it('a batch that stays throttled is reported per parameter and leaves the region incomplete', async () => {
    store({ '/certs/a': { value: chain.leaf.certPem }, '/certs/b': { value: chain.leaf.certPem } });
    ssm
      .on(GetParametersCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    const result = await scan(reader());
    expect(result.itemErrors.map((e) => [e.item, e.code])).toEqual([
      [arnOf('/certs/a'), 'ITEM_READ_FAILED'],
      [arnOf('/certs/b'), 'ITEM_READ_FAILED'],
    ]);
    expect(result.scopesFailed.map((f) => f.code)).toEqual(['SCOPE_INCOMPLETE']);
  });
});
