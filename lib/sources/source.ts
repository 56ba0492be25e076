import { Token, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import type { SourceSetting } from '../../lambda/contracts/sources';

export type { SourceSetting };

/** What the watcher tells a source when binding it. */
export interface SourceBindOptions {
  /** The regions the watcher scans (its `regions` prop, default the stack's region). */
  readonly regions: readonly string[];
}

/**
 * One read-only IAM statement a source needs. Resource ARNs name the account and partition with
 * `Aws.ACCOUNT_ID` / `Aws.PARTITION`, so the same grant names the watcher's account in the
 * watcher's stack and the member account in a member role's stack.
 */
export interface ReadGrant {
  readonly sid: string;
  readonly actions: string[];
  readonly resources: string[];
  readonly conditions?: Record<string, unknown>;
}

/** One cdk-nag finding a source's grants raise, with the reason it is acknowledged. */
export interface WildcardAcknowledgment {
  readonly id: string;
  readonly reason: string;
}

/** A source's read-only access, as data: the statements and the cdk-nag findings they really raise. */
export interface SourceReadAccess {
  readonly grants: readonly ReadGrant[];
  readonly acknowledgments: readonly WildcardAcknowledgment[];
}

/**
 * A certificate store the watcher reads, in the style of aws-events-targets / `IEventSource.bind`:
 * the binding states exactly the read-only permissions the source needs (`readAccess`, which the
 * member role of each account applies to itself too), grants them to the function it is bound to
 * (acknowledging its own cdk-nag findings, each with its reason) and returns the setting the
 * Lambda's registry builds the runtime adapter from (lambda/sources/registry.ts).
 */
export interface IWatcherSource {
  /** The source kind (`acm`, ...): unique among a watcher's sources. */
  readonly kind: string;
  /**
   * The source's scan worker entry, relative to the project root: a module whose `handler` is
   * `scanWorkerEntry({ <kind>: <plugin> })` (lambda/handlers/scan-worker.ts), so the worker bundles
   * only this source.
   *
   * @default `lambda/handlers/scan-workers/<kind>.ts` (the built-in sources)
   */
  readonly workerEntry?: string;
  /**
   * The read-only statements the source needs and the cdk-nag findings they raise.
   * @param options the regions the watcher scans, for sources without regions of their own
   */
  readAccess(options: SourceBindOptions): SourceReadAccess;
  /**
   * Grants `readAccess(options)` to the function and returns the source's setting.
   * @param scope where the binding may create constructs of its own
   * @param inventory the function that lists the source
   * @returns the setting for WATCHER_SOURCES
   */
  bind(scope: Construct, inventory: lambda.IFunction, options: SourceBindOptions): SourceSetting;
}

/**
 * Adds each grant to the role's policy, in order, and acknowledges the findings on the role (an
 * imported function without a role gets nothing, as `IFunction.addToRolePolicy` does).
 */
export const addReadAccess = (role: iam.IRole | undefined, access: SourceReadAccess): void => {
  if (!role) return;
  for (const grant of access.grants) role.addToPrincipalPolicy(new iam.PolicyStatement(grant));
  if (access.acknowledgments.length > 0) Validations.of(role).acknowledge(...access.acknowledgments);
};

/** A binding whose `bind` is exactly: grant `readAccess` to the function, return `setting`. */
export abstract class ReadOnlySource implements IWatcherSource {
  abstract readonly kind: string;

  abstract readAccess(options: SourceBindOptions): SourceReadAccess;

  /** The setting for WATCHER_SOURCES, with the same regions `readAccess` grants. */
  protected abstract setting(options: SourceBindOptions): SourceSetting;

  bind(_scope: Construct, inventory: lambda.IFunction, options: SourceBindOptions): SourceSetting {
    addReadAccess(inventory.role, this.readAccess(options));
    return this.setting(options);
  }
}

/** A region as cdk-nag names it in a finding's resource: `<AWS::Region>` for the stack's own. */
export const nagRegion = (region: string): string => (Token.isUnresolved(region) ? '<AWS::Region>' : region);
