/** SecretReader adapter for AWS Secrets Manager: Powertools' SecretsProvider and its cache (string secrets only). */

import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DEFAULT_SECRET_MAX_AGE_MS, ProviderSecretReader } from './secret-reader';

export { SecretNotStringError } from './secret-reader';

export class SecretsManagerReader extends ProviderSecretReader {
  /** @param maxAgeMs how long a value is reused (SECRET_CACHE_TTL_MS); rounded up to whole seconds. */
  constructor(client = new SecretsManagerClient({}), maxAgeMs = DEFAULT_SECRET_MAX_AGE_MS) {
    super(new SecretsProvider({ awsSdkV3Client: client }), maxAgeMs);
  }
}
