/**
 * The demo's estate report section (issue #14, docs/reports.md), after the lifecycle section has
 * filled the state table: `cert-watch report` on that table, then the scheduled report Lambda run
 * twice a week apart on S3 and SNS (moto), with one certificate renewed in between, and the
 * digest read back from a queue on the chat topic as the webhook notifier gets it.
 */
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { ACMClient } from '@aws-sdk/client-acm';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { CreateTopicCommand, PublishCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { runReport } from '../bin/cli/report';
import { formatDigestSlack } from '../lambda/channels/format';
import { topicArnEnv } from '../lambda/contracts/channels';
import { REPORT_BUCKET_ENV, REPORT_DIGEST_ENV } from '../lambda/contracts/report';
import { silentLogger } from '../lambda/core/ports';
import { eventFromSqsBody } from '../lambda/handlers/make-notify-handler';
import { makeReportHandler, reportConfigFromEnv, s3ConsoleUrl } from '../lambda/handlers/make-report-handler';
import { lifecycleConfig } from '../lambda/lifecycle/model';
import { renderCsv } from '../lambda/reports/csv';
import type { EstateDigest } from '../lambda/reports/digest';
import { renderHtml } from '../lambda/reports/html';
import { renderJson } from '../lambda/reports/json';
import { type EstateReader, readEstate } from '../lambda/reports/read-estate';
import { S3ReportStore } from '../lambda/sinks/reports/s3-report-store';
import { DynamoDbCoverageStore } from '../lambda/sinks/state/coverage-store';
import { DynamoDbStateAdmin } from '../lambda/sinks/state/state-admin';
import { renewInPlace, type Seeded } from '../test/support/acm-seed';
import { DAY_MS } from '../test/support/certs';
import { captureCliIo } from '../test/support/cli-io';
import { inventoryOnMoto } from '../test/support/inventory-on-moto';
import type { Moto } from '../test/support/moto';
import { indent } from './demo-shared';

/** The state table and bus the lifecycle section (scripts/demo-lifecycle.ts) created and filled. */
const TABLE = 'demo-state';
const LIFECYCLE_BUS = 'demo-lifecycle-bus';
const BUCKET = 'demo-watcher-reports';

/** The state table on the local AWS, read as the CLI and the report Lambda read it. */
const estateReader = (moto: Moto, home: string): EstateReader => {
  const client = new DynamoDBClient(moto.clientConfig(home));
  const states = new DynamoDbStateAdmin({ tableName: TABLE }, client);
  const coverage = new DynamoDbCoverageStore({ tableName: TABLE }, client);
  return {
    pages: () => states.pages(),
    currentPeriod: () => coverage.currentPeriod(),
    listCoverage: () => coverage.listCoverage(),
  };
};

/** The chat topic with a queue subscribed, as the webhook notifier's queue is. */
const chatTopicWithQueue = async (moto: Moto, home: string) => {
  const sns = new SNSClient(moto.clientConfig(home));
  const sqs = new SQSClient(moto.clientConfig(home));
  const topicArn = (await sns.send(new CreateTopicCommand({ Name: 'demo-chat' }))).TopicArn ?? '';
  const queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'demo-digest' }))).QueueUrl ?? '';
  const queueArn =
    (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] })))
      .Attributes?.QueueArn ?? '';
  await sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: queueArn }));
  const receiveDigest = async (): Promise<EstateDigest> => {
    const out = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 1, WaitTimeSeconds: 2 }),
    );
    const body = out.Messages?.[0]?.Body;
    if (!body) throw new Error('no digest arrived on the chat topic queue');
    return eventFromSqsBody(body).detail as EstateDigest;
  };
  return { sns, topicArn, receiveDigest };
};

/** The Slack message as a reader sees it: the header, then each section's text. */
const slackText = (digest: EstateDigest): string =>
  formatDigestSlack(digest)
    .blocks.flatMap((b) => ('text' in b && b.text ? [b.text.text] : []))
    .join('\n');

export async function demoReport(
  moto: Moto,
  say: (s?: string) => void,
  regions: readonly string[],
  home: string,
  seeded: readonly Seeded[],
): Promise<void> {
  const reader = estateReader(moto, home);

  say(`  4a. The estate report of that table (\`cert-watch report --table ${TABLE} --html --csv\`):`);
  mkdirSync(resolve('out'), { recursive: true });
  const html = resolve('out', 'demo-estate.html');
  const csv = resolve('out', 'demo-estate.csv');
  const cli = captureCliIo();
  const code = await runReport(['--table', TABLE, '--html', html, '--csv', csv], cli.io, {
    readerFor: () => reader,
  });
  say(indent(indent(`${cli.out()}${cli.err()}(exit code ${code}: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN)`)));
  say(`    HTML: ${html}`);
  say(`    CSV:  ${csv}`);

  say('  4b. The scheduled report Lambda, two weekly runs (S3 bucket, digest on the chat topic):');
  const s3 = new S3Client({ ...moto.clientConfig(home), forcePathStyle: true });
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  const chat = await chatTopicWithQueue(moto, home);
  const week1 = new Date();
  const week2 = new Date(week1.getTime() + 7 * DAY_MS);
  const run = (at: Date) =>
    makeReportHandler({
      config: reportConfigFromEnv({
        [REPORT_BUCKET_ENV]: BUCKET,
        [topicArnEnv('chat')]: chat.topicArn,
        // The 5 soonest instead of 10 keeps the demo short (context watcher:reportDigest).
        [REPORT_DIGEST_ENV]: JSON.stringify({ soonest: 5 }),
      }),
      loadReport: async (now) =>
        (await readEstate(reader, `state table ${TABLE}`, now, lifecycleConfig())).report,
      render: { html: renderHtml, csv: renderCsv, json: renderJson },
      store: new S3ReportStore(BUCKET, s3),
      publish: async (input) => {
        await chat.sns.send(new PublishCommand(input));
      },
      objectUrl: s3ConsoleUrl(home),
      logger: silentLogger,
      now: () => at,
    })();

  const first = await run(week1);
  say(`    run 1 (${week1.toISOString().slice(0, 10)}): ${first.certificates} certificates`);
  say(
    `    digest 1 (first report, nothing to compare): ${formatDigestSlack(await chat.receiveDigest()).text}`,
  );

  // One certificate renewed in ACM during the week; the next scan records it in the state table.
  const renewed = seeded.find((s) => typeof s.days === 'number' && s.days > 7 && s.days < 30);
  if (renewed) {
    await renewInPlace(new ACMClient(moto.clientConfig(renewed.region)), renewed, 365);
    await inventoryOnMoto(moto, { regions, home, busName: LIFECYCLE_BUS, stateTable: TABLE })({
      id: 'demo-report-rescan',
    });
    say(`    during the week: ${renewed.name} renewed for 365 days and scanned`);
  }

  const second = await run(week2);
  say(`    run 2 (${week2.toISOString().slice(0, 10)}): ${second.certificates} certificates`);
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET }));
  say(`    s3://${BUCKET}/ now holds:`);
  for (const o of listed.Contents ?? []) say(`      ${o.Key}`);
  say('    digest 2 as Slack shows it (the Slack digest formatter; `code` marks certificate values):');
  say(indent(indent(indent(slackText(await chat.receiveDigest())))));
  say('    (coverage is empty: the one-process inventory of this demo records no scan period)');
}
