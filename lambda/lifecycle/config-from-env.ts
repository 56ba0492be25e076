/**
 * Lifecycle configuration for the Lambdas, read once at init. Unset variables keep the defaults;
 * a bad value fails with the variable's name in the message.
 */
import {
  InvalidLifecycleConfigError,
  LIFECYCLE_ENV,
  type LifecycleConfig,
  lifecycleConfig,
} from '../contracts/lifecycle-config';
import type { Thresholds } from '../contracts/thresholds';
import { ConfigurationError, type Env, numberEnv } from '../shared/env';

export { LIFECYCLE_ENV };

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
