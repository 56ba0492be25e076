/** A CliIo whose stdout and stderr are captured, for running CLI commands in-process. */
import { PassThrough } from 'node:stream';
import type { CliIo } from '../../bin/cli/io';

export const captureCliIo = (
  env: Readonly<Record<string, string | undefined>> = {},
  now?: () => Date,
): { io: CliIo; out: () => string; err: () => string } => {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (b: Buffer) => {
    out += b.toString();
  });
  stderr.on('data', (b: Buffer) => {
    err += b.toString();
  });
  return { io: { stdout, stderr, env, ...(now ? { now } : {}) }, out: () => out, err: () => err };
};
