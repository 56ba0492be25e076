/**
 * A handler bundled by test/infra/lambda-bundling.test.ts: one IoT command (a client whose
 * schemas module describes ~500 operations) and the credentials its client resolves.
 */
import { IoTClient, ListCertificatesCommand } from '@aws-sdk/client-iot';

export const command = ListCertificatesCommand;

/** The access key id the client's default credential chain finds. */
export const handler = async (): Promise<string> => {
  const client = new IoTClient({ region: 'eu-west-1' });
  return (await client.config.credentials()).accessKeyId;
};
