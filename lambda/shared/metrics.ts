/**
 * CloudWatch Embedded Metric Format: metrics written as one structured log line, no API call and
 * no IAM permission needed. The construct's heartbeat alarm reads ScanSucceeded from here.
 */
export type MetricsSink = (values: Record<string, number>) => void;

export const emfMetrics =
  (
    namespace: string,
    dimensions: Record<string, string>,
    // Straight to stdout: the Lambda runtime's console prefixes each line (text log format) or wraps
    // it (JSON format), and CloudWatch extracts EMF only from a line that is the JSON document itself.
    write = (line: string) => {
      process.stdout.write(`${line}\n`);
    },
  ): MetricsSink =>
  (values) => {
    write(
      JSON.stringify({
        _aws: {
          Timestamp: Date.now(),
          CloudWatchMetrics: [
            {
              Namespace: namespace,
              Dimensions: [Object.keys(dimensions)],
              Metrics: Object.keys(values).map((Name) => ({ Name, Unit: 'Count' })),
            },
          ],
        },
        ...dimensions,
        ...values,
      }),
    );
  };
