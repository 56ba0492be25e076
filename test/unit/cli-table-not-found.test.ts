/**
 * Every command that reads the deployed watcher's state table (`status`, `ack`, `unack`,
 * `coverage`; `report` in report-cli.test.ts) says which table was not found, where it was looked
 * for and what to do, instead of DynamoDB's "Requested resource not found"; other errors pass
 * through unchanged.
 */
import { ResourceNotFoundException } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { type AckStore, runAck, runStatus, runUnack } from '../../bin/cli/ack';
import { runCoverage } from '../../bin/cli/coverage';
import { captureCliIo } from '../support/cli-io';

const notFound = () =>
  new ResourceNotFoundException({ message: 'Requested resource not found', $metadata: {} });
const missingStore = (): AckStore => ({
  setAck: async () => Promise.reject(notFound()),
  list: async () => Promise.reject(notFound()),
});
const missingCoverage = () => ({
  currentPeriod: async () => Promise.reject(notFound()),
  listCoverage: async () => Promise.reject(notFound()),
});
const NAMED =
  /^state table "gone" \(from --table\) not found in eu-west-1, in the account of your AWS credentials: check the name/;

describe('a state table that does not exist', () => {
  it('is named by status, ack, unack and coverage', async () => {
    const io = () => captureCliIo({ AWS_REGION: 'eu-west-1' }).io;
    await expect(runStatus(['--table', 'gone'], io(), { storeFor: missingStore })).rejects.toThrow(NAMED);
    await expect(runAck(['loc', '--table', 'gone'], io(), { storeFor: missingStore })).rejects.toThrow(NAMED);
    await expect(runUnack(['loc', '--table', 'gone'], io(), { storeFor: missingStore })).rejects.toThrow(
      NAMED,
    );
    await expect(runCoverage(['--table', 'gone'], io(), { storeFor: missingCoverage })).rejects.toThrow(
      NAMED,
    );
  });

  it('says where the name came from: CERT_WATCH_TABLE', async () => {
    const { io } = captureCliIo({ CERT_WATCH_TABLE: 'env-table', AWS_REGION: 'us-east-1' });
    await expect(runStatus([], io, { storeFor: missingStore })).rejects.toThrow(
      /^state table "env-table" \(from CERT_WATCH_TABLE\) not found in us-east-1/,
    );
  });

  it('says to set AWS_REGION when the SDK finds no region', async () => {
    const noRegion = () => new Error('Region is missing');
    const { io } = captureCliIo({});
    await expect(
      runStatus(['--table', 'gone'], io, {
        storeFor: () => ({ setAck: async () => undefined, list: async () => Promise.reject(noRegion()) }),
      }),
    ).rejects.toThrow(
      /^cannot read state table "gone" \(from --table\): no AWS region is set; set AWS_REGION/,
    );
  });

  it('leaves any other error as it is', async () => {
    const denied = Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' });
    const { io } = captureCliIo({ AWS_REGION: 'eu-west-1' });
    await expect(
      runStatus(['--table', 't'], io, {
        storeFor: () => ({ setAck: async () => undefined, list: async () => Promise.reject(denied) }),
      }),
    ).rejects.toBe(denied);
  });
});
