/**
 * The demo's fan-out section: for each alert that reached the bus, which channels the default
 * routing sends it to, the chat message title (Amazon Q Developer / Chatbot custom notification)
 * and its thread, and the exact SMS text, as the fan-out Lambda publishes them.
 */
import { renderTable } from '../bin/cli/table';
import { formatChatbot, formatSms, type WatcherEvent } from '../lambda/channels/format';
import { DEFAULT_ROUTING, routesFor } from '../lambda/channels/routing';
import type { ReceivedEvent } from '../test/support/bus-capture';

export const demoFanout = (events: readonly ReceivedEvent[], say: (s?: string) => void): void => {
  const rows: string[][] = [];
  for (const e of events) {
    const event = e as unknown as WatcherEvent;
    const channels = routesFor(event, DEFAULT_ROUTING);
    if (channels.length === 0) continue;
    const chat = formatChatbot(event);
    rows.push([
      e['detail-type'],
      channels.join('+'),
      chat.content.title,
      chat.metadata.threadId ?? '-',
      channels.includes('sms') ? formatSms(event) : '-',
    ]);
  }
  say(
    renderTable(
      ['DETAIL-TYPE', 'CHANNELS', 'CHAT TITLE', 'THREAD', 'SMS TEXT (one GSM-7 segment)'],
      rows,
      80,
    ),
  );
};
