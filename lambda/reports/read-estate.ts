/**
 * The estate report read from the deployed watcher's state table, for `cert-watch report` and the
 * scheduled report Lambda alike: every tracked location (one Scan page at a time, each page turned
 * into report rows before the next is read), graded at `now` with the watcher's lifecycle
 * settings, and the coverage of the latest scan period.
 */
import type { LifecycleConfig } from '../contracts/lifecycle-config';
import type { TrackedState } from '../lifecycle/model';
import { isAcked } from '../lifecycle/tracked-state';
import {
  coverageFromRecords,
  estateReport,
  reportCertificateOfState,
  type ScopeCoverageLike,
} from './from-state';
import type { EstateReport, ReportCertificate } from './model';

/** What the report reads from the state table (lambda/sinks/state: state-admin and coverage-store). */
export interface EstateReader {
  /** Tracked locations, one Scan page at a time. */
  pages(): AsyncIterable<readonly TrackedState[]>;
  /** The latest scan period, or null before the first. */
  currentPeriod(): Promise<{ readonly scanId: string } | null>;
  /** Every coverage item; those of the latest period carry its scan id in `expectedScanId`. */
  listCoverage(): Promise<readonly (ScopeCoverageLike & { readonly expectedScanId?: string })[]>;
}

/** The report and the severities of the rows not acknowledged (the CLI's exit code). */
export const readEstate = async (
  reader: EstateReader,
  origin: string,
  now: Date,
  config: LifecycleConfig,
): Promise<{ report: EstateReport; unacked: ReportCertificate['severity'][] }> => {
  const rows: ReportCertificate[] = [];
  const unacked: ReportCertificate['severity'][] = [];
  for await (const page of reader.pages()) {
    for (const state of page) {
      const row = reportCertificateOfState(state, now, config);
      if (!row) continue;
      rows.push(row);
      if (!isAcked(state, now)) unacked.push(row.severity);
    }
  }
  const period = await reader.currentPeriod();
  const records = period
    ? (await reader.listCoverage()).filter((r) => r.expectedScanId === period.scanId)
    : [];
  // No period (or none of its scopes recorded): the empty coverage is unknown, not complete.
  const coverage = { ...coverageFromRecords(records), periodRecorded: records.length > 0 };
  return { report: estateReport(rows, coverage, origin, now), unacked };
};
