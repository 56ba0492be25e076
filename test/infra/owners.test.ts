/**
 * Ownership routing in the template: SMS subscriptions filtered on the message attribute `owner`,
 * the owner rules in the fan-out's, the notifier's and the ticket Lambda's environment (parsed back
 * with the Lambdas' own parsers), synth-time errors, the context key, and cdk-nag.
 */
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { ownerRulesFromEnv } from '../../lambda/contracts/owners';
import { notifyConfigFromEnv } from '../../lambda/handlers/make-notify-handler';
import { ticketConfigFromEnv } from '../../lambda/handlers/make-ticket-handler';
import {
  CertificateExpiryWatcher,
  type CertificateExpiryWatcherProps,
  InvalidWatcherConfigError,
  SlackWebhook,
} from '../../lib';
import { parseWatcherContext } from '../../lib/context';
import { ONCALL_SMS, PAYMENTS_SMS, PLATFORM_SMS, TEAMS_PROPS } from '../support/owner-teams';
import { CDK_JSON_CONTEXT, testApp, watcherStack } from './stacks';

type Resource = { Type: string; Properties: Record<string, unknown> };

/** The two teams, plus a third owner whose webhook is a `channels` binding and who shares the payments phone. */
const PROPS: CertificateExpiryWatcherProps = {
  ...TEAMS_PROPS,
  channels: [new SlackWebhook({ name: 'web-slack', secretId: 'cert-watch/web' })],
  owners: [
    ...(TEAMS_PROPS.owners ?? []),
    {
      name: 'web',
      match: { domainSuffixes: ['.shop.example.com'] },
      webhooks: ['web-slack'],
      smsNumbers: [PAYMENTS_SMS],
    },
  ],
};

const envOf = (template: Template, entryHint: RegExp): Record<string, string> => {
  const fns = Object.values(
    template.findResources('AWS::Lambda::Function') as Record<string, Resource>,
  ).filter((f) => entryHint.test(String(f.Properties.Description ?? '')));
  expect(fns).toHaveLength(1);
  return (
    (fns[0]?.Properties.Environment as { Variables: Record<string, string> } | undefined)?.Variables ?? {}
  );
};

const smsSubscriptions = (template: Template) =>
  Object.values(template.findResources('AWS::SNS::Subscription') as Record<string, Resource>)
    .filter((s) => s.Properties.Protocol === 'sms')
    .map((s) => ({ number: s.Properties.Endpoint, filter: s.Properties.FilterPolicy }));

describe('owners in the template', () => {
  let template: Template;
  let stack: Stack;

  beforeAll(() => {
    stack = watcherStack(PROPS).stack;
    template = Template.fromStack(stack);
  });

  it('SMS: a number owners name filters on their names; one no owner names receives everything; an owner’s new number is subscribed', () => {
    expect(smsSubscriptions(template)).toEqual([
      { number: ONCALL_SMS, filter: undefined },
      { number: PAYMENTS_SMS, filter: { owner: ['payments', 'web'] } },
      { number: PLATFORM_SMS, filter: { owner: ['platform'] } },
    ]);
    // Filter policies apply to message attributes (the fan-out's `owner`), not to the body.
    const scoped = Object.values(
      template.findResources('AWS::SNS::Subscription') as Record<string, Resource>,
    ).filter((s) => s.Properties.FilterPolicy);
    for (const s of scoped)
      expect(s.Properties.FilterPolicyScope ?? 'MessageAttributes').toBe('MessageAttributes');
  });

  it('the fan-out, the notifier and the ticket Lambda get the same rules, which their own parsers accept', () => {
    const fanout = envOf(template, /^Routes watcher events/);
    const notifier = envOf(template, /^Posts watcher alerts/);
    const tickets = envOf(template, /^Opens, updates and resolves/);
    expect(notifier.OWNERS).toBe(fanout.OWNERS);
    expect(tickets.OWNERS).toBe(fanout.OWNERS);
    const rules = ownerRulesFromEnv(fanout.OWNERS);
    expect(rules?.owners.map((o) => o.name)).toEqual(['payments', 'platform', 'web']);
    expect(rules?.defaultOwner).toEqual({
      name: 'ops',
      match: {},
      webhooks: ['ops-chat'],
      tickets: { connector: 'jira' },
    });
    expect(notifyConfigFromEnv(notifier).owners).toEqual(rules);
    expect(ticketConfigFromEnv(tickets).owners).toEqual(rules);
  });

  it('stays cdk-nag AwsSolutions clean', () => {
    expect(new AwsSolutionsChecks().validateScope(stack).violations).toEqual([]);
  });
});

describe('without owners', () => {
  it('no OWNERS anywhere and no filter policy', () => {
    const template = Template.fromStack(
      watcherStack({ ...TEAMS_PROPS, owners: undefined, defaultOwner: undefined }).stack,
    );
    expect(envOf(template, /^Routes watcher events/).OWNERS).toBeUndefined();
    expect(envOf(template, /^Posts watcher alerts/).OWNERS).toBeUndefined();
    expect(envOf(template, /^Opens, updates and resolves/).OWNERS).toBeUndefined();
    expect(smsSubscriptions(template).every((s) => s.filter === undefined)).toBe(true);
  });
});

describe('synth-time errors', () => {
  const synth = (props: CertificateExpiryWatcherProps) => () =>
    new CertificateExpiryWatcher(new Stack(testApp(), 'S'), 'Watcher', props);

  it('an owner naming a webhook or connector that is not a channel', () => {
    expect(synth({ ...PROPS, channels: [] })).toThrow(
      new InvalidWatcherConfigError(
        'owners owner "web" names webhook "web-slack", which is not a webhook destination (known: payments-slack, platform-teams, ops-chat, siem)',
      ),
    );
    expect(synth({ ...PROPS, ticketConnectors: [] })).toThrow(
      /names ticket connector "jira", which is not configured/,
    );
  });

  it('more owners on one SMS number than an SNS filter policy can list', () => {
    const owners = Array.from({ length: 151 }, (_, i) => ({
      name: `team-${i}`,
      match: { tags: { team: `t${i}` } },
      smsNumbers: [PAYMENTS_SMS],
    }));
    expect(synth({ owners })).toThrow(
      `151 owners name SMS number ${PAYMENTS_SMS}; an SNS filter policy takes at most 150`,
    );
  });

  it('duplicate owners, an empty match, a bad project', () => {
    expect(synth({ ...PROPS, defaultOwner: { name: 'payments' } })).toThrow(/names owner "payments" twice/);
    expect(synth({ owners: [{ name: 'x', match: {} }] })).toThrow(InvalidWatcherConfigError);
    expect(
      synth({ ...PROPS, defaultOwner: { tickets: { connector: 'jira', project: 'not a key' } } }),
    ).toThrow(/Jira project key/);
  });
});

describe('context key watcher:owners', () => {
  it('is read into the owners props; unknown fields are refused', () => {
    const value = { owners: PROPS.owners, defaultOwner: PROPS.defaultOwner };
    const { watcherProps } = parseWatcherContext({
      ...CDK_JSON_CONTEXT,
      'watcher:owners': JSON.stringify(value),
    });
    expect(watcherProps.owners).toEqual(PROPS.owners);
    expect(watcherProps.defaultOwner).toEqual(PROPS.defaultOwner);
    expect(() => parseWatcherContext({ ...CDK_JSON_CONTEXT, 'watcher:owners': { owner: [] } })).toThrow(
      /watcher:owners.*unknown fields owner/,
    );
  });
});
