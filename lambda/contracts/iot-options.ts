/**
 * The IoT source's options (docs/sources.md, "iot"): one set of rules for the construct binding
 * (lib/sources/iot.ts) and the Lambda (lambda/sources/iot/iot-source.ts). Pure data and checks.
 */
import { InvalidSourceSettingError } from './sources';

export const DEFAULT_DESCRIBE_CONCURRENCY = 8;
export const MAX_DESCRIBE_CONCURRENCY = 64;

export interface IotOptions {
  /** DescribeCertificate calls in flight per region (IoT's default quota is 10 per second). */
  readonly describeConcurrency: number;
  /** List the registered CA certificates too. */
  readonly caCertificates: boolean;
  /**
   * Seconds a region's descriptions may take before the rest of the fleet waits for the next scan
   * (the scope is then incomplete and says how far it got): keeps one large fleet at IoT's default
   * quota from timing out the whole inventory. Keep it below the inventory timeout.
   */
  readonly describeBudgetSeconds: number;
}

/** 4 minutes: inside the inventory's default 5-minute timeout, with a minute for the rest. */
export const DEFAULT_DESCRIBE_BUDGET_SECONDS = 240;

export const DEFAULT_IOT_OPTIONS: IotOptions = {
  describeConcurrency: DEFAULT_DESCRIBE_CONCURRENCY,
  caCertificates: true,
  describeBudgetSeconds: DEFAULT_DESCRIBE_BUDGET_SECONDS,
};

/**
 * The source's options from its setting (JSON from the construct, strings from
 * `cert-watch scan iot --option key=value`). Unknown keys are left to other sources (`scan all`
 * passes one set of options to every kind).
 */
export const iotOptions = (options: Readonly<Record<string, unknown>> = {}): IotOptions => {
  const { describeConcurrency: dc, caCertificates: ca, describeBudgetSeconds: db } = options;
  const budget = typeof db === 'string' && db.trim() !== '' ? Number(db) : db;
  if (
    budget !== undefined &&
    (typeof budget !== 'number' || !Number.isInteger(budget) || budget < 1 || budget > 900)
  )
    throw new InvalidSourceSettingError(
      `iot option describeBudgetSeconds must be a whole number of seconds from 1 to 900, got ${JSON.stringify(db)}`,
    );
  const n = typeof dc === 'string' && dc.trim() !== '' ? Number(dc) : dc;
  if (
    n !== undefined &&
    (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > MAX_DESCRIBE_CONCURRENCY)
  )
    throw new InvalidSourceSettingError(
      `iot option describeConcurrency must be a whole number from 1 to ${MAX_DESCRIBE_CONCURRENCY}, got ${JSON.stringify(dc)}`,
    );
  const flag = ca === 'true' ? true : ca === 'false' ? false : ca;
  if (flag !== undefined && typeof flag !== 'boolean')
    throw new InvalidSourceSettingError(
      `iot option caCertificates must be true or false, got ${JSON.stringify(ca)}`,
    );
  return {
    describeConcurrency: (n as number | undefined) ?? DEFAULT_DESCRIBE_CONCURRENCY,
    caCertificates: flag ?? true,
    describeBudgetSeconds: (budget as number | undefined) ?? DEFAULT_DESCRIBE_BUDGET_SECONDS,
  };
};
