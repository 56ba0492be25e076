/**
 * Files the CLI reads (`scan file`, `check --ca-file`, `check --file`) are bounded by the bytes
 * actually read and by a deadline, never by `stat`: /dev/zero and FIFOs report size 0.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../bin/cert-watch';
import {
  FileReadTimeoutError,
  FileTooLargeError,
  MAX_INPUT_BYTES,
  readFileBounded,
} from '../../lambda/sources/file/bounded-read';
import { runCheckCaptured } from '../support/cli-check-run';
import { captureCliIo } from '../support/cli-io';

let dir: string;
let fifo: string;

const cli = async (args: string[]) => {
  const { io, out, err } = captureCliIo({}, () => new Date());
  const code = await main(args, io);
  return { code, stdout: out(), stderr: err() };
};

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'cert-watch-inputs-'));
  fifo = join(dir, 'pipe');
  execFileSync('mkfifo', [fifo]);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('bounded file reads', () => {
  it('refuses /dev/zero (size 0 by stat, endless when read) after the limit, naming it', async () => {
    const error = await readFileBounded('/dev/zero', { maxBytes: 1000, what: 'certificate file' }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(FileTooLargeError);
    expect((error as Error).message).toBe(
      'certificate file /dev/zero holds more than 1000 bytes (the limit); refused',
    );
  });

  it('gives up on a FIFO whose writer sends nothing at the deadline, naming it', async () => {
    // O_RDWR on a FIFO opens at once on Linux and keeps a writer attached: reads find no data, no end.
    const writer = openSync(fifo, constants.O_RDWR);
    try {
      const error = await readFileBounded(fifo, { timeoutMs: 200, what: '--ca-file' }).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(FileReadTimeoutError);
      expect((error as Error).message).toContain(`--ca-file ${fifo}: no end of file within 200 ms`);
    } finally {
      closeSync(writer);
    }
  });

  it('reads a regular file exactly at the limit, and one byte more is refused', async () => {
    const file = join(dir, 'exact');
    writeFileSync(file, Buffer.alloc(70_000, 0x41));
    expect((await readFileBounded(file, { maxBytes: 70_000 })).length).toBe(70_000);
    await expect(readFileBounded(file, { maxBytes: 69_999 })).rejects.toBeInstanceOf(FileTooLargeError);
  });

  it('scan file /dev/zero exits 3 with the limit in the error instead of growing without end', async () => {
    const out = await cli(['scan', 'file', '--json', '/dev/zero']);
    expect(out.code).toBe(3);
    expect(out.stdout + out.stderr).toContain(`/dev/zero holds more than ${MAX_INPUT_BYTES} bytes`);
  });

  it('scan file on a FIFO without a writer returns (no certificate) instead of waiting forever', async () => {
    const out = await cli(['scan', 'file', '--json', fifo]);
    expect(out.code).toBe(3);
  });

  it('check --ca-file /dev/zero and --file /dev/zero are usage errors naming the limit', async () => {
    const ca = await runCheckCaptured(['--ca-file', '/dev/zero', 'localhost:1']);
    expect(ca.code).toBe(3);
    expect(ca.stderr).toContain(`--ca-file /dev/zero holds more than ${MAX_INPUT_BYTES} bytes`);
    const list = await runCheckCaptured(['--file', '/dev/zero']);
    expect(list.code).toBe(3);
    expect(list.stderr).toContain(`--file /dev/zero holds more than ${MAX_INPUT_BYTES} bytes`);
  });
});
