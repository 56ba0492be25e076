/**
 * The pure lifecycle (applyScan) scan after scan, with states kept between scans as the store
 * keeps them, and every event checked against its JSON Schema.
 */
import type { CertificateRecord } from '../../lambda/core/certificate';
import { MS_PER_DAY } from '../../lambda/core/time';
import { applyScan } from '../../lambda/lifecycle/apply-scan';
import type { LifecycleEvent } from '../../lambda/lifecycle/lifecycle-events';
import {
  type LifecycleConfig,
  type LifecycleScan,
  lifecycleConfig,
  type Observation,
  type TrackedState,
} from '../../lambda/lifecycle/model';
import { assertValidEvent } from './schemas';

export const T0 = new Date('2026-03-01T06:00:00.000Z');
export const day = (n: number) => new Date(T0.getTime() + n * MS_PER_DAY);
export const ARN = 'arn:aws:acm:eu-west-1:111122223333:certificate/imported-1';
export const fp = (n: number) =>
  Array.from({ length: 32 }, (_, i) => ((n + i) % 256).toString(16).padStart(2, '0').toUpperCase()).join(':');

export const acm = (over: Partial<CertificateRecord> = {}): CertificateRecord => ({
  source: 'acm',
  id: ARN,
  region: 'eu-west-1',
  domain: 'example.com',
  sans: ['example.com'],
  type: 'IMPORTED',
  fingerprintSha256: fp(1),
  serialNumber: '01',
  notBefore: day(-300),
  notAfter: day(40),
  ...over,
});

export const obs = (record: CertificateRecord, extra: Partial<Observation> = {}): Observation => ({
  location: record.id,
  scope: record.source === 'endpoint' ? `endpoint#${record.id.split('@')[0]}` : `acm#${record.region}`,
  record,
  ...extra,
});

/** Keeps states between scans the way the store would. */
export class Harness {
  states = new Map<string, TrackedState>();
  constructor(readonly config: LifecycleConfig = lifecycleConfig()) {}
  scan(now: Date, observations: Observation[], extra: Partial<LifecycleScan> = {}): LifecycleEvent[] {
    const scan: LifecycleScan = {
      scanId: `scan-${now.toISOString()}`,
      observations,
      completeScopes: [...new Set(observations.map((o) => o.scope))],
      ...extra,
    };
    const r = applyScan(this.states.values(), scan, now, this.config);
    for (const c of r.changes) this.states.set(c.state.location, c.state);
    for (const e of r.events) assertValidEvent(e.detailType, e.detail);
    return r.events;
  }
}

/** `detail-type|transition|tier` per event. */
export const brief = (events: LifecycleEvent[]) =>
  events.map((e) => `${e.detailType}|${e.detail.lifecycle.transition}|${e.detail.lifecycle.tierDays ?? ''}`);
