import { afterEach, describe, expect, it, vi } from 'vitest';
import { emfMetrics } from '../../lambda/shared/metrics';

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

describe('EMF metrics', () => {
  it('writes one CloudWatch Embedded Metric Format document per call, dimensions and values at the top level', () => {
    // Powertools' documented way to capture its output: dev mode logs through the global console.
    vi.stubEnv('POWERTOOLS_DEV', 'true');
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    emfMetrics('CertExpiryWatcher', { Watcher: 'Stack/Watcher' })({
      ScanSucceeded: 1,
      RegionsFailed: 0,
    });
    expect(log).toHaveBeenCalledTimes(1);
    const doc = JSON.parse(String(log.mock.calls[0]?.[0] ?? '{}'));
    expect(doc).toMatchObject({
      _aws: {
        CloudWatchMetrics: [
          {
            Namespace: 'CertExpiryWatcher',
            Dimensions: [['Watcher']],
            Metrics: [
              { Name: 'ScanSucceeded', Unit: 'Count' },
              { Name: 'RegionsFailed', Unit: 'Count' },
            ],
          },
        ],
      },
      Watcher: 'Stack/Watcher',
      ScanSucceeded: 1,
      RegionsFailed: 0,
    });
    expect(doc).not.toHaveProperty('service');
    expect(typeof doc._aws.Timestamp).toBe('number');
  });

  it('flushes on every call: a second call writes its own document, without the first values', () => {
    vi.stubEnv('POWERTOOLS_DEV', 'true');
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const sink = emfMetrics('Ns', { Watcher: 'w' });
    sink({ A: 1 });
    sink({ B: 2 });
    const docs = log.mock.calls.map((c) => JSON.parse(String(c[0])));
    expect(docs).toHaveLength(2);
    expect(docs[1]).toMatchObject({ B: 2, Watcher: 'w' });
    expect(docs[1]).not.toHaveProperty('A');
  });

  it('by default writes the bare JSON line to stdout, not through console (whose Lambda form adds a prefix)', () => {
    const written: string[] = [];
    const original = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string) => {
      written.push(String(chunk));
      return true;
    }) as typeof process.stdout.write;
    try {
      emfMetrics('Ns', { Watcher: 'w' })({ X: 1 });
    } finally {
      process.stdout.write = original;
    }
    expect(written).toHaveLength(1);
    expect(written[0]).toMatch(/^\{"_aws":.*\}\n$/);
  });
});
