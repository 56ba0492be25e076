/**
 * A source that exists only in tests: a kind of store the production registry does not know,
 * plugged in the way a real source is (its runtime adapter here, registered by the test's own
 * registry line), to prove the inventory, the lifecycle and the bus take any source with its own
 * scopes. Records and failures are given per scope key.
 */
import { Aws } from 'aws-cdk-lib';
import type { SourceSetting } from '../../lambda/contracts/sources';
import type { Scope } from '../../lambda/core/ports';
import type { SourceRegistry } from '../../lambda/sources/registry';
import { SOURCE_REGISTRY } from '../../lambda/sources/registry';
import { ReadOnlySource, type SourceBindOptions, type SourceReadAccess } from '../../lib/sources/source';

import { TEST_SOURCE_KIND, type TestScopeContent, testSourcePlugin } from './test-source-runtime';

export { TEST_SOURCE_KIND, type TestScopeContent, TestSource, testSourcePlugin } from './test-source-runtime';

/** The production registry plus the test source's line. */
export const registryWithTestSource = (content: (scope: Scope) => TestScopeContent): SourceRegistry => ({
  ...SOURCE_REGISTRY,
  [TEST_SOURCE_KIND]: testSourcePlugin(content),
});

/**
 * The test source's construct binding: grants its own read-only permission (one named SSM
 * parameter, so no cdk-nag finding to acknowledge) and returns its setting, like any binding.
 */
export class TestSourceBinding extends ReadOnlySource {
  readonly kind = TEST_SOURCE_KIND;
  /** Its own scan worker, as a plugin outside this repository's lambda/ would have. */
  readonly workerEntry = 'test/support/test-source-worker.ts';

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
