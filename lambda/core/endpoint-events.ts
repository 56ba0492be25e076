/**
 * The endpoint events of the contract (lambda/core/events.ts): a failed check of one address of an
 * endpoint. Pure builders, like the certificate events.
 */
import {
  type BusEvent,
  boundedMap,
  clip,
  DetailType,
  eventIdOf,
  MAX_LABELS_IN_EVENT,
  type Problem,
  SCHEMA_VERSION,
  utcDay,
} from './events';

export interface EndpointDetail {
  readonly target: string;
  readonly host: string;
  readonly port: number;
  readonly address: string | null;
  readonly servername: string | null;
  readonly starttls: string | null;
  readonly labels?: Record<string, string>;
  readonly owner?: string;
}

export interface EndpointCheckFailedDetail {
  readonly schemaVersion: string;
  readonly eventId: string;
  readonly scanId: string;
  readonly observedAt: string;
  readonly endpoint: EndpointDetail;
  readonly error: Problem;
}

/** No certificate could be read from one address of an endpoint. */
export const endpointCheckFailedEvent = (
  endpoint: EndpointDetail,
  error: Problem,
  ctx: { scanId: string; now: Date },
): BusEvent<EndpointCheckFailedDetail> => ({
  detailType: DetailType.EndpointCheckFailed,
  time: ctx.now,
  resources: [],
  detail: {
    schemaVersion: SCHEMA_VERSION,
    eventId: eventIdOf(
      endpoint.target,
      endpoint.address,
      DetailType.EndpointCheckFailed,
      error.code,
      utcDay(ctx.now),
    ),
    scanId: ctx.scanId,
    observedAt: ctx.now.toISOString(),
    endpoint: Object.fromEntries(
      Object.entries({
        ...endpoint,
        labels: endpoint.labels ? boundedMap(endpoint.labels, MAX_LABELS_IN_EVENT).kept : undefined,
      }).filter(([, v]) => v !== undefined),
    ) as unknown as EndpointDetail,
    error: { code: error.code, message: clip(error.message) ?? '' },
  },
});
