/**
 * The read-only role the watcher assumes in each account of an organization: what the member role
 * construct (lib/organization/member-role.ts) creates and the scan workers rely on.
 */

/**
 * IAM path of every scan worker role in the watcher's account. The member role trusts only roles
 * under it (`aws:PrincipalArn` like `arn:<partition>:iam::<watcher account>:role/cert-expiry-watcher/*`).
 */
export const WATCHER_ROLE_PATH = '/cert-expiry-watcher/';

/** The member role's name in every account (path `/`), unless the construct is given another. */
export const DEFAULT_MEMBER_ROLE_NAME = 'cert-expiry-watcher-reader';

/** The member role's maximum session, in seconds: an AssumeRole `DurationSeconds` above it fails. */
export const MEMBER_ROLE_MAX_SESSION_SECONDS = 3600;
