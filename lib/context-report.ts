/**
 * The scheduled report's and the dashboard's `watcher:` context keys (docs/reports.md):
 *
 * - `watcher:report`: `false` creates no report bucket, function or schedule (default `true`);
 * - `watcher:reportSchedule`: an EventBridge schedule expression, `cron(0 8 ? * MON *)` (default)
 *   or `rate(7 days)`;
 * - `watcher:reportRetentionDays`: days a dated report is kept (default 400);
 * - `watcher:reportDigest`: the digest settings as JSON, `{"enabled":false}` or
 *   `{"sections":["counts","soonest"],"soonest":5}`;
 * - `watcher:dashboard`: `false` creates no CloudWatch dashboard (default `true`).
 */
import * as events from 'aws-cdk-lib/aws-events';
import { ConfigurationError } from '../lambda/contracts/errors';
import { type DigestSettings, validateDigestSettings } from '../lambda/contracts/report';
import {
  booleanValue,
  checked,
  InvalidContextError,
  integer,
  jsonValue,
  nonEmptyString,
  show,
} from './context-values';
import type { WatcherDashboardSettings } from './dashboard';
import { resolveReportSettings, type ScheduledReportSettings } from './report';

export const REPORT_CONTEXT_KEYS = [
  'watcher:report',
  'watcher:reportSchedule',
  'watcher:reportRetentionDays',
  'watcher:reportDigest',
  'watcher:dashboard',
] as const;

type Key = (typeof REPORT_CONTEXT_KEYS)[number];

/** EventBridge schedule expressions (EventBridge User Guide, "Schedule expressions for rules"). */
const SCHEDULE_EXPRESSION = /^(cron\([^()]+\)|rate\(\d+ (minute|minutes|hour|hours|day|days)\))$/;

export const reportFromContext = (
  get: (key: Key) => unknown,
): { report?: ScheduledReportSettings; dashboard?: WatcherDashboardSettings } => {
  const out: { report?: ScheduledReportSettings; dashboard?: WatcherDashboardSettings } = {};
  const report: { -readonly [K in keyof ScheduledReportSettings]: ScheduledReportSettings[K] } = {};
  const enabled = get('watcher:report');
  if (enabled !== undefined) report.enabled = booleanValue('watcher:report', enabled);
  const schedule = get('watcher:reportSchedule');
  if (schedule !== undefined) {
    const expression = nonEmptyString('watcher:reportSchedule', schedule);
    if (!SCHEDULE_EXPRESSION.test(expression))
      throw new InvalidContextError(
        'watcher:reportSchedule',
        `must be a schedule expression such as cron(0 8 ? * MON *) or rate(7 days), got ${show(expression)}`,
      );
    report.schedule = events.Schedule.expression(expression);
  }
  const retention = get('watcher:reportRetentionDays');
  if (retention !== undefined) {
    report.retentionDays = integer('watcher:reportRetentionDays', retention, 1);
    checked('watcher:reportRetentionDays', () =>
      resolveReportSettings({ retentionDays: report.retentionDays }),
    );
  }
  const digest = get('watcher:reportDigest');
  if (digest !== undefined) {
    report.digest = jsonValue('watcher:reportDigest', digest, 'object') as DigestSettings;
    try {
      validateDigestSettings(report.digest);
    } catch (error) {
      if (error instanceof ConfigurationError)
        throw new InvalidContextError('watcher:reportDigest', error.message, { cause: error });
      throw error;
    }
  }
  if (Object.keys(report).length > 0) out.report = report;
  const dashboard = get('watcher:dashboard');
  if (dashboard !== undefined) out.dashboard = { enabled: booleanValue('watcher:dashboard', dashboard) };
  return out;
};
