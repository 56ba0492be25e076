/**
 * "Endpoint Misconfigured" carries the overall verdict since schema 2.2 (issue #10, item 7): what
 * chat, SMS, tickets and routing by severity see is that verdict, not a blanket 'critical' over an
 * event that said 'ok'.
 */
import { describe, expect, it } from 'vitest';
import { toView } from '../../lambda/channels/format/view';
import type { CertificateRecord } from '../../lambda/core/certificate';
import { DEFAULT_THRESHOLDS, evaluate } from '../../lambda/core/evaluate';
import { certificateEvent, DetailType, type Problem } from '../../lambda/core/events';
import { MS_PER_DAY } from '../../lambda/core/time';
import { envelope } from '../support/webhook-receivers';

const NOW = new Date('2026-11-29T10:00:00.000Z');
const leaf: CertificateRecord = {
  source: 'endpoint',
  id: 'shop.example.com:443@192.0.2.10',
  domain: 'shop.example.com',
  sans: ['shop.example.com'],
  type: 'UNMANAGED',
  notBefore: new Date(NOW.getTime() - 100 * MS_PER_DAY),
  notAfter: new Date(NOW.getTime() + 200 * MS_PER_DAY),
};
const misconfigured = (problems: Problem[]) =>
  envelope(
    certificateEvent(leaf, evaluate(leaf, NOW, DEFAULT_THRESHOLDS), {
      scanId: 's',
      now: NOW,
      problems,
      detailType: DetailType.EndpointMisconfigured,
    }),
  );

describe('the severity channels and routing see for "Endpoint Misconfigured"', () => {
  it('a warning-only problem (different backends) is a warning, no longer called critical', () => {
    const e = misconfigured([{ code: 'BACKENDS_DIFFER', message: 'two leaves', severity: 'warning' }]);
    expect((e.detail as { evaluation: { severity: string } }).evaluation.severity).toBe('warning');
    expect(toView(e).severity).toBe('warning');
  });

  it('a critical problem is critical in the event (it said ok) and in the view', () => {
    const e = misconfigured([{ code: 'UNTRUSTED', message: 'private root', severity: 'critical' }]);
    expect((e.detail as { evaluation: { severity: string } }).evaluation.severity).toBe('critical');
    expect(toView(e).severity).toBe('critical');
    // An event from before 2.2 (severity ok, unrated problems) is still shown as critical.
    const old = misconfigured([{ code: 'HOSTNAME_MISMATCH', message: 'for another name' }]);
    expect((old.detail as { evaluation: { severity: string } }).evaluation.severity).toBe('ok');
    expect(toView(old).severity).toBe('critical');
  });
});
