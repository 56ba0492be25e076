import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { defaultProvider, LambdaCredentialsError } from '../../lambda/shared/lambda-credentials';

const CREDENTIAL_VARS = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_CREDENTIAL_EXPIRATION',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
  'AWS_CONTAINER_AUTHORIZATION_TOKEN',
  'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE',
];

const clearCredentialEnv = () => {
  for (const name of CREDENTIAL_VARS) vi.stubEnv(name, undefined);
};

describe('defaultProvider (the Lambda credential chain bundles use)', () => {
  let server: Server;
  let url: string;
  const expiration = new Date(Date.now() + 3_600_000).toISOString();

  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.headers.authorization !== 'container-token') {
        res.writeHead(401).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          AccessKeyId: 'AKIDCONTAINER',
          SecretAccessKey: 'container-secret',
          Token: 'container-session',
          Expiration: expiration,
        }),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/credentials`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  afterEach(() => vi.unstubAllEnvs());

  it("reads the execution role's credentials from the environment, as Lambda sets them", async () => {
    clearCredentialEnv();
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDENV');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'env-secret');
    vi.stubEnv('AWS_SESSION_TOKEN', 'env-session');
    vi.stubEnv('AWS_CONTAINER_CREDENTIALS_FULL_URI', url);

    const credentials = await defaultProvider()();

    expect(credentials).toMatchObject({
      accessKeyId: 'AKIDENV',
      secretAccessKey: 'env-secret',
      sessionToken: 'env-session',
    });
  });

  it('falls back to the container credentials endpoint when the environment has no keys', async () => {
    clearCredentialEnv();
    vi.stubEnv('AWS_CONTAINER_CREDENTIALS_FULL_URI', url);
    vi.stubEnv('AWS_CONTAINER_AUTHORIZATION_TOKEN', 'container-token');

    const credentials = await defaultProvider()();

    expect(credentials).toMatchObject({
      accessKeyId: 'AKIDCONTAINER',
      secretAccessKey: 'container-secret',
      sessionToken: 'container-session',
    });
    expect(credentials.expiration?.toISOString()).toBe(expiration);
  });

  it('fails naming both sources when neither is set, and never reads profiles or SSO', async () => {
    clearCredentialEnv();
    vi.stubEnv('AWS_PROFILE', 'developer');

    const failure = defaultProvider()();

    await expect(failure).rejects.toBeInstanceOf(LambdaCredentialsError);
    await expect(failure).rejects.toThrow(
      /neither AWS_ACCESS_KEY_ID\/AWS_SECRET_ACCESS_KEY nor a container credentials endpoint/,
    );
  });
});
