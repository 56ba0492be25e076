/**
 * The scan planner, run by the schedule: finds the period's accounts, enqueues one scan unit per
 * (account, region, source) scope on the source's queue, and records the scopes the period
 * expects (the coverage proof). It first finalizes the previous period if a unit of it never
 * completed, so every period ends with its heartbeats.
 */
import { randomUUID } from 'node:crypto';
import { DISCOVERY_SOURCE_KIND, discoveryScopeRegions, discoverySettingKinds } from '../contracts/discovery';
import type { AccountRef, AccountsSetting, ScanUnit } from '../contracts/organization';
import { type SourceSetting, scopeKeyOf } from '../contracts/sources';
import type { Logger } from '../core/ports';
import { errorMessage } from '../core/scan';
import type { MetricsSink } from '../shared/metrics';
import type { ExpectedScope } from '../sinks/state/coverage-store';
import type { AccountDiscovery } from '../sources/organization/accounts';
import { type CoverageStore, type FinalizeDeps, finalizePeriod } from './finalize-period';
import type { Publisher } from './scan-scope';

export interface PlanConfig {
  /** The account the watcher runs in. */
  readonly account: string;
  readonly accounts: AccountsSetting;
  readonly sources: readonly SourceSetting[];
}

export interface PlanDeps {
  readonly config: PlanConfig;
  readonly discover: (setting: AccountsSetting, self: string) => Promise<AccountDiscovery>;
  /** Puts the units of one source kind on its queue. */
  readonly enqueue: (kind: string, units: readonly ScanUnit[]) => Promise<void>;
  readonly coverage: CoverageStore;
  readonly publisher: Publisher;
  /** Consecutive missed periods that raise a Coverage Gap. @default DEFAULT_COVERAGE_GAP_PERIODS */
  readonly gapPeriods?: number;
  readonly logger: Logger;
  readonly metrics: MetricsSink;
  readonly clock?: () => Date;
}

export interface PlanSummary {
  readonly scanId: string;
  readonly accounts: number;
  readonly accountsSkipped: readonly { readonly account: string; readonly reason: string }[];
  readonly units: number;
}

/**
 * The regions a source's units are planned in, `undefined` standing for its one global scope per
 * account. Discovery has both: a scope per region and a global one (CloudFront, IAM), each only
 * when one of its configured kinds lives there.
 */
const unitRegionsOf = (source: SourceSetting): readonly (string | undefined)[] =>
  source.kind === DISCOVERY_SOURCE_KIND
    ? discoveryScopeRegions(source.regions ?? [], discoverySettingKinds(source.options))
    : (source.regions ?? [undefined]);

/** Every (account, region, source) scope of the period as a unit: regional sources once per region. */
export const planUnits = (
  accounts: readonly AccountRef[],
  sources: readonly SourceSetting[],
  period: { readonly scanId: string; readonly scanAt: string },
): ScanUnit[] =>
  sources.flatMap((source) =>
    accounts.flatMap((account) =>
      unitRegionsOf(source).map(
        (region): ScanUnit => ({
          v: 1,
          ...period,
          kind: source.kind,
          account,
          ...(region ? { region } : {}),
        }),
      ),
    ),
  );

export const expectedScope = (u: ScanUnit): ExpectedScope => ({
  scope: scopeKeyOf(u.kind, u.account.id, u.region),
  kind: u.kind,
  account: u.account.id,
  ...(u.account.name ? { accountName: u.account.name } : {}),
  ...(u.region ? { region: u.region } : {}),
});

export const makePlanHandler = (deps: PlanDeps) => {
  const clock = deps.clock ?? (() => new Date());
  const finalizeDeps: FinalizeDeps = { ...deps, clock };
  return async (event?: { id?: string }): Promise<PlanSummary> => {
    // A retried invocation of the same scheduled event keeps its scan id (units are deduplicated by it).
    const scanId = event?.id ?? randomUUID();
    const now = clock();
    const previous = await deps.coverage.currentPeriod();
    if (previous && previous.scanId !== scanId && !previous.finalizedAt) {
      try {
        await finalizePeriod(finalizeDeps, previous.scanId);
      } catch (error) {
        deps.logger.error('finalizing the previous period failed', {
          scanId: previous.scanId,
          error: errorMessage(error),
        });
      }
    }
    const discovery = await deps.discover(deps.config.accounts, deps.config.account);
    const units = planUnits(discovery.accounts, deps.config.sources, { scanId, scanAt: now.toISOString() });
    await deps.coverage.startPeriod(
      { scanId, scanAt: now.toISOString(), kinds: deps.config.sources.map((s) => s.kind) },
      units.map(expectedScope),
      now,
    );
    for (const kind of new Set(units.map((u) => u.kind)))
      await deps.enqueue(
        kind,
        units.filter((u) => u.kind === kind),
      );
    // Nothing to wait for: the period ends now (zero scopes is a coverage fact worth a heartbeat).
    if (units.length === 0) await finalizePeriod(finalizeDeps, scanId);
    const summary: PlanSummary = {
      scanId,
      accounts: discovery.accounts.length,
      accountsSkipped: discovery.skipped.map((s) => ({ account: s.account.id, reason: s.reason })),
      units: units.length,
    };
    deps.metrics({
      AccountsScanned: summary.accounts,
      AccountsSkipped: summary.accountsSkipped.length,
      ScopesExpected: summary.units,
    });
    deps.logger.info('scan period planned', { ...summary });
    return summary;
  };
};
