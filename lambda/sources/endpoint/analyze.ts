/**
 * Pure analysis of a chain as a server sent it: roles, expiry, trust path, host name, key and
 * signature strength. Every problem found is reported, not only the first.
 */
import { isIP } from 'node:net';
import type { CertificateRecord } from '../../core/certificate';
import { evaluate, type Severity, type Thresholds, warningDays } from '../../core/evaluate';
import { daysUntil, wholeDaysUntil } from '../../core/time';
import { recordFromCertInfo } from '../x509-record';
import { type CertInfo, isSignedBy } from './cert-info';
import { isWeakSignatureAlgorithm } from './der';
import { findKnownIntermediate, rememberIntermediate, type TrustStore } from './trust';
import type { ChainElement, ChainRole, EarliestExpiry, LeafInfo, Problem } from './types';

export interface ChainAnalysis {
  readonly status: Severity;
  readonly daysRemaining: number;
  readonly notAfter: string;
  readonly leaf: LeafInfo;
  readonly chain: readonly ChainElement[];
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
  readonly thresholds: Thresholds;
  readonly trustStore: TrustStore;
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

type TrustVerdict =
  | { trusted: true; path: CertInfo[] }
  | { trusted: false; problem: Problem; path: CertInfo[] };

/** Builds a path from the leaf through the sent certificates to an anchor. */
const verifyTrust = (sent: readonly CertInfo[], store: TrustStore): TrustVerdict => {
  const leaf = sent[0]!;
  const path: CertInfo[] = [leaf];
  const used = new Set<string>([leaf.fingerprintSha256]);
  let current = leaf;
  // Each step adds an unused certificate, so the loop ends even on cyclic or looping chains.
  for (;;) {
    if (store.isAnchor(current) || store.findIssuer(current)) return { trusted: true, path };
    if (current.selfSigned) {
      if (current === leaf) {
        return {
          trusted: false,
          path,
          problem: {
            code: 'SELF_SIGNED',
            severity: 'critical',
            message: `certificate is self-signed ('${leaf.subject}') and not a trusted anchor`,
          },
        };
      }
      return {
        trusted: false,
        path,
        problem: {
          code: 'UNTRUSTED',
          severity: 'critical',
          message: `chain ends at root '${current.subject}', which is not in the trust store`,
        },
      };
    }
    const next = sent.find(
      (candidate) =>
        !used.has(candidate.fingerprintSha256) &&
        candidate.subject === current.issuer &&
        isSignedBy(current, candidate),
    );
    if (!next) {
      if (current === leaf) {
        const known = findKnownIntermediate(leaf);
        return {
          trusted: false,
          path,
          problem: {
            code: 'INCOMPLETE_CHAIN',
            severity: 'critical',
            message: known
              ? `server does not send intermediate '${known.subject}' (seen elsewhere); clients without it cached fail`
              : `issuer '${leaf.issuer}' of the certificate is neither sent by the server nor a trusted root (missing intermediate?)`,
          },
        };
      }
      return {
        trusted: false,
        path,
        problem: {
          code: 'UNTRUSTED',
          severity: 'critical',
          message: `issuer '${current.issuer}' of '${current.subject}' is not sent and not in the trust store`,
        },
      };
    }
    used.add(next.fingerprintSha256);
    path.push(next);
    current = next;
  }
};

export const analyzeChain = ({
  sent,
  expectedName,
  now,
  thresholds,
  trustStore,
}: AnalyzeInput): ChainAnalysis => {
  const leafInfo = sent[0];
  if (!leafInfo) throw new EmptyChainError('server sent no certificate');
  const problems: Problem[] = [];

  const chain: ChainElement[] = sent.map((cert, index) => ({
    subject: cert.subject,
    issuer: cert.issuer,
    notBefore: cert.notBefore.toISOString(),
    notAfter: cert.notAfter.toISOString(),
    daysRemaining: wholeDaysUntil(cert.notAfter, now),
    role: roleOf(cert, index),
    fingerprintSha256: cert.fingerprintSha256,
    signatureAlgorithm: cert.signatureAlgorithm,
  }));

  // Roots are excluded: clients use their own copy of the anchor, not the one a server sends.
  let earliestIndex = 0;
  sent.forEach((cert, index) => {
    if (chain[index]?.role === 'root') return;
    if (cert.notAfter.getTime() < sent[earliestIndex]!.notAfter.getTime()) earliestIndex = index;
  });
  const earliest = sent[earliestIndex]!;
  const earliestRole = chain[earliestIndex]!.role;

  const window = warningDays(thresholds);
  sent.forEach((cert, index) => {
    const role = chain[index]!.role;
    if (role === 'root') return;
    const what = describe(cert, role);
    const days = daysUntil(cert.notAfter, now);
    if (days <= 0) {
      problems.push({
        code: 'EXPIRED',
        severity: 'critical',
        message: `${what} expired on ${cert.notAfter.toISOString()} (${Math.floor(-days)} days ago)`,
      });
    }
    if (cert.notBefore.getTime() > now.getTime()) {
      problems.push({
        code: 'NOT_YET_VALID',
        severity: 'critical',
        message: `${what} is not valid before ${cert.notBefore.toISOString()}`,
      });
    }
    if (role === 'intermediate' && cert.notAfter.getTime() < leafInfo.notAfter.getTime() && days <= window) {
      problems.push({
        code: 'CHAIN_EXPIRING',
        severity: days <= 0 ? 'critical' : 'warning',
        message:
          days <= 0
            ? `${what} expired on ${cert.notAfter.toISOString()}, before the certificate it signs`
            : `${what} expires on ${cert.notAfter.toISOString()} (${wholeDaysUntil(cert.notAfter, now)} days), before the certificate (${leafInfo.notAfter.toISOString()})`,
      });
    }
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

  const trust = verifyTrust(sent, trustStore);
  if (trust.trusted) {
    for (const cert of trust.path.slice(1)) if (!cert.selfSigned) rememberIntermediate(cert);
  } else {
    problems.push(trust.problem);
  }

  const evaluation = evaluate(
    {
      source: 'endpoint',
      id: 'earliest',
      domain: expectedName,
      sans: [],
      notBefore: leafInfo.notBefore,
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
    status: evaluation.severity,
    daysRemaining: evaluation.daysRemaining ?? wholeDaysUntil(earliest.notAfter, now),
    notAfter: earliest.notAfter.toISOString(),
    leaf,
    chain,
    earliestExpiry: {
      notAfter: earliest.notAfter.toISOString(),
      role: earliestRole,
      subject: earliest.subject,
      index: earliestIndex,
    },
    problems,
    trusted: trust.trusted,
  };
};

/** The leaf as a certificate record, so endpoint results flow through the same core as ACM. */
export const leafRecord = (
  leaf: CertInfo,
  where: { host: string; port: number; address: string; servername?: string | null },
  labels?: Readonly<Record<string, string>>,
): CertificateRecord => ({
  ...recordFromCertInfo(leaf, {
    source: 'endpoint',
    id: `${where.host}:${where.port}@${where.address}`,
    ...(labels ? { labels: { ...labels } } : {}),
  }),
  // The name clients ask for (the SNI name when an address is probed), whatever the CN says.
  domain: where.servername ?? where.host,
});
