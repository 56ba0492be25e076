/**
 * GitHub Issues (REST API). The dedup key is a label on the issue; escalations are comments;
 * resolving comments and closes the issue as completed. A fine-grained personal access token or
 * GitHub App installation token with "Issues: read and write" on the repository.
 */
import type { SecretReader } from '../../sinks/secrets/secret-reader';
import type { AlertView } from '../format/view';
import type { GitHubConfig, TicketConnector, TicketRef } from './connector';
import { searchLagMsOf, secretFields } from './connector';
import { ticketContent, toMarkdown } from './content';
import { type HttpMethod, type HttpOptions, requestJson } from './http';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export const GITHUB_API_VERSION = '2022-11-28';

export class GitHubConnector implements TicketConnector {
  readonly kind = 'github';
  readonly name: string;
  readonly searchLagMs: number;
  private readonly base: string;

  constructor(
    private readonly config: GitHubConfig,
    private readonly secrets: SecretReader,
    private readonly http: HttpOptions,
  ) {
    this.name = config.name;
    this.searchLagMs = searchLagMsOf(config);
    this.base = `${config.baseUrl ?? 'https://api.github.com'}/repos/${encodeURIComponent(config.owner)}/${encodeURIComponent(config.repo)}`;
  }

  private async call(method: HttpMethod, path: string, body?: unknown, idempotent = true): Promise<unknown> {
    const { token } = secretFields(await this.secrets.get(this.config.secretId), this.config.secretId, [
      'token',
    ]);
    const res = await requestJson(
      {
        system: `github(${this.name})`,
        method,
        url: `${this.base}${path}`,
        headers: {
          authorization: `Bearer ${token}`,
          accept: 'application/vnd.github+json',
          'x-github-api-version': GITHUB_API_VERSION,
          'user-agent': 'cert-expiry-watcher',
        },
        body,
        idempotent,
        secrets: [token],
      },
      this.http,
    );
    return res.body;
  }

  private refOfIssue(issue: Obj): TicketRef {
    return {
      system: 'github',
      key: String(issue.number),
      url: typeof issue.html_url === 'string' ? issue.html_url : undefined,
    };
  }

  async find(dedupKey: string): Promise<TicketRef | null> {
    const q = new URLSearchParams({ labels: dedupKey, state: 'open', per_page: '1', direction: 'asc' });
    const body = await this.call('GET', `/issues?${q}`);
    const issue = Array.isArray(body) ? body.find((i) => isObj(i) && !isObj(i.pull_request)) : undefined;
    return isObj(issue) && typeof issue.number === 'number' ? this.refOfIssue(issue) : null;
  }

  async open(view: AlertView, dedupKey: string): Promise<TicketRef> {
    const c = ticketContent(view, dedupKey);
    const body = await this.call(
      'POST',
      '/issues',
      {
        title: c.summary,
        body: toMarkdown(c),
        labels: [...(this.config.labels ?? ['certificate-expiry']), dedupKey],
      },
      false,
    );
    if (!isObj(body) || typeof body.number !== 'number')
      throw new Error(`github(${this.name}) created an issue but returned no number`);
    return this.refOfIssue(body);
  }

  async comment(ref: TicketRef, view: AlertView, dedupKey: string): Promise<void> {
    await this.call('POST', `/issues/${encodeURIComponent(ref.key)}/comments`, {
      body: toMarkdown(ticketContent(view, dedupKey)),
    });
  }

  async resolve(ref: TicketRef, view: AlertView, dedupKey: string): Promise<void> {
    const c = ticketContent(view, dedupKey);
    await this.call('POST', `/issues/${encodeURIComponent(ref.key)}/comments`, {
      body: toMarkdown({ ...c, nextSteps: [] }),
    });
    await this.call('PATCH', `/issues/${encodeURIComponent(ref.key)}`, {
      state: 'closed',
      state_reason: 'completed',
    });
  }
}
