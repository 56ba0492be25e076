/**
 * Finds the deployed watcher's state table for `status`, `ack`, `unack` and `coverage`: `--table`,
 * else CERT_WATCH_TABLE, else the SSM parameter the stack writes (lambda/contracts/watcher-config.ts),
 * looked up under `--stack` / CERT_WATCH_STACK / the default stack name in AWS_REGION.
 */
import { GetParametersByPathCommand, SSMClient } from '@aws-sdk/client-ssm';
import {
  DEFAULT_STACK_NAME,
  InvalidWatcherConfigParameterError,
  parseWatcherConfig,
  stackConfigPath,
  type WatcherConfig,
} from '../../lambda/contracts/watcher-config';
import { UsageError } from './exit-codes';
import type { CliIo } from './io';

/** The options every state-table command takes. */
export const WATCHER_OPTIONS = {
  table: { type: 'string' },
  stack: { type: 'string' },
} as const;

export const WATCHER_HELP = `  --table <name>     state table (default: CERT_WATCH_TABLE, else found from the stack)
  --stack <name>     stack of the deployed watcher (default: CERT_WATCH_STACK, else ${DEFAULT_STACK_NAME});
                     read from its SSM parameter /cert-expiry-watcher/<stack>/.../config`;

/** The parameters under a path: name → value (all pages). */
export type ParameterLister = (path: string) => Promise<ReadonlyMap<string, string>>;

const ssmLister =
  (io: CliIo): ParameterLister =>
  async (path) => {
    const ssm = new SSMClient({ region: io.env.AWS_REGION ?? io.env.AWS_DEFAULT_REGION });
    const found = new Map<string, string>();
    try {
      let NextToken: string | undefined;
      do {
        const page = await ssm.send(
          new GetParametersByPathCommand({ Path: path, Recursive: true, NextToken, MaxResults: 10 }),
        );
        for (const p of page.Parameters ?? [])
          if (p.Name && p.Value !== undefined) found.set(p.Name, p.Value);
        NextToken = page.NextToken;
      } while (NextToken);
    } finally {
      ssm.destroy();
    }
    return found;
  };

/**
 * The watcher's configuration from its stack's parameter.
 * @throws UsageError when the stack has no watcher parameter, or several (naming them), or it is unreadable
 */
export const findWatcher = async (
  io: CliIo,
  stackName: string,
  list: ParameterLister = ssmLister(io),
): Promise<WatcherConfig> => {
  const path = stackConfigPath(stackName);
  let parameters: ReadonlyMap<string, string>;
  try {
    parameters = await list(path);
  } catch (error) {
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    // No credentials or no region: the state table needs them as much as SSM does, so --table
    // would only fail next; say what is missing instead.
    if (/CredentialsProviderError|Could not load credentials|Region is missing/i.test(reason))
      throw new UsageError(
        `cannot reach AWS to find the watcher (${reason}): cert-watch reads the deployed watcher with your AWS credentials in AWS_REGION (set AWS_PROFILE or the AWS_* variables, and AWS_REGION to the watcher's region); it finds the state table from the stack's SSM parameter, or from --table / CERT_WATCH_TABLE, which need the same credentials and region`,
      );
    throw new UsageError(
      `cannot read the watcher's parameters under ${path} (${reason}): pass --table <name> or set CERT_WATCH_TABLE`,
    );
  }
  const configs = [...parameters].filter(([name]) => name.endsWith('/config'));
  if (configs.length === 0)
    throw new UsageError(
      `no watcher found in stack "${stackName}" (no SSM parameter under ${path} in ${io.env.AWS_REGION ?? io.env.AWS_DEFAULT_REGION ?? 'the default region'}): ` +
        'pass --stack <name> (the stack you deployed), --table <name>, or set CERT_WATCH_TABLE',
    );
  if (configs.length > 1)
    throw new UsageError(
      `stack "${stackName}" has ${configs.length} watchers (${configs.map(([n]) => n).join(', ')}): pass --table <name>`,
    );
  const [name, value] = configs[0]!;
  try {
    return parseWatcherConfig(name, value);
  } catch (error) {
    if (error instanceof InvalidWatcherConfigParameterError) throw new UsageError(error.message);
    throw error;
  }
};

/** The deployed watcher's state table: `--table`, else CERT_WATCH_TABLE, else the stack's parameter. */
export const stateTableOf = async (
  io: CliIo,
  values: { table?: string; stack?: string },
  list?: ParameterLister,
): Promise<string> => {
  const table = values.table?.trim() || io.env.CERT_WATCH_TABLE?.trim();
  if (table) return table;
  const stack = values.stack?.trim() || io.env.CERT_WATCH_STACK?.trim() || DEFAULT_STACK_NAME;
  return (await findWatcher(io, stack, list)).stateTableName;
};

/** Where the state table's name came from, for messages: `--table`, CERT_WATCH_TABLE or the stack. */
export const stateTableOrigin = (io: CliIo, values: { table?: string; stack?: string }): string => {
  if (values.table?.trim()) return '--table';
  if (io.env.CERT_WATCH_TABLE?.trim()) return 'CERT_WATCH_TABLE';
  return `stack "${values.stack?.trim() || io.env.CERT_WATCH_STACK?.trim() || DEFAULT_STACK_NAME}"`;
};

/**
 * DynamoDB's "Requested resource not found" (ResourceNotFoundException) on the state table, or the
 * SDK's "Region is missing", told in the user's terms: which table, where it was looked for, and
 * what to do. Anything else: undefined.
 */
export const tableNotFoundError = (
  error: unknown,
  io: CliIo,
  table: string,
  origin: string,
): Error | undefined => {
  // The SDK's own words when neither AWS_REGION nor the profile names a region.
  if ((error as Error | null)?.message === 'Region is missing')
    return new Error(
      `cannot read state table "${table}" (from ${origin}): no AWS region is set; set AWS_REGION to the watcher's region (or a region in your AWS profile)`,
    );
  if ((error as { name?: string } | null)?.name !== 'ResourceNotFoundException') return undefined;
  const region = io.env.AWS_REGION?.trim() || io.env.AWS_DEFAULT_REGION?.trim();
  const where = region ? `in ${region}` : "in your AWS profile's default region (AWS_REGION is not set)";
  const fix = origin.startsWith('stack')
    ? `the ${origin} names it in its SSM parameter: the stack's table was deleted or is in another region; redeploy, or pass --table <name>`
    : `check the name (${origin}), AWS_REGION (the watcher's region) and that your credentials are for the watcher's account; or leave out --table and CERT_WATCH_TABLE to find the table from the deployed stack (--stack <name>)`;
  return new Error(
    `state table "${table}" (from ${origin}) not found ${where}, in the account of your AWS credentials: ${fix}`,
  );
};

/**
 * A `.catch` handler for calls on the state table: DynamoDB's "not found" becomes
 * tableNotFoundError's message; any other error passes through unchanged.
 */
export const explainTableNotFound =
  (io: CliIo, values: { table?: string; stack?: string }, table: string) =>
  (error: unknown): never => {
    throw tableNotFoundError(error, io, table, stateTableOrigin(io, values)) ?? error;
  };
