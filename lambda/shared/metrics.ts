/**
 * CloudWatch Embedded Metric Format: metrics written as one structured log line, no API call and
 * no IAM permission needed. The construct's heartbeat alarm reads ScanSucceeded from here.
 */
export type MetricsSink = (values: Record<string, number>) => void;

export const emfMetrics =
  (
    namespace: string,
    dimensions: Record<string, string>,
    write = (line: string) => console.log(line),
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
