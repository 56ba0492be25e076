/**
 * One scope, end to end: list it → evaluate → lifecycle → events on the bus → its outcome for the
 * coverage summary. The scan worker runs it for each unit it receives, the in-process inventory
 * (tests, demo, CLI) for every scope; one scope's failure is its outcome, never another's.
 */
import { CoverageReason, type ScanUnit } from '../contracts/organization';
import { type SourceSetting, scopeKeyOf } from '../contracts/sources';
import type { CertificateRecord } from '../core/certificate';
import { coverageReasonOf, type ScopeOutcome, ZERO_COUNTS } from '../core/coverage';
import type { Thresholds } from '../core/evaluate';
import { type BusEvent, certificateEvent } from '../core/events';
import type { Logger, Scope, ScopeReader } from '../core/ports';
import { errorCode, errorMessage, isReported, runScan, type ScanResult } from '../core/scan';
import type { LifecycleConfig } from '../lifecycle/model';
import { type LifecycleStore, processScan } from '../lifecycle/run-lifecycle';
import type { ClientOverrides } from '../sources/client-config';
import type { SourceRegistry } from '../sources/plugin';

export interface Publisher {
  publish(events: readonly BusEvent[]): Promise<{ published: number }>;
}

/** The watcher's memory: with it, only transitions reach the bus (see docs/lifecycle.md). */
export interface LifecycleWiring {
  readonly store: LifecycleStore;
  readonly config: LifecycleConfig;
}

export interface ScopeScanDeps {
  readonly thresholds: Thresholds;
  /**
   * Without a lifecycle (the CLI, tests) every reported certificate is an event on every scan;
   * the deployed stack always wires one.
   */
  readonly lifecycle?: LifecycleWiring;
  readonly publisher: Publisher;
  readonly logger: Logger;
  readonly clock?: () => Date;
}

/** Stateless events: one per reported certificate. */
export const certificateEventsForScan = (result: ScanResult): BusEvent[] =>
  result.certificates
    .filter((c) => isReported(c.evaluation))
    .map((c) => certificateEvent(c.record, c.evaluation, { scanId: result.scanId, now: result.startedAt }));

/** A scope's identity in an outcome. */
export const outcomeScope = (scope: Scope, accountName?: string) => ({
  scope: scope.key,
  kind: scope.kind,
  account: scope.account ?? '',
  ...(accountName ? { accountName } : {}),
  ...(scope.region ? { region: scope.region } : {}),
});

/**
 * Lists one scope and hands what it found to the lifecycle (or the bus directly).
 * @returns the scope's outcome (a listing failure is an outcome, not an error)
 * @throws when the lifecycle or the bus failed: the unit must be retried (its events are in the
 *   outbox, so a retry publishes them once)
 */
/** The account's name and OU path on every record the reader gives (for routing to owners). */
const withOwner = (
  reader: ScopeReader,
  owner: { accountName?: string; ouPath?: readonly string[] },
): ScopeReader => {
  if (!owner.accountName && !owner.ouPath) return reader;
  const stamp = (r: CertificateRecord): CertificateRecord => ({
    ...r,
    ...(owner.accountName ? { accountName: owner.accountName } : {}),
    ...(owner.ouPath ? { ouPath: owner.ouPath } : {}),
  });
  return {
    scope: reader.scope,
    async *list(report) {
      for await (const r of reader.list(report)) yield stamp(r);
    },
    ...(reader.enrich ? { enrich: async (r: CertificateRecord) => stamp(await reader.enrich!(r)) } : {}),
    ...(reader.complete ? { complete: () => reader.complete!() } : {}),
  };
};

export const scanScope = async (
  deps: ScopeScanDeps,
  reader: ScopeReader,
  ctx: {
    readonly scanId: string;
    readonly now: Date;
    readonly accountName?: string;
    readonly ouPath?: readonly string[];
  },
): Promise<ScopeOutcome> => {
  const clock = deps.clock ?? (() => new Date());
  const result = await runScan([withOwner(reader, ctx)], {
    scanId: ctx.scanId,
    now: ctx.now,
    // The lifecycle's whole verdict policy (lifetime rule, managed delay) when it is wired, so the
    // scan and the lifecycle judge a certificate alike.
    thresholds: deps.lifecycle?.config ?? deps.thresholds,
    clock,
    logger: deps.logger,
  });
  let eventsPublished: number;
  if (deps.lifecycle) {
    // Transitions only; the lifecycle publishes them through its outbox (at least once, deduplicated by id).
    const summary = await processScan(
      { ...deps.lifecycle, publisher: deps.publisher, now: ctx.now, clock, logger: deps.logger },
      result,
    );
    eventsPublished = summary.eventsPublished;
  } else {
    const events = certificateEventsForScan(result);
    await deps.publisher.publish(events);
    eventsPublished = events.length;
  }
  const failure = result.scopesFailed[0];
  const base = outcomeScope(reader.scope, ctx.accountName);
  if (failure)
    return {
      ...base,
      status: 'failed',
      reason: coverageReasonOf(failure.code),
      code: failure.code,
      message: failure.message,
      counts: result.counts,
      eventsPublished,
    };
  return { ...base, status: 'scanned', counts: result.counts, eventsPublished };
};

/** How a unit's account is reached: the member role's credentials, and which regions it has enabled. */
export interface AccountAccess {
  /** Undefined for the watcher's own account (the function's own credentials). */
  credentialsFor(account: string): ClientOverrides['credentials'] | undefined;
  /** false for an opt-in region the account has not enabled; undefined when it cannot be told. */
  regionEnabled(account: string, region: string): Promise<boolean | undefined>;
}

/** Access to the watcher's own account only (no member roles, every region assumed enabled). */
export const OWN_ACCOUNT_ACCESS: AccountAccess = {
  credentialsFor: () => undefined,
  regionEnabled: async () => undefined,
};

export interface UnitReaderDeps {
  /** The source kinds this process scans, each by its plugin (a scan worker has one). */
  readonly plugins: SourceRegistry;
  /** The configured sources (WATCHER_SOURCES). */
  readonly settings: readonly SourceSetting[];
  readonly access: AccountAccess;
  /** Endpoint (the emulator) and base settings for every client; credentials come from `access`. */
  readonly clientOverrides?: (region: string) => ClientOverrides;
}

/**
 * The reader for one scan unit, or the unit's outcome when it must not be listed: an opt-in region
 * the account has not enabled (skipped), a role that cannot be assumed, a kind this process does
 * not scan (failed).
 */
export const readerForUnit = async (
  deps: UnitReaderDeps,
  unit: ScanUnit,
): Promise<{ reader: ScopeReader } | { outcome: ScopeOutcome }> => {
  const plugin = deps.plugins[unit.kind];
  const setting = deps.settings.find((s) => s.kind === unit.kind);
  const key = scopeKeyOf(unit.kind, unit.account.id, unit.region);
  const unscanned = (
    status: 'failed' | 'skipped',
    reason: CoverageReason,
    code: string,
    message: string,
  ) => ({
    outcome: {
      scope: key,
      kind: unit.kind,
      account: unit.account.id,
      ...(unit.account.name ? { accountName: unit.account.name } : {}),
      ...(unit.region ? { region: unit.region } : {}),
      status,
      reason,
      code,
      message,
      counts: ZERO_COUNTS,
      eventsPublished: 0,
    },
  });
  if (!plugin || !setting)
    return unscanned(
      'failed',
      CoverageReason.Other,
      'UNKNOWN_SOURCE',
      `this worker does not scan source kind "${unit.kind}"`,
    );
  if (unit.region) {
    let enabled: boolean | undefined;
    try {
      enabled = await deps.access.regionEnabled(unit.account.id, unit.region);
    } catch (error) {
      const code = errorCode(error);
      return unscanned('failed', coverageReasonOf(code), code, errorMessage(error));
    }
    if (enabled === false)
      return unscanned(
        'skipped',
        CoverageReason.RegionNotEnabled,
        CoverageReason.RegionNotEnabled,
        `${unit.region} is an opt-in region account ${unit.account.id} has not enabled`,
      );
  }
  const credentials = deps.access.credentialsFor(unit.account.id);
  const source = plugin.create(
    { ...setting, ...(unit.region ? { regions: [unit.region] } : {}) },
    {
      clientOverrides: (region) => ({
        ...deps.clientOverrides?.(region),
        ...(credentials ? { credentials } : {}),
      }),
    },
  );
  const scope = source.scopes(unit.account.id).find((s) => s.key === key);
  if (!scope)
    return unscanned(
      'failed',
      CoverageReason.Other,
      'UNKNOWN_SCOPE',
      `source "${unit.kind}" has no scope ${key}`,
    );
  return { reader: source.reader(scope) };
};
