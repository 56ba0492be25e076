/**
 * Configuration that cannot be used: a Lambda reads its configuration once at init and fails fast
 * with this error naming the variable; the construct rethrows it as its own configuration error.
 */
export class ConfigurationError extends Error {
  override readonly name = 'ConfigurationError';
}
