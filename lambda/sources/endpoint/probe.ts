/**
 * The endpoint prober: resolves a name to every address, connects to each with one overall
 * deadline (connect + STARTTLS + handshake), reads the chain exactly as sent, and analyses it.
 * Never throws for a bad endpoint: every failure becomes a result with status 'error'.
 */

import * as net from 'node:net';
import { performance } from 'node:perf_hooks';
import { DEFAULT_THRESHOLDS, type Thresholds, type VerdictPolicy } from '../../core/evaluate';
import { AIA_TIMEOUT_MS, analyzeWithAia } from './aia';
import { keepAnalysis, keptAnalysis } from './analysis-cache';
import { analyzeChain, leafRecord } from './analyze';
import { backendsDiffer } from './backends';
import { certInfo } from './cert-info';
import { clientCertProblem } from './client-cert';
import { deploymentProblems } from './deployment';
import { type KeyFamily, otherCertificate } from './dual';
import { classifyError, DnsFailureError, HandshakeFailedError, type ProbeError } from './errors';
import { type Handshake, handshake } from './handshake';
import { toALabels, unicodeForm } from './idn';
import { defaultResolve, resolveOncePerName, screenAddresses, uniqueAddresses } from './resolve';
import { defaultStarttlsForPort, type StarttlsProtocol } from './starttls';
import { type TrustStore, trustStoreFor } from './trust';
import type { EndpointTarget, ProbeOptions, ProbeResult, Resolve, ResolvedAddress } from './types';
import { verdictOf } from './verdict';

export const DEFAULT_PORT = 443;
export const DEFAULT_TIMEOUT_MS = 10_000;
/** `host:port`, IPv6 literals in brackets. */
export const formatTarget = (host: string, port: number): string =>
  net.isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`;

export const starttlsFor = (target: EndpointTarget): StarttlsProtocol | undefined =>
  target.starttls === 'none'
    ? undefined
    : (target.starttls ?? defaultStarttlsForPort(target.port ?? DEFAULT_PORT));

interface Resolved {
  readonly target: EndpointTarget;
  /** The host in A-label form: what is resolved and reported. */
  readonly host: string;
  /** Unicode form of an internationalised SNI name, for people. */
  readonly displayName: string | undefined;
  readonly port: number;
  readonly servername: string | null;
  readonly expectedName: string;
  readonly starttls: StarttlsProtocol | undefined;
  readonly timeoutMs: number;
  readonly now: () => Date;
  readonly thresholds: Thresholds | VerdictPolicy;
  readonly trustStore: TrustStore;
  readonly fetchIssuers: boolean;
  readonly dual: boolean;
  readonly notDeployedGraceHours: number | undefined;
}

const baseResult = (r: Resolved, address: string | null) => ({
  target: formatTarget(r.host, r.port),
  host: r.host,
  ...(r.displayName ? { displayName: r.displayName } : {}),
  port: r.port,
  address,
  servername: r.servername,
  starttls: r.starttls ?? null,
  ...(r.target.labels ? { labels: r.target.labels } : {}),
  ...(r.target.owner ? { owner: r.target.owner } : {}),
});

const errorResult = (
  r: Resolved,
  address: string | null,
  error: ProbeError,
  startedAt: number,
): ProbeResult => ({
  ...baseResult(r, address),
  status: 'error',
  expiryStatus: 'error',
  verdict: 'error',
  daysRemaining: null,
  hoursRemaining: null,
  notAfter: null,
  tlsVersion: null,
  leaf: null,
  chain: [],
  path: [],
  earliestExpiry: null,
  problems: [],
  error: { code: error.code, message: error.message },
  durationMs: Math.round(performance.now() - startedAt),
});

/** The chain one handshake read, judged: `variant` marks a dual-certificate server's second certificate. */
const judge = async (
  r: Resolved,
  address: string,
  shake: Handshake,
  startedAt: number,
  variant?: KeyFamily,
): Promise<ProbeResult> => {
  try {
    const sent = shake.chain.map(certInfo);
    const input = {
      sent,
      expectedName: r.expectedName,
      now: r.now(),
      thresholds: r.thresholds,
      trustStore: r.trustStore,
    };
    let analysis = keptAnalysis(input);
    if (!analysis) {
      analysis = r.fetchIssuers
        ? await analyzeWithAia(input, Math.min(r.timeoutMs, AIA_TIMEOUT_MS))
        : analyzeChain(input);
      keepAnalysis(input, analysis);
    }
    const labels = r.target.owner ? { owner: r.target.owner, ...r.target.labels } : r.target.labels;
    const { trusted: _trusted, ...rest } = analysis;
    if (shake.clientCertAlert) rest.problems.push(clientCertProblem(shake.clientCertAlert, shake.tlsVersion));
    if (r.target.expected) {
      const ctx = { now: input.now, policy: r.thresholds, graceHours: r.notDeployedGraceHours };
      rest.problems.push(...deploymentProblems({ served: sent[0]!, expected: r.target.expected, ...ctx }));
    }
    const verdict = verdictOf({ status: rest.expiryStatus, problems: rest.problems });
    return {
      ...baseResult(r, address),
      ...(variant ? { variant } : {}),
      ...rest,
      status: verdict,
      verdict,
      tlsVersion: shake.tlsVersion,
      error: null,
      durationMs: Math.round(performance.now() - startedAt),
      record: leafRecord(
        sent[0]!,
        { host: r.target.host, port: r.port, address, servername: r.servername, variant },
        labels,
      ),
    };
  } catch (err) {
    return errorResult(
      r,
      address,
      new HandshakeFailedError(`unreadable certificate chain: ${(err as Error).message}`, { cause: err }),
      startedAt,
    );
  }
};

/** One address: its certificate, and with `dual` the other key family's when the server has one. */
const probeAddress = async (r: Resolved, { address, family }: ResolvedAddress): Promise<ProbeResult[]> => {
  const startedAt = performance.now();
  let shake: Handshake;
  try {
    shake = await handshake(r, address, family);
  } catch (err) {
    return [errorResult(r, address, classifyError(err, true), startedAt)];
  }
  const first = await judge(r, address, shake, startedAt);
  if (!r.dual || first.status === 'error' || shake.chain.length === 0) return [first];
  const secondAt = performance.now();
  const other = await otherCertificate(r, address, family, certInfo(shake.chain[0]!));
  return other ? [first, await judge(r, address, other.shake, secondAt, other.variant)] : [first];
};

const withDeadline = <T>(promise: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> => {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
};

export class InvalidTargetError extends Error {
  override readonly name = 'InvalidTargetError';
}

const prepare = (target: EndpointTarget, options: ProbeOptions): Resolved => {
  const port = target.port ?? DEFAULT_PORT;
  if (!target.host) throw new InvalidTargetError('target host is empty');
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new InvalidTargetError(`port must be 1-65535, got ${port} for ${target.host}`);
  }
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new InvalidTargetError(`timeoutMs must be a positive number, got ${timeoutMs}`);
  }
  const grace = options.notDeployedGraceHours;
  if (grace !== undefined && !(Number.isFinite(grace) && grace >= 0)) {
    throw new InvalidTargetError(`notDeployedGraceHours must be 0 or more, got ${grace}`);
  }
  let host: string;
  let named: string;
  try {
    host = toALabels(target.host);
    // A fully qualified 'example.com.' is the same name, but not valid as SNI or for matching.
    named = toALabels((target.servername ?? target.host).replace(/\.$/, ''));
  } catch (err) {
    throw new InvalidTargetError((err as Error).message, { cause: err });
  }
  // Never an IP address as SNI (RFC 6066); IP targets are checked against IP SANs instead.
  const servername = net.isIP(named) ? null : named;
  return {
    target,
    host,
    displayName: unicodeForm(named),
    port,
    servername,
    expectedName: named,
    starttls: starttlsFor(target),
    timeoutMs,
    now: options.now ?? (() => new Date()),
    thresholds: options.thresholds ?? DEFAULT_THRESHOLDS,
    trustStore: trustStoreFor(options.caPems ?? [], options.useSystemRoots ?? true),
    fetchIssuers: options.fetchMissingIssuers ?? false,
    dual: options.dualCertificates ?? true,
    notDeployedGraceHours: options.notDeployedGraceHours,
  };
};

/**
 * Every address of a prepared target, probed. `literalsAsIs`: the resolver is the system's, which
 * returns an IP literal as it is, so a literal skips it (and its deadline timer).
 */
const probePrepared = async (
  r: Resolved,
  options: ProbeOptions,
  resolve: Resolve,
  literalsAsIs: boolean,
): Promise<ProbeResult[]> => {
  const startedAt = performance.now();
  let addresses: ResolvedAddress[];
  const family = literalsAsIs ? net.isIP(r.host) : 0;
  if (family === 4 || family === 6) {
    addresses = [{ address: r.host, family }];
  } else {
    try {
      addresses = uniqueAddresses(
        await withDeadline(
          resolve(r.host),
          r.timeoutMs,
          () => new DnsFailureError(`resolving ${r.host} took longer than ${r.timeoutMs} ms`),
        ),
      );
      if (addresses.length === 0) throw new DnsFailureError(`${r.host} has no A or AAAA record`);
    } catch (err) {
      const error =
        err instanceof DnsFailureError
          ? err
          : new DnsFailureError((err as Error).message ?? String(err), { cause: err });
      return [errorResult(r, null, error, startedAt)];
    }
  }
  const { allowed, refused } = screenAddresses(r.host, addresses, options.allowLinkLocal ?? false);
  if (refused.length === 0 && allowed.length === 1) return backendsDiffer(await probeAddress(r, allowed[0]!));
  return [
    ...refused.map(({ address, error }) => errorResult(r, address.address, error, startedAt)),
    ...backendsDiffer((await Promise.all(allowed.map((address) => probeAddress(r, address)))).flat()),
  ];
};

/**
 * Probes every address of one target; one result per address (one error result when the name
 * does not resolve). Throws only for an invalid target or CA bundle (InvalidTargetError,
 * InvalidCaBundleError), never for an unreachable or misbehaving endpoint.
 */
export const probeTarget = async (
  target: EndpointTarget,
  options: ProbeOptions = {},
): Promise<ProbeResult[]> =>
  probePrepared(
    prepare(target, options),
    options,
    options.resolve ?? defaultResolve,
    options.resolve === undefined,
  );

export interface ProbeAllOptions extends ProbeOptions {
  /** Targets probed at once (each fans out to its addresses). @default 32 */
  readonly concurrency?: number;
  /** Called after each target with the number of targets done so far. */
  readonly onProgress?: (done: number, total: number, results: readonly ProbeResult[]) => void;
}

export const DEFAULT_CONCURRENCY = 32;

/** Probes all targets with at most `concurrency` in flight; results in target order. */
export const probeAll = async (
  targets: readonly EndpointTarget[],
  options: ProbeAllOptions = {},
): Promise<ProbeResult[]> => {
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? DEFAULT_CONCURRENCY));
  // One evaluation instant per run (the run's "as of"), so endpoints serving one chain share its analysis.
  const instant = new Date();
  const perRun: ProbeOptions = { ...options, now: options.now ?? (() => instant) };
  // One run resolves each name once, however many of its ports are probed.
  const resolve = resolveOncePerName(options.resolve ?? defaultResolve);
  // Validate everything (and build the trust store once) before opening any socket.
  const prepared = targets.map((target) => prepare(target, perRun));
  const out: ProbeResult[][] = new Array(targets.length);
  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    while (next < targets.length) {
      const index = next++;
      const results = await probePrepared(prepared[index]!, perRun, resolve, options.resolve === undefined);
      out[index] = results;
      done++;
      options.onProgress?.(done, targets.length, results);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, targets.length) }, worker));
  return out.flat();
};
