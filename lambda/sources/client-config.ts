/**
 * The configuration every source's AWS SDK clients share: the region, adaptive retries and the
 * connection and request timeouts, then the registry's `SourceContext.clientOverrides` (endpoint,
 * credentials or region) on top.
 */
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';

/** What every AWS SDK client of a source gets on top of its own defaults (endpoint, credentials). */
export interface ClientOverrides {
  readonly region?: string;
  readonly endpoint?: string;
  readonly credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
}

/** The shared settings, before the overrides. */
export const SDK_CLIENT_DEFAULTS = {
  // Adaptive mode adds client-side rate limiting on top of backoff when the service throttles.
  retryMode: 'adaptive',
  maxAttempts: 6,
  requestHandler: { connectionTimeout: 5_000, requestTimeout: 20_000 },
} as const;

/** A client's configuration for `region`: the shared settings, then `overrides` (which win). */
export const sdkClientConfig = <O extends object = object>(region: string, overrides?: O) => ({
  region,
  ...SDK_CLIENT_DEFAULTS,
  ...overrides,
});
