import { describe, expect, it } from 'vitest';
import { MAX_EXPECTED_CERTIFICATES } from '../../lambda/contracts/deployment-expectation';
import { parseTargetList, TargetParseError } from '../../lambda/contracts/endpoints';
import { splitIntoBatches } from '../../lambda/core/endpoint-batch';
import { parseTargetsJson } from '../../lambda/handlers/make-dispatch-handler';
import { validateEndpoints } from '../../lib/endpoint-probes';

const ARN = 'arn:aws:acm:eu-west-1:111122223333:certificate/11111111-2222-3333-4444-555555555555';
const expected = {
  source: 'elbv2',
  resource: 'arn:aws:elasticloadbalancing:eu-west-1:111122223333:listener/app/web/1/2',
  configured: [
    {
      id: ARN,
      serialNumber: '0a:1b',
      notAfter: '2027-01-01T00:00:00Z',
      storedAt: '2026-01-01T00:00:00.000Z',
    },
  ],
  successors: [{ id: `${ARN}-new`, fingerprintSha256: 'ab'.repeat(32), replaces: ARN }],
};

describe("an endpoint target's expected certificates", () => {
  it('are read from an endpoint file entry and kept as given', () => {
    const [t] = parseTargetList([{ host: 'web.example.com', expected }], 'endpoints.json', {});
    expect(t?.expected).toEqual(expected);
  });

  it.each([
    ['an unknown source', { ...expected, source: 'route53' }, /'source' must be one of/],
    [
      'a serial that is not hex',
      { ...expected, configured: [{ id: ARN, serialNumber: 'xyz' }] },
      /serialNumber/,
    ],
    ['a date that is not ISO', { ...expected, configured: [{ id: ARN, notAfter: 'tomorrow' }] }, /notAfter/],
    ['a successor without replaces', { ...expected, successors: [{ id: ARN }] }, /replaces/],
    [
      'more than 20 configured certificates',
      { ...expected, configured: Array.from({ length: MAX_EXPECTED_CERTIFICATES + 1 }, () => ({ id: ARN })) },
      /at most 20 'configured'/,
    ],
  ])('are refused with %s', (_, bad, message) => {
    expect(() => parseTargetList([{ host: 'web.example.com', expected: bad }], 'endpoints.json', {})).toThrow(
      TargetParseError,
    );
    expect(() => parseTargetList([{ host: 'web.example.com', expected: bad }], 'endpoints.json', {})).toThrow(
      message,
    );
  });

  it('are checked by the construct and by the Lambdas reading the bundled list', () => {
    const bad = { ...expected, configured: 'all' };
    expect(() => validateEndpoints([{ host: 'a.example.com', expected: bad as never }])).toThrow(
      /must be a list/,
    );
    expect(() =>
      parseTargetsJson(JSON.stringify([{ host: 'a.example.com', port: 443, expected: bad }]), 'f'),
    ).toThrow(/must be a list/);
    expect(
      parseTargetsJson(JSON.stringify([{ host: 'a.example.com', port: 443, expected }]), 'f')[0]?.expected,
    ).toEqual(expected);
  });
});

describe('probe messages of targets carrying expected certificates', () => {
  const at = { scanId: 's', scheduledAt: new Date('2026-11-29T06:00:00Z') };
  const cert = (i: number) => ({
    id: `${ARN}-${i}`,
    serialNumber: '0a:1b:2c:3d:4e:5f:60:71:82:93:a4:b5:c6:d7:e8:f9',
    fingerprintSha256: `${'AB:'.repeat(31)}AB`,
    notAfter: '2027-01-01T00:00:00.000Z',
    storedAt: '2026-01-01T00:00:00.000Z',
  });
  const full = (n: number) => ({
    host: `web-${n}.example.com`,
    port: 443,
    expected: {
      ...expected,
      configured: Array.from({ length: MAX_EXPECTED_CERTIFICATES }, (_, i) => cert(i)),
      successors: Array.from({ length: MAX_EXPECTED_CERTIFICATES }, (_, i) => ({
        ...cert(i + 20),
        replaces: ARN,
      })),
    },
  });

  it('stay within one SQS message (256 KiB) at the 20 + 20 bound, carrying every target once', () => {
    const targets = Array.from({ length: 60 }, (_, i) => full(i));
    const batches = splitIntoBatches(targets, 25, at);
    for (const b of batches) expect(Buffer.byteLength(JSON.stringify(b))).toBeLessThan(256 * 1024);
    expect(batches.length).toBeGreaterThan(Math.ceil(60 / 25));
    expect(batches.flatMap((b) => b.targets)).toEqual(targets);
    expect(batches.map((b) => `${b.batchIndex}/${b.batchCount}`)).toEqual(
      batches.map((_, i) => `${i + 1}/${batches.length}`),
    );
  });

  it('keep the configured batch size for plain targets', () => {
    const plain = Array.from({ length: 60 }, (_, i) => ({ host: `h${i}.example.com`, port: 443 }));
    expect(splitIntoBatches(plain, 25, at).map((b) => b.targets.length)).toEqual([25, 25, 10]);
  });
});
