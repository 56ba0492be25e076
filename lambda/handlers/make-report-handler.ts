/**
 * The scheduled report (issue #14): target of the construct's report schedule (weekly by default).
 * One run:
 *
 * 1. builds the estate report from the state table at one instant (`loadReport`);
 * 2. reads the previous report (`latest/report.json`), the one the digest compares with;
 * 3. writes HTML, CSV and JSON under `reports/<YYYY-MM-DD>/`;
 * 4. publishes the weekly digest on the chat topic (Chatbot custom notification, and the digest
 *    event the webhook notifier formats per kind: lambda/channels/format/index.ts);
 * 5. writes the same three files under `latest/`, last: a run that failed before (and is retried
 *    by Lambda) still compares with the week before, not with itself.
 *
 * The digest links to the report in the S3 console, never to a public or presigned object (see
 * docs/reports.md). Any failure throws: the invocation is retried twice, then dead-lettered, and
 * the function's errors alarm tells ops.
 */
import type { PublishCommandInput } from '@aws-sdk/client-sns';
import { digestTopicMessage } from '../channels/format';
import { topicArnEnv } from '../contracts/channels';
import { EVENT_SOURCE_ENV } from '../contracts/env-names';
import {
  datedReportKey,
  digestSettingsFromEnv,
  latestReportKey,
  REPORT_BUCKET_ENV,
  REPORT_DIGEST_ENV,
  REPORT_FILES,
  type ReportFormat,
  type ResolvedDigestSettings,
} from '../contracts/report';
import type { Logger } from '../core/ports';
import { buildDigest, DIGEST_DETAIL_TYPE, digestEvent, type EstateDigest } from '../reports/digest';
import { type EstateReport, REPORT_VERSION } from '../reports/model';
import { type Env, requireEnv } from '../shared/env';
import type { MetricsSink } from '../shared/metrics';

export interface ReportConfig {
  readonly bucket: string;
  readonly digest: ResolvedDigestSettings;
  /** The chat topic the digest is published on (CHAT_TOPIC_ARN); required while the digest is on. */
  readonly chatTopicArn?: string;
  /** `source` of the digest event. @default 'cert-expiry-watcher' */
  readonly eventSource: string;
}

export const reportConfigFromEnv = (env: Env): ReportConfig => {
  const digest = digestSettingsFromEnv(env[REPORT_DIGEST_ENV]);
  return {
    bucket: requireEnv(env, REPORT_BUCKET_ENV),
    digest,
    ...(digest.enabled ? { chatTopicArn: requireEnv(env, topicArnEnv('chat')) } : {}),
    eventSource: env[EVENT_SOURCE_ENV]?.trim() || 'cert-expiry-watcher',
  };
};

/** Where reports are kept: S3 in the Lambda (lambda/sinks/reports/s3-report-store.ts), memory in tests. */
export interface ReportStore {
  /** The object's text, or undefined when there is no such key. */
  get(key: string): Promise<string | undefined>;
  put(key: string, body: string, contentType: string): Promise<void>;
}

/** The three renderings of a report (part 1 of issue #14: lambda/reports/html.ts, csv.ts). */
export type ReportRenderers = Readonly<Record<ReportFormat, (report: EstateReport) => string>>;

export interface ReportDeps {
  readonly config: ReportConfig;
  /** The estate report at `now` (the state table read and turned into a report). */
  readonly loadReport: (now: Date) => Promise<EstateReport>;
  readonly render: ReportRenderers;
  readonly store: ReportStore;
  /** SNS Publish of the digest. */
  readonly publish: (input: PublishCommandInput) => Promise<void>;
  /** The link to a report object for people (the S3 console). */
  readonly objectUrl: (bucket: string, key: string) => string | Promise<string>;
  readonly logger: Logger;
  readonly metrics?: MetricsSink;
  readonly now?: () => Date;
}

export interface ReportRunResult {
  readonly keys: readonly string[];
  readonly certificates: number;
  readonly digest?: EstateDigest;
}

/** The S3 console page of an object (the console asks for sign-in; the object stays private). */
export const s3ConsoleUrl =
  (region: string) =>
  (bucket: string, key: string): string =>
    `https://console.aws.amazon.com/s3/object/${encodeURIComponent(bucket)}?region=${encodeURIComponent(region)}&prefix=${encodeURIComponent(key)}`;

/** The previous report, when `latest/report.json` holds one this code can read. */
const previousReport = async (deps: ReportDeps): Promise<EstateReport | undefined> => {
  const key = latestReportKey('json');
  const text = await deps.store.get(key);
  if (text === undefined) return undefined;
  try {
    const parsed = JSON.parse(text) as Partial<EstateReport>;
    if (
      typeof parsed.reportVersion === 'string' &&
      parsed.reportVersion.split('.')[0] === REPORT_VERSION.split('.')[0] &&
      Array.isArray(parsed.certificates) &&
      typeof parsed.generatedAt === 'string'
    )
      return parsed as EstateReport;
    deps.logger.warn('the previous report has another version; the digest shows no changes', {
      key,
      reportVersion: parsed.reportVersion,
    });
  } catch (error) {
    deps.logger.warn('the previous report is not JSON; the digest shows no changes', {
      key,
      error: (error as Error).message,
    });
  }
  return undefined;
};

/** The SNS Publish input of the digest: both messages, and the attributes the alerts carry. */
export const digestPublishInput = (
  topicArn: string,
  digest: EstateDigest,
  eventSource: string,
): PublishCommandInput => ({
  TopicArn: topicArn,
  ...digestTopicMessage(digestEvent(digest, eventSource)),
  MessageAttributes: {
    detailType: { DataType: 'String', StringValue: DIGEST_DETAIL_TYPE },
    severity: { DataType: 'String', StringValue: 'info' },
  },
});

export const makeReportHandler = (deps: ReportDeps) => {
  const { config, logger } = deps;
  const now = deps.now ?? (() => new Date());
  const formats = Object.keys(REPORT_FILES) as ReportFormat[];

  return async (): Promise<ReportRunResult> => {
    const at = now();
    const report = await deps.loadReport(at);
    const previous = config.digest.enabled ? await previousReport(deps) : undefined;
    const bodies = formats.map((f) => [f, deps.render[f](report)] as const);
    const write = (keyOf: (f: ReportFormat) => string) =>
      Promise.all(bodies.map(([f, body]) => deps.store.put(keyOf(f), body, REPORT_FILES[f].contentType)));

    await write((f) => datedReportKey(report.generatedAt, f));
    const keys = formats.map((f) => datedReportKey(report.generatedAt, f));
    logger.info('report written', {
      bucket: config.bucket,
      keys,
      certificates: report.certificates.length,
      scopesFailed: report.coverage.scopesFailed.length,
    });

    let digest: EstateDigest | undefined;
    if (config.digest.enabled && config.chatTopicArn) {
      digest = buildDigest({
        current: report,
        previous,
        settings: config.digest,
        link: {
          url: await deps.objectUrl(config.bucket, datedReportKey(report.generatedAt, 'html')),
          label: 'Full report (S3 console)',
        },
      });
      await deps.publish(digestPublishInput(config.chatTopicArn, digest, config.eventSource));
      logger.info('digest published', {
        since: previous?.generatedAt,
        soonest: digest.soonest.length,
        renewed: digest.changes?.renewed.total,
        removed: digest.changes?.removed.total,
      });
    }

    await write(latestReportKey);
    deps.metrics?.({
      ReportsWritten: 1,
      ReportCertificates: report.certificates.length,
      DigestsPublished: digest ? 1 : 0,
    });
    return { keys, certificates: report.certificates.length, ...(digest ? { digest } : {}) };
  };
};
