/**
 * The report as JSON: the `EstateReport` shape (model.ts) with its `reportVersion` first, what the
 * report Lambda stores in S3 and `cert-watch report --json` prints. Consumers tell shapes apart by
 * `reportVersion`; fields are only ever added within a major version.
 */
import type { EstateReport } from './model';

export const renderJson = (report: EstateReport): string => {
  const { reportVersion, ...rest } = report;
  return `${JSON.stringify({ reportVersion, ...rest }, null, 2)}\n`;
};
