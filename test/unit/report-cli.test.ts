import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ResourceNotFoundException } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../bin/cert-watch';
import { runReport } from '../../bin/cli/report';
import type { CertificateRecord } from '../../lambda/core/certificate';
import type { TrackedState } from '../../lambda/lifecycle/model';
import { REPORT_VERSION } from '../../lambda/reports/model';
import { createCertificate, daysFrom } from '../support/certs';
import { captureCliIo } from '../support/cli-io';
import { estateRecords, statesOf } from '../support/report-estate';

const NOW = new Date('2026-11-29T12:00:00.000Z');
let dir: string;
let pem: string;
let records: CertificateRecord[];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'report-cli-'));
  pem = join(dir, 'bundle.pem');
  const certs = await Promise.all(
    [3, 40].map((days, i) =>
      createCertificate({
        commonName: `=cmd|' /C calc'!A${i}`,
        dnsNames: [`f${i}.example`],
        notBefore: daysFrom(NOW, -30),
        notAfter: daysFrom(NOW, days),
      }),
    ),
  );
  writeFileSync(pem, certs.map((c) => c.certPem).join(''));
  records = await estateRecords(NOW);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const run = async (argv: string[]) => {
  const cap = captureCliIo({}, () => NOW);
  const code = await main(argv, cap.io);
  return { code, out: cap.out(), err: cap.err() };
};

describe('--html and --csv on scans', () => {
  it('writes both files beside an unchanged table and exit code', async () => {
    const plain = await run(['scan', 'file', pem]);
    const html = join(dir, 'scan.html');
    const csv = join(dir, 'scan.csv');
    const withFiles = await run(['scan', 'file', pem, '--html', html, '--csv', csv]);
    expect(withFiles).toEqual({ ...plain, code: 2 });
    const page = readFileSync(html, 'utf8');
    expect(page).toContain('<strong data-count="total">2</strong>');
    expect(page).toContain('by cert-watch scan file.');
    const lines = readFileSync(csv, 'utf8').split('\r\n');
    expect(lines).toHaveLength(4);
    // The subject's formula start is neutralised in the spreadsheet file.
    expect(lines[1]).toMatch(/,"?'=cmd/);
  });

  it('keeps --json output as it was', async () => {
    const plain = await run(['scan', 'file', pem, '--json']);
    const withFile = await run(['scan', 'file', pem, '--json', '--html', join(dir, 'j.html')]);
    expect(withFile.out).toBe(
      plain.out.replace(/"scanId": "[^"]+"/, withFile.out.match(/"scanId": "[^"]+"/)?.[0] ?? ''),
    );
    expect(withFile.code).toBe(plain.code);
  });

  it('refuses a file in a directory that does not exist before scanning: exit 3, one line, no stack trace', async () => {
    const r = await run(['scan', 'file', pem, '--html', join(dir, 'missing', 'r.html')]);
    expect(r.code).toBe(3);
    expect(r.out).toBe('');
    expect(r.err).toContain(`--html ${join(dir, 'missing', 'r.html')}: cannot write there: ENOENT`);
    expect(r.err).not.toMatch(/\n\s+at /);
  });

  it('refuses a directory as the file', async () => {
    const r = await run(['scan', 'file', pem, '--csv', dir]);
    expect(r.code).toBe(3);
    expect(r.err).toContain('is a directory');
  });

  it('writes the report of check: an address that could not be checked is a critical row with its error', async () => {
    const html = join(dir, 'check.html');
    const csv = join(dir, 'check.csv');
    const r = await run(['check', '127.0.0.1:1', '--timeout', '5000', '--html', html, '--csv', csv]);
    expect(r.code).toBe(3);
    expect(r.out).toContain('CONNECTION_REFUSED');
    expect(readFileSync(html, 'utf8')).toContain('by cert-watch check.');
    const [, row] = readFileSync(csv, 'utf8').split('\r\n');
    expect(row).toMatch(
      /^127\.0\.0\.1:1@127\.0\.0\.1,endpoint,endpoint#127\.0\.0\.1:1,.*,critical,.*CONNECTION_REFUSED/,
    );
  });

  it('documents the flags in every scan help and check', async () => {
    for (const argv of [
      ['scan', 'acm', '--help'],
      ['scan', 'file', '--help'],
      ['scan', 'all', '--org', '--help'],
      ['check', '--help'],
    ]) {
      const r = await run(argv);
      expect(r.out, argv.join(' ')).toContain('--html <file>');
      expect(r.out, argv.join(' ')).toContain('--csv <file>');
    }
  });
});

describe('cert-watch report', () => {
  const reader = (states: TrackedState[]) => () => ({
    async *pages() {
      yield states.slice(0, 4);
      yield states.slice(4);
    },
    currentPeriod: async () => ({
      scanId: 'p2',
      scanAt: NOW.toISOString(),
      startedAt: NOW.toISOString(),
      kinds: ['acm'],
      expected: 2,
      remaining: 0,
    }),
    listCoverage: async () => [
      {
        scope: 'acm#1#eu-west-1',
        kind: 'acm',
        account: '1',
        expectedScanId: 'p2',
        status: 'scanned' as const,
      },
      {
        scope: 'acm#2#eu-west-1',
        kind: 'acm',
        account: '2',
        expectedScanId: 'p2',
        status: 'failed' as const,
        code: 'AccessDenied',
        message: 'denied',
      },
      {
        scope: 'acm#3#eu-west-1',
        kind: 'acm',
        account: '3',
        expectedScanId: 'p1',
        status: 'scanned' as const,
      },
    ],
  });

  it('reads every page, leaves removed entries out, prints JSON and writes the HTML', async () => {
    const states = statesOf(records, NOW, (s, i) => (i === 8 ? { ...s, removedAt: NOW.toISOString() } : s));
    const cap = captureCliIo({}, () => NOW);
    const html = join(dir, 'state.html');
    const code = await runReport(['--table', 'watch-state', '--json', '--html', html], cap.io, {
      readerFor: reader(states),
    });
    const report = JSON.parse(cap.out());
    expect(report).toMatchObject({
      reportVersion: REPORT_VERSION,
      origin: 'state table watch-state',
      coverage: {
        scopesScanned: ['acm#1#eu-west-1'],
        scopesFailed: [{ scope: 'acm#2#eu-west-1', code: 'AccessDenied', message: 'denied' }],
      },
    });
    expect(report.certificates).toHaveLength(8);
    expect(report.certificates[0].lifecycleState).toBe('Tracked');
    expect(code).toBe(2);
    expect(readFileSync(html, 'utf8')).toContain('by state table watch-state.');
  });

  it('counts acknowledged certificates out of the exit code, as status does', async () => {
    // Expired, expired, critical: every one acknowledged until renewal.
    const states = statesOf(records.slice(0, 3), NOW).map((s) => ({ ...s, ack: { at: NOW.toISOString() } }));
    const cap = captureCliIo({}, () => NOW);
    const code = await runReport(['--table', 't', '--csv', join(dir, 'ok.csv')], cap.io, {
      readerFor: reader(states),
    });
    expect(code).toBe(0);
    expect(existsSync(join(dir, 'ok.csv'))).toBe(true);
    expect(cap.out()).toContain('3 certificates');
  });

  it('says no scan period is recorded yet on a table without one (JSON periodRecorded: false)', async () => {
    const cap = captureCliIo({}, () => NOW);
    const html = join(dir, 'none.html');
    const empty = () => ({
      async *pages() {
        yield statesOf(records.slice(0, 2), NOW);
      },
      currentPeriod: async () => null,
      listCoverage: async () => [],
    });
    await runReport(['--table', 't', '--json', '--html', html], cap.io, { readerFor: empty });
    expect(JSON.parse(cap.out()).coverage).toEqual({
      scopesScanned: [],
      scopesFailed: [],
      periodRecorded: false,
    });
    expect(readFileSync(html, 'utf8')).toContain('No scan period is recorded yet');
  });

  it('marks the latest period as recorded in the JSON', async () => {
    const cap = captureCliIo({}, () => NOW);
    await runReport(['--table', 't', '--json'], cap.io, {
      readerFor: reader(statesOf(records.slice(0, 1), NOW)),
    });
    expect(JSON.parse(cap.out()).coverage.periodRecorded).toBe(true);
  });

  it('names only the files it wrote in the summary: a file that could not be written is on stderr alone', async () => {
    const blocked = join(dir, 'blocked.html');
    const csv = join(dir, 'written.csv');
    const cap = captureCliIo({}, () => NOW);
    // Passes the check before reading (the directory is writable), fails at write time: a directory.
    const code = await runReport(['--table', 't', '--html', blocked, '--csv', csv], cap.io, {
      readerFor: () => {
        mkdirSync(blocked);
        return reader(statesOf(records.slice(0, 2), NOW))();
      },
    });
    expect(code).toBe(3);
    expect(cap.err()).toContain(`--html ${blocked}: cannot write the report: EISDIR`);
    expect(cap.out()).toBe(`2 certificates, CSV in ${csv}\n`);
    rmSync(blocked, { recursive: true });

    const none = captureCliIo({}, () => NOW);
    const only = join(dir, 'only.html');
    expect(
      await runReport(['--table', 't', '--html', only], none.io, {
        readerFor: () => {
          mkdirSync(only);
          return reader(statesOf(records.slice(0, 2), NOW))();
        },
      }),
    ).toBe(3);
    expect(none.out()).toBe('');
    rmSync(only, { recursive: true });
  });

  it('names the table that does not exist, where it was looked for and what to do: exit 3, no stack trace', async () => {
    const missing = () => ({
      // biome-ignore lint/correctness/useYield: fails on the first read, as DynamoDB does
      async *pages(): AsyncGenerator<TrackedState[]> {
        throw new ResourceNotFoundException({ message: 'Requested resource not found', $metadata: {} });
      },
      currentPeriod: async () => null,
      listCoverage: async () => [],
    });
    const flag = captureCliIo({ AWS_REGION: 'eu-west-1' }, () => NOW);
    await expect(runReport(['--table', 'nope', '--json'], flag.io, { readerFor: missing })).rejects.toThrow(
      /^state table "nope" \(from --table\) not found in eu-west-1, in the account of your AWS credentials: check the name \(--table\), AWS_REGION .*--stack <name>/,
    );
    const env = captureCliIo({ CERT_WATCH_TABLE: 'gone' }, () => NOW);
    await expect(runReport(['--csv', join(dir, 'gone.csv')], env.io, { readerFor: missing })).rejects.toThrow(
      /^state table "gone" \(from CERT_WATCH_TABLE\) not found in your AWS profile's default region \(AWS_REGION is not set\)/,
    );
    // Any other error is left as it is.
    const denied = Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' });
    await expect(
      runReport(['--table', 't', '--json'], captureCliIo({}, () => NOW).io, {
        readerFor: () => ({ ...reader([])(), currentPeriod: async () => Promise.reject(denied) }),
      }),
    ).rejects.toBe(denied);
  });

  it('asks for an output when none is given', async () => {
    const r = await run(['report', '--table', 't']);
    expect(r.code).toBe(3);
    expect(r.err).toContain('say what to write: --html <file>, --csv <file> or --json');
  });
});
