/**
 * Ownership routing: the owner rules (lambda/contracts/owners.ts) and their matching
 * (lambda/channels/owners.ts) on events made by the real builders, including fleet groups from the
 * real lifecycle and endpoint events; then what the fan-out, the notifier and the ticket Lambda do
 * with the owner.
 */
import { describe, expect, it } from 'vitest';
import type { WatcherEvent } from '../../lambda/channels/format/view';
import { matchesOwner, normalizeDomain, ownerOf, ownerSubjectOf } from '../../lambda/channels/owners';
import { DEFAULT_ROUTING } from '../../lambda/contracts/channels';
import { ConfigurationError } from '../../lambda/contracts/errors';
import {
  checkOwnerDestinations,
  connectorForProject,
  destinationTakes,
  type OwnerRules,
  ownerRulesFromEnv,
  ownersNaming,
  parseOwnerRules,
} from '../../lambda/contracts/owners';
import type { ConnectorConfig } from '../../lambda/contracts/ticket-connectors';
import type { CertificateRecord } from '../../lambda/core/certificate';
import { DEFAULT_THRESHOLDS, evaluate } from '../../lambda/core/evaluate';
import { type BusEvent, certificateEvent, DetailType } from '../../lambda/core/events';
import { silentLogger } from '../../lambda/core/ports';
import { MS_PER_DAY } from '../../lambda/core/time';
import { makeFanoutHandler, publishInputFor } from '../../lambda/handlers/make-fanout-handler';
import { destinationsFor, notifyConfigFromEnv } from '../../lambda/handlers/make-notify-handler';
import {
  type TicketConfig,
  ticketConfigFromEnv,
  ticketStoresFor,
  ticketTargetsOf,
} from '../../lambda/handlers/make-ticket-handler';
import { lifecycleConfig } from '../../lambda/lifecycle/model';
import { processScan } from '../../lambda/lifecycle/run-lifecycle';
import { InMemoryLifecycleStore } from '../support/in-memory-lifecycle-store';
import { acmRecord, envelope, NOW, sampleEvents } from '../support/webhook-receivers';

const PAYMENTS_PROD = '111111111111';
const PLATFORM = '333333333333';

const certEvent = (over: Partial<CertificateRecord>): WatcherEvent => {
  const r = acmRecord(over);
  return envelope(certificateEvent(r, evaluate(r, NOW, DEFAULT_THRESHOLDS), { scanId: 's', now: NOW }));
};

const rules = (value: unknown): OwnerRules => parseOwnerRules(value);

const TEAMS = rules({
  owners: [
    { name: 'web', match: { tags: { owner: 'web-team@example.com' } }, webhooks: ['web-slack'] },
    {
      name: 'payments',
      match: { ous: ['Payments'], tags: { team: 'payments' } },
      webhooks: ['payments-slack'],
    },
    {
      name: 'platform',
      match: { accounts: [PLATFORM], ous: ['Workloads/Platform'] },
      webhooks: ['platform-teams'],
    },
    {
      name: 'shop',
      match: { domainSuffixes: ['.shop.example.com', '.xn--bcher-kva.example'] },
      smsNumbers: ['+14155550100'],
    },
    { name: 'any-cost-centre', match: { tags: { 'cost-centre': '*', env: 'prod' } } },
  ],
  defaultOwner: { name: 'ops', webhooks: ['ops-chat'] },
});

const owner = (e: WatcherEvent) => ownerOf(e, TEAMS).name;

describe('owner of a certificate event', () => {
  it('by OU name anywhere in the path, and by OU path prefix from the root', () => {
    expect(owner(certEvent({ ouPath: ['Workloads', 'Payments'] }))).toBe('payments');
    expect(owner(certEvent({ ouPath: ['Payments', 'Dev'] }))).toBe('payments');
    expect(owner(certEvent({ ouPath: ['Workloads', 'Platform', 'Shared'] }))).toBe('platform');
    // The prefix is from the root: Platform under another parent is not Workloads/Platform.
    expect(owner(certEvent({ ouPath: ['Sandbox', 'Workloads', 'Platform'] }))).toBe('ops');
    // Names are compared exactly (OU names are case-sensitive in Organizations).
    expect(owner(certEvent({ ouPath: ['payments'] }))).toBe('ops');
  });

  it('by account id', () => {
    expect(owner(certEvent({ account: PLATFORM }))).toBe('platform');
    expect(owner(certEvent({ account: PAYMENTS_PROD }))).toBe('ops');
  });

  it('by tags: every listed tag must be there, * takes any value', () => {
    expect(owner(certEvent({ tags: { team: 'payments' } }))).toBe('payments');
    expect(owner(certEvent({ tags: { team: 'Payments' } }))).toBe('ops');
    expect(owner(certEvent({ tags: { 'cost-centre': 'cc-42', env: 'prod' } }))).toBe('any-cost-centre');
    expect(owner(certEvent({ tags: { 'cost-centre': 'cc-42' } }))).toBe('ops');
    expect(owner(certEvent({ tags: { 'cost-centre': 'cc-42', env: 'dev' } }))).toBe('ops');
  });

  it('by domain suffix on the domain or any SAN: case, trailing dot, wildcard, the apex itself, U-labels', () => {
    const on = (domain: string, sans: string[] = []) => owner(certEvent({ domain, sans }));
    expect(on('checkout.SHOP.example.com')).toBe('shop');
    expect(on('shop.example.com')).toBe('shop');
    expect(on('*.eu.shop.example.com')).toBe('shop');
    expect(on('a.shop.example.com.')).toBe('shop');
    expect(on('api.example.com', ['api.example.com', 'pay.shop.example.com'])).toBe('shop');
    expect(on('bücher.example')).toBe('shop');
    expect(on('www.xn--bcher-kva.example')).toBe('shop');
    // A label boundary, not a string suffix.
    expect(on('badshop.example.com')).toBe('ops');
    expect(on('shop.example.com.evil.test')).toBe('ops');
  });

  it('first match wins: an account rule listed later does not take a certificate tagged for an earlier owner', () => {
    expect(owner(certEvent({ account: PLATFORM, tags: { team: 'payments' } }))).toBe('payments');
  });

  it('nothing matching, or no owner fields at all: the default owner', () => {
    expect(owner(sampleEvents.expiring())).toBe('ops');
    expect(ownerOf(sampleEvents.expiring(), rules({ owners: [] })).name).toBe('default');
  });

  it('renewed and removed lifecycle events are routed like the certificate they are about', () => {
    const renewed = sampleEvents.renewed();
    const detail = renewed.detail as { certificate: Record<string, unknown> };
    detail.certificate.ouPath = ['Payments'];
    expect(owner(renewed)).toBe('payments');
  });
});

describe('owner of endpoint events', () => {
  it('an endpoint certificate by its labels (its `owner` is a label) and its names', () => {
    const expired = sampleEvents.expired(); // labels { team: 'web' }, shop.example.com
    expect(owner(expired)).toBe('shop');
    const byOwnerLabel = certEvent({
      source: 'endpoint',
      id: 'x.test:443@192.0.2.1',
      domain: 'x.test',
      sans: ['x.test'],
      account: undefined,
      labels: { owner: 'web-team@example.com' },
    });
    expect(owner(byOwnerLabel)).toBe('web');
  });

  it('Endpoint Check Failed by the endpoint owner, labels, servername and host', () => {
    const failed = sampleEvents.checkFailed(); // owner mail-team@example.com, labels {team: mail}, mail.example.com
    expect(ownerSubjectOf(failed)).toMatchObject({
      tags: { owner: 'mail-team@example.com', team: 'mail' },
      domains: ['mail.example.com', 'mail.example.com'],
    });
    expect(owner(failed)).toBe('ops');
    const mailRules = rules({
      owners: [{ name: 'mail', match: { tags: { owner: 'mail-team@example.com' } } }],
    });
    expect(ownerOf(failed, mailRules).name).toBe('mail');
    const byHost = rules({ owners: [{ name: 'mail', match: { domainSuffixes: ['.example.com'] } }] });
    expect(ownerOf(failed, byHost).name).toBe('mail');
  });
});

/** One scan of these certificates through the real lifecycle with grouping above 3: its group events. */
const groupsOf = async (
  domains: string[],
  account = PLATFORM,
  ouPath?: string[],
): Promise<WatcherEvent[]> => {
  const scope = `acm#${account}#eu-west-1`;
  const records: CertificateRecord[] = domains.map((domain, i) =>
    acmRecord({
      id: `arn:aws:acm:eu-west-1:${account}:certificate/${String(i).padStart(8, '0')}`,
      account,
      ...(ouPath ? { accountName: 'a-team-account', ouPath } : {}),
      domain,
      sans: [domain],
      fingerprintSha256: (i.toString(16).padStart(8, '0').repeat(8).toUpperCase().match(/../g) ?? []).join(
        ':',
      ),
      notAfter: new Date(NOW.getTime() + 5 * MS_PER_DAY),
    }),
  );
  const published: BusEvent[] = [];
  await processScan(
    {
      store: new InMemoryLifecycleStore(),
      publisher: {
        publish: async (events) => {
          published.push(...events);
          return { published: events.length };
        },
      },
      now: NOW,
      clock: () => NOW,
      config: lifecycleConfig({ groupAlertsAbove: 3 }),
    },
    {
      scanId: 'scan-g',
      observations: records.map((record) => ({ location: record.id, scope, record })),
      completeScopes: [scope],
    },
  );
  return published.filter((e) => e.detailType === DetailType.CertificateGroup).map((e) => envelope(e));
};

describe('owner of a Certificate Group (a fleet of one scope)', () => {
  it('by the group account; its members are sent to no one, so they never count', async () => {
    const [group] = await groupsOf(['a.internal', 'b.internal', 'c.internal', 'd.internal']);
    expect(group).toBeDefined();
    expect(owner(group!)).toBe('platform');
  });

  it('by domain suffix only when every member shown matches', async () => {
    const shopOnly = rules({ owners: [{ name: 'shop', match: { domainSuffixes: ['.shop.example.com'] } }] });
    const all = ['a', 'b', 'c', 'd'].map((x) => `${x}.shop.example.com`);
    const [whole] = await groupsOf(all, PAYMENTS_PROD);
    expect(ownerOf(whole!, shopOnly).name).toBe('shop');
    const [mixed] = await groupsOf([...all.slice(0, 3), 'd.other.example.org'], PAYMENTS_PROD);
    expect(ownerOf(mixed!, shopOnly).name).toBe('default');
  });

  it('tags never match a group (members differ); without an OU path it goes to the default', async () => {
    const [group] = await groupsOf(['a.x', 'b.x', 'c.x', 'd.x'], PAYMENTS_PROD);
    expect(ownerSubjectOf(group!)).toMatchObject({ account: PAYMENTS_PROD, tags: {} });
    expect(owner(group!)).toBe('ops');
  });

  it("by OU: a group carries its account's name and OU path (every member is in that account)", async () => {
    const [group] = await groupsOf(['a.x', 'b.x', 'c.x', 'd.x'], PAYMENTS_PROD, ['Workloads', 'Payments']);
    expect((group!.detail as { group: Record<string, unknown> }).group).toMatchObject({
      accountName: 'a-team-account',
      ouPath: ['Workloads', 'Payments'],
    });
    expect(owner(group!)).toBe('payments');
  });
});

describe('matchesOwner', () => {
  it('an empty match meets nothing; any one criterion is enough', () => {
    const subject = ownerSubjectOf(certEvent({ account: PLATFORM, tags: { team: 'x' } }));
    expect(matchesOwner({}, subject)).toBe(false);
    expect(matchesOwner({ accounts: ['999999999999'], tags: { team: 'x' } }, subject)).toBe(true);
  });

  it('normalizeDomain: lower-case A-labels without trailing dot or wildcard', () => {
    expect(normalizeDomain('*.Bücher.Example.')).toBe('xn--bcher-kva.example');
    expect(normalizeDomain('API.example.com')).toBe('api.example.com');
  });
});

describe('validation (the construct at synth and the Lambdas at init run the same parser)', () => {
  const bad = (value: unknown, message: RegExp) => expect(() => parseOwnerRules(value)).toThrow(message);

  it('names, duplicates and the default owner', () => {
    bad({ owners: [{ name: 'a b', match: { accounts: [PLATFORM] } }] }, /owners\[0\]\.name must be 1-64/);
    bad({ owners: [{ name: 'x'.repeat(65), match: { accounts: [PLATFORM] } }] }, /name must be 1-64/);
    bad(
      {
        owners: [
          { name: 'a', match: { accounts: [PLATFORM] } },
          { name: 'a', match: { ous: ['X'] } },
        ],
      },
      /names owner "a" twice/,
    );
    bad({ owners: [{ name: 'default', match: { ous: ['X'] } }] }, /names owner "default" twice/);
    bad({ owners: [], defaultOwner: { name: 'ops', match: { ous: ['X'] } } }, /default owner.*no match/);
    bad({ owners: {} }, /owners\.owners must be an array/);
    bad({ owners: [], extra: 1 }, /unknown field "extra"/);
  });

  it('an empty match is refused except for the default owner', () => {
    bad({ owners: [{ name: 'a', match: {} }] }, /owners\[0\]\.match is empty/);
    bad({ owners: [{ name: 'a' }] }, /owners\[0\]\.match must be an object/);
    expect(parseOwnerRules({ owners: [], defaultOwner: { webhooks: ['x'] } }).defaultOwner).toEqual({
      name: 'default',
      match: {},
      webhooks: ['x'],
    });
  });

  it('criteria: accounts, OUs, tags, domain suffixes', () => {
    bad(
      { owners: [{ name: 'a', match: { accounts: ['12345'] } }] },
      /accounts must be 12-digit account ids, got "12345"/,
    );
    bad({ owners: [{ name: 'a', match: { accounts: [] } }] }, /accounts must be a non-empty array/);
    bad({ owners: [{ name: 'a', match: { ous: ['A//B'] } }] }, /ous entries are OU names or paths/);
    bad({ owners: [{ name: 'a', match: { tags: {} } }] }, /tags must be a non-empty object/);
    bad({ owners: [{ name: 'a', match: { tags: { team: 3 } } }] }, /tags\.team must be a non-empty string/);
    bad(
      { owners: [{ name: 'a', match: { domainSuffixes: ['example.com'] } }] },
      /leading dot, like \.example\.com/,
    );
    bad(
      { owners: [{ name: 'a', match: { domainSuffixes: ['.bücher.example'] } }] },
      /as "\.xn--bcher-kva\.example"/,
    );
    bad({ owners: [{ name: 'a', match: { domainSuffixes: ['.-bad.example'] } }] }, /DNS suffix/);
    bad({ owners: [{ name: 'a', match: { team: 'x' } }] }, /unknown criterion "team"/);
    expect(
      parseOwnerRules({ owners: [{ name: 'a', match: { domainSuffixes: ['.Example.COM'] } }] }).owners[0]
        ?.match,
    ).toEqual({ domainSuffixes: ['.example.com'] });
  });

  it('destinations: SMS numbers, ticket connector', () => {
    bad({ owners: [{ name: 'a', match: { ous: ['X'] }, smsNumbers: ['555-0100'] }] }, /E\.164/);
    bad({ owners: [{ name: 'a', match: { ous: ['X'] }, tickets: 'jira' }] }, /tickets must be an object/);
    bad(
      { owners: [{ name: 'a', match: { ous: ['X'] }, tickets: { connector: 'jira', project: '' } }] },
      /project/,
    );
  });

  it('unknown webhook and connector names, and a project the connector cannot take', () => {
    const r = rules({
      owners: [
        { name: 'a', match: { ous: ['X'] }, webhooks: ['nope'], tickets: { connector: 'pd', project: 'P' } },
      ],
    });
    expect(() => checkOwnerDestinations(r, { webhooks: ['ops'] })).toThrow(
      'owners owner "a" names webhook "nope", which is not a webhook destination (known: ops)',
    );
    expect(() => checkOwnerDestinations(r, { connectors: [] })).toThrow(
      /ticket connector "pd", which is not configured \(known: none\)/,
    );
    expect(() =>
      checkOwnerDestinations(r, { connectors: [{ name: 'pd', kind: 'pagerduty', secretId: 's' }] }),
    ).toThrow(/cannot be set for PagerDuty/);
  });

  it('the resolved rules, as the construct passes them in OWNERS, parse to themselves', () => {
    expect(ownerRulesFromEnv(JSON.stringify(TEAMS))).toEqual(TEAMS);
  });

  it('env OWNERS: unset means no ownership routing; bad JSON names the variable', () => {
    expect(ownerRulesFromEnv(undefined)).toBeUndefined();
    expect(ownerRulesFromEnv('  ')).toBeUndefined();
    expect(() => ownerRulesFromEnv('{')).toThrow(/environment variable OWNERS is not valid JSON/);
    expect(() => ownerRulesFromEnv('{"owners":[{"name":"a","match":{}}]}')).toThrow(ConfigurationError);
  });
});

describe('connectorForProject', () => {
  const jira: ConnectorConfig = {
    name: 'jira',
    kind: 'jira',
    secretId: 's',
    baseUrl: 'https://x.atlassian.net',
    project: 'OPS',
  };
  const github: ConnectorConfig = { name: 'gh', kind: 'github', secretId: 's', owner: 'acme', repo: 'ops' };

  it('Jira project key, GitHub repository (repo or owner/repo), ServiceNow assignment group', () => {
    expect(connectorForProject(jira, 'PAY', 'at')).toMatchObject({ name: 'jira', project: 'PAY' });
    expect(connectorForProject(github, 'payments', 'at')).toMatchObject({ owner: 'acme', repo: 'payments' });
    expect(connectorForProject(github, 'pay-org/certs', 'at')).toMatchObject({
      owner: 'pay-org',
      repo: 'certs',
    });
    expect(
      connectorForProject(
        { name: 'sn', kind: 'servicenow', secretId: 's', baseUrl: 'https://x.service-now.com' },
        'Payments Ops',
        'at',
      ),
    ).toMatchObject({ assignmentGroup: 'Payments Ops' });
    expect(connectorForProject(jira, undefined, 'at')).toBe(jira);
  });

  it('refuses what would be injected into a query or a path', () => {
    expect(() => connectorForProject(jira, 'PAY" OR project = "HR', 'at')).toThrow(/Jira project key/);
    expect(() => connectorForProject(github, 'a/b/c', 'at')).toThrow(/GitHub repository/);
    expect(() => connectorForProject(github, '../x', 'at')).toThrow(/GitHub repository/);
  });
});

describe('destinations by owner', () => {
  it('a destination named by owners takes only theirs; one no owner names takes everything', () => {
    const payments = TEAMS.owners[1]!;
    expect(ownersNaming(TEAMS, 'webhook', 'payments-slack')).toEqual(['payments']);
    expect(ownersNaming(TEAMS, 'sms', '+14155550100')).toEqual(['shop']);
    expect(ownersNaming(TEAMS, 'webhook', 'siem')).toEqual([]);
    expect(destinationTakes(TEAMS, payments, 'webhook', 'payments-slack')).toBe(true);
    expect(destinationTakes(TEAMS, payments, 'webhook', 'platform-teams')).toBe(false);
    expect(destinationTakes(TEAMS, payments, 'webhook', 'siem')).toBe(true);
  });
});

describe('the fan-out publishes the owner', () => {
  it('as the String attribute `owner` on every channel, and not at all without owner rules', async () => {
    const sent: { input: { MessageAttributes?: Record<string, { StringValue?: string }> } }[] = [];
    const sns = {
      send: async (c: unknown) => {
        sent.push(c as (typeof sent)[number]);
        return { MessageId: 'm' };
      },
    };
    const config = {
      topicArns: { chat: 'c', sms: 's', tickets: 't' },
      routing: DEFAULT_ROUTING,
      owners: TEAMS,
    };
    const out = await makeFanoutHandler({ config, sns: sns as never, logger: silentLogger })(
      certEvent({ ouPath: ['Payments'] }),
    );
    expect(out).toEqual({ channels: ['chat', 'sms', 'tickets'], owner: 'payments' });
    expect(sent.map((c) => c.input.MessageAttributes?.owner)).toEqual(
      Array(3).fill({ DataType: 'String', StringValue: 'payments' }),
    );
    expect(publishInputFor('chat', 'c', sampleEvents.expiring()).MessageAttributes).not.toHaveProperty(
      'owner',
    );
  });
});

describe('the notifier posts to the owner’s webhooks and those no owner names', () => {
  const env = (owners: unknown) => ({
    WEBHOOK_DESTINATIONS: JSON.stringify(
      ['web-slack', 'payments-slack', 'platform-teams', 'ops-chat', 'siem'].map((name) => ({
        name,
        kind: 'webhook',
        secretId: `s/${name}`,
      })),
    ),
    OWNERS: JSON.stringify(owners),
  });

  it('picks destinations per event', () => {
    const config = notifyConfigFromEnv(env(TEAMS));
    const names = (e: WatcherEvent) => destinationsFor(config, e).map((d) => d.name);
    expect(names(certEvent({ ouPath: ['Payments'] }))).toEqual(['payments-slack', 'siem']);
    expect(names(certEvent({ account: PLATFORM }))).toEqual(['platform-teams', 'siem']);
    expect(names(certEvent({ domain: 'a.shop.example.com' }))).toEqual(['siem']);
    expect(names(sampleEvents.expiring())).toEqual(['ops-chat', 'siem']);
  });

  it('fails at init when an owner names a webhook that is not a destination', () => {
    const owners = { owners: [{ name: 'a', match: { ous: ['X'] }, webhooks: ['gone'] }] };
    expect(() => notifyConfigFromEnv(env(owners))).toThrow(
      /environment variable OWNERS owner "a" names webhook "gone"/,
    );
  });
});

describe('the ticket Lambda opens tickets with the owner’s connector and project', () => {
  const connectors = [
    { name: 'jira', kind: 'jira', secretId: 'j', baseUrl: 'https://x.atlassian.net', project: 'OPS' },
    { name: 'gh', kind: 'github', secretId: 'g', owner: 'acme', repo: 'certs' },
    { name: 'pd', kind: 'pagerduty', secretId: 'p' },
  ];
  const owners = {
    owners: [
      { name: 'payments', match: { ous: ['Payments'] }, tickets: { connector: 'jira', project: 'PAY' } },
      {
        name: 'platform',
        match: { accounts: [PLATFORM] },
        tickets: { connector: 'gh', project: 'platform-certs' },
      },
      { name: 'quiet', match: { tags: { quiet: '*' } } },
    ],
    defaultOwner: { tickets: { connector: 'jira' } },
  };
  const config: TicketConfig = ticketConfigFromEnv({
    TICKET_CONNECTORS: JSON.stringify(connectors),
    OWNERS: JSON.stringify(owners),
  });

  it('one target per connector and per owner project, each with its own references', () => {
    expect(
      ticketTargetsOf(config).map((t) => [
        t.store,
        t.index,
        (t.connector as { project?: string; repo?: string }).project ??
          (t.connector as { repo?: string }).repo,
      ]),
    ).toEqual([
      ['jira', 0, 'OPS'],
      ['gh', 1, 'certs'],
      ['pd', 2, undefined],
      ['jira@PAY', 0, 'PAY'],
      ['gh@platform-certs', 1, 'platform-certs'],
    ]);
  });

  it('an event reaches its owner’s target and the connectors no owner names (PagerDuty here)', () => {
    expect(ticketStoresFor(config, certEvent({ ouPath: ['Payments'] }))).toEqual(['pd', 'jira@PAY']);
    expect(ticketStoresFor(config, certEvent({ account: PLATFORM }))).toEqual(['pd', 'gh@platform-certs']);
    expect(ticketStoresFor(config, certEvent({ tags: { quiet: 'yes' } }))).toEqual(['pd']);
    expect(ticketStoresFor(config, sampleEvents.expiring())).toEqual(['pd', 'jira']);
  });

  it('fails at init on an unknown connector or a project PagerDuty cannot take', () => {
    const withOwners = (o: unknown) => () =>
      ticketConfigFromEnv({ TICKET_CONNECTORS: JSON.stringify(connectors), OWNERS: JSON.stringify(o) });
    expect(withOwners({ owners: [], defaultOwner: { tickets: { connector: 'servicenow' } } })).toThrow(
      /names ticket connector "servicenow", which is not configured \(known: jira, gh, pd\)/,
    );
    expect(withOwners({ owners: [], defaultOwner: { tickets: { connector: 'pd', project: 'X' } } })).toThrow(
      /PagerDuty/,
    );
  });
});
