/**
 * Lambda entry for the scheduled report (EventBridge schedule target): wires the state table, the
 * report (lambda/reports/: read-estate, the renderers), S3 and SNS to makeReportHandler.
 * Configuration is read at init and fails fast naming the variable.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import {
  CRITICAL_DAYS_ENV,
  METRICS_NAMESPACE_ENV,
  STATE_TABLE_NAME_ENV,
  TIERS_DAYS_ENV,
  WATCHER_ID_ENV,
} from '../contracts/env-names';
import { DEFAULT_THRESHOLDS } from '../contracts/thresholds';
import { lifecycleConfigFromEnv } from '../lifecycle/config-from-env';
import { renderCsv } from '../reports/csv';
import { renderHtml } from '../reports/html';
import { renderJson } from '../reports/json';
import { readEstate } from '../reports/read-estate';
import { numberEnv, numberListEnv, requireEnv } from '../shared/env';
import { createLogger, withLambdaContext } from '../shared/logger';
import { emfMetrics } from '../shared/metrics';
import { S3ReportStore } from '../sinks/reports/s3-report-store';
import { DynamoDbCoverageStore } from '../sinks/state/coverage-store';
import { DynamoDbStateAdmin } from '../sinks/state/state-admin';
import { makeReportHandler, reportConfigFromEnv, s3ConsoleUrl } from './make-report-handler';

const config = reportConfigFromEnv(process.env);
const tableName = requireEnv(process.env, STATE_TABLE_NAME_ENV);
const watcherId = process.env[WATCHER_ID_ENV] ?? 'default';
const logger = createLogger({ keys: { watcher: watcherId, component: 'report' } });
const dynamodb = new DynamoDBClient({ retryMode: 'adaptive', maxAttempts: 6 });
const s3 = new S3Client({});
const sns = new SNSClient({});
// Graded with the watcher's tiers and lifecycle settings, as its alerts are.
const grading = lifecycleConfigFromEnv(process.env, {
  tiersDays: process.env[TIERS_DAYS_ENV]
    ? numberListEnv(process.env, TIERS_DAYS_ENV)
    : DEFAULT_THRESHOLDS.tiersDays,
  criticalDays: process.env[CRITICAL_DAYS_ENV]
    ? numberEnv(process.env, CRITICAL_DAYS_ENV)
    : DEFAULT_THRESHOLDS.criticalDays,
});
const states = new DynamoDbStateAdmin({ tableName }, dynamodb);
const coverage = new DynamoDbCoverageStore({ tableName }, dynamodb);

export const handler = withLambdaContext(
  logger,
  makeReportHandler({
    config,
    loadReport: async (now) =>
      (
        await readEstate(
          {
            pages: () => states.pages(),
            currentPeriod: () => coverage.currentPeriod(),
            listCoverage: () => coverage.listCoverage(),
          },
          `state table ${tableName}`,
          now,
          grading,
        )
      ).report,
    render: { html: renderHtml, csv: renderCsv, json: renderJson },
    store: new S3ReportStore(config.bucket, s3),
    publish: async (input) => {
      await sns.send(new PublishCommand(input));
    },
    objectUrl: async (bucket, key) => s3ConsoleUrl(await s3.config.region())(bucket, key),
    logger,
    metrics: emfMetrics(process.env[METRICS_NAMESPACE_ENV] ?? 'CertExpiryWatcher', { Watcher: watcherId }),
  }),
);
