/**
 * Which SNI names probe a certificate's deployment: every DNS name it covers, with wildcards
 * replaced by a name a client could ask for. A wildcard `*.example.com` (RFC 6125 §6.4.3: one
 * left-most label) is probed with the certificate's first non-wildcard name when it has one (the
 * listener then selects this certificate for that name), else with the synthetic label
 * `cert-watch-probe.example.com`, which the wildcard covers and no one else serves.
 */

/** The label put in front of a wildcard's base when the certificate has no other name. */
export const WILDCARD_PROBE_LABEL = 'cert-watch-probe';

const isWildcard = (name: string): boolean => name.startsWith('*.');

/** Lower-case, without a trailing dot; empty and non-DNS entries (IP addresses are not SNI names) dropped. */
const dnsName = (name: string): string | undefined => {
  const n = name.trim().toLowerCase().replace(/\.$/, '');
  return /^(\*\.)?[a-z0-9_-]+(\.[a-z0-9_-]+)*$/.test(n) && /[a-z_-]/.test(n) ? n : undefined;
};

/** The SNI names to probe `names` (the certificate's DNS SANs, or its subject CN), in order, once each. */
export const probeNamesOf = (names: readonly string[]): string[] => {
  const dns = names.map(dnsName).filter((n): n is string => n !== undefined);
  const plain = dns.find((n) => !isWildcard(n));
  const out = new Set<string>();
  for (const n of dns) out.add(isWildcard(n) ? (plain ?? `${WILDCARD_PROBE_LABEL}.${n.slice(2)}`) : n);
  return [...out];
};

/** Whether certificate name `pattern` covers `name` (exact, or a wildcard over one left-most label). */
export const nameCovers = (pattern: string, name: string): boolean => {
  const p = pattern.toLowerCase();
  const n = name.toLowerCase();
  if (p === n) return true;
  if (!isWildcard(p) || isWildcard(n)) return false;
  const dot = n.indexOf('.');
  return dot > 0 && n.slice(dot + 1) === p.slice(2);
};

/** Whether `candidate`'s names cover every one of `names` (a successor must serve every name the old one did). */
export const coversAll = (candidate: readonly string[], names: readonly string[]): boolean =>
  names.every((n) => candidate.some((p) => nameCovers(p, n)));
