/** Lambda configuration is read once at init and fails fast, naming the variable. */
import { ConfigurationError } from '../contracts/errors';

export { ConfigurationError };

export type Env = Readonly<Record<string, string | undefined>>;

export const requireEnv = (env: Env, name: string): string => {
  const value = env[name]?.trim();
  if (!value) throw new ConfigurationError(`environment variable ${name} is required but not set`);
  return value;
};

export const listEnv = (env: Env, name: string): string[] => {
  const items = requireEnv(env, name)
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (items.length === 0)
    throw new ConfigurationError(`environment variable ${name} must list at least one value`);
  return items;
};

export const numberListEnv = (env: Env, name: string): number[] =>
  listEnv(env, name).map((s) => {
    const n = Number(s);
    if (!Number.isFinite(n))
      throw new ConfigurationError(`environment variable ${name} has a non-number: "${s}"`);
    return n;
  });

export const numberEnv = (env: Env, name: string): number => {
  const raw = requireEnv(env, name);
  const n = Number(raw);
  if (!Number.isFinite(n))
    throw new ConfigurationError(`environment variable ${name} must be a number, got "${raw}"`);
  return n;
};

/** A positive whole number from the environment, or `fallback` when unset. */
export const positiveIntEnv = (env: Env, name: string, fallback?: number): number => {
  if (!env[name]?.trim()) {
    if (fallback !== undefined) return fallback;
    throw new ConfigurationError(`environment variable ${name} is required but not set`);
  }
  const n = numberEnv(env, name);
  if (!Number.isInteger(n) || n < 1) {
    throw new ConfigurationError(`environment variable ${name} must be a positive integer, got ${n}`);
  }
  return n;
};
