import { Aws, CfnOutput, Stack } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import type { Construct } from 'constructs';
import {
  configParameterName,
  WATCHER_CONFIG_VERSION,
  type WatcherConfig,
} from '../lambda/contracts/watcher-config';

/** What the watcher created, for the parameter and the stack outputs. */
export interface WatcherResources {
  readonly watcherId: string;
  readonly stateTable: dynamodb.ITable;
  readonly bus: events.IEventBus;
  readonly eventSource: string;
  readonly opsTopic: sns.ITopic;
  readonly chatTopic: sns.ITopic;
  readonly smsTopic: sns.ITopic;
  readonly ticketsTopic: sns.ITopic;
  readonly report?: { readonly bucket: s3.IBucket };
}

/**
 * Publishes where the watcher's resources are: stack outputs (state table, bus, topics, the
 * parameter's name) for people and pipelines, and one SSM String parameter
 * (`/cert-expiry-watcher/<stack>/<path>/config`, lambda/contracts/watcher-config.ts) that
 * `cert-watch status | ack | unack | coverage` read by stack name. A Standard-tier parameter holds
 * names and ARNs only, no secret.
 */
export const publishWatcherConfig = (scope: Construct, r: WatcherResources): ssm.StringParameter => {
  const stack = Stack.of(scope);
  const config: WatcherConfig = {
    version: WATCHER_CONFIG_VERSION,
    watcherId: r.watcherId,
    region: Aws.REGION,
    stateTableName: r.stateTable.tableName,
    eventBusName: r.bus.eventBusName,
    eventBusArn: r.bus.eventBusArn,
    eventSource: r.eventSource,
    opsTopicArn: r.opsTopic.topicArn,
    chatTopicArn: r.chatTopic.topicArn,
    smsTopicArn: r.smsTopic.topicArn,
    ticketsTopicArn: r.ticketsTopic.topicArn,
    ...(r.report ? { reportBucketName: r.report.bucket.bucketName } : {}),
  };
  const relativePath = scope.node.path.slice(stack.node.path.length + 1);
  const parameter = new ssm.StringParameter(scope, 'ConfigParameter', {
    parameterName: configParameterName(stack.stackName, relativePath),
    description: `Where cert-expiry-watcher ${r.watcherId} keeps its state, bus and topics (read by cert-watch)`,
    stringValue: stack.toJsonString(config),
    tier: ssm.ParameterTier.STANDARD,
  });
  const outputs: Record<string, [string, string]> = {
    StateTableName: [r.stateTable.tableName, 'state table (cert-watch status --table)'],
    EventBusName: [r.bus.eventBusName, 'event bus the certificate events go on'],
    OpsTopicArn: [r.opsTopic.topicArn, 'SNS topic of the operational alarms'],
    ChatTopicArn: [r.chatTopic.topicArn, 'SNS topic for chat'],
    SmsTopicArn: [r.smsTopic.topicArn, 'SNS topic for SMS'],
    TicketsTopicArn: [r.ticketsTopic.topicArn, 'SNS topic for tickets'],
    ConfigParameterName: [parameter.parameterName, 'SSM parameter cert-watch reads to find this watcher'],
    ...(r.report
      ? {
          ReportBucketName: [r.report.bucket.bucketName, 'S3 bucket of the scheduled reports'] as [
            string,
            string,
          ],
        }
      : {}),
  };
  for (const [id, [value, description]] of Object.entries(outputs))
    new CfnOutput(scope, id, { value, description: `cert-expiry-watcher ${r.watcherId}: ${description}` });
  return parameter;
};
