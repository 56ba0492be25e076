import { StoredValueSource, type StoredValueSourceProps } from './secrets';
import type { SourceSetting } from './source';

/**
 * AWS Systems Manager Parameter Store (opt-in): certificates kept in String, StringList and
 * SecureString parameters selected by a tag or name prefixes, one scope per region
 * (`ssm#<account>#<region>`). Every selected parameter's value is read on each scan, SecureStrings
 * decrypted; private keys in them are skipped.
 */
export class SsmSource extends StoredValueSource {
  /** The binding for a `watcher:sources` setting (`{"kind":"ssm","options":{"prefixes":["/certs/"]}}`). */
  static fromSetting(setting: SourceSetting): SsmSource {
    return new SsmSource(StoredValueSource.propsOf(setting));
  }

  constructor(props: StoredValueSourceProps = {}) {
    super(
      {
        kind: 'ssm',
        sid: 'Ssm',
        listAction: 'ssm:DescribeParameters',
        readAction: 'ssm:GetParameters',
        // DescribeParameters gives no tags: read per reported parameter, for routing to its owner.
        tagAction: 'ssm:ListTagsForResource',
        service: 'ssm',
        arnBase: (p, r, a) => `arn:${p}:ssm:${r}:${a}:parameter/`,
        // `/certs/a` has the ARN `...:parameter/certs/a`, `certs-a` has `...:parameter/certs-a`.
        arnName: (prefix) => prefix.replace(/^\//, ''),
      },
      props,
    );
  }
}
