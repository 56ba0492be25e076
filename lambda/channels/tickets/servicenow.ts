/**
 * ServiceNow, Table API on `incident`. The dedup key is the incident's `correlation_id` (the
 * field ServiceNow provides for external event correlation); escalations are work notes;
 * resolving sets state 6 (Resolved) with a close code and notes. Basic auth with an integration
 * user (roles: itil, or a narrower custom role on incident).
 */
import type { SecretReader } from '../../sinks/secrets/secret-reader';
import { truncate } from '../format/text';
import type { AlertView } from '../format/view';
import type { ServiceNowConfig, TicketConnector, TicketRef } from './connector';
import { searchLagMsOf, secretFields } from './connector';
import { contentLines, ticketContent } from './content';
import { type HttpMethod, type HttpOptions, requestJson } from './http';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Incident state `Resolved` in the out-of-the-box choice list. */
export const SN_STATE_RESOLVED = '6';

/** Urgency and impact (1 high, 2 medium, 3 low) from the alert severity. */
export const snPriority = (v: AlertView): { urgency: string; impact: string } =>
  v.severity === 'expired'
    ? { urgency: '1', impact: '1' }
    : v.severity === 'critical'
      ? { urgency: '1', impact: '2' }
      : { urgency: '2', impact: '3' };

export class ServiceNowConnector implements TicketConnector {
  readonly kind = 'servicenow';
  readonly name: string;
  readonly searchLagMs: number;

  constructor(
    private readonly config: ServiceNowConfig,
    private readonly secrets: SecretReader,
    private readonly http: HttpOptions,
  ) {
    this.name = config.name;
    this.searchLagMs = searchLagMsOf(config);
  }

  private async call(
    method: HttpMethod,
    pathAndQuery: string,
    body?: unknown,
    idempotent = true,
  ): Promise<unknown> {
    const { user, password } = secretFields(
      await this.secrets.get(this.config.secretId),
      this.config.secretId,
      ['user', 'password'],
    );
    const basic = Buffer.from(`${user}:${password}`).toString('base64');
    const res = await requestJson(
      {
        system: `servicenow(${this.name})`,
        method,
        url: `${this.config.baseUrl}${pathAndQuery}`,
        headers: { authorization: `Basic ${basic}` },
        body,
        idempotent,
        secrets: [password, basic],
      },
      this.http,
    );
    return res.body;
  }

  private ref(sysId: string, number?: string): TicketRef {
    return {
      system: 'servicenow',
      key: sysId,
      url: `${this.config.baseUrl}/nav_to.do?uri=incident.do%3Fsys_id%3D${encodeURIComponent(sysId)}${number ? `#${number}` : ''}`,
    };
  }

  async find(dedupKey: string): Promise<TicketRef | null> {
    const q = new URLSearchParams({
      sysparm_query: `correlation_id=${dedupKey}^active=true^ORDERBYsys_created_on`,
      sysparm_fields: 'sys_id,number',
      sysparm_limit: '1',
    });
    const body = await this.call('GET', `/api/now/table/incident?${q}`);
    const row = isObj(body) && Array.isArray(body.result) ? body.result[0] : undefined;
    return isObj(row) && typeof row.sys_id === 'string'
      ? this.ref(row.sys_id, typeof row.number === 'string' ? row.number : undefined)
      : null;
  }

  async open(view: AlertView, dedupKey: string): Promise<TicketRef> {
    const c = ticketContent(view, dedupKey);
    const fields: Record<string, string> = {
      short_description: truncate(c.summary, 160),
      description: contentLines(c).join('\n'),
      correlation_id: dedupKey,
      correlation_display: 'cert-expiry-watcher',
      category: this.config.category ?? 'software',
      ...snPriority(view),
    };
    if (this.config.assignmentGroup) fields.assignment_group = this.config.assignmentGroup;
    const body = await this.call(
      'POST',
      '/api/now/table/incident?sysparm_fields=sys_id,number',
      fields,
      false,
    );
    const row = isObj(body) && isObj(body.result) ? body.result : undefined;
    if (!row || typeof row.sys_id !== 'string')
      throw new Error(`servicenow(${this.name}) created an incident but returned no sys_id`);
    return this.ref(row.sys_id, typeof row.number === 'string' ? row.number : undefined);
  }

  private patch(ref: TicketRef, fields: Record<string, string>): Promise<unknown> {
    return this.call(
      'PATCH',
      `/api/now/table/incident/${encodeURIComponent(ref.key)}?sysparm_fields=sys_id,state`,
      fields,
    );
  }

  async comment(ref: TicketRef, view: AlertView, dedupKey: string): Promise<void> {
    await this.patch(ref, {
      work_notes: contentLines(ticketContent(view, dedupKey)).join('\n'),
      ...snPriority(view),
    });
  }

  async resolve(ref: TicketRef, view: AlertView, dedupKey: string): Promise<void> {
    const c = ticketContent(view, dedupKey);
    await this.patch(ref, {
      state: SN_STATE_RESOLVED,
      close_code: this.config.closeCode ?? 'Solution provided',
      close_notes: contentLines({ ...c, nextSteps: [] }).join('\n'),
    });
  }
}
