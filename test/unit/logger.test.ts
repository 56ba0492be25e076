import type { Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../lambda/shared/env';
import { createLogger, jsonLogger, withLambdaContext, withLogKeys } from '../../lambda/shared/logger';

const capture = (options: Parameters<typeof createLogger>[0] = {}) => {
  const lines: string[] = [];
  const logger = createLogger({ env: {}, ...options, write: (l) => lines.push(l) });
  const parsed = () => lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  return { logger, lines, parsed };
};

const context = {
  functionName: 'watcher-notifier',
  awsRequestId: 'req-1',
  invokedFunctionArn: 'arn:aws:lambda:eu-west-1:111122223333:function:watcher-notifier',
  memoryLimitInMB: '256',
  functionVersion: '$LATEST',
} as Context;

describe('Powertools-backed logger', () => {
  it('writes one JSON object per line with level, message, service, persistent keys and fields', () => {
    const { logger, lines, parsed } = capture({ keys: { watcher: 'w1', component: 'notifier' } });
    logger.info('webhook delivered', { destination: 'ops', status: 200 });
    logger.warn('retrying');
    expect(lines).toHaveLength(2);
    expect(parsed()[0]).toMatchObject({
      level: 'INFO',
      message: 'webhook delivered',
      service: 'cert-expiry-watcher',
      watcher: 'w1',
      component: 'notifier',
      destination: 'ops',
      status: 200,
    });
    expect(parsed()[1]).toMatchObject({ level: 'WARN', message: 'retrying' });
  });

  it('logs an Error field with its name, message and stack, never as an empty object', () => {
    const { logger, parsed } = capture();
    const error = new TypeError('socket hang up');
    logger.error('delivery failed', { error, nested: { cause: new RangeError('inner') } });
    const line = parsed()[0]!;
    expect(line.error).toMatchObject({ name: 'TypeError', message: 'socket hang up' });
    expect((line.error as { stack: string }).stack).toContain('TypeError: socket hang up');
    expect((line.nested as { cause: unknown }).cause).toMatchObject({ name: 'RangeError', message: 'inner' });
  });

  it('keeps a port field named like a Powertools key (message, level) as field_<name> instead of dropping it', () => {
    const { logger, parsed } = capture();
    logger.error('scope failed', { scope: 'acm#1#eu-west-1', message: 'AccessDenied', level: 3 });
    expect(parsed()[0]).toMatchObject({
      level: 'ERROR',
      message: 'scope failed',
      field_message: 'AccessDenied',
      field_level: 3,
    });
  });

  it('adds correlation keys to every line logged inside withLogKeys, and removes them afterwards', async () => {
    const { logger, parsed } = capture();
    await withLogKeys(logger, { scanId: 'scan-1' }, async () => logger.info('inside'));
    logger.info('after');
    expect(parsed()[0]).toMatchObject({ message: 'inside', scanId: 'scan-1' });
    expect(parsed()[1]).not.toHaveProperty('scanId');
  });

  it('runs the function unchanged for a plain port logger (a test fake)', async () => {
    const fake = { info: () => {}, warn: () => {}, error: () => {} };
    expect(await withLogKeys(fake, { scanId: 's' }, async () => 42)).toBe(42);
  });

  it('adds the Lambda context to every line of an invocation and clears its correlation keys afterwards', async () => {
    const { logger, parsed } = capture();
    const handler = withLambdaContext(logger, async (event: { id: string }) => {
      logger.appendKeys({ eventId: event.id });
      logger.info('handling');
      return 'ok';
    });
    expect(await handler({ id: 'e-1' }, context)).toBe('ok');
    logger.info('between invocations');
    expect(parsed()[0]).toMatchObject({
      message: 'handling',
      eventId: 'e-1',
      function_name: 'watcher-notifier',
      function_request_id: 'req-1',
      cold_start: expect.any(Boolean),
    });
    expect(parsed()[1]).not.toHaveProperty('eventId');
  });

  it('takes its level from POWERTOOLS_LOG_LEVEL, else LOG_LEVEL, in any case', () => {
    const warnOnly = capture({ env: { LOG_LEVEL: 'warn' } });
    warnOnly.logger.info('hidden');
    warnOnly.logger.warn('shown');
    expect(warnOnly.parsed().map((l) => l.message)).toEqual(['shown']);

    const errorOnly = capture({ env: { POWERTOOLS_LOG_LEVEL: 'ERROR', LOG_LEVEL: 'INFO' } });
    errorOnly.logger.warn('hidden');
    errorOnly.logger.error('shown');
    expect(errorOnly.parsed().map((l) => l.message)).toEqual(['shown']);
  });

  it('fails at init on a log level Powertools would ignore, naming the variable', () => {
    expect(() => createLogger({ env: { POWERTOOLS_LOG_LEVEL: 'verbose' } })).toThrow(ConfigurationError);
    expect(() => createLogger({ env: { LOG_LEVEL: 'loud' } })).toThrow(/LOG_LEVEL/);
  });

  it('jsonLogger(keys, write) is createLogger with persistent keys and a line sink', () => {
    const lines: string[] = [];
    jsonLogger({ component: 'tickets' }, (l) => lines.push(l)).info('ticket found');
    expect(lines[0]).toContain('"message":"ticket found"');
    expect(JSON.parse(lines[0]!)).toMatchObject({ component: 'tickets' });
  });
});
