import { Aws } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';

/**
 * The watcher's own ops topic (`OpsTopic`, its key `OpsTopicKey`, both children of `scope`):
 * encrypted, TLS only, and CloudWatch alarms of this account and region may publish to it.
 */
export const createOpsTopic = (scope: Construct): sns.Topic => {
  const key = new kms.Key(scope, 'OpsTopicKey', {
    description: 'Encrypts the cert-expiry-watcher ops topic',
    enableKeyRotation: true,
  });
  // CloudWatch calls KMS itself when an alarm publishes to an encrypted topic; without this
  // statement alarm notifications are dropped (visible only in the alarm history). Only alarms of
  // this account and region may use it: the confused-deputy conditions the CloudWatch and SNS
  // docs give for a service principal.
  const fromOwnAlarms = {
    StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
    ArnLike: { 'aws:SourceArn': `arn:${Aws.PARTITION}:cloudwatch:${Aws.REGION}:${Aws.ACCOUNT_ID}:alarm:*` },
  };
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'AllowCloudWatchAlarmsToUseTheKey',
      principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
      // The actions exactly as the SNS guide's key policy for CloudWatch alarms gives them: a
      // notification lost to a missing permission shows only in the alarm history.
      actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      resources: ['*'],
      conditions: fromOwnAlarms,
    }),
  );
  const topic = new sns.Topic(scope, 'OpsTopic', {
    displayName: 'Certificate expiry watcher - ops',
    masterKey: key,
    enforceSSL: true,
  });
  // A topic policy replaces SNS's default one, so alarms in this account must be allowed explicitly.
  topic.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'AllowCloudWatchAlarmsToPublish',
      principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['sns:Publish'],
      resources: [topic.topicArn],
      conditions: fromOwnAlarms,
    }),
  );
  return topic;
};
