/**
 * Local HTTPS servers (test CA: local-https.ts) that play the ticketing APIs by their documented contracts, keeping their
 * tickets in memory and recording every request. Each checks the credentials the real service
 * checks (401 when wrong), the payload fields our connectors rely on (400 when missing), answers
 * 404 for unknown issues, and takes scripted answers (429 with Retry-After, 5xx) before behaving
 * normally again. Each listens on a free loopback port; `close()` stops it.
 *
 * - Jira Cloud REST v3: POST /rest/api/3/search/jql, POST /rest/api/3/issue, POST
 *   /rest/api/3/issue/{key}/comment, GET|POST /rest/api/3/issue/{key}/transitions. Basic auth.
 * - ServiceNow Table API: GET|POST /api/now/table/incident, PATCH /api/now/table/incident/{sys_id}
 *   (state 6 requires close_code and close_notes, as the out-of-the-box data policy does). Basic auth.
 * - GitHub REST: GET|POST /repos/{owner}/{repo}/issues, POST .../issues/{n}/comments, PATCH
 *   .../issues/{n}. Bearer token; X-GitHub-Api-Version and User-Agent required.
 * - PagerDuty Events API v2: POST /v2/enqueue, 202 on success, 400 `invalid event` for a bad
 *   event or an unknown routing key (the Events API has no 401: the key is in the body).
 *
 * Two knobs force the interleavings that real systems produce at random:
 * - `searchLagMs` (Jira's JQL search and GitHub's label listing): a new ticket stays invisible to
 *   searches for that long by the server's `clock`, as their eventually consistent indexes do.
 * - `intercept`: called after a request was processed and before it is answered; it may wait (a
 *   slow answer) or say 'drop' (the connection dies: the client never learns the outcome).
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { localTls } from './local-https';

export type TicketSystem = 'jira' | 'servicenow' | 'github' | 'pagerduty';

export interface RecordedTicketRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Record<string, string>;
  readonly headers: IncomingMessage['headers'];
  readonly json: unknown;
  readonly status: number;
}

export interface ScriptedTicketReply {
  readonly status: number;
  readonly headers?: Record<string, string>;
  readonly body?: string;
}

/** One ticket as the fake system holds it (fields normalised across systems for assertions). */
export interface FakeTicket {
  readonly id: string;
  /** Jira key, ServiceNow sys_id, GitHub number, PagerDuty dedup_key. */
  readonly key: string;
  readonly title: string;
  readonly body: unknown;
  /** Jira labels, GitHub label names, [correlation_id] for ServiceNow, [dedup_key] for PagerDuty. */
  readonly labels: string[];
  open: boolean;
  readonly comments: unknown[];
  /** Everything the creating request sent. */
  readonly created: Record<string, unknown>;
  readonly updates: Record<string, unknown>[];
}

export interface TicketServer {
  readonly system: TicketSystem;
  /** The connector's baseUrl. */
  readonly baseUrl: string;
  /** What goes into the connector's secret. */
  readonly secret: Record<string, string>;
  readonly requests: RecordedTicketRequest[];
  readonly tickets: FakeTicket[];
  /** Answers to give before normal behaviour resumes, in order. */
  readonly script: ScriptedTicketReply[];
  /** Connector configuration fields besides name, kind and secretId. */
  readonly connectorFields: Record<string, string>;
  /** How long a new ticket stays invisible to searches (Jira, GitHub). @default 0 */
  searchLagMs: number;
  /** The server's notion of now (epoch ms), for the search lag. @default Date.now */
  clock: () => number;
  /** After processing, before answering: wait, or 'drop' the connection without an answer. */
  intercept?: (req: { method: string; path: string }) => Promise<'answer' | 'drop'>;
  close(): Promise<void>;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const parseJson = (s: string): unknown => {
  try {
    return s ? JSON.parse(s) : undefined;
  } catch {
    return undefined;
  }
};

interface Reply {
  status: number;
  json?: unknown;
  headers?: Record<string, string>;
}

type Handler = (req: {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  json: unknown;
}) => Reply;

const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;

const jiraHandler = (
  tickets: FakeTicket[],
  secret: Record<string, string>,
  projects: readonly string[],
  searchable: (t: FakeTicket) => boolean,
): Handler => {
  const auth = basic(secret.email!, secret.apiToken!);
  let n = 0;
  const byKey = (key: string) => tickets.find((t) => t.key === key);
  const isAdf = (v: unknown) => isObj(v) && v.type === 'doc' && v.version === 1 && Array.isArray(v.content);
  return ({ method, path, headers, json }) => {
    if (headers.authorization !== auth)
      return {
        status: 401,
        json: {
          errorMessages: ['You are not authenticated. Authentication required to perform this operation.'],
        },
      };
    if (method === 'POST' && path === '/rest/api/3/search/jql') {
      const jql = isObj(json) && typeof json.jql === 'string' ? json.jql : '';
      const label = /labels = "([^"]+)"/.exec(jql)?.[1];
      if (!label) return { status: 400, json: { errorMessages: ['bad jql'] } };
      const openOnly = jql.includes('statusCategory != Done');
      // Searches stay within the project the JQL names, as Jira's do.
      const project = /project = "([^"]+)"/.exec(jql)?.[1];
      const issues = tickets
        .filter(
          (t) =>
            searchable(t) &&
            t.labels.includes(label) &&
            (!openOnly || t.open) &&
            (!project || t.key.startsWith(`${project}-`)),
        )
        .map((t) => ({ id: t.id, key: t.key }));
      return { status: 200, json: { issues, isLast: true } };
    }
    if (method === 'POST' && path === '/rest/api/3/issue') {
      const f = isObj(json) && isObj(json.fields) ? json.fields : {};
      const errors: Record<string, string> = {};
      const project = isObj(f.project) && typeof f.project.key === 'string' ? f.project.key : '';
      if (!projects.includes(project)) errors.project = 'valid project is required';
      if (!isObj(f.issuetype) || typeof f.issuetype.name !== 'string')
        errors.issuetype = 'valid issue type is required';
      if (typeof f.summary !== 'string' || !f.summary || f.summary.length > 255)
        errors.summary = 'You must specify a summary of the issue.';
      if (!isAdf(f.description)) errors.description = 'Operation value must be an Atlassian Document.';
      if (!Array.isArray(f.labels) || f.labels.some((l) => typeof l !== 'string' || /\s/.test(l)))
        errors.labels = 'bad labels';
      if (Object.keys(errors).length) return { status: 400, json: { errorMessages: [], errors } };
      const id = String(10000 + ++n);
      const key = `${project}-${n}`;
      tickets.push({
        id,
        key,
        title: f.summary as string,
        body: f.description,
        labels: f.labels as string[],
        open: true,
        comments: [],
        created: f,
        updates: [],
      });
      return { status: 201, json: { id, key, self: `/rest/api/3/issue/${id}` } };
    }
    const m = /^\/rest\/api\/3\/issue\/([^/]+)\/(comment|transitions)$/.exec(path);
    if (m) {
      const t = byKey(decodeURIComponent(m[1]!));
      if (!t)
        return {
          status: 404,
          json: { errorMessages: ['Issue does not exist or you do not have permission to see it.'] },
        };
      if (m[2] === 'comment' && method === 'POST') {
        if (!isObj(json) || !isAdf(json.body))
          return { status: 400, json: { errorMessages: ['Comment body is not valid!'] } };
        t.comments.push(json.body);
        return { status: 201, json: { id: String(t.comments.length) } };
      }
      const transitions = [
        { id: '11', name: 'To Do', to: { name: 'To Do', statusCategory: { key: 'new' } } },
        {
          id: '21',
          name: 'In Progress',
          to: { name: 'In Progress', statusCategory: { key: 'indeterminate' } },
        },
        ...(t.open
          ? [{ id: '31', name: 'Done', to: { name: 'Done', statusCategory: { key: 'done' } } }]
          : []),
      ];
      if (method === 'GET') return { status: 200, json: { transitions } };
      if (method === 'POST') {
        const id = isObj(json) && isObj(json.transition) ? json.transition.id : undefined;
        if (!transitions.some((x) => x.id === id))
          return { status: 400, json: { errorMessages: ['Transition id is not valid'] } };
        const update = isObj(json) && isObj(json.update) ? json.update : {};
        if (Array.isArray(update.comment))
          for (const c of update.comment) if (isObj(c) && isObj(c.add)) t.comments.push(c.add.body);
        if (id === '31') t.open = false;
        t.updates.push(json as Obj);
        return { status: 204 };
      }
    }
    return { status: 404, json: { errorMessages: ['not found'] } };
  };
};

const serviceNowHandler = (tickets: FakeTicket[], secret: Record<string, string>): Handler => {
  const auth = basic(secret.user!, secret.password!);
  let n = 0;
  return ({ method, path, query, headers, json }) => {
    if (headers.authorization !== auth)
      return {
        status: 401,
        json: {
          error: { message: 'User Not Authenticated', detail: 'Required to provide Auth information' },
          status: 'failure',
        },
      };
    const view = (t: FakeTicket) => ({
      sys_id: t.key,
      number: t.id,
      correlation_id: t.labels[0],
      active: String(t.open),
      ...t.created,
    });
    if (path === '/api/now/table/incident' && method === 'GET') {
      const q = query.get('sysparm_query') ?? '';
      const corr = /correlation_id=([^^]+)/.exec(q)?.[1];
      const activeOnly = q.includes('active=true');
      const rows = tickets
        .filter((t) => (!corr || t.labels[0] === corr) && (!activeOnly || t.open))
        .map(view);
      return { status: 200, json: { result: rows.slice(0, Number(query.get('sysparm_limit') ?? 10000)) } };
    }
    if (path === '/api/now/table/incident' && method === 'POST') {
      if (
        !isObj(json) ||
        typeof json.short_description !== 'string' ||
        typeof json.correlation_id !== 'string'
      )
        return { status: 400, json: { error: { message: 'Invalid request' }, status: 'failure' } };
      const sysId = randomUUID().replace(/-/g, '');
      const number = `INC${String(10001 + n++).padStart(7, '0')}`;
      tickets.push({
        id: number,
        key: sysId,
        title: json.short_description,
        body: json.description,
        labels: [json.correlation_id],
        open: true,
        comments: [],
        created: json,
        updates: [],
      });
      return { status: 201, json: { result: { sys_id: sysId, number } } };
    }
    const m = /^\/api\/now\/table\/incident\/([0-9a-f]{32})$/.exec(path);
    if (m && method === 'PATCH') {
      const t = tickets.find((x) => x.key === m[1]);
      if (!t)
        return {
          status: 404,
          json: {
            error: {
              message: 'No Record found',
              detail: "Record doesn't exist or ACL restricts the record retrieval",
            },
            status: 'failure',
          },
        };
      if (!isObj(json))
        return { status: 400, json: { error: { message: 'Invalid request' }, status: 'failure' } };
      if (json.state === '6' && (typeof json.close_code !== 'string' || typeof json.close_notes !== 'string'))
        return {
          status: 403,
          json: {
            error: {
              message: 'Operation Failed',
              detail: 'Data Policy Exception: Resolution code, Resolution notes are mandatory',
            },
            status: 'failure',
          },
        };
      if (typeof json.work_notes === 'string') t.comments.push(json.work_notes);
      if (json.state === '6') t.open = false;
      t.updates.push(json);
      return { status: 200, json: { result: { sys_id: t.key, state: t.open ? '1' : '6' } } };
    }
    return {
      status: 400,
      json: { error: { message: 'Requested URI does not represent any resource' }, status: 'failure' },
    };
  };
};

const gitHubHandler = (
  tickets: FakeTicket[],
  secret: Record<string, string>,
  owner: string,
  repo: string,
  base: () => string,
  searchable: (t: FakeTicket) => boolean,
): Handler => {
  let n = 0;
  return ({ method, path, query, headers, json }) => {
    if (!headers['user-agent'])
      return {
        status: 403,
        json: {
          message:
            'Request forbidden by administrative rules. Please make sure your request has a User-Agent header.',
        },
      };
    if (headers.authorization !== `Bearer ${secret.token}`)
      return {
        status: 401,
        json: { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' },
      };
    if (headers['x-github-api-version'] !== '2022-11-28')
      return { status: 400, json: { message: 'Unsupported API version' } };
    const prefix = `/repos/${owner}/${repo}/issues`;
    if (!path.startsWith(prefix)) return { status: 404, json: { message: 'Not Found' } };
    const rest = path.slice(prefix.length);
    const view = (t: FakeTicket) => ({
      number: Number(t.key),
      html_url: `${base()}/${owner}/${repo}/issues/${t.key}`,
      title: t.title,
      state: t.open ? 'open' : 'closed',
      labels: t.labels.map((name) => ({ name })),
    });
    if (rest === '' && method === 'GET') {
      const labels = (query.get('labels') ?? '').split(',').filter(Boolean);
      const state = query.get('state') ?? 'open';
      return {
        status: 200,
        json: tickets
          .filter(
            (t) =>
              searchable(t) &&
              labels.every((l) => t.labels.includes(l)) &&
              (state === 'all' || t.open === (state === 'open')),
          )
          .map(view),
      };
    }
    if (rest === '' && method === 'POST') {
      if (!isObj(json) || typeof json.title !== 'string' || !json.title)
        return {
          status: 422,
          json: {
            message: 'Validation Failed',
            errors: [{ resource: 'Issue', field: 'title', code: 'missing_field' }],
          },
        };
      const t: FakeTicket = {
        id: String(++n),
        key: String(n),
        title: json.title,
        body: json.body,
        labels: Array.isArray(json.labels) ? (json.labels as string[]) : [],
        open: true,
        comments: [],
        created: json,
        updates: [],
      };
      tickets.push(t);
      return { status: 201, json: view(t) };
    }
    const m = /^\/(\d+)(\/comments)?$/.exec(rest);
    const t = m ? tickets.find((x) => x.key === m[1]) : undefined;
    if (!m || !t) return { status: 404, json: { message: 'Not Found' } };
    if (m[2] && method === 'POST') {
      if (!isObj(json) || typeof json.body !== 'string')
        return { status: 422, json: { message: 'Validation Failed' } };
      t.comments.push(json.body);
      return { status: 201, json: { id: t.comments.length, body: json.body } };
    }
    if (!m[2] && method === 'PATCH') {
      if (!isObj(json)) return { status: 422, json: { message: 'Validation Failed' } };
      if (json.state === 'closed') t.open = false;
      t.updates.push(json);
      return { status: 200, json: view(t) };
    }
    return { status: 404, json: { message: 'Not Found' } };
  };
};

const PD_SEVERITIES = ['critical', 'error', 'warning', 'info'];

const pagerDutyHandler = (tickets: FakeTicket[], secret: Record<string, string>): Handler => {
  const invalid = (...errors: string[]): Reply => ({
    status: 400,
    json: { status: 'invalid event', message: 'Event object is invalid', errors },
  });
  return ({ method, path, json }) => {
    if (method !== 'POST' || path !== '/v2/enqueue') return { status: 404, json: { message: 'Not Found' } };
    if (!isObj(json)) return invalid('Event object is invalid');
    if (json.routing_key !== secret.routingKey) return invalid('Invalid routing key');
    const dedup = json.dedup_key;
    if (json.event_action === 'trigger') {
      const p = isObj(json.payload) ? json.payload : {};
      const errs: string[] = [];
      if (typeof p.summary !== 'string' || !p.summary) errs.push("'payload.summary' is missing or blank");
      if (typeof p.source !== 'string' || !p.source) errs.push("'payload.source' is missing or blank");
      if (!PD_SEVERITIES.includes(String(p.severity))) errs.push("'payload.severity' is invalid");
      if (errs.length) return invalid(...errs);
      const key = typeof dedup === 'string' ? dedup : randomUUID();
      const t = tickets.find((x) => x.key === key && x.open);
      if (t) {
        t.comments.push(p);
        t.updates.push(json);
      } else
        tickets.push({
          id: String(tickets.length + 1),
          key,
          title: p.summary as string,
          body: p,
          labels: [key],
          open: true,
          comments: [],
          created: json,
          updates: [],
        });
      return { status: 202, json: { status: 'success', message: 'Event processed', dedup_key: key } };
    }
    if (json.event_action === 'resolve' || json.event_action === 'acknowledge') {
      if (typeof dedup !== 'string') return invalid("'dedup_key' is missing or blank");
      const t = tickets.find((x) => x.key === dedup && x.open);
      if (t && json.event_action === 'resolve') {
        t.open = false;
        t.updates.push(json);
      }
      return { status: 202, json: { status: 'success', message: 'Event processed', dedup_key: dedup } };
    }
    return invalid("'event_action' is invalid");
  };
};

/** @param options.jiraProjects the projects a Jira server has (issue keys `<project>-<n>`); @default ['OPS'] */
export const startTicketServer = async (
  system: TicketSystem,
  options: { readonly jiraProjects?: readonly string[] } = {},
): Promise<TicketServer> => {
  const requests: RecordedTicketRequest[] = [];
  const tickets: FakeTicket[] = [];
  const script: ScriptedTicketReply[] = [];
  let baseUrl = '';
  const secret: Record<string, string> =
    system === 'jira'
      ? { email: 'cert-bot@example.com', apiToken: `ATATT3x-${randomUUID()}` }
      : system === 'servicenow'
        ? { user: 'cert.watcher', password: `Pw-${randomUUID()}` }
        : system === 'github'
          ? { token: `github_pat_${randomUUID().replace(/-/g, '')}` }
          : { routingKey: randomUUID().replace(/-/g, '') };
  const connectorFields: Record<string, string> =
    system === 'jira' ? { project: 'OPS' } : system === 'github' ? { owner: 'acme', repo: 'certs' } : {};
  const api: TicketServer = {
    system,
    baseUrl: '',
    secret,
    requests,
    tickets,
    script,
    connectorFields,
    searchLagMs: 0,
    clock: Date.now,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  const createdAt = new WeakMap<FakeTicket, number>();
  const searchable = (t: FakeTicket) => api.clock() - (createdAt.get(t) ?? 0) >= api.searchLagMs;
  const handler: Handler =
    system === 'jira'
      ? jiraHandler(tickets, secret, options.jiraProjects ?? ['OPS'], searchable)
      : system === 'servicenow'
        ? serviceNowHandler(tickets, secret)
        : system === 'github'
          ? gitHubHandler(tickets, secret, 'acme', 'certs', () => baseUrl, searchable)
          : pagerDutyHandler(tickets, secret);
  const { key, cert } = await localTls();
  const server: Server = createServer({ key, cert }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const json = parseJson(Buffer.concat(chunks).toString('utf8'));
      const url = new URL(req.url ?? '/', 'http://localhost');
      const scripted = script.shift();
      const reply: Reply & { body?: string } = scripted
        ? { status: scripted.status, headers: scripted.headers, body: scripted.body ?? '' }
        : handler({
            method: req.method ?? '',
            path: url.pathname,
            query: url.searchParams,
            headers: req.headers,
            json,
          });
      for (const t of tickets) if (!createdAt.has(t)) createdAt.set(t, api.clock());
      requests.push({
        method: req.method ?? '',
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers: req.headers,
        json,
        status: reply.status,
      });
      const body =
        'body' in reply && reply.body !== undefined
          ? reply.body
          : reply.json === undefined
            ? ''
            : JSON.stringify(reply.json);
      if ((await api.intercept?.({ method: req.method ?? '', path: url.pathname })) === 'drop') {
        req.socket.destroy();
        return;
      }
      res.writeHead(reply.status, {
        ...(body && !scripted ? { 'content-type': 'application/json' } : {}),
        ...(reply.headers ?? {}),
      });
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  baseUrl = `https://127.0.0.1:${port}`;
  Object.assign(api, { baseUrl });
  return api;
};
