/**
 * The report bucket (lib/report.ts): GetObject of the previous report, PutObject of each file.
 * The bucket's default encryption (SSE-S3) applies; nothing here chooses a key.
 */
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { ReportStore } from '../../handlers/make-report-handler';

const errorName = (error: unknown): string | undefined =>
  typeof error === 'object' && error !== null ? (error as { name?: string }).name : undefined;

export class S3ReportStore implements ReportStore {
  constructor(
    private readonly bucket: string,
    private readonly s3: Pick<S3Client, 'send'> = new S3Client({}),
  ) {}

  async get(key: string): Promise<string | undefined> {
    try {
      const out = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return out.Body ? await out.Body.transformToString('utf-8') : undefined;
    } catch (error) {
      // S3 says NoSuchKey (not AccessDenied) because the role may list that one key (lib/report.ts).
      if (['NoSuchKey', 'NotFound'].includes(errorName(error) ?? '')) return undefined;
      throw error;
    }
  }

  async put(key: string, body: string, contentType: string): Promise<void> {
    await this.s3.send(
      new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: contentType }),
    );
  }
}
