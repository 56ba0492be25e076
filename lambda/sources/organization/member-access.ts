/**
 * How a scan worker reaches a member account: the member role assumed with STS (credentials
 * cached per account until shortly before they expire, shared by every client of that account),
 * and whether an opt-in region is enabled there (AWS Account Management `ListRegions`).
 *
 * The watcher's own account is read with the function's own role: StackSets do not deploy the
 * member role to the management account (docs/organizations.md).
 */
import { AccountClient, paginateListRegions } from '@aws-sdk/client-account';
import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { CoverageReason } from '../../contracts/organization';
import { errorCode } from '../../core/scan';
import { type ClientOverrides, sdkClientConfig } from '../client-config';

/** Credentials are renewed this long before they expire, so no call starts with credentials about to lapse. */
const REFRESH_MARGIN_MS = 5 * 60_000;
/** Region opt-in states are cached this long per account (they change by an administrator's action). */
const REGION_STATUS_TTL_MS = 60 * 60_000;

export interface MemberAccessOptions {
  /** The watcher's own account: read without assuming a role. */
  readonly self: string;
  /** The role assumed in every other account. */
  readonly roleName: string;
  /** `aws`, `aws-cn`, `aws-us-gov`. @default aws */
  readonly partition?: string;
  /** Session name in the member account's CloudTrail. @default cert-expiry-watcher */
  readonly sessionName?: string;
  /** STS (and Account Management) client settings: endpoint for the emulator, base credentials. */
  readonly overrides?: ClientOverrides;
  /** Account Management client settings per account on top of `overrides` (an endpoint of its own). */
  readonly accountApi?: (account: string) => ClientOverrides;
  readonly clock?: () => number;
}

/** The member role could not be assumed: coverage reports ROLE_NOT_ASSUMED for every scope of the account. */
export class RoleNotAssumedError extends Error {
  readonly code = CoverageReason.RoleNotAssumed;
  constructor(
    readonly account: string,
    readonly roleArn: string,
    cause: unknown,
  ) {
    super(
      `could not assume ${roleArn}: ${errorCode(cause)}: ${cause instanceof Error ? cause.message : String(cause)}`,
    );
    this.name = 'RoleNotAssumedError';
  }
}

export class MemberAccess {
  private readonly credentials = new Map<string, { value: Promise<AwsCredentialIdentity>; until: number }>();
  private readonly regionStatus = new Map<
    string,
    { value: Promise<ReadonlyMap<string, string> | null>; until: number }
  >();
  private readonly clock: () => number;

  constructor(private readonly options: MemberAccessOptions) {
    this.clock = options.clock ?? Date.now;
  }

  roleArn(account: string): string {
    return `arn:${this.options.partition ?? 'aws'}:iam::${account}:role/${this.options.roleName}`;
  }

  /**
   * Credentials for `account`: undefined for the watcher's own account (the function's role),
   * otherwise a provider of the member role's temporary credentials.
   */
  credentialsFor(account: string): AwsCredentialIdentityProvider | undefined {
    if (account === this.options.self) return undefined;
    return () => this.assume(account);
  }

  private assume(account: string): Promise<AwsCredentialIdentity> {
    const cached = this.credentials.get(account);
    if (cached && cached.until > this.clock()) return cached.value;
    const roleArn = this.roleArn(account);
    const provider = fromTemporaryCredentials({
      params: {
        RoleArn: roleArn,
        RoleSessionName: this.options.sessionName ?? 'cert-expiry-watcher',
        DurationSeconds: 3600,
      },
      clientConfig: sdkClientConfig(this.options.overrides?.region ?? 'us-east-1', this.options.overrides),
      ...(this.options.overrides?.credentials
        ? { masterCredentials: this.options.overrides.credentials }
        : {}),
    });
    const value = provider().catch((error: unknown) => {
      this.credentials.delete(account);
      throw new RoleNotAssumedError(account, roleArn, error);
    });
    // Until the answer is in, callers share the request; then it lives until shortly before it expires.
    this.credentials.set(account, { value, until: Number.POSITIVE_INFINITY });
    void value.then(
      (c) =>
        this.credentials.set(account, {
          value,
          until: (c.expiration?.getTime() ?? this.clock() + 900_000) - REFRESH_MARGIN_MS,
        }),
      () => {},
    );
    return value;
  }

  /**
   * Whether `region` is enabled in `account`: true, false (an opt-in region not enabled), or
   * undefined when it cannot be told (no `account:ListRegions` permission, an emulator without the
   * API); the scan then goes ahead and a disabled region shows as a failure instead of a skip.
   */
  async regionEnabled(account: string, region: string): Promise<boolean | undefined> {
    let cached = this.regionStatus.get(account);
    if (!cached || cached.until <= this.clock()) {
      const value = this.listRegions(account);
      cached = { value, until: this.clock() + REGION_STATUS_TTL_MS };
      this.regionStatus.set(account, cached);
      // A role that could not be assumed is asked again next time, not remembered for an hour.
      value.catch(() => this.regionStatus.delete(account));
    }
    const statuses = await cached.value;
    const status = statuses?.get(region);
    if (status === undefined) return undefined;
    return status === 'ENABLED' || status === 'ENABLED_BY_DEFAULT';
  }

  private async listRegions(account: string): Promise<ReadonlyMap<string, string> | null> {
    try {
      const client = new AccountClient(
        sdkClientConfig('us-east-1', {
          ...this.options.overrides,
          credentials: this.credentialsFor(account) ?? this.options.overrides?.credentials,
          ...this.options.accountApi?.(account),
        }),
      );
      // 50 is ListRegions' largest page: one call covers every region there is today.
      const statuses = new Map<string, string>();
      for await (const page of paginateListRegions({ client, pageSize: 50 }, {}))
        for (const r of page.Regions ?? [])
          if (r.RegionName && r.RegionOptStatus) statuses.set(r.RegionName, r.RegionOptStatus);
      return statuses;
    } catch (error) {
      if (error instanceof RoleNotAssumedError) throw error;
      return null;
    }
  }
}
