/**
 * What tripped a new user of the installed package (issue 16, item 3): each gets a clear message or
 * the behaviour the user meant.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { IoTClient, ListCACertificatesCommand } from '@aws-sdk/client-iot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../bin/cert-watch';
import { SOURCE_OPTION_KEYS } from '../../lambda/contracts/sources';
import { errorCode, errorMessage } from '../../lambda/core/scan';
import { SOURCE_REGISTRY } from '../../lambda/sources/registry';
import { parseWatcherContext } from '../../lib/context';
import { createCertificate, daysFrom } from '../support/certs';
import { captureCliIo } from '../support/cli-io';
import { closedPort } from '../support/tls-servers';

const CLI = path.join(__dirname, '..', '..', 'bin', 'cert-watch.cjs');
const run = async (argv: string[], env: Record<string, string> = {}) => {
  const t = captureCliIo(env);
  const code = await main(argv, t.io);
  return { code, out: t.out(), err: t.err() };
};

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'papercuts-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the CLI', () => {
  it('prints its version and, for scan --help, the scan subcommands', async () => {
    const version = await run(['--version']);
    expect(version.code).toBe(0);
    expect(version.out).toBe(`cert-watch ${require('../../package.json').version}\n`);
    const scan = await run(['scan', '--help']);
    expect(scan.code).toBe(0);
    for (const kind of [...Object.keys(SOURCE_REGISTRY), 'all', 'file'])
      expect(scan.out).toMatch(new RegExp(`^  ${kind} `, 'm'));
  });

  it('lists every registry source in its usage without loading the registry', async () => {
    expect(Object.keys(SOURCE_OPTION_KEYS).sort()).toEqual(Object.keys(SOURCE_REGISTRY).sort());
    const help = await run(['--help']);
    for (const kind of Object.keys(SOURCE_REGISTRY)) expect(help.out).toContain(kind);
  });

  it('refuses a misspelled region before calling AWS (scan acm --regions eu-wst-1)', async () => {
    const r = await run(['scan', 'acm', '--regions', 'eu-wst-1']);
    expect(r.code).toBe(3);
    expect(r.err).toContain('"eu-wst-1" is not an AWS region name (like eu-west-1 or us-gov-west-1)');
    expect(r.out).toBe('');
    const fromEnv = await run(['scan', 'acm'], { AWS_REGION: 'us-est-1' });
    expect(fromEnv.err).toContain('"us-est-1" is not an AWS region name');
  });

  it('says --org does not apply to scan file instead of parseArgs advice about positionals', async () => {
    const r = await run(['scan', 'file', path.join(dir, 'x.pem'), '--org']);
    expect(r.code).toBe(3);
    expect(r.err).toContain('--org does not apply to scan file');
    expect(r.err).not.toContain('positional');
    const unknown = await run(['status', '--tabel', 'x']);
    expect(unknown.err).toContain('cert-watch: unknown option --tabel');
  });

  it('shows scan file results without the columns files do not have (region, in use, status)', async () => {
    const cert = await createCertificate({
      commonName: 'file.example.com',
      notBefore: daysFrom(new Date(), -300),
      notAfter: daysFrom(new Date(), 20),
    });
    const file = path.join(dir, 'server.pem');
    writeFileSync(file, cert.certPem);
    const r = await run(['scan', 'file', file]);
    expect(r.err).toBe('');
    expect(r.code).toBe(1);
    const header = r.out.split('\n')[0]!;
    expect(header).toMatch(/^SEVERITY +DAYS +NOT AFTER \(UTC\) +DOMAIN +TYPE +KEY +ID$/);
    expect(r.out).toContain(`${file}#1`);
  });

  it('explains a peer that is not TLS without OpenSSL internals', async () => {
    const server = net.createServer((socket) => {
      socket.on('error', () => {});
      socket.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const r = await run(['check', `127.0.0.1:${port}`, '--json', '--timeout', '5000']);
      const error = JSON.parse(r.out).results[0].error as { code: string; message: string };
      expect(error.code).toBe('NOT_TLS');
      expect(error.message).toContain('the peer answered with something other than TLS');
      expect(error.message).not.toMatch(/routines|\.c:\d+|deps\/openssl/);
    } finally {
      server.close();
    }
  });

  it("names an answer the SDK cannot parse (an emulator's unimplemented call) instead of its JSON error", async () => {
    const client = new IoTClient({
      region: 'eu-west-1',
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
      maxAttempts: 1,
      requestHandler: {
        handle: async () => ({
          response: {
            statusCode: 500,
            reason: 'Internal Server Error',
            headers: { 'content-type': 'text/html' },
            body: Buffer.from('<!doctype html><title>500 Internal Server Error</title>'),
          },
        }),
      } as never,
    });
    const error = await client.send(new ListCACertificatesCommand({})).catch((e: unknown) => e);
    expect(errorCode(error)).toBe('UnexpectedResponse');
    expect(errorMessage(error)).toBe(
      "the endpoint's answer (HTTP 500) is not an AWS API response: the endpoint does not implement this call (e.g. a local emulator), or a proxy answered instead of AWS",
    );
    expect(errorMessage(new Error('AccessDenied'))).toBe('AccessDenied');
  });

  it('writes nothing but its own output on stderr: no AWS SDK Node.js support notice', async () => {
    const port = await closedPort();
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      HOME: dir,
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_ENDPOINT_URL: `http://127.0.0.1:${port}`,
      AWS_MAX_ATTEMPTS: '1',
    };
    const stderr = await new Promise<string>((resolve) =>
      execFile(process.execPath, [CLI, 'status', '--table', 'watcher-state'], { env }, (_e, _out, err) =>
        resolve(err),
      ),
    );
    expect(stderr).toMatch(/^cert-watch: .*ECONNREFUSED/);
    expect(stderr).not.toMatch(/Warning|NodeVersionSupport|node >=/);
  });
});

describe('cdk.json context from -c', () => {
  const propsOf = (context: Record<string, unknown>) => parseWatcherContext(context).watcherProps;

  it('takes JSON arrays for list-valued keys, as cdk.json would hold them', () => {
    const props = propsOf({
      'watcher:regions': '["eu-west-1", "us-east-1"]',
      'watcher:tiersDays': '[45, 14, 3]',
      'watcher:criticalDays': '3',
      'watcher:endpoints': '["api.example.com", {"host": "mail.example.com", "port": 587}]',
      'watcher:smsPhoneNumbers': '["+14155550100"]',
      'watcher:opsEmailAddresses': '["ops@example.com"]',
    });
    expect(props.regions).toEqual(['eu-west-1', 'us-east-1']);
    expect(props.tiersDays).toEqual([45, 14, 3]);
    expect(props.endpoints).toEqual([
      { host: 'api.example.com', port: 443 },
      expect.objectContaining({ host: 'mail.example.com', port: 587 }),
    ]);
    expect(props.smsPhoneNumbers).toEqual(['+14155550100']);
    expect(props.opsEmailAddresses).toEqual(['ops@example.com']);
    expect(propsOf({ 'watcher:regions': 'eu-west-1, us-east-1' }).regions).toEqual([
      'eu-west-1',
      'us-east-1',
    ]);
    expect(() => propsOf({ 'watcher:tiersDays': '[30, 14' })).toThrow(
      /Invalid context "watcher:tiersDays": must be JSON/,
    );
  });

  it('reads an https:// URL endpoint as its host and port, and refuses other URLs saying what to write', () => {
    expect(propsOf({ 'watcher:endpoints': 'https://example.com/' }).endpoints).toEqual([
      { host: 'example.com', port: 443 },
    ]);
    expect(propsOf({ 'watcher:endpoints': 'https://example.com:8443' }).endpoints).toEqual([
      { host: 'example.com', port: 8443 },
    ]);
    expect(() => propsOf({ 'watcher:endpoints': 'https://example.com/health' })).toThrow(
      /'https:\/\/example.com\/health' is a URL: give host\[:port\] \(e.g. example.com\)/,
    );
    expect(() => propsOf({ 'watcher:endpoints': 'http://example.com/' })).not.toThrow(
      /port must be a number/,
    );
  });

  it('reports a criticalDays mistake under watcher:criticalDays, even beside tiersDays', () => {
    expect(() => propsOf({ 'watcher:tiersDays': [30, 14, 7], 'watcher:criticalDays': '40' })).toThrow(
      /^Invalid context "watcher:criticalDays": criticalDays \(40\)/,
    );
    expect(() => propsOf({ 'watcher:tiersDays': [7, 14] })).toThrow(/^Invalid context "watcher:tiersDays"/);
  });
});
