import { describe, expect, it } from 'vitest';
import { InvalidSourceSettingError } from '../../lambda/contracts/sources';
import {
  certificatesInStoredValue,
  MAX_STORED_VALUE_BYTES,
  recordsFromStoredValue,
  storedValueOptions,
} from '../../lambda/sources/stored-value';
import { readFailure } from '../../lambda/sources/stored-value-reader';
import { createChain, daysFrom, type GeneratedChain } from '../support/certs';
import { keyMaterialIn } from '../support/key-material';

const NOW = new Date();
let chain: GeneratedChain;
const setup = (async () => {
  chain = await createChain({
    now: NOW,
    leaf: { commonName: 'vault.example.com', notBefore: daysFrom(NOW, -10), notAfter: daysFrom(NOW, 20) },
  });
})();

const der64 = () => Buffer.from(chain.leaf.cert.rawData).toString('base64');
const locations = (v: ReturnType<typeof certificatesInStoredValue>) => v.certificates.map((c) => c.location);

describe('certificatesInStoredValue', () => {
  it('reads a chain plus a private key: the certificates in order, the key skipped', async () => {
    await setup;
    const value = chain.leaf.keyPem + chain.leaf.certPem + chain.intermediate.certPem;
    const out = certificatesInStoredValue(value);
    expect(locations(out)).toEqual(['', '#2']);
    expect(out.certificates[0]?.x509.subject).toContain('vault.example.com');
    expect(out.problems).toEqual([]);
  });

  it('reads JSON string fields holding PEM, nested, in arrays, with literal \\n; other fields are ignored', async () => {
    await setup;
    const oneLine = chain.root.certPem.replace(/\n/g, '\\n');
    const value = JSON.stringify({
      certificate: chain.leaf.certPem,
      chain: chain.intermediate.certPem + chain.root.certPem,
      privateKey: chain.leaf.keyPem,
      password: 'hunter2',
      port: 443,
      tls: { ca: [`${oneLine}`] },
    });
    const out = certificatesInStoredValue(value);
    expect(locations(out)).toEqual(['#certificate', '#chain', '#chain#2', '#tls.ca[0]']);
    expect(out.problems).toEqual([]);
  });

  it('reads base64 DER only with the option, and says how when it is off', async () => {
    await setup;
    const off = certificatesInStoredValue(der64());
    expect(off.certificates).toEqual([]);
    expect(off.problems).toEqual([
      expect.objectContaining({ code: 'NOT_A_CERTIFICATE', message: expect.stringContaining('base64=true') }),
    ]);
    expect(locations(certificatesInStoredValue(der64(), { base64: true }))).toEqual(['']);
    expect(locations(certificatesInStoredValue(JSON.stringify({ der: der64() }), { base64: true }))).toEqual([
      '#der',
    ]);
  });

  it('reads binary values: DER, PEM bytes; other bytes are NOT_A_CERTIFICATE', async () => {
    await setup;
    expect(locations(certificatesInStoredValue(new Uint8Array(chain.leaf.cert.rawData)))).toEqual(['']);
    expect(locations(certificatesInStoredValue(new TextEncoder().encode(chain.chainPem)))).toEqual([
      '',
      '#2',
    ]);
    const junk = certificatesInStoredValue(new Uint8Array([0x30, 0x82, 0xff, 0x00, 0x01]));
    expect(junk.problems).toEqual([
      {
        location: '',
        code: 'NOT_A_CERTIFICATE',
        message: 'the binary value (5 bytes) is not a DER certificate, PEM or text',
      },
    ]);
  });

  it('reads the elements of a StringList of base64 DER', async () => {
    await setup;
    const list = `${der64()},${Buffer.from(chain.root.cert.rawData).toString('base64')}`;
    expect(locations(certificatesInStoredValue(list, { base64: true, list: true }))).toEqual([
      '#[0]',
      '#[1]',
    ]);
  });

  it('handles a 64 KiB value: a bundle filling it is read whole, junk of that size is one clear error', async () => {
    await setup;
    const pem = chain.leaf.certPem;
    const count = Math.floor(MAX_STORED_VALUE_BYTES / pem.length);
    const bundle = pem.repeat(count).padEnd(MAX_STORED_VALUE_BYTES, '\n');
    expect(Buffer.byteLength(bundle)).toBe(MAX_STORED_VALUE_BYTES);
    expect(certificatesInStoredValue(bundle).certificates).toHaveLength(count);
    const junk = certificatesInStoredValue(
      '-----BEGIN A-----'.repeat(MAX_STORED_VALUE_BYTES / 17).padEnd(MAX_STORED_VALUE_BYTES),
    );
    expect(junk.problems).toEqual([
      expect.objectContaining({
        code: 'NOT_A_CERTIFICATE',
        message: expect.stringMatching(/^the value \(64 KiB\) holds/),
      }),
    ]);
    const over = certificatesInStoredValue('x'.repeat(MAX_STORED_VALUE_BYTES + 1));
    expect(over.problems.map((p) => p.code)).toEqual(['VALUE_TOO_LARGE']);
  });

  it('a key alone is NOT_A_CERTIFICATE counting the skipped block; the message holds no key material', async () => {
    await setup;
    const out = certificatesInStoredValue(chain.leaf.keyPem);
    expect(out.problems).toEqual([
      {
        location: '',
        code: 'NOT_A_CERTIFICATE',
        message: expect.stringContaining('1 other PEM block(s), such as private keys, skipped unread'),
      },
    ]);
    expect(keyMaterialIn(JSON.stringify(out.problems), chain.leaf.keyPem)).toEqual([]);
  });

  it('a malformed certificate block is reported at its location without echoing it', async () => {
    const body = Buffer.from(
      'not a certificate at all, but long enough to look like base64 content',
    ).toString('base64');
    const value = JSON.stringify({
      cert: `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----\n`,
    });
    const out = certificatesInStoredValue(value);
    expect(out.problems).toEqual([
      expect.objectContaining({ location: '#cert', code: 'MALFORMED_CERTIFICATE' }),
    ]);
    expect(JSON.stringify(out.problems)).not.toContain(body.slice(0, 20));
  });
});

describe('recordsFromStoredValue', () => {
  it('maps each certificate to an IMPORTED record at <ARN><location> with the real dates', async () => {
    await setup;
    const arn = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:tls/vault-AbCdEf';
    const records = recordsFromStoredValue(
      { source: 'secrets', arn, name: 'tls/vault', account: '111122223333', region: 'eu-west-1' },
      JSON.stringify({ cert: chain.chainPem, key: chain.leaf.keyPem }),
      {},
      () => {},
    );
    expect(records.map((r) => r.id)).toEqual([`${arn}#cert`, `${arn}#cert#2`]);
    expect(records[0]).toMatchObject({
      source: 'secrets',
      account: '111122223333',
      region: 'eu-west-1',
      domain: 'vault.example.com',
      type: 'IMPORTED',
      labels: { name: 'tls/vault' },
      notAfter: chain.leaf.cert.notAfter,
    });
    expect(records[0]?.fingerprintSha256).toMatch(/^[0-9A-F:]+$/);
  });
});

describe('storedValueOptions', () => {
  it('selects by the default tag, the same the construct grants by', () => {
    expect(storedValueOptions('secrets')).toEqual({
      // The documented default tag (docs/sources.md), which the construct grants on too.
      selection: { by: 'tag', key: 'cert-watch:watch', value: 'true' },
      base64: false,
      concurrency: 8,
    });
  });

  it('takes CLI strings and construct values alike', () => {
    expect(
      storedValueOptions('ssm', { prefixes: '/certs/, tls/', base64: 'true', concurrency: '4' }),
    ).toEqual({
      selection: { by: 'prefixes', prefixes: ['/certs/', 'tls/'] },
      base64: true,
      concurrency: 4,
    });
    expect(storedValueOptions('ssm', { tagKey: 'team', tagValue: 'pki' }).selection).toEqual({
      by: 'tag',
      key: 'team',
      value: 'pki',
    });
  });

  it('refuses tag and prefixes together, wildcards, empty lists and bad numbers, naming the option', () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ prefixes: 'a/', tagKey: 'k' }, /not both/],
      [{ prefixes: 'certs/*' }, /prefix "certs\/\*"/],
      [{ prefixes: ' , ' }, /at least one/],
      [{ tagValue: '' }, /tagValue/],
      [{ base64: 'yes' }, /base64/],
      [{ concurrency: 0 }, /concurrency/],
    ];
    for (const [options, message] of cases) {
      expect(() => storedValueOptions('secrets', options)).toThrow(InvalidSourceSettingError);
      expect(() => storedValueOptions('secrets', options)).toThrow(message);
    }
  });
});

describe('readFailure', () => {
  it('names denied, undecryptable, deleted and other failures; only deleted items are not "unread"', () => {
    const err = (name: string, message = 'm') => Object.assign(new Error(message), { name });
    expect(readFailure('i', err('AccessDeniedException'), 'ssm')).toMatchObject({
      unread: true,
      error: { code: 'ITEM_ACCESS_DENIED' },
    });
    expect(readFailure('i', err('DecryptionFailure'), 'secretsmanager').error.message).toContain(
      'kms:Decrypt via secretsmanager',
    );
    expect(
      readFailure('i', err('AccessDeniedException', 'not authorized to perform kms:Decrypt'), 'ssm').error
        .code,
    ).toBe('ITEM_DECRYPT_FAILED');
    expect(readFailure('i', err('ResourceNotFoundException'), 'secretsmanager')).toMatchObject({
      unread: false,
      error: { code: 'ITEM_DELETED' },
    });
    expect(readFailure('i', err('ThrottlingException', 'Rate exceeded'), 'ssm')).toMatchObject({
      unread: true,
      error: { code: 'ITEM_READ_FAILED', message: 'ThrottlingException: Rate exceeded' },
    });
  });
});
