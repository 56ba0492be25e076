import { Token } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { InvalidWatcherConfigError } from './validation';

/** A secret id names one secret: throws for a wildcard (`*` or `?`), naming `where`. */
export const validateSecretId = (secretId: string, where: string): void => {
  if (!Token.isUnresolved(secretId) && /[*?]/.test(secretId)) {
    throw new InvalidWatcherConfigError(
      `${where} must name one secret, without wildcards (* or ?), got '${secretId}'`,
    );
  }
};

/** Secrets Manager ends every secret's ARN with '-' and 6 random characters. */
const COMPLETE_ARN = /:secret:.+-[A-Za-z0-9]{6}$/;

/**
 * The secret a `secretId` names (a name in this account and region, or an ARN), imported once per
 * scope so that `grantRead` grants exactly that secret:
 * - a name → `fromSecretNameV2`, whose ARN ends in `<name>-??????` (the suffix is unknown at deploy
 *   time, and `?` matches one character, so no other secret shares it);
 * - an ARN with the 6-character suffix → `fromSecretCompleteArn`; one without → `fromSecretPartialArn`.
 * Wildcards are refused ({@link validateSecretId}).
 */
export const secretFromId = (scope: Construct, secretId: string): secretsmanager.ISecret => {
  validateSecretId(secretId, 'secretId');
  // Injective, and free of '/', the construct path separator.
  const id = `Secret:${secretId.replace(/%/g, '%25').replace(/\//g, '%2F')}`;
  const existing = scope.node.tryFindChild(id) as secretsmanager.ISecret | undefined;
  if (existing) return existing;
  if (!secretId.startsWith('arn:')) return secretsmanager.Secret.fromSecretNameV2(scope, id, secretId);
  return COMPLETE_ARN.test(secretId)
    ? secretsmanager.Secret.fromSecretCompleteArn(scope, id, secretId)
    : secretsmanager.Secret.fromSecretPartialArn(scope, id, secretId);
};
