/**
 * `cert-watch discover [--regions a,b] [--kinds k,..] [--json]`: the endpoints the deployed
 * resources of the caller's account serve (load balancer listeners, CloudFront, API Gateway custom
 * domain names, certificates tagged `cert-watch:endpoints`), read with the standard AWS credential
 * chain, as the watcher's discovery source finds them (docs/discovery.md). `check --discover`
 * probes them. With `--org` / `--accounts`: every account of an organization (./org-discover.ts).
 */
import { parseArgs } from 'node:util';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import {
  DISCOVERY_KINDS,
  type DiscoveredEndpoint,
  type DiscoveredTarget,
} from '../../lambda/contracts/discovery';
import type { ItemError } from '../../lambda/core/ports';
import { errorCode, errorMessage } from '../../lambda/core/scan';
import { sdkClientConfig } from '../../lambda/sources/client-config';
import { defaultDiscoveryClients } from '../../lambda/sources/discovery/clients';
import { discoverScope } from '../../lambda/sources/discovery/discover';
import { DiscoverySource } from '../../lambda/sources/discovery/discovery-source';
import {
  byEndpoint,
  DISCOVER_OPTIONS,
  type DiscoverDeps,
  ENDPOINT_COLUMNS,
  endpointCells,
  endpointJson,
  kindsOf,
} from './discover-options';
import { ExitCode } from './exit-codes';
import type { CliIo } from './io';
import { isOrgArgs } from './org-args';
import { regionsOf } from './scan-options';
import { renderTable } from './table';

export type { DiscoverDeps } from './discover-options';

export const DISCOVER_USAGE = `Usage: cert-watch discover [--regions a,b] [--kinds k,..] [--json]
       cert-watch discover --org [--ou <id>]... | --accounts <ids> [--role-name <name>] ...
         every account of your AWS Organization: cert-watch discover --org --help

Lists the endpoints your account's resources serve certificates on: HTTPS/TLS listeners of
Application, Network and classic load balancers, CloudFront distributions' aliases, API Gateway
custom domain names (REST, HTTP, WebSocket), and certificates tagged cert-watch:endpoints =
"host[:port] ...". Each is probed (cert-watch check --discover) with its SNI name at the address
the resource publishes. Credentials: the standard AWS chain (AWS_PROFILE, ...).

Options:
  --regions <a,b>   regions to read (default AWS_REGION); CloudFront and IAM are global
  --kinds <k,..>    ${DISCOVERY_KINDS.join(', ')} (default all)
  --json            {"endpoints":[{"host","port","servername","source","resource","certificateIds"}],
                    "errors":[{"scope"|"item","code","message"}]}
  -h, --help        show this help

Exit codes: 0 listed, 3 a scope or an item (a listener, a certificate's tags) could not be read
(what was read is still listed; each one is in "errors" and on stderr).
`;

export interface Discovery {
  readonly endpoints: DiscoveredEndpoint[];
  readonly targets: DiscoveredTarget[];
  readonly itemErrors: ItemError[];
  readonly failedScopes: { scope: string; message: string }[];
}

/** Every scope of the caller's account discovered; internal load balancers are listed and probed too (a laptop may be in the VPC). */
export const discoverAccount = async (
  values: { regions?: string; kinds?: string },
  io: Pick<CliIo, 'env'>,
  deps: DiscoverDeps = {},
): Promise<Discovery> => {
  const regions = regionsOf(values.regions, io);
  const kinds = kindsOf(values.kinds);
  const overrides = (r: string) => deps.clientOverrides?.(r) ?? {};
  const sts = new STSClient(sdkClientConfig(regions[0]!, overrides(regions[0]!)));
  let account: string;
  let partition: string;
  try {
    const me = await sts.send(new GetCallerIdentityCommand({}));
    account = me.Account ?? '';
    partition = me.Arn?.split(':')[1] || 'aws';
  } catch (error) {
    throw new Error(
      `cannot tell which account the credentials belong to (STS GetCallerIdentity): ${errorCode(error)}: ${errorMessage(error)}`,
    );
  } finally {
    sts.destroy();
  }
  const source = new DiscoverySource({
    regions,
    ...(kinds ? { kinds } : {}),
    clients: defaultDiscoveryClients(overrides),
    partition,
    internalReachable: true,
  });
  const out: Discovery = { endpoints: [], targets: [], itemErrors: [], failedScopes: [] };
  await Promise.all(
    source.scopes(account).map(async (scope) => {
      try {
        const found = await discoverScope(source.runFor(scope), scope);
        out.endpoints.push(...found.endpoints);
        out.targets.push(...found.targets);
        out.itemErrors.push(...found.itemErrors);
      } catch (error) {
        out.failedScopes.push({ scope: scope.label, message: `${errorCode(error)}: ${errorMessage(error)}` });
      }
    }),
  );
  out.endpoints.sort(byEndpoint);
  out.targets.sort(byEndpoint);
  return out;
};

/** Failed scopes, then items not read, for the JSON (`scope` or `item`, a code and a message). */
export const discoveryErrors = (
  d: Discovery,
): ({ scope: string; code: string; message: string } | { item: string; code: string; message: string })[] => [
  ...d.failedScopes.map((f) => {
    const [code = 'OTHER', ...rest] = f.message.split(': ');
    return { scope: f.scope, code, message: rest.join(': ') || f.message };
  }),
  ...d.itemErrors.map((e) => ({ item: e.item, code: e.code, message: e.message })),
];

/** Item errors and failed scopes on stderr, so the JSON on stdout stays one document. */
export const reportProblems = (d: Discovery, stderr: NodeJS.WritableStream): void => {
  for (const f of d.failedScopes) stderr.write(`cert-watch discover: ${f.scope} not read: ${f.message}\n`);
  for (const e of d.itemErrors) stderr.write(`cert-watch discover: ${e.item}: ${e.code}: ${e.message}\n`);
};

export const runDiscover = async (argv: string[], io: CliIo, deps: DiscoverDeps = {}): Promise<number> => {
  if (isOrgArgs(argv)) return (await import('./org-discover')).runOrgDiscover(argv, io, deps);
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: DISCOVER_OPTIONS,
  });
  if (values.help) {
    io.stdout.write(DISCOVER_USAGE);
    return ExitCode.OK;
  }
  const found = await discoverAccount(values, io, deps);
  const endpoints = found.endpoints.map(endpointJson);
  io.stdout.write(
    values.json
      ? `${JSON.stringify({ endpoints, errors: discoveryErrors(found) }, null, 2)}\n`
      : `${renderTable(
          [...ENDPOINT_COLUMNS, 'RESOURCE'],
          found.endpoints.map((e) => [...endpointCells(e), e.resource]),
          80,
        )}\n\n${endpoints.length} endpoint${endpoints.length === 1 ? '' : 's'}\n`,
  );
  reportProblems(found, io.stderr);
  // An item not read leaves the listing incomplete, as a scope not read does (and as with --org).
  return found.failedScopes.length > 0 || found.itemErrors.length > 0 ? ExitCode.UNKNOWN : ExitCode.OK;
};
