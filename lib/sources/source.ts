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
