/**
 * The demo's Parameter Store section: a tagged SecureString parameter holding a certificate that
 * expires in 25 days, with its private key beside it; then the CLI's table and the events, as for
 * Secrets Manager (demo-secrets.ts).
 */
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { createCertificate, daysFrom } from '../test/support/certs';
import type { Moto } from '../test/support/moto';
import { showStoredSource } from './demo-secrets';

const REGION = 'eu-west-1';

export async function demoSsm(moto: Moto, say: (s?: string) => void): Promise<void> {
  const now = new Date();
  const cert = await createCertificate({
    commonName: 'api.internal.example.com',
    notBefore: daysFrom(now, -340),
    notAfter: daysFrom(now, 25 + 1 / 24),
  });
  await new SSMClient(moto.clientConfig(REGION)).send(
    new PutParameterCommand({
      Name: '/certs/internal-api',
      Type: 'SecureString',
      Value: JSON.stringify({ certificate: cert.certPem, key: cert.keyPem }),
      Tags: [{ Key: 'cert-watch:watch', Value: 'true' }],
    }),
  );
  say(
    `Parameter Store (${REGION}, opt-in, same tag): the SecureString "/certs/internal-api" holds JSON with`,
  );
  say('the certificate of api.internal.example.com (25 days left) and its private key.');
  await showStoredSource(moto, say, { kind: 'ssm', region: REGION, keyPem: cert.keyPem });
}
