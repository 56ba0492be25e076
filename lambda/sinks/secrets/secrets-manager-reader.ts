/** SecretReader adapter for AWS Secrets Manager (GetSecretValue, string secrets only). */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SecretReader } from './secret-reader';

export class SecretNotStringError extends Error {
  override readonly name = 'SecretNotStringError';
}

export class SecretsManagerReader implements SecretReader {
  constructor(private readonly client = new SecretsManagerClient({})) {}

  async get(secretId: string): Promise<string> {
    const out = await this.client.send(new GetSecretValueCommand({ SecretId: secretId }));
    if (typeof out.SecretString !== 'string') {
      // Never echo the value; the id is not secret.
      throw new SecretNotStringError(
        `secret ${secretId} has no SecretString (binary secrets are not supported)`,
      );
    }
    return out.SecretString;
  }
}
