/**
 * Which watcher events go to which alert channel (chat, SMS, tickets): the fan-out Lambda's side.
 * The routing configuration itself (channels, rules, defaults, validation) is the contract in
 * lambda/contracts/channels.ts, shared with the construct (rule pattern, synth-time validation).
 * The severity a rule matches is the one every channel shows (`toView`): `Endpoint Misconfigured`
 * carries its overall verdict (schema 2.2: critical for what clients reject, warning for e.g.
 * BACKENDS_DIFFER alone), `Endpoint Check Failed` and `Certificate Not Yet Valid` are critical,
 * `Certificate Expired` is expired; renewed, removed, now valid, recovered and deployed are `info`;
 * `Certificate Not Deployed` carries its verdict (warning; critical once the served certificate is).
 */
import { CHANNELS, type Channel, DEFAULT_ROUTING, type RouteRule, type Routing } from '../contracts/channels';
import { type Severity, toView, type WatcherEvent } from './format/view';

export {
  CHANNELS,
  type Channel,
  DEFAULT_ROUTING,
  ROUTING_SEVERITIES,
  type RouteRule,
  type Routing,
  routedDetailTypes,
  routingFromEnv,
  validateRouting,
} from '../contracts/channels';

const matches = (rule: RouteRule, detailType: string, severity: Severity): boolean =>
  rule.detailTypes.includes(detailType) && (!rule.severities || rule.severities.includes(severity));

/** The channels an event goes to, in {@link CHANNELS} order. */
export const routesFor = (event: WatcherEvent, routing: Routing = DEFAULT_ROUTING): Channel[] => {
  const view = toView(event);
  const lifecycle = (event.detail as { lifecycle?: { group?: unknown } } | undefined)?.lifecycle;
  // A fleet member reaches people through its "Certificate Group" event only; the bus keeps it.
  if (lifecycle?.group) return [];
  // A group is routed like what happened to its members (the rules name members' detail-types).
  const detailType = view.group ? memberDetailTypeOf(event) : event['detail-type'];
  return CHANNELS.filter((channel) =>
    routing[channel].some((rule) => matches(rule, detailType, view.severity)),
  );
};

const memberDetailTypeOf = (event: WatcherEvent): string => {
  const group = (event.detail as { group?: { memberDetailType?: unknown } } | undefined)?.group;
  return typeof group?.memberDetailType === 'string' ? group.memberDetailType : event['detail-type'];
};
