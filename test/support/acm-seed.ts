/**
 * Seeds moto's ACM with real generated certificates. ACM refuses to import an expired
 * certificate, as the real service does, so "expired" ones are imported valid for a few seconds
 * and then left to expire: what happens to every imported certificate in real life.
 */
import { type ACMClient, ImportCertificateCommand } from '@aws-sdk/client-acm';
import { createChain, daysFrom, type KeySpec } from './certs';

export interface SeedSpec {
  readonly region: string;
  readonly name: string;
  /** Days until expiry; `'expired'` imports it valid for a moment and lets it lapse. */
  readonly days: number | 'expired';
  readonly key: KeySpec;
}

export interface Seeded extends SeedSpec {
  readonly arn: string;
  readonly notAfter: Date;
  readonly certPem: string;
}

/** How long an "expired" certificate is valid when imported; doubled if the machine was too slow. */
const EXPIRE_AFTER_MS = 2000;

const importOne = async (acm: ACMClient, spec: SeedSpec): Promise<Seeded> => {
  for (let window = EXPIRE_AFTER_MS; ; window *= 2) {
    // Keys first (RSA generation is the slow part), so the validity window starts right before the import.
    // Issued 300 days ago: an ordinary long-lived certificate, not a short-lived one judged by lifetime percentage.
    const now = new Date();
    const notAfter = spec.days === 'expired' ? new Date(now.getTime() + window) : daysFrom(now, spec.days);
    const chain = await createChain({
      now,
      leaf: {
        commonName: spec.name,
        dnsNames: [spec.name, `www.${spec.name}`],
        notBefore: daysFrom(now, -300),
        notAfter,
        key: spec.key,
      },
    });
    try {
      const out = await acm.send(
        new ImportCertificateCommand({
          Certificate: Buffer.from(chain.leaf.certPem),
          PrivateKey: Buffer.from(chain.leaf.keyPem),
          CertificateChain: Buffer.from(chain.intermediate.certPem),
          Tags: [{ Key: 'seeded-by', Value: 'cert-expiry-watcher' }],
        }),
      );
      if (!out.CertificateArn) throw new Error(`ImportCertificate returned no ARN for ${spec.name}`);
      // X.509 validity has second precision.
      return {
        ...spec,
        arn: out.CertificateArn,
        notAfter: new Date(Math.floor(notAfter.getTime() / 1000) * 1000),
        certPem: chain.leaf.certPem,
      };
    } catch (error) {
      const expiredMeanwhile = spec.days === 'expired' && /expired/i.test(String((error as Error).message));
      if (!expiredMeanwhile || window > 60_000) throw error;
    }
  }
};

export const seedAcm = async (
  clientFor: (region: string) => ACMClient,
  specs: readonly SeedSpec[],
): Promise<Seeded[]> => {
  const seeded: Seeded[] = [];
  for (const spec of specs) seeded.push(await importOne(clientFor(spec.region), spec));
  const lapse = Math.max(
    0,
    ...seeded.filter((s) => s.days === 'expired').map((s) => s.notAfter.getTime() + 1000 - Date.now()),
  );
  if (lapse > 0) await new Promise((r) => setTimeout(r, lapse));
  return seeded;
};

/** The standard fixture: each region holds expired, 3-day, 20-day and 200-day certificates, RSA and EC. */
export const standardSeed = (regions: readonly string[]): SeedSpec[] =>
  regions.flatMap((region, i) => [
    {
      region,
      name: `expired.${region}.example.com`,
      days: 'expired' as const,
      key: { kind: 'rsa' as const },
    },
    {
      region,
      name: `three-days.${region}.example.com`,
      days: 3.5,
      key: { kind: 'ec' as const, curve: 'P-256' as const },
    },
    {
      region,
      name: `twenty-days.${region}.example.com`,
      days: 20.5,
      key: i % 2 ? { kind: 'ec' as const, curve: 'P-384' as const } : { kind: 'rsa' as const },
    },
    {
      region,
      name: `healthy.${region}.example.com`,
      days: 200,
      key: { kind: 'ec' as const, curve: 'P-256' as const },
    },
  ]);

/**
 * Renews a seeded certificate in place, as ACM re-import does: a new certificate (90 days) under
 * the same ARN. Returns its notAfter.
 */
export const renewInPlace = async (acm: ACMClient, target: Seeded, days = 90): Promise<Date> => {
  const now = new Date();
  const notAfter = daysFrom(now, days);
  const renewed = await createChain({
    now,
    leaf: { commonName: target.name, dnsNames: [target.name], notBefore: daysFrom(now, -1), notAfter },
  });
  await acm.send(
    new ImportCertificateCommand({
      CertificateArn: target.arn,
      Certificate: Buffer.from(renewed.leaf.certPem),
      PrivateKey: Buffer.from(renewed.leaf.keyPem),
      CertificateChain: Buffer.from(renewed.intermediate.certPem),
    }),
  );
  return notAfter;
};
