/**
 * Pure analysis of a chain as a server sent it: the verified path (path.ts), expiry of every
 * certificate on it including the trust anchor, host name, key and signature strength. Every
 * problem found is reported, not only the first; sent certificates off the path are only a note.
 */
import { isIP } from 'node:net';
import type { CertificateRecord } from '../../core/certificate';
import {
  type Evaluation,
  evaluate,
  type Severity,
  type Thresholds,
  type VerdictPolicy,
  verdictPolicy,
  warningDays,
} from '../../core/evaluate';
import { daysUntil, durationText, remaining, wholeDaysUntil } from '../../core/time';
import { recordFromCertInfo } from '../x509-record';
import type { CertInfo } from './cert-info';
import { isWeakSignatureAlgorithm } from './der';
import { buildPath, distinctPool, type TrustPath } from './path';
import { findKnownIntermediate, rememberIntermediate, type TrustStore } from './trust';
import type { ChainElement, ChainRole, EarliestExpiry, LeafInfo, Problem } from './types';

export interface ChainAnalysis {
  /** Expiry only: the earliest expiry on the path (problems do not raise it; `verdictOf` does). */
  readonly expiryStatus: Severity;
  /** The core verdict of the earliest expiry on the path (its own lifetime picks the tiers). */
  readonly evaluation: Evaluation;
  readonly daysRemaining: number;
  readonly hoursRemaining: number;
  readonly notAfter: string;
  readonly leaf: LeafInfo;
  readonly chain: readonly ChainElement[];
  readonly path: readonly ChainElement[];
  readonly earliestExpiry: EarliestExpiry;
  readonly problems: Problem[];
  readonly trusted: boolean;
}

export interface AnalyzeInput {
  /** Certificates in the order the server sent them; the first is the leaf. */
  readonly sent: readonly CertInfo[];
  /** The name clients check: the SNI name, or the IP address for IP targets. */
  readonly expectedName: string;
  readonly now: Date;
  /** Day tiers, or the whole verdict policy (lifetime rule): `evaluate` in lambda/core/evaluate.ts. */
  readonly thresholds: Thresholds | VerdictPolicy;
  readonly trustStore: TrustStore;
  /** Issuers fetched from AIA caIssuers URLs (probe.ts does the fetching). */
  readonly fetchedIssuers?: readonly FetchedIssuer[];
  /** Whether AIA fetching was on, to say why a missing issuer was not fetched. */
  readonly aiaFetchEnabled?: boolean;
}

export class EmptyChainError extends Error {
  override readonly name = 'EmptyChainError';
}

const MIN_RSA_BITS = 2048;
const MIN_EC_BITS = 224;

const roleOf = (cert: CertInfo, index: number): ChainRole =>
  index === 0 ? 'leaf' : cert.selfSigned ? 'root' : 'intermediate';

const describe = (cert: CertInfo, role: ChainRole): string =>
  role === 'leaf' ? 'certificate' : `${role} '${cert.subject}'`;

const isWeakKey = (cert: CertInfo): boolean => {
  if (cert.keySize === null) return false;
  if (cert.keyType === 'RSA' || cert.keyType === 'RSA-PSS' || cert.keyType === 'DSA')
    return cert.keySize < MIN_RSA_BITS;
  if (cert.keyType === 'EC') return cert.keySize < MIN_EC_BITS;
  return false;
};

/** A certificate fetched from an AIA caIssuers URL for this analysis, or why the fetch failed. */
export interface FetchedIssuer {
  readonly url: string;
  readonly cert?: CertInfo;
  readonly error?: string;
}

const elementOf = (cert: CertInfo, role: ChainRole, now: Date) => ({
  subject: cert.subject,
  issuer: cert.issuer,
  notBefore: cert.notBefore.toISOString(),
  notAfter: cert.notAfter.toISOString(),
  daysRemaining: wholeDaysUntil(cert.notAfter, now),
  role,
  fingerprintSha256: cert.fingerprintSha256,
  signatureAlgorithm: cert.signatureAlgorithm,
});

/** Roles along a path: the leaf, intermediates, and the anchor or self-signed end as 'root'. */
const pathRoles = (path: TrustPath): ChainRole[] =>
  path.certs.map((_, i) => {
    if (i === 0) return 'leaf';
    const last = i === path.certs.length - 1;
    return last && (path.complete || path.end === 'root') ? 'root' : 'intermediate';
  });

/** "30 days", "20 hours": the rounding rule every output uses (core/time.ts). */
const left = (cert: CertInfo, now: Date): string => durationText(remaining(cert.notAfter, now));

/** The same counts as the EXPIRED and CHAIN_EXPIRING messages. */
const when = (cert: CertInfo, now: Date): string => {
  const date = cert.notAfter.toISOString().slice(0, 10);
  return daysUntil(cert.notAfter, now) <= 0
    ? `expired ${date}, ${left(cert, now)} ago`
    : `expires ${date}, ${left(cert, now)}`;
};

/** The sent certificates no path uses: a note, never the verdict (clients ignore them). */
const extraCertificates = (sent: readonly CertInfo[], onPath: Set<string>, now: Date): Problem[] => {
  const extra = distinctPool(sent.map((cert) => ({ cert, source: 'sent' as const }))).filter(
    (c) => !onPath.has(c.cert.fingerprintSha256),
  );
  if (extra.length === 0) return [];
  const names = extra.map((c) => `'${c.cert.subject}' (${when(c.cert, now)})`).join(', ');
  return [
    {
      code: 'EXTRA_CERTIFICATE',
      severity: 'info',
      message: `the server also sends ${names}, not on the verified path: clients ignore ${extra.length === 1 ? 'it' : 'them'}, so ${extra.length === 1 ? 'it does' : 'they do'} not count for expiry; removing ${extra.length === 1 ? 'it' : 'them'} saves handshake bytes`,
    },
  ];
};

const TRUST_HINT =
  'if it is your private CA, trust it with --ca-file (cert-watch check) or endpointProbes.caBundlePem (the construct)';

/** Why no client trusts the path (docs/endpoints.md, "Untrusted or incomplete"). */
const trustProblem = (
  path: TrustPath,
  fetched: readonly FetchedIssuer[],
  fetchEnabled: boolean,
): Problem | undefined => {
  const fromAia = path.certs.filter((c) => c.source === 'aia');
  if (path.complete) {
    if (fromAia.length === 0) return undefined;
    const names = fromAia.map((c) => `'${c.cert.subject}'`).join(', ');
    const urls = fetched.filter((f) => f.cert && fromAia.some((c) => c.cert === f.cert)).map((f) => f.url);
    return {
      code: 'INCOMPLETE_CHAIN',
      severity: 'critical',
      message: `the server does not send intermediate ${names}; fixable: it is published at ${urls.join(', ')} (AIA caIssuers) and completes a trusted path, so send it after the certificate (browsers fetch it, most other clients fail)`,
    };
  }
  const last = path.certs[path.certs.length - 1]!.cert;
  const leaf = path.certs[0]!.cert;
  if (path.end === 'root') {
    if (last === leaf) {
      return {
        code: 'SELF_SIGNED',
        severity: 'critical',
        message: `certificate is self-signed ('${leaf.subject}') and not a trusted anchor; ${TRUST_HINT}`,
      };
    }
    const origin = fromAia.some((c) => c.cert === last) ? ' (fetched from its AIA caIssuers URL)' : '';
    return {
      code: 'UNTRUSTED',
      severity: 'critical',
      message: `the chain is complete but ends at root '${last.subject}'${origin}, which is not in the trust store; ${TRUST_HINT}`,
    };
  }
  const what = last === leaf ? 'the certificate' : `'${last.subject}'`;
  const known = findKnownIntermediate(last);
  if (known) {
    return {
      code: 'INCOMPLETE_CHAIN',
      severity: 'critical',
      message: `the server does not send intermediate '${known.subject}' (seen on a trusted path elsewhere); clients without it cached fail`,
    };
  }
  if (last.caIssuers.length > 0) {
    const failures = fetched.filter((f) => f.error && last.caIssuers.includes(f.url));
    const tried =
      failures.length > 0
        ? `fetching it failed (${failures.map((f) => `${f.url}: ${f.error}`).join('; ')})`
        : fetchEnabled
          ? `what ${last.caIssuers.join(', ')} serves does not complete a trusted path`
          : `its AIA caIssuers URL is ${last.caIssuers.join(', ')} (not fetched: AIA fetching is off)`;
    return {
      code: 'INCOMPLETE_CHAIN',
      severity: 'critical',
      message: `issuer '${last.issuer}' of ${what} is neither sent by the server nor a trust anchor: an intermediate is missing; ${tried}`,
    };
  }
  return {
    code: 'UNTRUSTED',
    severity: 'critical',
    message: `issuer '${last.issuer}' of ${what} is not in the trust store and not sent (no AIA caIssuers URL to fetch it from); ${TRUST_HINT}; if it is an intermediate, the server must send it`,
  };
};

export const analyzeChain = ({
  sent,
  expectedName,
  now,
  thresholds,
  trustStore,
  fetchedIssuers = [],
  aiaFetchEnabled = false,
}: AnalyzeInput): ChainAnalysis => {
  const leafInfo = sent[0];
  if (!leafInfo) throw new EmptyChainError('server sent no certificate');
  const problems: Problem[] = [];

  const pool = distinctPool([
    ...sent.slice(1).map((cert) => ({ cert, source: 'sent' as const })),
    ...fetchedIssuers.flatMap((f) => (f.cert ? [{ cert: f.cert, source: 'aia' as const }] : [])),
  ]);
  const trust = buildPath(leafInfo, pool, trustStore, now);
  const roles = pathRoles(trust);
  const onPath = new Set(trust.certs.map((c) => c.cert.fingerprintSha256));
  const path: ChainElement[] = trust.certs.map((c, i) => ({
    ...elementOf(c.cert, roles[i]!, now),
    source: c.source,
  }));
  const chain: ChainElement[] = sent.map((cert, index) => ({
    ...elementOf(cert, roleOf(cert, index), now),
    onPath: onPath.has(cert.fingerprintSha256),
  }));

  // The path dies with its first expiring element, the anchor included (a client's own copy counts).
  let earliestIndex = 0;
  trust.certs.forEach((c, index) => {
    if (c.cert.notAfter.getTime() < trust.certs[earliestIndex]!.cert.notAfter.getTime())
      earliestIndex = index;
  });
  const earliest = trust.certs[earliestIndex]!.cert;

  const window = warningDays(verdictPolicy(thresholds).thresholds);
  trust.certs.forEach(({ cert }, index) => {
    const role = roles[index]!;
    const what = describe(cert, role);
    const days = daysUntil(cert.notAfter, now);
    if (days <= 0) {
      problems.push({
        code: 'EXPIRED',
        severity: 'critical',
        message: `${what} expired on ${cert.notAfter.toISOString()} (${left(cert, now)} ago)`,
      });
    }
    if (cert.notBefore.getTime() > now.getTime()) {
      problems.push({
        code: 'NOT_YET_VALID',
        severity: 'critical',
        message: `${what} is not valid before ${cert.notBefore.toISOString()}`,
      });
    }
    if (role !== 'leaf' && cert.notAfter.getTime() < leafInfo.notAfter.getTime() && days <= window) {
      problems.push({
        code: 'CHAIN_EXPIRING',
        severity: days <= 0 ? 'critical' : 'warning',
        message:
          days <= 0
            ? `${what} expired on ${cert.notAfter.toISOString()}, before the certificate it vouches for`
            : `${what} expires on ${cert.notAfter.toISOString()} (${left(cert, now)}), before the certificate (${leafInfo.notAfter.toISOString()})`,
      });
    }
    // Anchors are exempt: their signature is never checked and clients hold their own copy.
    if (role === 'root') return;
    if (isWeakKey(cert)) {
      problems.push({
        code: 'WEAK_KEY',
        severity: 'warning',
        message: `${what} has a ${cert.keySize}-bit ${cert.keyType} key`,
      });
    }
    if (isWeakSignatureAlgorithm(cert.signatureAlgorithm)) {
      problems.push({
        code: 'WEAK_SIGNATURE',
        severity: 'warning',
        message: `${what} is signed with ${cert.signatureAlgorithm}`,
      });
    }
  });

  let hostMatches: boolean;
  try {
    hostMatches = isIP(expectedName)
      ? leafInfo.x509.checkIP(expectedName) !== undefined
      : leafInfo.x509.checkHost(expectedName, { partialWildcards: false }) !== undefined;
  } catch {
    // OpenSSL rejects malformed names outright; no certificate can match them.
    hostMatches = false;
  }
  if (!hostMatches) {
    const names = leafInfo.sans.length > 0 ? leafInfo.sans.join(', ') : leafInfo.subject;
    problems.push({
      code: 'HOSTNAME_MISMATCH',
      severity: 'critical',
      message: `certificate is for ${names}, not ${expectedName}`,
    });
  }

  const problem = trustProblem(trust, fetchedIssuers, aiaFetchEnabled);
  if (problem) problems.push(problem);
  else if (trust.complete) {
    for (const c of trust.certs.slice(1, -1)) rememberIntermediate(c.cert);
  }
  problems.push(...extraCertificates(sent, onPath, now));

  // The one verdict function, on the certificate that dies first: its own lifetime picks the tiers,
  // as the lifecycle's does for the leaf it tracks (a fresh 6-day leaf is healthy in both).
  const evaluation = evaluate(
    {
      source: 'endpoint',
      id: 'earliest',
      domain: expectedName,
      sans: [],
      notBefore: earliest.notBefore,
      notAfter: earliest.notAfter,
      type: 'UNMANAGED',
    },
    now,
    thresholds,
  );

  const leaf: LeafInfo = {
    subject: leafInfo.subject,
    issuer: leafInfo.issuer,
    sans: leafInfo.sans,
    serialNumber: leafInfo.serialNumber,
    fingerprintSha256: leafInfo.fingerprintSha256,
    notBefore: leafInfo.notBefore.toISOString(),
    notAfter: leafInfo.notAfter.toISOString(),
    daysRemaining: wholeDaysUntil(leafInfo.notAfter, now),
    keyType: leafInfo.keyType,
    keySize: leafInfo.keySize,
    ...(leafInfo.curve ? { curve: leafInfo.curve } : {}),
    signatureAlgorithm: leafInfo.signatureAlgorithm,
  };

  return {
    expiryStatus: evaluation.severity,
    evaluation,
    daysRemaining: evaluation.daysRemaining ?? wholeDaysUntil(earliest.notAfter, now),
    hoursRemaining: evaluation.hoursRemaining ?? 0,
    notAfter: earliest.notAfter.toISOString(),
    leaf,
    chain,
    path,
    earliestExpiry: {
      notAfter: earliest.notAfter.toISOString(),
      role: roles[earliestIndex]!,
      subject: earliest.subject,
      index: earliestIndex,
    },
    problems,
    trusted: trust.complete && problem === undefined,
  };
};

/** The leaf as a certificate record, so endpoint results flow through the same core as ACM. */
export const leafRecord = (
  leaf: CertInfo,
  where: { host: string; port: number; address: string; servername?: string | null; variant?: string },
  labels?: Readonly<Record<string, string>>,
): CertificateRecord => ({
  ...recordFromCertInfo(leaf, {
    source: 'endpoint',
    // A dual-certificate server's second certificate has its own location: host:port#rsa@address.
    id: `${where.host}:${where.port}${where.variant ? `#${where.variant}` : ''}@${where.address}`,
    ...(labels ? { labels: { ...labels } } : {}),
  }),
  // The name clients ask for (the SNI name when an address is probed), whatever the CN says.
  domain: where.servername ?? where.host,
});
