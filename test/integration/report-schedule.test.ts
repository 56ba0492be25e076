/**
 * The scheduled report on the emulator: two weekly runs of the report handler against S3 and SNS
 * on moto, the chat topic's SQS subscription receiving the digest as the webhook notifier's queue
 * does. Building the report from the state table and rendering it are part 1 of issue #14, faked
 * here by a report of real generated X.509 certificates (their names and dates read back from the
 * PEM); the rule and its schedule are asserted on the template (moto fires no schedules).
 */
import { X509Certificate } from 'node:crypto';
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListObjectVersionsCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { CreateTopicCommand, PublishCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { payloadFor } from '../../lambda/channels/destinations';
import { formatDigestSlack } from '../../lambda/channels/format/digest';
import { validateDigestSettings } from '../../lambda/contracts/report';
import { eventFromSqsBody } from '../../lambda/handlers/make-notify-handler';
import { makeReportHandler, s3ConsoleUrl } from '../../lambda/handlers/make-report-handler';
import type { EstateDigest } from '../../lambda/reports/digest';
import { type EstateReport, REPORT_VERSION, type ReportCertificate } from '../../lambda/reports/model';
import { jsonLogger } from '../../lambda/shared/logger';
import { S3ReportStore } from '../../lambda/sinks/reports/s3-report-store';
import { createCertificate, DAY_MS, daysFrom } from '../support/certs';
import { digestCounts, HOSTILE_DOMAIN } from '../support/estate-reports';
import { type Moto, startMoto } from '../support/moto';

const REGION = 'eu-west-1';
const WEEK_1 = new Date('2026-11-23T08:00:00Z');
const WEEK_2 = new Date('2026-11-30T08:00:00Z');
const ACM = `arn:aws:acm:${REGION}:111122223333:certificate`;

let moto: Moto;
let s3: S3Client;
let sns: SNSClient;
let sqs: SQSClient;
let topicArn: string;
let queueUrl: string;
const bucket = 'cert-watch-reports';

/** A report line from a real certificate: names, dates and fingerprint as the PEM says. */
const fromPem = (pem: string, location: string, now: Date): ReportCertificate => {
  const x = new X509Certificate(pem);
  const notAfter = new Date(x.validTo);
  const days = Math.floor((notAfter.getTime() - now.getTime()) / DAY_MS);
  return {
    location,
    source: 'acm',
    account: '111122223333',
    region: REGION,
    domain: x.subject.replace(/^CN=/, ''),
    sans: (x.subjectAltName ?? '').split(', ').map((s) => s.replace(/^DNS:/, '')),
    notAfter: notAfter.toISOString(),
    daysRemaining: days,
    severity: days < 0 ? 'expired' : days <= 7 ? 'critical' : days <= 30 ? 'warning' : 'ok',
    issuer: x.issuer,
    fingerprintSha256: x.fingerprint256,
    inUseBy: [],
    problems: [],
  };
};

const certificate = async (name: string, notBefore: Date, notAfter: Date) =>
  (await createCertificate({ commonName: name, notBefore, notAfter })).certPem;

let week1: ReportCertificate[];
let week2: ReportCertificate[];

const report = (now: Date, certificates: ReportCertificate[]): EstateReport => ({
  reportVersion: REPORT_VERSION,
  generatedAt: now.toISOString(),
  origin: 'state table (test)',
  certificates,
  coverage: {
    scopesScanned: [`acm#111122223333#${REGION}`, 'iam#111122223333'],
    scopesFailed: [
      { scope: 'iam#111122223333', code: 'AccessDenied', message: `not authorized ${HOSTILE_DOMAIN}` },
    ],
  },
});

const run = (now: Date, certificates: ReportCertificate[], publish?: (input: unknown) => Promise<void>) =>
  makeReportHandler({
    config: {
      bucket,
      digest: validateDigestSettings({}),
      chatTopicArn: topicArn,
      eventSource: 'cert-expiry-watcher',
    },
    loadReport: async (at) => report(at, certificates),
    render: {
      html: (r) => `<!doctype html><title>${r.certificates.length} certificates</title>`,
      csv: (r) => ['location', ...r.certificates.map((c) => c.location)].join('\n'),
      json: (r) => JSON.stringify(r),
    },
    store: new S3ReportStore(bucket, s3),
    publish:
      publish ??
      (async (input) => {
        await sns.send(new PublishCommand(input));
      }),
    objectUrl: s3ConsoleUrl(REGION),
    logger: jsonLogger({}, () => {}),
    now: () => now,
  })();

const receiveDigest = async (): Promise<EstateDigest> => {
  const out = await sqs.send(
    new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
  );
  expect(out.Messages).toHaveLength(1);
  const event = eventFromSqsBody(out.Messages?.[0]?.Body ?? '');
  expect(event['detail-type']).toBe('Certificate Digest');
  return event.detail as EstateDigest;
};

const text = async (key: string) =>
  (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body?.transformToString();

beforeAll(async () => {
  moto = await startMoto();
  const config = moto.clientConfig(REGION);
  s3 = new S3Client({ ...config, forcePathStyle: true });
  sns = new SNSClient(config);
  sqs = new SQSClient(config);
  await s3.send(
    new CreateBucketCommand({ Bucket: bucket, CreateBucketConfiguration: { LocationConstraint: REGION } }),
  );
  topicArn = (await sns.send(new CreateTopicCommand({ Name: 'chat' }))).TopicArn as string;
  queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'notifier' }))).QueueUrl as string;
  const queueArn = (
    await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }))
  ).Attributes?.QueueArn as string;
  await sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: queueArn }));

  const [renewedOld, renewedNew, soon, gone, later] = await Promise.all([
    certificate('api.example.com', daysFrom(WEEK_1, -360), daysFrom(WEEK_1, 5)),
    certificate('api.example.com', daysFrom(WEEK_2, -1), daysFrom(WEEK_2, 396)),
    certificate('soon.example.com', daysFrom(WEEK_1, -80), daysFrom(WEEK_1, 10)),
    certificate('gone.example.com', daysFrom(WEEK_1, -30), daysFrom(WEEK_1, 60)),
    certificate(`x.example.com`, daysFrom(WEEK_1, -1), daysFrom(WEEK_1, 89)),
  ]);
  week1 = [
    fromPem(renewedOld, `${ACM}/api`, WEEK_1),
    fromPem(soon, `${ACM}/soon`, WEEK_1),
    fromPem(gone, `${ACM}/gone`, WEEK_1),
    fromPem(later, `${ACM}/later`, WEEK_1),
  ];
  week2 = [
    fromPem(renewedNew, `${ACM}/api`, WEEK_2),
    fromPem(soon, `${ACM}/soon`, WEEK_2),
    { ...fromPem(later, `${ACM}/later`, WEEK_2), domain: HOSTILE_DOMAIN },
  ];
}, 120_000);

afterAll(async () => {
  await moto?.stop();
});

describe('the scheduled report on S3 and SNS (moto)', () => {
  it('week 1: writes the three files dated and as latest, and posts a digest with nothing to compare', async () => {
    const result = await run(WEEK_1, week1);
    expect(result.keys).toEqual([
      'reports/2026-11-23/report.html',
      'reports/2026-11-23/report.csv',
      'reports/2026-11-23/report.json',
    ]);
    expect(await text('latest/report.html')).toBe('<!doctype html><title>4 certificates</title>');
    const head = await s3.send(
      new GetObjectCommand({ Bucket: bucket, Key: 'reports/2026-11-23/report.csv' }),
    );
    expect(head.ContentType).toBe('text/csv; charset=utf-8');
    const digest = await receiveDigest();
    expect(digest.changes).toBeUndefined();
    expect(digest.counts).toEqual(digestCounts(4, 0, [1, 2, 4]));
    expect(digest.soonest.map((c) => c.domain)).toEqual([
      'api.example.com',
      'soon.example.com',
      'gone.example.com',
      'x.example.com',
    ]);
  });

  it('week 2: reads week 1 from S3 and reports the renewal and the removal; the notifier formats it', async () => {
    await run(WEEK_2, week2);
    const digest = await receiveDigest();
    expect(digest.previousGeneratedAt).toBe(WEEK_1.toISOString());
    expect(
      digest.changes?.renewed.items.map((c) => [
        c.location,
        c.previousNotAfter?.slice(0, 10),
        c.notAfter?.slice(0, 10),
      ]),
    ).toEqual([[`${ACM}/api`, '2026-11-28', '2027-12-31']]);
    expect(digest.changes?.removed.items.map((c) => c.location)).toEqual([`${ACM}/gone`]);
    expect(digest.coverage.scopesFailed.total).toBe(1);
    expect(digest.link?.url).toBe(
      `https://console.aws.amazon.com/s3/object/${bucket}?region=${REGION}&prefix=reports%2F2026-11-30%2Freport.html`,
    );
    const slack = payloadFor('slack', { 'detail-type': 'Certificate Digest', detail: digest });
    expect(slack).toEqual(formatDigestSlack(digest));
    expect(JSON.stringify(slack)).not.toContain('<script>');
    // The replaced latest report stays as a noncurrent version only if the bucket is versioned (the
    // construct's is); here: the latest is week 2.
    expect(JSON.parse((await text('latest/report.json')) ?? '{}').generatedAt).toBe(WEEK_2.toISOString());
    const versions = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: 'reports/' }));
    expect((versions.Versions ?? []).map((v) => v.Key).sort()).toContain('reports/2026-11-23/report.json');
  });

  it('a run whose digest fails leaves latest/ at the previous week, so its retry compares with that week', async () => {
    const WEEK_3 = new Date('2026-12-07T08:00:00Z');
    await expect(
      run(WEEK_3, week2, async () => {
        throw new Error('AuthorizationError');
      }),
    ).rejects.toThrow('AuthorizationError');
    expect(JSON.parse((await text('latest/report.json')) ?? '{}').generatedAt).toBe(WEEK_2.toISOString());
    await run(WEEK_3, week2);
    expect((await receiveDigest()).previousGeneratedAt).toBe(WEEK_2.toISOString());
  });
});
