/**
 * Jira Cloud, REST API v3. Issues carry the dedup key as a label; descriptions and comments are
 * Atlassian Document Format. Resolving applies a transition whose target status is in the
 * "Done" category (workflows name their statuses freely; the category is fixed). Basic auth with
 * an Atlassian account email and API token.
 */
import type { SecretReader } from '../../sinks/secrets/secret-reader';
import type { AlertView } from '../format/view';
import type { JiraConfig, TicketConnector, TicketRef } from './connector';
import { searchLagMsOf, secretFields } from './connector';
import { type AdfDoc, type TicketContent, ticketContent, toAdf } from './content';
import { type HttpMethod, type HttpOptions, requestJson } from './http';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export const closingContent = (v: AlertView, dedupKey: string): TicketContent => {
  const c = ticketContent(v, dedupKey);
  return { ...c, nextSteps: [] };
};

export class JiraConnector implements TicketConnector {
  readonly kind = 'jira';
  readonly name: string;
  readonly searchLagMs: number;

  constructor(
    private readonly config: JiraConfig,
    private readonly secrets: SecretReader,
    private readonly http: HttpOptions,
  ) {
    this.name = config.name;
    this.searchLagMs = searchLagMsOf(config);
  }

  private async call(method: HttpMethod, path: string, body?: unknown, idempotent = true): Promise<unknown> {
    const { email, apiToken } = secretFields(
      await this.secrets.get(this.config.secretId),
      this.config.secretId,
      ['email', 'apiToken'],
    );
    const basic = Buffer.from(`${email}:${apiToken}`).toString('base64');
    const res = await requestJson(
      {
        system: `jira(${this.name})`,
        method,
        url: `${this.config.baseUrl}${path}`,
        headers: { authorization: `Basic ${basic}` },
        body,
        idempotent,
        secrets: [apiToken, basic, email],
      },
      this.http,
    );
    return res.body;
  }

  private ref(key: string): TicketRef {
    return { system: 'jira', key, url: `${this.config.baseUrl}/browse/${encodeURIComponent(key)}` };
  }

  async find(dedupKey: string): Promise<TicketRef | null> {
    const body = await this.call('POST', '/rest/api/3/search/jql', {
      jql: `project = "${this.config.project}" AND labels = "${dedupKey}" AND statusCategory != Done ORDER BY created ASC`,
      fields: ['summary'],
      maxResults: 1,
    });
    const issue = isObj(body) && Array.isArray(body.issues) ? body.issues[0] : undefined;
    return isObj(issue) && typeof issue.key === 'string' ? this.ref(issue.key) : null;
  }

  async open(view: AlertView, dedupKey: string): Promise<TicketRef> {
    const c = ticketContent(view, dedupKey);
    const body = await this.call(
      'POST',
      '/rest/api/3/issue',
      {
        fields: {
          project: { key: this.config.project },
          issuetype: { name: this.config.issueType ?? 'Task' },
          summary: c.summary,
          description: toAdf(c),
          labels: [...(this.config.labels ?? ['certificate-expiry']), dedupKey],
        },
      },
      false,
    );
    if (!isObj(body) || typeof body.key !== 'string')
      throw new Error(`jira(${this.name}) created an issue but returned no key`);
    return this.ref(body.key);
  }

  async comment(ref: TicketRef, view: AlertView, dedupKey: string): Promise<void> {
    await this.addComment(ref, toAdf(ticketContent(view, dedupKey)));
  }

  private async addComment(ref: TicketRef, body: AdfDoc): Promise<void> {
    await this.call('POST', `/rest/api/3/issue/${encodeURIComponent(ref.key)}/comment`, { body });
  }

  async resolve(ref: TicketRef, view: AlertView, dedupKey: string): Promise<void> {
    const path = `/rest/api/3/issue/${encodeURIComponent(ref.key)}/transitions`;
    const body = await this.call('GET', path);
    const transitions = isObj(body) && Array.isArray(body.transitions) ? body.transitions : [];
    const done = transitions.find((t: unknown) => {
      if (!isObj(t) || !isObj(t.to) || !isObj(t.to.statusCategory)) return false;
      return t.to.statusCategory.key === 'done';
    }) as Obj | undefined;
    const comment = toAdf(closingContent(view, dedupKey));
    if (!done) {
      // Already in a Done status (no transition leads to one) or a workflow without one: say so in a comment.
      await this.addComment(ref, comment);
      return;
    }
    await this.call('POST', path, {
      transition: { id: String(done.id) },
      update: { comment: [{ add: { body: comment } }] },
    });
  }
}
