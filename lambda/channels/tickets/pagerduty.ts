/**
 * PagerDuty Events API v2. The dedup key is the alert's `dedup_key`: a trigger opens the alert
 * (PagerDuty itself merges triggers with the same key, so a repeated open cannot duplicate it),
 * a later trigger with the same key updates it (our "comment"), and a resolve closes it. The
 * routing (integration) key is the credential; it travels in the body, never in a log.
 */
import type { SecretReader } from '../../sinks/secrets/secret-reader';
import type { AlertView } from '../format/view';
import type { PagerDutyConfig, TicketConnector, TicketRef } from './connector';
import { searchLagMsOf, secretFields } from './connector';
import { ticketContent } from './content';
import { type HttpOptions, requestJson } from './http';

/** PagerDuty severities: critical, error, warning, info. */
export const pdSeverity = (v: AlertView): 'critical' | 'error' | 'warning' | 'info' =>
  v.severity === 'expired' || v.severity === 'critical'
    ? 'critical'
    : v.severity === 'warning'
      ? 'warning'
      : 'info';

/** Payload summary limit (PagerDuty truncates at 1024). */
const PD_SUMMARY_MAX = 1024;

export class PagerDutyConnector implements TicketConnector {
  readonly kind = 'pagerduty';
  readonly name: string;
  readonly searchLagMs: number;

  constructor(
    private readonly config: PagerDutyConfig,
    private readonly secrets: SecretReader,
    private readonly http: HttpOptions,
  ) {
    this.name = config.name;
    this.searchLagMs = searchLagMsOf(config);
  }

  refOf(dedupKey: string): TicketRef {
    return { system: 'pagerduty', key: dedupKey };
  }

  private async enqueue(body: Record<string, unknown>): Promise<void> {
    const { routingKey } = secretFields(await this.secrets.get(this.config.secretId), this.config.secretId, [
      'routingKey',
    ]);
    await requestJson(
      {
        system: `pagerduty(${this.name})`,
        method: 'POST',
        url: `${this.config.baseUrl ?? 'https://events.pagerduty.com'}/v2/enqueue`,
        headers: {},
        body: { routing_key: routingKey, ...body },
        secrets: [routingKey],
      },
      this.http,
    );
  }

  /** The Events API cannot be searched: triggers with one dedup_key merge in PagerDuty instead. */
  async find(): Promise<TicketRef | null> {
    return null;
  }

  private trigger(view: AlertView, dedupKey: string): Promise<void> {
    const c = ticketContent(view, dedupKey);
    return this.enqueue({
      event_action: 'trigger',
      dedup_key: dedupKey,
      payload: {
        summary: c.summary.slice(0, PD_SUMMARY_MAX),
        source: (view.location ?? view.name).slice(0, 255),
        severity: pdSeverity(view),
        component: view.name.slice(0, 255),
        group: view.where || undefined,
        class: view.detailType,
        custom_details: {
          ...Object.fromEntries(c.facts.map((f) => [f.label, f.value])),
          names: c.sans,
          problems: c.problems,
          next_steps: c.nextSteps,
          event_id: view.eventId,
        },
      },
      client: 'cert-expiry-watcher',
    });
  }

  async open(view: AlertView, dedupKey: string): Promise<TicketRef> {
    await this.trigger(view, dedupKey);
    return this.refOf(dedupKey);
  }

  async comment(_ref: TicketRef, view: AlertView, dedupKey: string): Promise<void> {
    await this.trigger(view, dedupKey);
  }

  async resolve(ref: TicketRef): Promise<void> {
    await this.enqueue({ event_action: 'resolve', dedup_key: ref.key });
  }
}
