/**
 * Ownership routing end to end on the local AWS: an organization in moto whose member accounts
 * hold real generated certificates, scanned by the scan fan-out (planner and workers, member role
 * per account) into real events with the account's name, OU path and the certificates' ACM tags;
 * then the alert path (routing-on-moto.ts): the fan-out on SNS, the notifier posting to real local
 * webhook receivers, the ticket Lambda opening issues on a local Jira, SMS stand-in queues with the
 * filter policies the synthesized template gives each number. Two teams' certificates reach two
 * different destinations and never the other's; unmatched ones reach the default owner's.
 */
import { AddTagsToCertificateCommand } from '@aws-sdk/client-acm';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WatcherEvent } from '../../lambda/channels/format/view';
import { DEFAULT_MEMBER_ROLE_NAME } from '../../lambda/contracts/organization';
import { ownerRulesFromEnv } from '../../lambda/contracts/owners';
import { demoRouting } from '../../scripts/demo-routing';
import { watcherStack } from '../infra/stacks';
import { seedAcm } from '../support/acm-seed';
import type { ReceivedEvent } from '../support/bus-capture';
import { type Moto, startMoto } from '../support/moto';
import { acmIn, scanFanoutOnMoto, seedOrganization } from '../support/organization-on-moto';
import { ONCALL_SMS, PAYMENTS_SMS, PLATFORM_SMS, TEAMS_PROPS as PROPS } from '../support/owner-teams';
import { routingOnMoto } from '../support/routing-on-moto';
import { startTicketServer, type TicketServer } from '../support/ticket-servers';
import { startReceiver, type WebhookReceiver } from '../support/webhook-receivers';

const REGION = 'eu-west-1';
type Cert = { domain: string; account: string };
const certOf = (e: WatcherEvent) => (e.detail as { certificate: Cert }).certificate;
/** The certificate domains a receiver got, from each kind's payload. */
const domainsIn = (r: WebhookReceiver): string[] =>
  r.requests
    .map((q) => q.body.match(/[a-z0-9-]+\.(?:payments|platform|shared)\.example\.com/)?.[0] ?? '?')
    .sort();

describe('ownership routing on moto: two teams, two destinations, and the default', () => {
  let moto: Moto;
  let receivers: Record<'payments' | 'platform' | 'ops' | 'siem', WebhookReceiver>;
  let jira: TicketServer;
  let events: WatcherEvent[];
  let accounts: Readonly<Record<string, string>>;

  beforeAll(async () => {
    moto = await startMoto({ strictRoleNames: [DEFAULT_MEMBER_ROLE_NAME] });
    const org = await seedOrganization(moto, [
      { name: 'payments-prod', ou: 'Payments' },
      { name: 'platform', ou: 'Platform' },
      { name: 'shared', ou: 'Shared' },
    ]);
    accounts = org.accounts;
    // Each account: one certificate 5 days from expiry (critical: chat, SMS, ticket); the shared
    // account also one tagged for payments.
    for (const [account, names] of [
      ['payments-prod', ['api.payments.example.com']],
      ['platform', ['ci.platform.example.com']],
      ['shared', ['wiki.shared.example.com', 'pay-proxy.shared.example.com']],
    ] as const) {
      const acm = await acmIn(moto, accounts[account] ?? '', REGION);
      const seeded = await seedAcm(
        () => acm,
        names.map((name) => ({
          region: REGION,
          name,
          days: 5.5,
          key: { kind: 'ec', curve: 'P-256' } as const,
        })),
      );
      const proxy = seeded.find((s) => s.name.startsWith('pay-proxy'));
      if (proxy)
        await acm.send(
          new AddTagsToCertificateCommand({
            CertificateArn: proxy.arn,
            Tags: [{ Key: 'team', Value: 'payments' }],
          }),
        );
    }
    const scan = await scanFanoutOnMoto(moto, {
      home: REGION,
      name: 'owners',
      sources: [{ kind: 'acm', regions: [REGION] }],
      accounts: { mode: 'organization' },
    });
    await scan.plan({ id: 'period-1' });
    await scan.drain();
    events = (await scan.capture.receive(5, 20_000)).filter(
      (e) => e['detail-type'] === 'Certificate Expiring',
    ) as unknown as WatcherEvent[];
    receivers = {
      payments: await startReceiver('slack'),
      platform: await startReceiver('teams'),
      ops: await startReceiver('google-chat'),
      siem: await startReceiver('webhook'),
    };
    jira = await startTicketServer('jira', { jiraProjects: ['OPS', 'PAY', 'PLAT'] });
  }, 180_000);

  afterAll(async () => {
    await Promise.all(Object.values(receivers ?? {}).map((r) => r.close()));
    await jira?.close();
    await moto?.stop();
  });

  it('routes each certificate to its team only, as the synthesized stack is configured', async () => {
    // The scan saw each account's certificates with the owner fields the rules read.
    expect(events.map((e) => certOf(e).domain).sort()).toEqual([
      'api.payments.example.com',
      'ci.platform.example.com',
      'pay-proxy.shared.example.com',
      'wiki.shared.example.com',
    ]);
    expect(events.find((e) => certOf(e).domain === 'pay-proxy.shared.example.com')?.detail).toMatchObject({
      certificate: { accountName: 'shared', ouPath: ['Shared'], tags: { team: 'payments' } },
    });

    // What the deployed stack would run with: the OWNERS variable and each SMS subscription's filter.
    const template = Template.fromStack(watcherStack(PROPS).stack);
    const fanoutEnv = Object.values(template.findResources('AWS::Lambda::Function')).find((f) =>
      String(f.Properties.Description).startsWith('Routes watcher events'),
    )?.Properties.Environment.Variables as Record<string, string>;
    const owners = ownerRulesFromEnv(fanoutEnv.OWNERS);
    const filters = Object.fromEntries(
      Object.values(template.findResources('AWS::SNS::Subscription'))
        .filter((s) => s.Properties.Protocol === 'sms')
        .map((s) => [s.Properties.Endpoint as string, s.Properties.FilterPolicy]),
    );
    expect(Object.keys(filters).sort()).toEqual([PAYMENTS_SMS, PLATFORM_SMS, ONCALL_SMS].sort());

    const url = (r: WebhookReceiver) =>
      `${r.url}${{ slack: '/services/T0000/B0000/XXXXSECRETXXXX', teams: '/workflows/abc/triggers/manual/paths/invoke?sig=S', 'google-chat': '/v1/spaces/AAAA/messages?key=K', webhook: '/hooks/cert-watch' }[r.kind]}`;
    const routing = await routingOnMoto(moto, {
      region: REGION,
      name: 'owners',
      owners,
      webhooks: [
        { name: 'payments-slack', kind: 'slack', url: url(receivers.payments) },
        { name: 'platform-teams', kind: 'teams', url: url(receivers.platform) },
        { name: 'ops-chat', kind: 'google-chat', url: url(receivers.ops) },
        { name: 'siem', kind: 'webhook', url: url(receivers.siem) },
      ],
      connectors: [
        {
          config: { name: 'jira', kind: 'jira', baseUrl: jira.baseUrl, project: 'OPS' },
          secret: jira.secret,
        },
      ],
      sms: filters,
    });
    try {
      const routed = await routing.route(events);

      // The owner on every message: by OU, by tag in an account of no team's OU, else the default.
      const ownerOf = (domain: string) =>
        routed.owners[events.find((e) => certOf(e).domain === domain)?.id ?? ''];
      expect(ownerOf('api.payments.example.com')).toBe('payments');
      expect(ownerOf('pay-proxy.shared.example.com')).toBe('payments');
      expect(ownerOf('ci.platform.example.com')).toBe('platform');
      expect(ownerOf('wiki.shared.example.com')).toBe('ops');

      // Webhooks: each team's channel gets its certificates and never the other's; the SIEM, which
      // no owner names, gets everything.
      expect(domainsIn(receivers.payments)).toEqual([
        'api.payments.example.com',
        'pay-proxy.shared.example.com',
      ]);
      expect(domainsIn(receivers.platform)).toEqual(['ci.platform.example.com']);
      expect(domainsIn(receivers.ops)).toEqual(['wiki.shared.example.com']);
      expect(domainsIn(receivers.siem)).toHaveLength(4);

      // SMS (critical expiring): each team's phone only its own; the on-call number no owner names, all.
      const smsDomains = (n: string) =>
        (routed.sms[n] ?? [])
          .map((t) => t.match(/[a-z0-9-]+\.(?:payments|platform|shared)\.example\.com/)?.[0])
          .sort();
      expect(smsDomains(PAYMENTS_SMS)).toEqual(['api.payments.example.com', 'pay-proxy.shared.example.com']);
      expect(smsDomains(PLATFORM_SMS)).toEqual(['ci.platform.example.com']);
      expect(smsDomains(ONCALL_SMS)).toHaveLength(4);

      // Tickets: one issue each, in the owner's project (the default's: the connector's own).
      const issues = jira.tickets.map((t) => [
        t.key.split('-')[0],
        t.title.match(/[a-z0-9-]+\.(?:payments|platform|shared)\.example\.com/)?.[0],
      ]);
      expect(issues.sort()).toEqual([
        ['OPS', 'wiki.shared.example.com'],
        ['PAY', 'api.payments.example.com'],
        ['PAY', 'pay-proxy.shared.example.com'],
        ['PLAT', 'ci.platform.example.com'],
      ]);

      // Delivered again (at-least-once): the claims and records per connector, project and
      // location keep it to one issue per certificate.
      await routing.route(events);
      expect(jira.tickets).toHaveLength(4);
    } finally {
      routing.close();
    }
  }, 120_000);

  it('the demo step: by OU, Payments to "payments", Platform to "platform", the rest to the default owner', async () => {
    const lines: string[] = [];
    await demoRouting(moto, events as unknown as ReceivedEvent[], (s = '') => lines.push(s));
    const out = lines.join('\n');
    expect(out).toContain('payments received 1: api.payments.example.com');
    expect(out).toContain('platform received 1: ci.platform.example.com');
    // The tagged certificate lives in the Shared OU: with OU rules only, it is the default owner's.
    expect(out).toMatch(/pay-proxy\.shared\.example\.com\s+shared \(Shared\)\s+ops\s+\(none\)/);
  }, 60_000);
});
