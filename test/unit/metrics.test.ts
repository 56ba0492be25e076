import { describe, expect, it } from 'vitest';
import { emfMetrics } from '../../lambda/shared/metrics';

describe('EMF metrics', () => {
  it('writes one CloudWatch Embedded Metric Format document per call, dimensions and values at the top level', () => {
    const lines: string[] = [];
    emfMetrics('CertExpiryWatcher', { Watcher: 'Stack/Watcher' }, (l) => lines.push(l))({
      ScanSucceeded: 1,
      RegionsFailed: 0,
    });
    expect(lines).toHaveLength(1);
    const doc = JSON.parse(lines[0] ?? '{}');
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
    expect(typeof doc._aws.Timestamp).toBe('number');
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
