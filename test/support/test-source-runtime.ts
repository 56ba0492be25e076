/**
 * The test-only source's runtime half (no CDK imports, so its scan worker bundles small): a kind
 * of store the production registry does not know, records and failures given per scope.
 */
import { scopeKeyOf } from '../../lambda/contracts/sources';
import type { CertificateRecord } from '../../lambda/core/certificate';
import type { CertificateSource, ItemError, Scope, ScopeReader } from '../../lambda/core/ports';
import type { SourcePlugin } from '../../lambda/sources/plugin';

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

/** The test source's registry entry, answering `content` per scope. */
export const testSourcePlugin = (content: (scope: Scope) => TestScopeContent): SourcePlugin => ({
  summary: 'a store that exists only in tests',
  regional: false,
  create: (setting) => new TestSource(content, setting.regions),
});
