/**
 * CloudWatch Embedded Metric Format through Powertools for AWS Lambda's Metrics: metrics written as
 * one structured log line, no API call and no IAM permission needed. The construct's heartbeat
 * alarm reads ScanSucceeded from here.
 */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

/**
 * The port handlers use: one call per invocation, every value a Count. `dimensions` are added to
 * the default ones (`Watcher`) for this call only, e.g. `{ DetailType }` or `{ Source }`.
 */
export type MetricsSink = (values: Record<string, number>, dimensions?: Record<string, string>) => void;

/**
 * The metrics factory every Lambda entry uses. Each call is flushed as one EMF document, which
 * Powertools writes straight to stdout: the Lambda runtime's console would prefix the line (text
 * log format) or wrap it (JSON format), and CloudWatch extracts EMF only from a line that is the
 * JSON document itself.
 */
export const emfMetrics = (namespace: string, dimensions: Record<string, string>): MetricsSink => {
  const metrics = new Metrics({ namespace });
  // Powertools adds a `service` dimension by default; the alarms and dashboards know only these.
  metrics.clearDefaultDimensions();
  metrics.setDefaultDimensions(dimensions);
  return (values, dimensions) => {
    // publishStoredMetrics clears added dimensions (not the default ones) with the values.
    if (dimensions) metrics.addDimensions(dimensions);
    for (const [name, value] of Object.entries(values)) metrics.addMetric(name, MetricUnit.Count, value);
    metrics.publishStoredMetrics();
  };
};
