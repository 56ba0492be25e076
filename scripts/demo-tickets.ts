/**
 * The demo's ticket section: the lifecycle's events go through the default routing to the ticket
 * Lambda's handler, which talks to a local server implementing the GitHub Issues API: one issue
 * per certificate lifecycle, closed when the certificate is renewed.
 */
import { renderTable } from '../bin/cli/table';
import type { WatcherEvent } from '../lambda/channels/format';
import { DEFAULT_ROUTING, routesFor } from '../lambda/channels/routing';
import { silentLogger } from '../lambda/core/ports';
import { makeTicketHandler } from '../lambda/handlers/make-ticket-handler';
import type { ReceivedEvent } from '../test/support/bus-capture';
import { InMemoryTicketRefStore } from '../test/support/in-memory-ticket-store';
import { localHttpsFetch } from '../test/support/local-https';
import { startTicketServer } from '../test/support/ticket-servers';

export const demoTickets = async (
  events: readonly ReceivedEvent[],
  say: (s?: string) => void,
): Promise<void> => {
  const server = await startTicketServer('github');
  try {
    const routed = events.filter((e) =>
      routesFor(e as unknown as WatcherEvent, DEFAULT_ROUTING).includes('tickets'),
    );
    const store = new InMemoryTicketRefStore();
    const handler = makeTicketHandler({
      config: {
        connectors: [
          {
            name: 'github',
            kind: 'github',
            secretId: 'demo/github',
            baseUrl: server.baseUrl,
            ...server.connectorFields,
          } as never,
        ],
        timeoutMs: 2_000,
        maxAttempts: 3,
        secretCacheTtlMs: 60_000,
        claimLeaseMs: 60_000,
      },
      secrets: { get: async () => JSON.stringify(server.secret) },
      refStore: () => store,
      logger: silentLogger,
      // The demo's GitHub plays over HTTPS with a test CA (credentials never travel in clear text).
      fetch: localHttpsFetch,
    });
    for (const [i, e] of routed.entries()) {
      // Raw delivery: the SQS body is the event itself (the handler also reads SNS envelopes).
      const out = await handler({ Records: [{ messageId: `demo-${i}`, body: JSON.stringify(e) }] } as never);
      if (out.batchItemFailures.length > 0) throw new Error(`ticket handler failed on ${e['detail-type']}`);
    }
    say(
      renderTable(
        ['ISSUE', 'STATE', 'COMMENTS', 'TITLE'],
        server.tickets.map((t) => [
          `#${t.key}`,
          t.open ? 'open' : 'closed',
          String(t.comments.length),
          t.title,
        ]),
        90,
      ),
    );
    say(
      `  (${server.requests.length} GitHub API requests: ${[...new Set(server.requests.map((r) => `${r.method} ${r.path.replace(/\d+/g, 'N')}`))].join(', ')})`,
    );
  } finally {
    await server.close();
  }
};
