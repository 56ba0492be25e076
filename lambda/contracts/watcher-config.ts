/**
 * Where a deployed watcher says what it created, so the CLI finds it without pasted names: the stack
 * writes one SSM String parameter per watcher (lib/watcher-config.ts) that `cert-watch status`, `ack`,
 * `unack` and `coverage` read by stack name (bin/cli/find-watcher.ts). Pure data and checks: no SDK or CDK.
 */

/** Every watcher's parameter lives under this path. */
export const CONFIG_PARAMETER_ROOT = '/cert-expiry-watcher';

/** The stack name the CLI looks under when none is given (bin/app.ts's default `watcher:stackName`). */
export const DEFAULT_STACK_NAME = 'CertificateExpiryWatcher';

/** Version of the parameter's JSON shape; a reader refuses a newer major one. */
export const WATCHER_CONFIG_VERSION = 1;

/** The parameter's value (JSON): names and ARNs of what the watcher created. */
export interface WatcherConfig {
  readonly version: number;
  /** `<stack name>/<construct path>`, as the WATCHER_ID the Lambdas log. */
  readonly watcherId: string;
  readonly region: string;
  readonly stateTableName: string;
  readonly eventBusName: string;
  readonly eventBusArn: string;
  readonly eventSource: string;
  readonly opsTopicArn: string;
  readonly chatTopicArn: string;
  readonly smsTopicArn: string;
  readonly ticketsTopicArn: string;
  /** The scheduled report's bucket (`reports/<date>/`, `latest/`); absent when the report is off. */
  readonly reportBucketName?: string;
}

// SSM parameter names allow letters, digits and _.-/ (AWS SSM PutParameter, "Name").
const unsafe = /[^A-Za-z0-9_./-]/g;

/** The parameter path of a stack's watchers: `/cert-expiry-watcher/<stack name>/`. */
export const stackConfigPath = (stackName: string): string =>
  `${CONFIG_PARAMETER_ROOT}/${stackName.replace(unsafe, '-')}/`;

/**
 * The parameter name of one watcher: `/cert-expiry-watcher/<stack name>/<construct path>/config`,
 * e.g. `/cert-expiry-watcher/CertificateExpiryWatcher/Watcher/config`.
 */
export const configParameterName = (stackName: string, constructPath: string): string =>
  `${stackConfigPath(stackName)}${constructPath.replace(unsafe, '-')}/config`;

export class InvalidWatcherConfigParameterError extends Error {
  override readonly name = 'InvalidWatcherConfigParameterError';
}

const STRING_FIELDS = [
  'watcherId',
  'region',
  'stateTableName',
  'eventBusName',
  'eventBusArn',
  'eventSource',
  'opsTopicArn',
  'chatTopicArn',
  'smsTopicArn',
  'ticketsTopicArn',
] as const;

/**
 * Parses a parameter's value.
 * @throws InvalidWatcherConfigParameterError naming the parameter and what is wrong with it
 */
export const parseWatcherConfig = (name: string, value: string): WatcherConfig => {
  let data: unknown;
  try {
    data = JSON.parse(value);
  } catch {
    throw new InvalidWatcherConfigParameterError(`${name} is not JSON`);
  }
  const o = (typeof data === 'object' && data !== null ? data : {}) as Record<string, unknown>;
  if (typeof o.version !== 'number' || Math.floor(o.version) > WATCHER_CONFIG_VERSION)
    throw new InvalidWatcherConfigParameterError(
      `${name} has version ${String(o.version)}; this cert-watch reads version ${WATCHER_CONFIG_VERSION}: upgrade cert-watch`,
    );
  for (const field of STRING_FIELDS)
    if (typeof o[field] !== 'string' || !o[field])
      throw new InvalidWatcherConfigParameterError(`${name} has no ${field}`);
  return o as unknown as WatcherConfig;
};
