/** The `watcher:discovery` context key (docs/discovery.md). */
import { type DiscoverySettings, validateRegions } from './config';
import { checked, InvalidContextError, jsonValue, show, stringList } from './context-values';
import { validateDiscoveryKinds } from './sources/discovery';

/**
 * `watcher:discovery`: `true`/`false`, or `{"enabled":true,"kinds":["elbv2","cloudfront"],"regions":["eu-west-1"]}`
 * (docs/discovery.md).
 */
export const discoveryFromContext = (value: unknown): DiscoverySettings => {
  const key = 'watcher:discovery';
  if (value === true || value === 'true') return { enabled: true };
  if (value === false || value === 'false') return { enabled: false };
  const object = typeof value === 'string' ? jsonValue(key, value, 'object') : value;
  if (typeof object !== 'object' || object === null || Array.isArray(object))
    throw new InvalidContextError(
      key,
      `must be true, false or {"enabled":true,"kinds":[...],"regions":[...]}, got ${show(value)}`,
    );
  const { enabled, kinds, regions, ...rest } = object as Record<string, unknown>;
  if (Object.keys(rest).length > 0)
    throw new InvalidContextError(
      key,
      `has unknown fields ${Object.keys(rest).join(', ')} (use enabled, kinds, regions)`,
    );
  if (enabled !== undefined && typeof enabled !== 'boolean')
    throw new InvalidContextError(key, `enabled must be true or false, got ${show(enabled)}`);
  return {
    enabled: enabled ?? true,
    ...(kinds !== undefined
      ? { kinds: checked(key, () => validateDiscoveryKinds(stringList(key, kinds))) }
      : {}),
    ...(regions !== undefined
      ? { regions: checked(key, () => validateRegions(stringList(key, regions))) }
      : {}),
  };
};
