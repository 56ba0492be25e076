import { describe, expect, it } from 'vitest';
import type { WatcherEvent } from '../../lambda/channels/format/view';
import {
  DEFAULT_ROUTING,
  routedDetailTypes,
  routesFor,
  routingFromEnv,
  validateRouting,
} from '../../lambda/channels/routing';
import { ConfigurationError } from '../../lambda/shared/env';
import { sampleEvents } from '../support/webhook-receivers';

/** The sample expiring event (3 days left, critical) with another severity. */
const expiringWith = (severity: string): WatcherEvent => {
  const base = sampleEvents.expiring();
  const detail = base.detail as { evaluation: Record<string, unknown> };
  return { ...base, detail: { ...detail, evaluation: { ...detail.evaluation, severity } } };
};

describe('routesFor with the default routing', () => {
  it('sends a critical expiring certificate to chat, SMS and tickets', () => {
    expect(routesFor(sampleEvents.expiring())).toEqual(['chat', 'sms', 'tickets']);
  });

  it('keeps a warning off SMS but opens a ticket', () => {
    expect(routesFor(expiringWith('warning'))).toEqual(['chat', 'tickets']);
  });

  it('sends an expired certificate everywhere', () => {
    expect(routesFor(sampleEvents.expired())).toEqual(['chat', 'sms', 'tickets']);
  });

  it('sends renewed and removed to chat and tickets (to close), never SMS', () => {
    expect(routesFor(sampleEvents.renewed())).toEqual(['chat', 'tickets']);
    expect(routesFor(sampleEvents.removed())).toEqual(['chat', 'tickets']);
  });

  it('sends an endpoint misconfiguration to chat and tickets, not SMS', () => {
    expect(routesFor(sampleEvents.misconfigured())).toEqual(['chat', 'tickets']);
  });

  it('sends a failed endpoint check to chat and tickets: "Endpoint Recovered" closes its ticket (2.3)', () => {
    expect(routesFor(sampleEvents.checkFailed())).toEqual(['chat', 'tickets']);
  });

  it('sends Scan Completed and unknown detail-types nowhere', () => {
    expect(routesFor(sampleEvents.scanCompleted())).toEqual([]);
    expect(routesFor(sampleEvents.unknown())).toEqual([]);
  });

  it('routes an ok expiring event (a reminder after an ack) to chat only', () => {
    expect(routesFor(expiringWith('ok'))).toEqual(['chat']);
  });
});

describe('routesFor with custom routing', () => {
  it('follows the rules given, and a channel with no rules receives nothing', () => {
    const routing = validateRouting({
      sms: [{ detailTypes: ['Certificate Expiring'], severities: ['warning', 'critical'] }],
      tickets: [],
    });
    expect(routesFor(expiringWith('warning'), routing)).toEqual(['chat', 'sms']);
    expect(routesFor(sampleEvents.expired(), routing)).toEqual(['chat']);
  });
});

describe('routedDetailTypes', () => {
  it("is the sorted union of every channel, with the fleets' Certificate Group, without Scan Completed by default", () => {
    expect(routedDetailTypes(DEFAULT_ROUTING)).toEqual([
      'Certificate Deployed',
      'Certificate Expired',
      'Certificate Expiring',
      'Certificate Group',
      'Certificate Not Deployed',
      'Certificate Not Yet Valid',
      'Certificate Now Valid',
      'Certificate Removed',
      'Certificate Renewed',
      'Endpoint Check Failed',
      'Endpoint Misconfigured',
      'Endpoint Recovered',
    ]);
  });
});

it('routes no Certificate Group when no channel takes what fleets do', () => {
  const routing = { chat: [{ detailTypes: ['Certificate Removed'] }], sms: [], tickets: [] };
  expect(routedDetailTypes(routing)).toEqual(['Certificate Removed']);
});

describe('routing configuration', () => {
  it('defaults every channel left out, and unset ROUTING to the defaults', () => {
    expect(validateRouting({})).toEqual(DEFAULT_ROUTING);
    expect(routingFromEnv(undefined)).toBe(DEFAULT_ROUTING);
    expect(routingFromEnv('  ')).toBe(DEFAULT_ROUTING);
  });

  it('round-trips through ROUTING JSON', () => {
    const routing = validateRouting({ chat: [{ detailTypes: ['Certificate Expired'] }] });
    expect(routingFromEnv(JSON.stringify(routing))).toEqual(routing);
  });

  it('fails on ROUTING that is not JSON, naming the variable', () => {
    expect(() => routingFromEnv('{chat')).toThrow(/environment variable ROUTING is not valid JSON/);
  });

  it('fails on an unknown channel', () => {
    expect(() => validateRouting({ pager: [] })).toThrow(
      new ConfigurationError('routing has an unknown channel "pager" (use chat, sms, tickets)'),
    );
  });

  it('fails on a rule without detail-types', () => {
    expect(() => validateRouting({ sms: [{ severities: ['critical'] }] })).toThrow(
      'routing.sms[0].detailTypes must be a non-empty array of detail-types, got undefined',
    );
  });

  it('fails on an unknown severity, naming the rule', () => {
    expect(() =>
      routingFromEnv(
        JSON.stringify({ tickets: [{ detailTypes: ['Certificate Expired'], severities: ['high'] }] }),
      ),
    ).toThrow(
      'environment variable ROUTING.tickets[0].severities must be a non-empty array of ok, warning, critical, expired, info, got ["high"]',
    );
  });

  it('fails when a channel is not an array', () => {
    expect(() => validateRouting({ chat: 'all' })).toThrow('routing.chat must be an array of rules');
  });
});
