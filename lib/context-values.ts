/**
 * How `watcher:` context values are read: cdk.json keeps JSON types, `-c key=value` gives strings,
 * so lists also accept a comma-separated string and numbers a numeric string. Errors name the key.
 */
import { InvalidWatcherConfigError } from './validation';

export class InvalidContextError extends Error {
  override readonly name = 'InvalidContextError';
  constructor(
    readonly key: string,
    detail: string,
    options?: ErrorOptions,
  ) {
    super(`Invalid context "${key}": ${detail}`, options);
  }
}

export const show = (value: unknown): string => JSON.stringify(value) ?? String(value);

export const isBlank = (value: unknown): boolean =>
  value === undefined || value === null || (typeof value === 'string' && value.trim() === '');

/**
 * A list from cdk.json (an array), or from `-c` as a JSON array (`["eu-west-1","us-east-1"]`) or a
 * comma-separated string (`eu-west-1,us-east-1`).
 */
export const listValue = (key: string, value: unknown, what = 'strings'): unknown[] => {
  if (typeof value === 'string' && value.trim().startsWith('['))
    return jsonValue(key, value, 'array') as unknown[];
  if (typeof value === 'string') return value.split(',');
  if (Array.isArray(value)) return value;
  throw new InvalidContextError(
    key,
    `must be a list of ${what}: a JSON array or a comma-separated string, got ${show(value)}`,
  );
};

export const stringList = (key: string, value: unknown): string[] => {
  const items = listValue(key, value);
  if (typeof value === 'string' && !value.trim().startsWith('['))
    return items.map((s) => String(s).trim()).filter((s) => s !== '');
  return items.map((item, i) => {
    if (typeof item !== 'string' || item.trim() === '') {
      throw new InvalidContextError(key, `item ${i} must be a non-empty string, got ${show(item)}`);
    }
    return item.trim();
  });
};

export const toNumber = (key: string, value: unknown, what: string): number => {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value.trim()) : value;
  if (typeof n !== 'number' || !Number.isFinite(n)) {
    throw new InvalidContextError(key, `${what} must be a number, got ${show(value)}`);
  }
  return n;
};

export const numberList = (key: string, value: unknown): number[] =>
  listValue(key, value, 'numbers').map((item, i) => toNumber(key, item, `item ${i}`));

export const integer = (key: string, value: unknown, min: number): number => {
  const n = toNumber(key, value, 'the value');
  if (!Number.isInteger(n) || n < min) {
    throw new InvalidContextError(key, `must be a whole number of at least ${min}, got ${show(value)}`);
  }
  return n;
};

export const nonEmptyString = (key: string, value: unknown): string => {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new InvalidContextError(key, `must be a non-empty string, got ${show(value)}`);
  }
  return value.trim();
};

/** A list or object from cdk.json, or the same as a JSON string from `-c`. */
export const jsonValue = (key: string, value: unknown, shape: 'array' | 'object'): unknown => {
  let parsed = value;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value);
    } catch (error) {
      throw new InvalidContextError(key, `must be JSON (${(error as Error).message})`);
    }
  }
  const ok =
    shape === 'array'
      ? Array.isArray(parsed)
      : typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed);
  if (!ok) throw new InvalidContextError(key, `must be a JSON ${shape}, got ${show(value)}`);
  return parsed;
};

/** Runs a construct validator and names the context key in its error. */
export const checked = <T>(key: string, validate: () => T): T => {
  try {
    return validate();
  } catch (error) {
    if (error instanceof InvalidWatcherConfigError)
      throw new InvalidContextError(key, error.message, { cause: error });
    throw error;
  }
};

/** `true`/`false` from cdk.json, or the same words from `-c`. */
export const booleanValue = (key: string, value: unknown): boolean => {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string' && ['true', 'false'].includes(value.trim().toLowerCase()))
    return value.trim().toLowerCase() === 'true';
  throw new InvalidContextError(key, `must be true or false, got ${show(value)}`);
};
