import type { PublishCommandInput } from '@aws-sdk/client-sns';
import { describe, expect, it } from 'vitest';
import { validateDigestSettings } from '../../lambda/contracts/report';
import {
  makeReportHandler,
  type ReportDeps,
  type ReportStore,
  reportConfigFromEnv,
  s3ConsoleUrl,
} from '../../lambda/handlers/make-report-handler';
import type { EstateReport } from '../../lambda/reports/model';
import { jsonLogger } from '../../lambda/shared/logger';
import { certificateAt, estateReport } from '../support/estate-reports';

const NOW = new Date('2026-11-30T08:00:00Z');

class MemoryStore implements ReportStore {
  readonly objects = new Map<string, { body: string; contentType: string }>();
  failPutsUnder?: string;
  async get(key: string) {
    return this.objects.get(key)?.body;
  }
  async put(key: string, body: string, contentType: string) {
    if (this.failPutsUnder && key.startsWith(this.failPutsUnder)) throw new Error('S3 down');
    this.objects.set(key, { body, contentType });
  }
}

const setup = (
  over: Partial<ReportDeps> = {},
  report: EstateReport = estateReport(NOW, [certificateAt(NOW, 'a', 3)]),
) => {
  const store = new MemoryStore();
  const published: PublishCommandInput[] = [];
  const logs: string[] = [];
  const deps: ReportDeps = {
    config: {
      bucket: 'reports-bucket',
      digest: validateDigestSettings({}),
      chatTopicArn: 'arn:aws:sns:eu-west-1:111122223333:chat',
      eventSource: 'cert-expiry-watcher',
    },
    loadReport: async (now) => ({ ...report, generatedAt: now.toISOString() }),
    render: {
      html: (r) => `<html>${r.certificates.length}</html>`,
      csv: () => 'location\n',
      json: (r) => JSON.stringify(r),
    },
    store,
    publish: async (input) => {
      published.push(input);
    },
    objectUrl: s3ConsoleUrl('eu-west-1'),
    logger: jsonLogger({}, (l) => logs.push(l)),
    now: () => NOW,
    ...over,
  };
  return { deps, store, published, logs, handler: makeReportHandler(deps) };
};

describe('the scheduled report handler', () => {
  it('writes HTML, CSV and JSON under the dated and latest prefixes with their content types', async () => {
    const { handler, store } = setup();
    const result = await handler();
    expect(result.keys).toEqual([
      'reports/2026-11-30/report.html',
      'reports/2026-11-30/report.csv',
      'reports/2026-11-30/report.json',
    ]);
    expect([...store.objects.keys()].sort()).toEqual([
      'latest/report.csv',
      'latest/report.html',
      'latest/report.json',
      'reports/2026-11-30/report.csv',
      'reports/2026-11-30/report.html',
      'reports/2026-11-30/report.json',
    ]);
    expect(store.objects.get('latest/report.html')).toEqual({
      body: '<html>1</html>',
      contentType: 'text/html; charset=utf-8',
    });
    expect(store.objects.get('reports/2026-11-30/report.json')?.contentType).toBe('application/json');
  });

  it('publishes the digest on the chat topic with the S3 console link to the dated HTML', async () => {
    const { handler, published } = setup();
    await handler();
    expect(published).toHaveLength(1);
    const input = published[0] as PublishCommandInput;
    expect(input.TopicArn).toBe('arn:aws:sns:eu-west-1:111122223333:chat');
    expect(input.MessageAttributes?.detailType?.StringValue).toBe('Certificate Digest');
    const sqs = JSON.parse(JSON.parse(input.Message as string).sqs);
    expect(sqs.detail.link).toEqual({
      url: 'https://console.aws.amazon.com/s3/object/reports-bucket?region=eu-west-1&prefix=reports%2F2026-11-30%2Freport.html',
      label: 'Full report (S3 console)',
    });
  });

  it('ignores a previous report of another major version, saying so, and shows no changes', async () => {
    const { handler, store, logs } = setup();
    store.objects.set('latest/report.json', {
      body: JSON.stringify({ reportVersion: '2.0', certificates: [], generatedAt: 'x' }),
      contentType: '',
    });
    const { digest } = await handler();
    expect(digest?.changes).toBeUndefined();
    expect(logs.join('\n')).toContain('the previous report has another version');
  });

  it('leaves latest/ as it was when the digest cannot be published, so the retry compares with last week', async () => {
    const { handler, store } = setup({
      publish: async () => {
        throw new Error('SNS throttled');
      },
    });
    store.objects.set('latest/report.json', {
      body: JSON.stringify(estateReport(new Date('2026-11-23T08:00:00Z'), [])),
      contentType: 'application/json',
    });
    await expect(handler()).rejects.toThrow('SNS throttled');
    expect(JSON.parse(store.objects.get('latest/report.json')?.body ?? '{}').generatedAt).toBe(
      '2026-11-23T08:00:00.000Z',
    );
    expect(store.objects.has('reports/2026-11-30/report.html')).toBe(true);
  });

  it('publishes nothing with the digest off, and then needs no chat topic', async () => {
    const config = reportConfigFromEnv({ REPORT_BUCKET: 'b', REPORT_DIGEST: '{"enabled":false}' });
    expect(config.chatTopicArn).toBeUndefined();
    const { handler, published } = setup({ config });
    expect((await handler()).digest).toBeUndefined();
    expect(published).toEqual([]);
  });

  it('fails at init naming the missing variable', () => {
    expect(() => reportConfigFromEnv({})).toThrow(
      'environment variable REPORT_BUCKET is required but not set',
    );
    expect(() => reportConfigFromEnv({ REPORT_BUCKET: 'b' })).toThrow(
      'environment variable CHAT_TOPIC_ARN is required',
    );
  });
});
