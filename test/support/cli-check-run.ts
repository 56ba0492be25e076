/** `cert-watch check` in process with captured output, for tests that drive the CLI end to end. */
import { Writable } from 'node:stream';
import { runCheck } from '../../bin/cli/check';

export class Capture extends Writable {
  text = '';
  isTTY?: boolean;
  constructor(tty = false) {
    super();
    if (tty) this.isTTY = true;
  }
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void): void {
    this.text += chunk.toString();
    cb();
  }
}

export interface CheckRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `check` with `args`; `now` fixes the clock, `tty` makes stderr a terminal. */
export const runCheckCaptured = async (
  args: string[],
  options: { now?: () => Date; tty?: boolean } = {},
): Promise<CheckRun> => {
  const stdout = new Capture();
  const stderr = new Capture(options.tty);
  const code = await runCheck(args, { stdout, stderr, ...(options.now ? { now: options.now } : {}) });
  return { code, stdout: stdout.text, stderr: stderr.text };
};
