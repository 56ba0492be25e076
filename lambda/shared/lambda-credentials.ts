/**
 * The default credential chain of every AWS SDK client in our Lambda bundles: the bundler
 * (lib/lambda-bundling.ts) substitutes this module for `@aws-sdk/credential-provider-node`.
 *
 * Lambda hands a function its execution role's credentials in AWS_ACCESS_KEY_ID,
 * AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN ("Defined runtime environment variables", AWS Lambda
 * Developer Guide), so the SDK's Node.js chain always stops at its first link there. Its other links
 * (SSO, shared ini files, credential_process, web identity token files, the sign-in login) can never
 * answer on Lambda, yet they bring the SSO, SSO-OIDC, STS and sign-in clients into every bundle:
 * 73-130 KiB per function (docs/benchmarks.md). The chain kept here is the environment, then the
 * container credentials endpoint (AWS_CONTAINER_CREDENTIALS_FULL_URI or _RELATIVE_URI), the
 * SDK's own next link for a runtime that serves credentials over HTTP. Clients memoize and refresh
 * what it returns (`@aws-sdk/core`'s SigV4 configuration), as with the SDK's chain.
 */
import { createCredentialChain, fromEnv, fromHttp } from '@aws-sdk/credential-providers';
import type { AwsCredentialIdentityProvider, Logger } from '@smithy/types';

/** What SDK clients pass to `credentialDefaultProvider` (their resolved configuration). */
export interface LambdaCredentialsInit {
  readonly logger?: Logger;
}

export class LambdaCredentialsError extends Error {
  override readonly name = 'LambdaCredentialsError';
  /** The chain ends here: no other provider follows (SDK `ProviderError` contract). */
  readonly tryNextLink = false;
}

const none: AwsCredentialIdentityProvider = async () => {
  throw new LambdaCredentialsError(
    'no AWS credentials: neither AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY nor a container credentials endpoint (AWS_CONTAINER_CREDENTIALS_FULL_URI or AWS_CONTAINER_CREDENTIALS_RELATIVE_URI) is set',
  );
};

/** Same name and call shape as `@aws-sdk/credential-provider-node`'s, which it replaces in bundles. */
export const defaultProvider = (init: LambdaCredentialsInit = {}): AwsCredentialIdentityProvider =>
  createCredentialChain(fromEnv({ logger: init.logger }), fromHttp({ logger: init.logger }), none);
