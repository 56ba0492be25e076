/**
 * Discovery through the deployed scan fan-out on the local AWS: the planner plans, per account, a
 * unit per region and one for the account's global scope (CloudFront, tagged IAM server
 * certificates), the discovery worker takes each from its queue and its sink receives each scope.
 * (Before, only the regional scopes were planned, so CloudFront was never discovered.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Scope } from '../../lambda/core/ports';
import { makeDiscoveryPlugin } from '../../lambda/sources/discovery/plugin';
import { MOTO_ACCOUNT, type Moto, startMoto } from '../support/moto';
import { scanFanoutOnMoto, startAccountApi } from '../support/organization-on-moto';

let moto: Moto;
let accountApi: Awaited<ReturnType<typeof startAccountApi>>;

beforeAll(async () => {
  moto = await startMoto();
  accountApi = await startAccountApi({}, ['eu-west-1', 'us-east-1']);
}, 60_000);

afterAll(async () => {
  await accountApi?.close();
  await moto?.stop();
});

describe('discovery in the scan fan-out', () => {
  it('plans and scans every region and the global scope of each account, each handed to the sink', async () => {
    const delivered: Scope[] = [];
    const run = await scanFanoutOnMoto(moto, {
      home: 'eu-west-1',
      name: 'disco',
      sources: [{ kind: 'discovery', regions: ['eu-west-1', 'us-east-1'] }],
      accounts: { mode: 'self' },
      accountApiEndpoint: accountApi.endpoint,
      plugins: {
        discovery: makeDiscoveryPlugin({
          sink: {
            deliver: async (scope) => {
              delivered.push(scope);
              return { batches: 0, retired: 0 };
            },
          },
        }),
      },
    });
    const plan = await run.plan({ id: 'period-1' });
    expect(plan.units).toBe(3);
    expect(await run.drain()).toMatchObject({ invocations: 3, failures: 0 });
    expect(delivered.map((s) => s.key).sort()).toEqual(
      [
        `discovery#${MOTO_ACCOUNT}`,
        `discovery#${MOTO_ACCOUNT}#eu-west-1`,
        `discovery#${MOTO_ACCOUNT}#us-east-1`,
      ].sort(),
    );
  }, 120_000);
});
