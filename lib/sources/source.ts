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
 * A certificate store the watcher reads, in the style of aws-events-targets / `IEventSource.bind`:
 * the binding grants the inventory function exactly the read-only permissions the source needs
 * (acknowledging its own cdk-nag findings, each with its reason) and returns the setting the
 * inventory Lambda's registry builds the runtime adapter from (lambda/sources/registry.ts).
 */
export interface IWatcherSource {
  /** The source kind (`acm`, ...): unique among a watcher's sources. */
  readonly kind: string;
  /**
   * @param scope where the binding may create constructs of its own
   * @param inventory the function that lists the source
   * @returns the setting for WATCHER_SOURCES
   */
  bind(scope: Construct, inventory: lambda.IFunction, options: SourceBindOptions): SourceSetting;
}

/** One read-only statement a binding adds to the inventory function's role. */
export interface ReadGrant {
  readonly sid: string;
  readonly actions: string[];
  readonly resources: string[];
  readonly conditions?: Record<string, unknown>;
}

/** Adds each grant to the inventory function's role, in order. */
export const grantRead = (inventory: lambda.IFunction, ...grants: readonly ReadGrant[]): void => {
  for (const grant of grants) inventory.addToRolePolicy(new iam.PolicyStatement(grant));
};

/** One cdk-nag finding a binding's grants raise, with the reason it is acknowledged. */
export interface WildcardAcknowledgment {
  readonly id: string;
  readonly reason: string;
}

/** Acknowledges the findings on the inventory function's role (an imported function without one has none). */
export const acknowledgeWildcards = (
  inventory: lambda.IFunction,
  findings: readonly WildcardAcknowledgment[],
): void => {
  if (inventory.role) Validations.of(inventory.role).acknowledge(...findings);
};

/** A region as cdk-nag names it in a finding's resource: `<AWS::Region>` for the stack's own. */
export const nagRegion = (region: string): string => (Token.isUnresolved(region) ? '<AWS::Region>' : region);
