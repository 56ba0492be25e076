/**
 * The endpoint boundary: which STARTTLS protocols exist, what an endpoint target is, and how
 * targets are written (`host[:port]` strings, IPv6 as `[::1]:443`, objects, and target files: one
 * target per line with # comments, or a JSON/YAML list). The construct and the CDK app's
 * `watcher:endpoints` context validate with it at synth, `cert-watch check` and the dispatcher
 * read with it, and the STARTTLS registry (lambda/sources/endpoint/starttls) implements exactly
 * these protocols. Pure parsing: `node:net` for its IPv6 syntax check and `node:url` for UTS-46
 * (internationalised names), no sockets.
 */
import { BlockList, isIP, isIPv6 } from 'node:net';
import { domainToASCII } from 'node:url';
import { InvalidExpectationError, parseExpectation } from './deployment-expectation';
import type { DeploymentExpectation } from './discovery';
import { isJsonObject } from './json';

/** Every supported STARTTLS protocol by the name targets and the CLI use; the order is the one users see. */
export const STARTTLS_PROTOCOLS = [
  'smtp',
  'imap',
  'pop3',
  'ftp',
  'ldap',
  'postgres',
  'mysql',
  'xmpp',
] as const;

export type StarttlsProtocol = (typeof STARTTLS_PROTOCOLS)[number];

export const isStarttlsProtocol = (value: string): value is StarttlsProtocol =>
  (STARTTLS_PROTOCOLS as readonly string[]).includes(value);

export interface EndpointTarget {
  readonly host: string;
  /** @default 443 */
  readonly port?: number;
  /** SNI and the name checked against the certificate. @default host (no SNI when host is an IP) */
  readonly servername?: string;
  /** @default by well-known port (25/587 smtp, 143 imap, ...); 'none' disables STARTTLS */
  readonly starttls?: StarttlsProtocol | 'none';
  readonly labels?: Readonly<Record<string, string>>;
  readonly owner?: string;
  /**
   * What the resource behind this endpoint is configured to serve (set by discovery, or written in
   * an endpoint file): the prober then says when the store holds a newer certificate the endpoint
   * does not serve, or when it serves another one (docs/discovery.md, "Renewed but not deployed").
   * At most 20 configured and 20 successors.
   */
  readonly expected?: DeploymentExpectation;
}

export class TargetParseError extends Error {
  override readonly name = 'TargetParseError';
}

/** The port a protocol usually speaks STARTTLS on, for `--starttls smtp host` without a port. */
const STARTTLS_DEFAULT_PORTS: Readonly<Record<StarttlsProtocol, number>> = {
  smtp: 25,
  imap: 143,
  pop3: 110,
  ftp: 21,
  ldap: 389,
  postgres: 5432,
  mysql: 3306,
  xmpp: 5222,
};

export type StarttlsOption = StarttlsProtocol | 'none';

export const parseStarttls = (value: string): StarttlsOption => {
  const v = value.toLowerCase();
  if (v === 'none' || isStarttlsProtocol(v)) return v as StarttlsOption;
  throw new TargetParseError(
    `unknown STARTTLS protocol '${value}' (one of: none, ${STARTTLS_PROTOCOLS.join(', ')})`,
  );
};

export const parsePort = (value: string, context: string): number => {
  if (!/^\d{1,5}$/.test(value))
    throw new TargetParseError(`${context}: port must be a number, got '${value}'`);
  const port = Number(value);
  if (port < 1 || port > 65535) throw new TargetParseError(`${context}: port must be 1-65535, got ${port}`);
  return port;
};

export interface TargetDefaults {
  readonly starttls?: StarttlsOption;
  readonly servername?: string;
  /**
   * Accept link-local addresses (169.254.0.0/16, fe80::/10), where cloud instance metadata
   * services live (169.254.169.254, fd00:ec2::254): refused unless asked for. @default false
   */
  readonly allowLinkLocal?: boolean;
}

/** 169.254.0.0/16 (RFC 3927), fe80::/10 (RFC 4291 §2.5.6), AWS IMDS over IPv6 (fd00:ec2::254). */
const LINK_LOCAL = (() => {
  const list = new BlockList();
  list.addSubnet('169.254.0.0', 16, 'ipv4');
  list.addSubnet('fe80::', 10, 'ipv6');
  list.addAddress('fd00:ec2::254', 'ipv6');
  return list;
})();

/**
 * Link-local and instance-metadata addresses: a prober in a VPC must not be pointed at the
 * metadata service by a target list (RFC 3927, RFC 4291 §2.5.6; AWS IMDS at 169.254.169.254 and
 * fd00:ec2::254). Any spelling counts: IPv6 in any notation or IPv4-mapped (`::ffff:169.254.169.254`),
 * with a zone (`fe80::1%eth0`) or brackets, and the numeric host forms a resolver reads as IPv4
 * (`2852039166`, `0xa9fea9fe`, `0251.0376.0251.0376`, a trailing dot), normalised by the WHATWG URL
 * host parser. Names are checked after resolution by the prober (lambda/sources/endpoint/resolve.ts).
 */
export const isLinkLocalOrMetadata = (host: string): boolean => {
  const h = host.replace(/^\[|\]$/g, '').split('%')[0]!;
  const family = isIP(h);
  if (family !== 0) return LINK_LOCAL.check(h, family === 6 ? 'ipv6' : 'ipv4');
  let normalized: string;
  try {
    normalized = new URL(`http://${h}/`).hostname;
  } catch {
    return false;
  }
  return isIP(normalized) === 4 && LINK_LOCAL.check(normalized, 'ipv4');
};

/**
 * One endpoint's identity: the host in A-labels (UTS-46) and lower case, the port (443 when
 * absent), the SNI name and the STARTTLS protocol. The construct refuses two targets with one key;
 * the prober probes a queued target only when its key is in its configured list.
 */
export const targetKey = (t: Pick<EndpointTarget, 'host' | 'port' | 'servername' | 'starttls'>): string =>
  `${(domainToASCII(t.host) || t.host).toLowerCase()}:${t.port ?? 443}/${t.servername ?? ''}/${t.starttls ?? ''}`;

const defaultPort = (starttls: StarttlsOption | undefined): number =>
  starttls && starttls !== 'none' ? STARTTLS_DEFAULT_PORTS[starttls] : 443;

/** `https://host[:port][/]` gives `host[:port]`; any other URL is refused with what to write instead. */
const fromUrl = (spec: string, text: string): string => {
  const url = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)(\/?)$/.exec(text);
  if (url && url[1]!.toLowerCase() === 'https' && url[2]) return url[2];
  const authority = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/([^/?#]*)/.exec(text)?.[1] || 'example.com';
  throw new TargetParseError(
    `'${spec}' is a URL: give host[:port] (e.g. ${authority}); a probe checks the certificate a host serves, not a page`,
  );
};

/** `host`, `host:port`, `[v6]`, `[v6]:port`, a bare IPv6 literal, or `https://host[:port]/`. */
export const parseTargetSpec = (spec: string, defaults: TargetDefaults = {}): EndpointTarget => {
  const trimmed = spec.trim();
  if (!trimmed) throw new TargetParseError('empty target');
  const text = trimmed.includes('://') ? fromUrl(spec, trimmed) : trimmed;
  let host: string;
  let port: number | undefined;
  const bracketed = /^\[([^\]]+)\](?::(.*))?$/.exec(text);
  if (bracketed) {
    host = bracketed[1]!;
    if (!isIPv6(host)) throw new TargetParseError(`'${spec}': [${host}] is not an IPv6 address`);
    if (bracketed[2] !== undefined) port = parsePort(bracketed[2], `'${spec}'`);
  } else if (isIPv6(text)) {
    host = text;
  } else {
    const colon = text.lastIndexOf(':');
    if (colon >= 0) {
      host = text.slice(0, colon);
      port = parsePort(text.slice(colon + 1), `'${spec}'`);
    } else {
      host = text;
    }
    // Internationalised names (non-ASCII letters besides the host name characters) are accepted when
    // UTS-46 gives them an A-label form: the prober uses that form.
    const idn =
      /^[A-Za-z0-9._\-\u0080-\u{10FFFF}]+$/u.test(host) && /^[A-Za-z0-9._-]+$/.test(domainToASCII(host));
    if (!/^[A-Za-z0-9._-]+$/.test(host) && !idn) {
      throw new TargetParseError(
        `'${spec}': '${host}' is not a host name, internationalised domain name or IP address (IPv6 needs [brackets] with a port)`,
      );
    }
  }
  if (!defaults.allowLinkLocal && isLinkLocalOrMetadata(host)) {
    throw new TargetParseError(
      `'${spec}': ${host} is a link-local address (where instance metadata services answer); refused unless explicitly allowed (cert-watch check --allow-link-local, endpointProbes.allowLinkLocal)`,
    );
  }
  return {
    host,
    port: port ?? defaultPort(defaults.starttls),
    ...(defaults.servername ? { servername: defaults.servername } : {}),
    ...(defaults.starttls ? { starttls: defaults.starttls } : {}),
  };
};

/**
 * Limits of the free text an endpoint entry carries into every event about it (issue #9: text is
 * bounded at input, not only when an event is built). The sizes follow AWS resource tags (key 128,
 * value 256 characters, 50 per resource: IAM User Guide, "Tagging IAM resources").
 */
export const ENDPOINT_TEXT_LIMITS = { labels: 50, labelKey: 128, labelValue: 256, owner: 256 } as const;

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
const CONTROL = /[\u0000-\u001f\u007f]/;

export const checkEndpointText = (
  where: string,
  labels: Readonly<Record<string, string>> | undefined,
  owner: string | undefined,
): void => {
  const limits = ENDPOINT_TEXT_LIMITS;
  const entries = Object.entries(labels ?? {});
  if (entries.length > limits.labels)
    throw new TargetParseError(`${where}: at most ${limits.labels} labels, got ${entries.length}`);
  for (const [key, value] of entries) {
    if (key.length === 0 || key.length > limits.labelKey)
      throw new TargetParseError(
        `${where}: a label name must be 1-${limits.labelKey} characters, got ${key.length}`,
      );
    if (value.length > limits.labelValue)
      throw new TargetParseError(
        `${where}: label '${key.slice(0, 40)}' must be at most ${limits.labelValue} characters, got ${value.length}`,
      );
    if (CONTROL.test(key) || CONTROL.test(value))
      throw new TargetParseError(`${where}: label '${key.slice(0, 40)}' must not contain control characters`);
  }
  if (owner !== undefined && (owner.length > limits.owner || CONTROL.test(owner)))
    throw new TargetParseError(
      `${where}: 'owner' must be at most ${limits.owner} characters without control characters, got ${owner.length}`,
    );
};

const targetFromObject = (
  entry: Record<string, unknown>,
  where: string,
  defaults: TargetDefaults,
): EndpointTarget => {
  const { host, port, servername, starttls, labels, owner, expected } = entry;
  if (typeof host !== 'string' || host.trim() === '')
    throw new TargetParseError(`${where}: 'host' must be a non-empty string`);
  const base = parseTargetSpec(host, defaults);
  let resolvedPort = base.port;
  if (port !== undefined) {
    if (typeof port !== 'number' && typeof port !== 'string')
      throw new TargetParseError(`${where}: 'port' must be a number`);
    resolvedPort = parsePort(String(port), where);
  }
  if (servername !== undefined && typeof servername !== 'string') {
    throw new TargetParseError(`${where}: 'servername' must be a string`);
  }
  let proto = defaults.starttls;
  if (starttls !== undefined) {
    if (typeof starttls !== 'string') throw new TargetParseError(`${where}: 'starttls' must be a string`);
    proto = parseStarttls(starttls);
    if (port === undefined && !/:\d+$/.test(host)) resolvedPort = defaultPort(proto);
  }
  if (
    labels !== undefined &&
    (!isJsonObject(labels) || Object.values(labels).some((v) => typeof v !== 'string'))
  ) {
    throw new TargetParseError(`${where}: 'labels' must map names to strings`);
  }
  if (owner !== undefined && typeof owner !== 'string')
    throw new TargetParseError(`${where}: 'owner' must be a string`);
  checkEndpointText(where, labels as Record<string, string> | undefined, owner);
  let expectation: DeploymentExpectation | undefined;
  try {
    expectation = expected === undefined ? undefined : parseExpectation(expected, where);
  } catch (error) {
    if (error instanceof InvalidExpectationError) throw new TargetParseError(error.message);
    throw error;
  }
  const name = servername ?? defaults.servername;
  return {
    host: base.host,
    port: resolvedPort,
    ...(name ? { servername: name } : {}),
    ...(proto ? { starttls: proto } : {}),
    ...(labels ? { labels: labels as Record<string, string> } : {}),
    ...(owner ? { owner } : {}),
    ...(expectation ? { expected: expectation } : {}),
  };
};

/** A list of `host[:port]` strings and target objects (or `{targets: [...]}`), validated. */
export const parseTargetList = (
  list: unknown,
  origin: string,
  defaults: TargetDefaults,
): EndpointTarget[] => {
  const items = isJsonObject(list) ? (list.targets ?? list.endpoints) : list;
  if (!Array.isArray(items)) {
    throw new TargetParseError(
      `${origin}: expected a list of targets (or an object with 'targets' or 'endpoints')`,
    );
  }
  return items.map((entry, i) => {
    const where = `${origin}: entry ${i + 1}`;
    if (typeof entry === 'string') return parseTargetSpec(entry, defaults);
    if (isJsonObject(entry)) return targetFromObject(entry, where, defaults);
    throw new TargetParseError(`${where}: expected 'host[:port]' or an object with 'host'`);
  });
};

/**
 * `host:port`, and `/servername` when the name sent as SNI is not the host (a discovered load
 * balancer probed once per certificate name, a target with its own `servername`): what tells two
 * probes of one address apart in tables and reports (as discovered locations are written,
 * docs/discovery.md).
 */
export const formatProbeTarget = (r: {
  readonly host: string;
  readonly port: number;
  readonly servername: string | null;
}): string => {
  const target = isIPv6(r.host) ? `[${r.host}]:${r.port}` : `${r.host}:${r.port}`;
  return r.servername && r.servername.toLowerCase() !== r.host.toLowerCase()
    ? `${target}/${r.servername}`
    : target;
};
