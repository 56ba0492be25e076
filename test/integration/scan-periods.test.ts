/**
 * Scan periods on the local AWS (planner, queues, workers, state table, bus), with the test-only
 * source whose scopes succeed or fail as each case says: coverage gaps raised and reminded, a
 * failed scope's certificates never counted removed, a redelivered unit counted once, a unit that
 * fails every attempt reported by the next period.
 */
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CertificateRecord } from '../../lambda/core/certificate';
import type { BusEvent } from '../../lambda/core/events';
import type { Scope } from '../../lambda/core/ports';
import { MS_PER_DAY } from '../../lambda/core/time';
import type { ReceivedEvent } from '../support/bus-capture';
import { MOTO_ACCOUNT, type Moto, startMoto } from '../support/moto';
import { scanFanoutOnMoto } from '../support/organization-on-moto';
import { assertValidEvent } from '../support/schemas';
import { registryWithTestSource, TEST_SOURCE_KIND, type TestScopeContent } from '../support/test-source';

const OTHER = '210987654321';
const accessDenied = () =>
  Object.assign(new Error('not authorized to list'), { name: 'AccessDeniedException' });

/** Dates fixed once per file: a store answers the same notAfter on every listing (a new one would be a renewal). */
const T0 = Date.now();
const record = (account: string, id: string, days: number): CertificateRecord => ({
  source: TEST_SOURCE_KIND,
  id: `vault:${account}:${id}`,
  account,
  domain: `${id}.example.com`,
  sans: [],
  type: 'IMPORTED',
  notBefore: new Date(T0 - 300 * MS_PER_DAY),
  notAfter: new Date(T0 + days * MS_PER_DAY),
});

const ofType = (events: readonly ReceivedEvent[], type: string) =>
  events.filter((e) => e['detail-type'] === type);

describe('scan periods (moto)', () => {
  let moto: Moto;
  beforeAll(async () => {
    moto = await startMoto();
  }, 60_000);
  afterAll(async () => {
    await moto?.stop();
  });

  /** The fan-out over this account and OTHER, the test source answering `content(scope, period)`. */
  const fanout = async (
    name: string,
    content: (scope: Scope, period: number) => TestScopeContent,
    extra: Partial<Parameters<typeof scanFanoutOnMoto>[1]> = {},
  ) => {
    let period = 0;
    const run = await scanFanoutOnMoto(moto, {
      home: 'eu-west-1',
      name,
      sources: [{ kind: TEST_SOURCE_KIND }],
      accounts: {
        mode: 'list',
        accounts: [
          { id: MOTO_ACCOUNT, name: 'watcher' },
          { id: OTHER, name: 'payments' },
        ],
      },
      plugins: registryWithTestSource((scope) => content(scope, period)),
      gapPeriods: 2,
      ...extra,
    });
    /** One period: plan, drain, then the events it produced (`expect` of them, the heartbeat included). */
    const next = async (expect: number) => {
      period += 1;
      await run.plan({ id: `${name}-${period}` });
      const drained = await run.drain();
      return { drained, events: await run.capture.receive(expect, 15_000) };
    };
    return { run, next };
  };

  it('raises a Coverage Gap at the Nth missed period and every N after, naming the reason, and not before', async () => {
    const { run, next } = await fanout('gap', (scope) =>
      scope.account === OTHER ? { error: accessDenied() } : { records: [] },
    );
    const periods = [];
    for (let i = 0; i < 4; i++) periods.push((await next(i % 2 === 1 ? 2 : 1)).events);
    const gaps = periods.map((events) => ofType(events, 'Coverage Gap'));
    expect(gaps.map((g) => g.length)).toEqual([0, 1, 0, 1]);
    for (const events of periods) for (const e of events) assertValidEvent(e['detail-type'], e.detail);
    expect(gaps[1]?.[0]?.detail).toMatchObject({
      scope: `${TEST_SOURCE_KIND}#${OTHER}`,
      account: OTHER,
      accountName: 'payments',
      periodsMissed: 2,
      reason: 'ACCESS_DENIED',
      code: 'AccessDeniedException',
    });
    expect(gaps[3]?.[0]?.detail).toMatchObject({ periodsMissed: 4 });
    // The alarm's metric is a level: the scope is in a gap at periods 2, 3 and 4, not only when an event is raised.
    const levels = run.metrics.filter((m) => 'ScopesInCoverageGap' in m).map((m) => m.ScopesInCoverageGap);
    expect(levels).toEqual([0, 1, 1, 1]);
    const heartbeat = ofType(periods[3] ?? [], 'Scan Completed')[0];
    expect(heartbeat?.detail).toMatchObject({
      coverage: { expected: 2, scanned: 1, failed: 1, skipped: 0, accounts: 2 },
      scopesFailed: [{ scope: `${TEST_SOURCE_KIND}#${OTHER}`, code: 'AccessDeniedException' }],
    });
  }, 120_000);

  it("keeps a failed account's certificates: no Removed while it fails, Removed once a complete listing lacks them", async () => {
    const { next } = await fanout('keep', (scope, period) => {
      if (scope.account !== OTHER) return { records: [] };
      if (period === 1) return { records: [record(OTHER, 'pay', 5.5)] };
      if (period === 2) return { error: accessDenied() };
      return { records: [] };
    });
    // The lifecycle removes a certificate after 3 complete listings without it (removeAfterMissingScans);
    // a failed listing must not count as one, so Removed comes at period 5, not 4.
    const first = await next(2);
    expect(
      ofType(first.events, 'Certificate Expiring').map((e) => (e.detail.certificate as { id: string }).id),
    ).toEqual([`vault:${OTHER}:pay`]);
    const second = await next(1);
    expect(second.events.map((e) => e['detail-type'])).toEqual(['Scan Completed']);
    for (const period of [3, 4])
      expect(
        (await next(1)).events.map((e) => e['detail-type']),
        `period ${period}`,
      ).toEqual(['Scan Completed']);
    const fifth = await next(2);
    expect(
      ofType(fifth.events, 'Certificate Removed').map((e) => (e.detail.certificate as { id: string }).id),
    ).toEqual([`vault:${OTHER}:pay`]);
  }, 120_000);

  it('counts a redelivered unit once: one outcome, one heartbeat with the exact coverage', async () => {
    const { run, next } = await fanout('dup', (scope) => ({
      records: [record(scope.account ?? '', 'x', 4.5)],
    }));
    // A copy of this account's unit for period 1, as SQS's at-least-once delivery may hand it over twice.
    await run.sqs.send(
      new SendMessageCommand({
        QueueUrl: run.queues[TEST_SOURCE_KIND],
        MessageBody: JSON.stringify({
          v: 1,
          scanId: 'dup-1',
          scanAt: new Date().toISOString(),
          kind: TEST_SOURCE_KIND,
          account: { id: MOTO_ACCOUNT },
        }),
      }),
    );
    const { drained, events } = await next(3);
    expect(drained.invocations).toBe(3);
    const heartbeats = ofType(events, 'Scan Completed');
    expect(heartbeats).toHaveLength(1);
    expect(heartbeats[0]?.detail).toMatchObject({
      coverage: { expected: 2, scanned: 2 },
      counts: { total: 2 },
    });
    expect(ofType(events, 'Certificate Expiring')).toHaveLength(2);
  }, 120_000);

  it('reports a unit that failed every attempt as NOT_COMPLETED when the next period starts', async () => {
    const refuseOther = (bus: { publish(e: readonly BusEvent[]): Promise<{ published: number }> }) => ({
      publish: async (events: readonly BusEvent[]) => {
        const forOther = events.some((e) => JSON.stringify(e.detail).includes(`vault:${OTHER}:`));
        if (forOther) throw Object.assign(new Error('PutEvents refused'), { name: 'InternalException' });
        return bus.publish(events);
      },
    });
    const { next } = await fanout(
      'dead',
      (scope) => ({ records: scope.account === OTHER ? [record(OTHER, 'stuck', 2.5)] : [] }),
      { publisher: refuseOther },
    );
    const first = await next(1);
    // Three deliveries of OTHER's unit failed, then SQS moved it to the dead-letter queue: the period never completed.
    expect(first.drained.failures).toBe(3);
    expect(first.events).toEqual([]);
    const second = await next(1);
    const previous = ofType(second.events, 'Scan Completed').find((e) => e.detail.scanId === 'dead-1');
    expect(previous?.detail).toMatchObject({
      coverage: { expected: 2, scanned: 1, failed: 1 },
      scopesFailed: [{ scope: `${TEST_SOURCE_KIND}#${OTHER}`, code: 'NOT_COMPLETED' }],
    });
  }, 120_000);
});
