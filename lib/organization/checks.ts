import { Token } from 'aws-cdk-lib';
import { InvalidWatcherConfigError } from '../config';

export const ACCOUNT_ID_PATTERN = /^\d{12}$/;
// https://docs.aws.amazon.com/organizations/latest/APIReference/API_Organization.html (Id)
export const ORGANIZATION_ID_PATTERN = /^o-[a-z0-9]{10,32}$/;
export const ORGANIZATION_ID_SHAPE = 'an organization id (o- and 10 to 32 lowercase letters or digits)';

/** The value unchanged, or an InvalidWatcherConfigError naming the prop, its shape and the value. */
export const checked = (name: string, value: string, pattern: RegExp, shape: string): string => {
  if (!Token.isUnresolved(value) && !pattern.test(value))
    throw new InvalidWatcherConfigError(`${name} must be ${shape}, got '${value}'`);
  return value;
};
