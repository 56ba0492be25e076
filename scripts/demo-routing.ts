/**
 * The demo's ownership routing section (docs/routing.md): certificate events from the bus go
 * through the real fan-out (SNS on moto, with the `owner` attribute) and the real webhook notifier
 * to two local receivers, one per team: "payments" owns the Payments OU, "platform" the Platform
 * OU; anything else belongs to the default owner "ops", who has no webhook here. Prints which team
 * received what.
 */
import { renderTable } from '../bin/cli/table';
import type { WatcherEvent } from '../lambda/channels/format/view';
import { parseOwnerRules } from '../lambda/contracts/owners';
import type { ReceivedEvent } from '../test/support/bus-capture';
import type { Moto } from '../test/support/moto';
import { routingOnMoto } from '../test/support/routing-on-moto';
import { startReceiver, type WebhookReceiver } from '../test/support/webhook-receivers';
import { indent } from './demo-shared';

/** The demo's owners, as `watcher:owners` in cdk.json would hold them. */
export const DEMO_OWNERS = {
  owners: [
    { name: 'payments', match: { ous: ['Payments'] }, webhooks: ['payments'] },
    { name: 'platform', match: { ous: ['Platform'] }, webhooks: ['platform'] },
  ],
  defaultOwner: { name: 'ops' },
};

type Certificate = { domain?: string; accountName?: string; account?: string; ouPath?: string[] };
const certificateOf = (e: { detail?: unknown }): Certificate =>
  ((e.detail as { certificate?: Certificate } | undefined)?.certificate ?? {}) as Certificate;

/** What a receiver got: each posted event (generic webhooks post the EventBridge event itself). */
const received = (r: WebhookReceiver): WatcherEvent[] => r.requests.map((q) => q.json as WatcherEvent);

export const demoRouting = async (
  moto: Moto,
  events: readonly ReceivedEvent[],
  log: (s?: string) => void,
): Promise<void> => {
  const teams = { payments: await startReceiver('webhook'), platform: await startReceiver('webhook') };
  const routing = await routingOnMoto(moto, {
    region: 'eu-west-1',
    name: 'demo-routing',
    owners: parseOwnerRules(DEMO_OWNERS),
    webhooks: Object.entries(teams).map(([name, r]) => ({
      name,
      kind: 'webhook',
      url: `${r.url}/hooks/${name}`,
    })),
  });
  try {
    const routed = await routing.route(events as unknown as WatcherEvent[]);
    log(
      '  owners: payments = OU Payments → webhook "payments"; platform = OU Platform → webhook "platform";',
    );
    log('  default owner "ops" (no webhook of its own)');
    const rows = events.flatMap((e) => {
      const owner = routed.owners[e.id];
      if (!owner) return []; // not routed to any channel (e.g. Scan Completed)
      const c = certificateOf(e);
      const got = Object.entries(teams)
        .filter(([, r]) => received(r).some((x) => x.id === e.id))
        .map(([team]) => team);
      return [
        [
          e['detail-type'],
          c.domain ?? '-',
          `${c.accountName ?? c.account ?? '-'} (${(c.ouPath ?? []).join('/') || '-'})`,
          owner,
          got.join(', ') || '(none)',
        ],
      ];
    });
    log(
      indent(renderTable(['DETAIL-TYPE', 'CERTIFICATE', 'ACCOUNT (OU)', 'OWNER', 'RECEIVED BY'], rows, 60)),
    );
    for (const [team, r] of Object.entries(teams))
      log(
        `  ${team} received ${r.requests.length}: ${
          received(r)
            .map((x) => certificateOf(x).domain ?? x['detail-type'])
            .join(', ') || 'nothing'
        }`,
      );
  } finally {
    routing.close();
    await Promise.all(Object.values(teams).map((r) => r.close()));
  }
};
