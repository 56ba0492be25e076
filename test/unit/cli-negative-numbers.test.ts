/**
 * A negative number after a numeric option (`--not-deployed-grace -5`) reaches the option's own
 * check, which says what it takes, instead of node:util parseArgs' "argument is ambiguous".
 * Every case is refused before any probe or AWS call.
 */
import { describe, expect, it } from 'vitest';
import { main } from '../../bin/cert-watch';
import { joinNegativeNumbers } from '../../bin/cli/exit-codes';
import { captureCliIo } from '../support/cli-io';

const run = async (argv: string[]) => {
  const t = captureCliIo({ AWS_REGION: 'eu-west-1' });
  const code = await main(argv, t.io);
  return { code, out: t.out(), err: t.err() };
};

describe('negative numbers given to numeric options', () => {
  it.each([
    [
      ['check', '--not-deployed-grace', '-5', 'example.com'],
      "--not-deployed-grace must be a number of hours (0 or more), got '-5'",
    ],
    [['check', '--timeout', '-5', 'example.com'], "--timeout must be a positive whole number, got '-5'"],
    [
      ['check', '--concurrency', '-1', 'example.com'],
      "--concurrency must be a positive whole number, got '-1'",
    ],
    [
      ['check', '--warn-days', '-1', 'example.com'],
      "--warn-days must be a whole number of days (1 or more), got '-1'",
    ],
    [
      ['check', '--critical-days', '-0.5', 'example.com'],
      "--critical-days must be a whole number of days (0 or more), got '-0.5'",
    ],
    [
      ['scan', 'file', '--warn-days', '-3', 'x.pem'],
      '--warn-days must be a whole number of days (1 or more), got "-3"',
    ],
    [
      ['scan', 'acm', '--critical-days', '-3'],
      '--critical-days must be a whole number of days (0 or more), got "-3"',
    ],
    // A warning window of 0 days is no warning at all (was an internal "tiersDays must not be empty").
    [
      ['check', '--warn-days', '0', '--critical-days', '0', 'example.com'],
      "--warn-days must be a whole number of days (1 or more), got '0'",
    ],
    [
      ['scan', 'file', '--warn-days', '0', '--critical-days', '0', 'x.pem'],
      '--warn-days must be a whole number of days (1 or more), got "0"',
    ],
    [
      ['scan', 'acm', '--org', '--concurrency', '-2'],
      '--concurrency must be a whole number from 1 to 64, got "-2"',
    ],
  ])('%j: %s', async (argv, message) => {
    const r = await run(argv);
    expect(r.code).toBe(3);
    expect(r.out).toBe('');
    expect(r.err).toContain(message);
    expect(r.err).not.toContain('ambiguous');
  });

  it('says what to do when a value starts with a dash and is not a number, and when a flag is given one', async () => {
    const dash = await run(['discover', '--regions', '-x']);
    expect(dash.code).toBe(3);
    expect(dash.err).toContain(
      '--regions needs a value, and the argument after it starts with a dash: write --regions=<value> if the value does',
    );
    const flag = await run(['check', '--json', '-5', 'example.com']);
    expect(flag.code).toBe(3);
    expect(flag.err).toContain('--json takes no value');
  });

  it('joins only a negative number to the long option before it, and nothing after --', () => {
    expect(joinNegativeNumbers(['--timeout', '-5', '--warn-days', '-.5', 'host', '-3'])).toEqual([
      '--timeout=-5',
      '--warn-days=-.5',
      'host',
      '-3',
    ]);
    expect(joinNegativeNumbers(['--regions', '-x', '--a=b', '-5', '-h'])).toEqual([
      '--regions',
      '-x',
      '--a=b',
      '-5',
      '-h',
    ]);
    expect(joinNegativeNumbers(['--', '--timeout', '-5'])).toEqual(['--', '--timeout', '-5']);
  });
});
