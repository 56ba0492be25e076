/**
 * Which owner an event belongs to (docs/routing.md): the first owner whose rule matches the event's
 * subject, else the default owner. Pure; the rules are the contract in lambda/contracts/owners.ts.
 *
 * The subject of each kind of event:
 * - a certificate event: `certificate.account`, `ouPath`, `tags` and `labels` (an endpoint's labels
 *   include its `owner`), the domain and SANs (any one matching a suffix is enough);
 * - `Endpoint Check Failed`: the endpoint's labels and `owner` (as label `owner`), its servername
 *   and host;
 * - `Certificate Group`: the group's `account`, and the domains of its sampled members, every one
 *   of which must match the suffix (a fleet goes to a team only when all of it shown is theirs).
 *   A group carries no OU path and no tags: those criteria never match a group.
 */
import { domainToASCII } from 'node:url';
import type { Owner, OwnerMatch, OwnerRules } from '../contracts/owners';
import type { WatcherEvent } from './format/view';

export { type OwnerRules, ownerRulesFromEnv } from '../contracts/owners';

/** What owner rules look at in an event. */
export interface OwnerSubject {
  readonly account?: string;
  readonly ouPath?: readonly string[];
  readonly tags: Readonly<Record<string, string>>;
  /** The names, normalised ({@link normalizeDomain}). */
  readonly domains: readonly string[];
  /** `all`: every domain must match a suffix (groups); `any`: one is enough. */
  readonly domainsMatch: 'any' | 'all';
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const strings = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string' && s !== '') : [];
const stringMap = (v: unknown): Record<string, string> =>
  isObj(v)
    ? Object.fromEntries(Object.entries(v).filter((e): e is [string, string] => typeof e[1] === 'string'))
    : {};

/** The subject of any watcher event (fields it lacks stay empty and match nothing). */
export const ownerSubjectOf = (event: WatcherEvent): OwnerSubject => {
  const detail: Obj = isObj(event.detail) ? event.detail : {};
  if (isObj(detail.group)) {
    const g = detail.group;
    return {
      account: str(g.account),
      ...(Array.isArray(g.ouPath) ? { ouPath: strings(g.ouPath) } : {}),
      tags: {},
      domains: (Array.isArray(g.sample) ? g.sample : []).flatMap((m) =>
        isObj(m) && str(m.domain) ? [normalizeDomain(m.domain as string)] : [],
      ),
      domainsMatch: 'all',
    };
  }
  if (isObj(detail.endpoint) && !isObj(detail.certificate)) {
    const e = detail.endpoint;
    const owner = str(e.owner);
    return {
      tags: { ...(owner ? { owner } : {}), ...stringMap(e.labels) },
      domains: [str(e.servername), str(e.host)].flatMap((d) => (d ? [normalizeDomain(d)] : [])),
      domainsMatch: 'any',
    };
  }
  const c: Obj = isObj(detail.certificate) ? detail.certificate : {};
  return {
    account: str(c.account),
    ...(Array.isArray(c.ouPath) ? { ouPath: strings(c.ouPath) } : {}),
    tags: { ...stringMap(c.labels), ...stringMap(c.tags) },
    domains: [str(c.domain), ...strings(c.sans)].flatMap((d) => (d ? [normalizeDomain(d)] : [])),
    domainsMatch: 'any',
  };
};

/** A DNS name as suffixes are compared: lower-case A-labels, no trailing dot, no wildcard label. */
export const normalizeDomain = (name: string): string => {
  const bare = name.trim().replace(/\.$/, '').replace(/^\*\./, '');
  // domainToASCII lower-cases and converts U-labels; it returns '' for what is no domain name.
  return /^[\x21-\x7e]*$/.test(bare) ? bare.toLowerCase() : domainToASCII(bare) || bare.toLowerCase();
};

const underSuffix = (name: string, suffix: string): boolean =>
  name === suffix.slice(1) || name.endsWith(suffix);

const ouMatches = (entry: string, path: readonly string[]): boolean => {
  const parts = entry.split('/');
  return parts.length === 1 ? path.includes(entry) : parts.every((p, i) => path[i] === p);
};

/** Whether the subject meets any criterion of the match (an empty match meets none). */
export const matchesOwner = (match: OwnerMatch, s: OwnerSubject): boolean => {
  if (match.accounts && s.account && match.accounts.includes(s.account)) return true;
  const path = s.ouPath;
  if (match.ous && path?.length && match.ous.some((entry) => ouMatches(entry, path))) return true;
  if (
    match.tags &&
    Object.entries(match.tags).every(([k, v]) => k in s.tags && (v === '*' || s.tags[k] === v))
  )
    return true;
  const suffixes = match.domainSuffixes;
  if (suffixes && s.domains.length > 0) {
    const fits = (d: string) => suffixes.some((x) => underSuffix(d, x));
    return s.domainsMatch === 'all' ? s.domains.every(fits) : s.domains.some(fits);
  }
  return false;
};

/** The event's owner: the first whose rule matches, else the default owner. */
export const ownerOf = (event: WatcherEvent, rules: OwnerRules): Owner => {
  const subject = ownerSubjectOf(event);
  return rules.owners.find((o) => matchesOwner(o.match, subject)) ?? rules.defaultOwner;
};
