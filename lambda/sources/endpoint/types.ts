import type { CertificateRecord } from '../../core/certificate';
import type { Evaluation, Severity, Thresholds, VerdictPolicy } from '../../core/evaluate';
import type { ProbeErrorCode } from './errors';
import type { PathSource } from './path';

export type { EndpointTarget } from '../../contracts/endpoints';

export interface ResolvedAddress {
  readonly address: string;
  readonly family: 4 | 6;
}

export type Resolve = (host: string) => Promise<readonly ResolvedAddress[]>;

export interface ProbeOptions {
  /**
   * The instant results are evaluated at (days remaining, tiers), asked per probe. Without it,
   * probeTarget uses the current time and probeAll the run's start: one instant for the whole run,
   * so endpoints that serve one chain share its analysis (analysis-cache.ts).
   * @default the current time (probeTarget); the run's start (probeAll)
   */
  readonly now?: () => Date;
  /**
   * Deadline in ms for one address probe: connect + STARTTLS + handshake. Name resolution has its
   * own deadline of the same length, before the address probes start.
   * @default 10000
   */
  readonly timeoutMs?: number;
  /** Extra trust anchors (PEM), in addition to Node's bundled root store. */
  readonly caPems?: readonly string[];
  /**
   * The verdict policy (`evaluate`, lambda/core/evaluate.ts): day tiers, or a whole `VerdictPolicy`
   * (a LifecycleConfig is one) so short-lived certificates are graded by their lifetime exactly as
   * the lifecycle grades them.
   * @default DEFAULT_THRESHOLDS (30-day warning window, critical at 7 days; lifecycle defaults for the rest)
   */
  readonly thresholds?: Thresholds | VerdictPolicy;
  /**
   * @default the system resolver (`dns.lookup`: hosts file, then DNS; `localhost` never to DNS), IP
   * literals as-is. probeAll asks it once per name per run.
   */
  readonly resolve?: Resolve;
  /** @default true: use Node's bundled Mozilla root store as well as caPems */
  readonly useSystemRoots?: boolean;
  /**
   * When an issuer is missing, fetch it from the certificate's AIA caIssuers URL (http only, at most
   * 64 KiB, within min(timeoutMs, 5 s), three fetches per probe, link-local addresses refused) to say
   * whether the chain is fixable. Adds outbound HTTP from the prober. `cert-watch check` turns it on.
   * @default false
   */
  readonly fetchMissingIssuers?: boolean;
  /**
   * Look for a dual-certificate server's second certificate: after a handshake that gave an ECDSA
   * (or EdDSA) leaf, one more offering only RSA, within its own `timeoutMs`; none after an RSA leaf,
   * since no client that offers RSA is served an ECDSA twin (RFC 8446 §9.1; docs/endpoints.md, "Dual
   * certificates"). Costs a second handshake per ECDSA address. `check --no-dual` and the prober's
   * PROBE_DUAL_CERTIFICATES=false turn it off.
   * @default true
   */
  readonly dualCertificates?: boolean;
  /**
   * Connect to link-local and metadata addresses (169.254.0.0/16, fe80::/10, fd00:ec2::254) a name
   * resolves to; otherwise each such address gets an ADDRESS_REFUSED result and no packet.
   * `check --allow-link-local` and the construct's `endpointProbes.allowLinkLocal` turn it on.
   * @default false
   */
  readonly allowLinkLocal?: boolean;
  /**
   * For targets with `expected` (what their resource is configured to serve): hours a newer stored
   * certificate may go unserved before CERTIFICATE_NOT_DEPLOYED (deployment.ts). `check
   * --not-deployed-grace`, the prober's NOT_DEPLOYED_GRACE_HOURS.
   * @default 24
   */
  readonly notDeployedGraceHours?: number;
}

export type ProblemCode =
  | 'EXPIRED'
  | 'NOT_YET_VALID'
  | 'HOSTNAME_MISMATCH'
  | 'UNTRUSTED'
  | 'SELF_SIGNED'
  | 'INCOMPLETE_CHAIN'
  | 'CHAIN_EXPIRING'
  | 'WEAK_KEY'
  | 'WEAK_SIGNATURE'
  | 'BACKENDS_DIFFER'
  | 'EXTRA_CERTIFICATE'
  | 'CLIENT_CERT_REQUIRED'
  // The target's `expected` against what is served (deployment.ts, docs/discovery.md).
  | 'CERTIFICATE_NOT_DEPLOYED'
  | 'UNEXPECTED_CERTIFICATE';

export interface Problem {
  readonly code: ProblemCode;
  readonly message: string;
  /**
   * How bad it is for clients: 'critical' problems break connections, 'warning' ones will or may,
   * 'info' ones do not (a note for the operator; never raises the verdict).
   */
  readonly severity: 'info' | 'warning' | 'critical';
}

/** 'root' is the trust anchor that ends the path (or, on an untrusted path, its self-signed end). */
export type ChainRole = 'leaf' | 'intermediate' | 'root';

export interface ChainElement {
  readonly subject: string;
  readonly issuer: string;
  readonly notBefore: string;
  readonly notAfter: string;
  readonly daysRemaining: number;
  readonly role: ChainRole;
  readonly fingerprintSha256: string;
  readonly signatureAlgorithm: string;
  /** In `chain`: whether the verified path uses this sent certificate. */
  readonly onPath?: boolean;
  /** In `path`: where the certificate came from (the server, the trust store, an AIA caIssuers URL). */
  readonly source?: PathSource;
}

export interface LeafInfo {
  readonly subject: string;
  readonly issuer: string;
  readonly sans: readonly string[];
  readonly serialNumber: string;
  readonly fingerprintSha256: string;
  readonly notBefore: string;
  readonly notAfter: string;
  /** Days left on the leaf itself (the result's daysRemaining follows the earliest chain expiry). */
  readonly daysRemaining: number;
  /** 'RSA' | 'RSA-PSS' | 'EC' | 'Ed25519' | 'Ed448' | 'DSA' | ... */
  readonly keyType: string;
  /** Bits: modulus length for RSA/DSA, curve size for EC. */
  readonly keySize: number | null;
  readonly curve?: string;
  readonly signatureAlgorithm: string;
}

export interface EarliestExpiry {
  readonly notAfter: string;
  readonly role: ChainRole;
  readonly subject: string;
  /** Position in `path` (0 is the leaf). */
  readonly index: number;
}

export type ProbeStatus = Severity | 'error';

export interface ProbeResult {
  /** `host:port`, the host in A-label form for internationalised names (IPv6 hosts in brackets). */
  readonly target: string;
  /** The host as resolved: A-labels (UTS-46, `url.domainToASCII`) for internationalised names. */
  readonly host: string;
  /** Unicode form of an internationalised name checked (`bücher.example` beside `xn--bcher-kva.example`). */
  readonly displayName?: string;
  readonly port: number;
  /**
   * Set on the second certificate of a dual-certificate server: the key family offered to get it
   * ('rsa' after an ECDSA first certificate, 'ecdsa' after an RSA one). Its record's location is
   * `host:port#<variant>@address`.
   */
  readonly variant?: 'rsa' | 'ecdsa';
  /** Address probed; null when the name did not resolve. */
  readonly address: string | null;
  /** SNI sent; null for IP targets without an explicit servername. */
  readonly servername: string | null;
  readonly starttls: string | null;
  /**
   * The overall verdict the table and the exit code show: `expiryStatus` raised by the worst problem
   * (a critical problem such as a hostname mismatch or an untrusted chain makes it 'critical', a
   * warning one at least 'warning'); 'error' when the probe failed.
   */
  readonly status: ProbeStatus;
  /**
   * Expiry only: the earliest expiry on the path, anchor included, against the tiers ('error' when
   * the probe failed). Always set by probeTarget; optional so hand-built results need not set it.
   */
  readonly expiryStatus?: ProbeStatus;
  /** The same as `status` (kept for consumers of the JSON before 2.2). */
  readonly verdict?: ProbeStatus;
  /**
   * Whole days until the earliest expiry on the path, truncated toward zero (expired 2 days and
   * 5 hours ago is -2: docs/endpoints.md, "Rounding"); null on error.
   */
  readonly daysRemaining: number | null;
  /** Whole hours until the earliest expiry, truncated toward zero (shown under 48 hours); null on error. */
  readonly hoursRemaining?: number | null;
  /** The earliest expiry on the path (ISO); null on error. */
  readonly notAfter: string | null;
  readonly tlsVersion: string | null;
  readonly leaf: LeafInfo | null;
  /** The certificates as the server sent them, each marked `onPath`. */
  readonly chain: readonly ChainElement[];
  /**
   * The path judged (docs/endpoints.md, "The path rule"): leaf, intermediates, then the trust anchor
   * (role 'root'); when no anchor is reached, the longest partial path. Always set by probeTarget
   * for a read chain; empty on error.
   */
  readonly path?: readonly ChainElement[];
  readonly earliestExpiry: EarliestExpiry | null;
  readonly problems: readonly Problem[];
  readonly error: { readonly code: ProbeErrorCode; readonly message: string } | null;
  readonly durationMs: number;
  readonly labels?: Readonly<Record<string, string>>;
  readonly owner?: string;
  readonly record?: CertificateRecord;
  /** The core verdict behind `status` (tiers, lifetime basis), for the event pipeline; absent on error. */
  readonly evaluation?: Evaluation;
}
