/**
 * A source that exists only in tests: a kind of store the production registry does not know,
 * plugged in the way a real source is (its runtime adapter here, registered by the test's own
 * registry line), to prove the inventory, the lifecycle and the bus take any source with its own
 * scopes. Records and failures are given per scope key.
 */
import { Aws } from 'aws-cdk-lib';
import { type SourceSetting, scopeKeyOf } from '../../lambda/contracts/sources';
import type { CertificateRecord } from '../../lambda/core/certificate';
import type { CertificateSource, ItemError, Scope, ScopeReader } from '../../lambda/core/ports';
import type { SourceRegistry } from '../../lambda/sources/registry';
import { SOURCE_REGISTRY } from '../../lambda/sources/registry';
import { ReadOnlySource, type SourceBindOptions, type SourceReadAccess } from '../../lib/sources/source';

export const TEST_SOURCE_KIND = 'vault-test';

export interface TestScopeContent {
  readonly records?: readonly CertificateRecord[];
  /** The listing throws this: the scope failed. */
  readonly error?: Error;
  /** Items that cannot be read (reported, skipped). */
  readonly itemErrors?: readonly ItemError[];
  /** The listing stopped short of the whole scope. */
  readonly incomplete?: boolean;
}

/** A test store: global (one scope per account) unless regions are given. */
export class TestSource implements CertificateSource {
  readonly kind: string;

  constructor(
    private readonly content: (scope: Scope) => TestScopeContent,
    private readonly regions?: readonly string[],
    kind = TEST_SOURCE_KIND,
  ) {
    this.kind = kind;
  }

  scopes(account: string): Scope[] {
    const at = (region?: string): Scope => ({
      key: scopeKeyOf(this.kind, account, region),
      kind: this.kind,
      account,
      region,
      label: region ?? account,
    });
    return this.regions ? this.regions.map(at) : [at()];
  }

  reader(scope: Scope): ScopeReader {
    const c = this.content(scope);
    return {
      scope,
      async *list(report?: (e: ItemError) => void) {
        if (c.error) throw c.error;
        for (const e of c.itemErrors ?? []) report?.(e);
        yield* c.records ?? [];
      },
      complete: () => !c.incomplete,
    };
  }
}

/** The production registry plus the test source's line. */
export const registryWithTestSource = (content: (scope: Scope) => TestScopeContent): SourceRegistry => ({
  ...SOURCE_REGISTRY,
  [TEST_SOURCE_KIND]: {
    summary: 'a store that exists only in tests',
    regional: false,
    create: (setting) => new TestSource(content, setting.regions),
  },
});

/**
 * The test source's construct binding: grants its own read-only permission (one named SSM
 * parameter, so no cdk-nag finding to acknowledge) and returns its setting, like any binding.
 */
export class TestSourceBinding extends ReadOnlySource {
  readonly kind = TEST_SOURCE_KIND;

  readAccess(): SourceReadAccess {
    const grant = {
      sid: 'VaultTestIndex',
      actions: ['ssm:GetParameter'],
      resources: [`arn:${Aws.PARTITION}:ssm:${Aws.REGION}:${Aws.ACCOUNT_ID}:parameter/vault-test/index`],
    };
    return { grants: [grant], acknowledgments: [] };
  }

  protected setting(options: SourceBindOptions): SourceSetting {
    return { kind: this.kind, regions: [...options.regions], options: { index: '/vault-test/index' } };
  }
}
