/**
 * Lambda entry for the scheduled report (EventBridge schedule target): wires the state table, the
 * report renderers (part 1 of issue #14: lambda/reports/), S3 and SNS to makeReportHandler.
 * Configuration is read at init and fails fast naming the variable.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { METRICS_NAMESPACE_ENV, STATE_TABLE_NAME_ENV, WATCHER_ID_ENV } from '../contracts/env-names';
import { renderCsv } from '../reports/csv';
import { reportFromState } from '../reports/from-state';
import { renderHtml } from '../reports/html';
import { requireEnv } from '../shared/env';
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
const states = new DynamoDbStateAdmin({ tableName }, dynamodb);
const coverage = new DynamoDbCoverageStore({ tableName }, dynamodb);

export const handler = withLambdaContext(
  logger,
  makeReportHandler({
    config,
    loadReport: async (now) =>
      reportFromState(await states.list(), await coverage.listCoverage(), `state table ${tableName}`, now),
    // The JSON object is the report model itself (lambda/reports/model.ts, with reportVersion).
    render: { html: renderHtml, csv: renderCsv, json: (report) => JSON.stringify(report) },
    store: new S3ReportStore(config.bucket, s3),
    publish: async (input) => {
      await sns.send(new PublishCommand(input));
    },
    objectUrl: async (bucket, key) => s3ConsoleUrl(await s3.config.region())(bucket, key),
    logger,
    metrics: emfMetrics(process.env[METRICS_NAMESPACE_ENV] ?? 'CertExpiryWatcher', { Watcher: watcherId }),
  }),
);
