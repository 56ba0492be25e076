import { describe, expect, it } from 'vitest';
import { main } from '../../bin/cert-watch';
import { captureCliIo } from '../support/cli-io';

const run = async (argv: string[]) => {
  const cap = captureCliIo({});
  const code = await main(argv, cap.io);
  return { code, out: cap.out(), err: cap.err() };
};

describe('cert-watch check --discover --kinds', () => {
  it('hands --kinds to discovery as cert-watch discover does: an unknown kind is refused before any AWS call', async () => {
    const r = await run(['check', '--discover', '--regions', 'eu-west-1', '--kinds', 'elbv2,nope']);
    expect(r.code).toBe(3);
    expect(r.err).toContain('--kinds: unknown kind "nope" (one of elbv2, elb, cloudfront, apigateway, tag)');
  });

  it('--kinds without --discover is a usage error (UNKNOWN)', async () => {
    const r = await run(['check', '--kinds', 'tag', 'example.com']);
    expect(r.code).toBe(3);
    expect(r.err).toContain('--kinds needs --discover');
  });

  it('documents --kinds in its help', async () => {
    const r = await run(['check', '--help']);
    expect(r.out).toContain('--kinds k,.. (elbv2, elb, cloudfront, apigateway, tag; default all)');
  });
});
