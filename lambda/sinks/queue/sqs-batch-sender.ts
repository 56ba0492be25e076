/**
 * Sends messages to an SQS queue in SendMessageBatch calls of 10; retries only the entries SQS
 * reports as failed (when the failure is not the sender's fault); throws if any is still unsent.
 */
import { SendMessageBatchCommand, type SendMessageBatchRequestEntry, SQSClient } from '@aws-sdk/client-sqs';
import { errorCode, errorMessage } from '../../core/scan';

export const MAX_MESSAGES_PER_CALL = 10;

export class SendFailedError extends Error {
  override readonly name = 'SendFailedError';
  constructor(
    readonly failures: ReadonlyArray<{ id: string; code: string; message: string }>,
    readonly sent: number,
  ) {
    super(
      `${failures.length} message(s) could not be queued (${[...new Set(failures.map((f) => f.code))].join(', ')}); ${sent} sent`,
    );
  }
}

export interface SenderOptions {
  readonly queueUrl: string;
  readonly maxAttempts?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

export class SqsBatchSender {
  constructor(
    private readonly options: SenderOptions,
    private readonly sqs = new SQSClient({ retryMode: 'adaptive', maxAttempts: 6 }),
  ) {}

  async send(bodies: readonly string[]): Promise<{ sent: number; calls: number }> {
    const maxAttempts = this.options.maxAttempts ?? 4;
    const sleep = this.options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
    let pending: SendMessageBatchRequestEntry[] = bodies.map((MessageBody, i) => ({
      Id: String(i),
      MessageBody,
    }));
    let sent = 0;
    let calls = 0;
    const failures: { id: string; code: string; message: string }[] = [];
    for (let attempt = 1; pending.length > 0; attempt++) {
      const retry: SendMessageBatchRequestEntry[] = [];
      for (let i = 0; i < pending.length; i += MAX_MESSAGES_PER_CALL) {
        const batch = pending.slice(i, i + MAX_MESSAGES_PER_CALL);
        calls++;
        try {
          const out = await this.sqs.send(
            new SendMessageBatchCommand({ QueueUrl: this.options.queueUrl, Entries: batch }),
          );
          sent += out.Successful?.length ?? 0;
          for (const f of out.Failed ?? []) {
            const entry = batch.find((e) => e.Id === f.Id);
            // SenderFault means the request itself is wrong (e.g. too large): retrying cannot help.
            if (entry && !f.SenderFault && attempt < maxAttempts) retry.push(entry);
            else failures.push({ id: f.Id ?? '?', code: f.Code ?? 'Unknown', message: f.Message ?? '' });
          }
        } catch (error) {
          if (attempt < maxAttempts) retry.push(...batch);
          else
            failures.push(
              ...batch.map((e) => ({
                id: e.Id ?? '?',
                code: errorCode(error),
                message: errorMessage(error),
              })),
            );
        }
      }
      pending = retry;
      if (pending.length > 0) await sleep(200 * 2 ** (attempt - 1));
    }
    if (failures.length > 0) throw new SendFailedError(failures, sent);
    return { sent, calls };
  }
}
