/** What the demo sections share: indented output and the table of the events on the bus. */
import { renderTable } from '../bin/cli/table';
import type { ReceivedEvent } from '../test/support/bus-capture';

/** Every line two spaces in, under the section's heading. */
export const indent = (text: string) =>
  text
    .trimEnd()
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');

/** The parts of an event's detail the events table shows. */
export interface DemoEventDetail {
  readonly certificate?: { id: string; domain: string; type: string; inUseBy?: string[] };
  readonly evaluation?: { severity: string; daysRemaining: number | null };
  readonly scopesScanned?: string[];
}

/**
 * The events the inventory put on the bus through the lifecycle, one row each: detail type,
 * severity, days left, the certificate as `certificate` names it (or the scopes scanned), then the
 * `more` columns.
 */
export const sayBusEvents = (
  say: (s?: string) => void,
  events: readonly ReceivedEvent[],
  certificate: (c: NonNullable<DemoEventDetail['certificate']>) => string,
  more: { readonly headers: readonly string[]; readonly cells: (d: DemoEventDetail) => string[] } = {
    headers: [],
    cells: () => [],
  },
): void => {
  const rows = events.map((e) => {
    const d = e.detail as DemoEventDetail;
    return [
      e['detail-type'],
      d.evaluation?.severity ?? '-',
      d.evaluation?.daysRemaining === undefined ? '-' : String(d.evaluation.daysRemaining),
      d.certificate ? certificate(d.certificate) : `scopes ${d.scopesScanned?.join(', ')}`,
      ...more.cells(d),
    ];
  });
  say('  events on the bus (inventory → lifecycle):');
  say(indent(renderTable(['DETAIL-TYPE', 'SEVERITY', 'DAYS', 'CERTIFICATE', ...more.headers], rows)));
};
