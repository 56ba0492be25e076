/**
 * Lifecycle configuration for the Lambdas, read once at init. Unset variables keep the defaults;
 * a bad value fails with the variable's name in the message.
 */
import type { Thresholds } from '../core/evaluate';
import { ConfigurationError, type Env, numberEnv } from '../shared/env';
import { InvalidLifecycleConfigError, type LifecycleConfig, lifecycleConfig } from './model';

/** Environment variable → option. */
export const LIFECYCLE_ENV = {
  CRITICAL_REMINDER_INTERVAL_DAYS: 'criticalReminderIntervalDays',
  EXPIRED_REMINDER_INTERVAL_DAYS: 'expiredReminderIntervalDays',
  REMOVE_AFTER_MISSING_SCANS: 'removeAfterMissingScans',
  MANAGED_ALERT_DELAY_DAYS: 'managedAlertDelayDays',
  SHORT_LIVED_MAX_DAYS: 'shortLivedMaxDays',
  SHORT_LIVED_WARNING_PERCENT: 'shortLivedWarningPercent',
  SHORT_LIVED_CRITICAL_PERCENT: 'shortLivedCriticalPercent',
  REMOVED_RETENTION_DAYS: 'removedRetentionDays',
  LAST_SEEN_REFRESH_DAYS: 'lastSeenRefreshDays',
} as const satisfies Record<string, keyof LifecycleConfig>;

export const lifecycleConfigFromEnv = (env: Env, thresholds: Thresholds): LifecycleConfig => {
  const partial: Record<string, number> = {};
  for (const [name, option] of Object.entries(LIFECYCLE_ENV)) {
    if (env[name]?.trim()) partial[option] = numberEnv(env, name);
  }
  try {
    return lifecycleConfig({ ...(partial as Partial<LifecycleConfig>), thresholds });
  } catch (error) {
    if (!(error instanceof InvalidLifecycleConfigError)) throw error;
    const variable = Object.entries(LIFECYCLE_ENV).find(([, o]) => error.message.startsWith(o))?.[0];
    throw new ConfigurationError(
      variable ? `environment variable ${variable}: ${error.message}` : error.message,
    );
  }
};
