import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import {
  InvalidLifecycleConfigError,
  LIFECYCLE_ENV,
  type LifecycleConfig,
  lifecycleConfig,
} from '../lambda/contracts/lifecycle-config';
import { DELIVERY_ITEM_PREFIX, STATE_TABLE_SCHEMA } from '../lambda/contracts/state-table';
import { InvalidWatcherConfigError, type LifecycleSettings } from './config';

/**
 * Checks the settings with the Lambdas' own validation and returns them as the environment
 * variables the Lambdas read, so construct and functions cannot disagree.
 */
export const lifecycleEnvironment = (
  settings: LifecycleSettings,
  thresholds: LifecycleConfig['thresholds'],
): Record<string, string> => {
  try {
    lifecycleConfig({ ...settings, thresholds });
  } catch (error) {
    if (error instanceof InvalidLifecycleConfigError) {
      throw new InvalidWatcherConfigError(`lifecycle.${error.message}`, { cause: error });
    }
    throw error;
  }
  const env: Record<string, string> = {};
  for (const [variable, option] of Object.entries(LIFECYCLE_ENV)) {
    const value = settings[option as keyof LifecycleSettings];
    if (value !== undefined) env[variable] = String(value);
  }
  return env;
};

/**
 * The watcher's memory: one item per certificate location (what was last said, acknowledgements,
 * ticket references, the outbox). On-demand, point-in-time recovery, encrypted with the AWS
 * managed key, TTL for removed certificates, kept when the stack is deleted.
 */
export class StateTable extends Construct {
  readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const schema = STATE_TABLE_SCHEMA;
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: schema.partitionKey.name, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      timeToLiveAttribute: schema.timeToLiveAttribute,
      // Acknowledgements and open ticket references must survive a stack replacement.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.table.addGlobalSecondaryIndex({
      indexName: schema.scopeIndex.indexName,
      partitionKey: { name: schema.scopeIndex.partitionKey.name, type: dynamodb.AttributeType.STRING },
      sortKey: { name: schema.scopeIndex.sortKey.name, type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.INCLUDE,
      nonKeyAttributes: [...schema.scopeIndex.nonKeyAttributes],
    });
  }

  /**
   * What a scan needs and nothing more: batched reads, conditional writes, and the Query on the
   * scope index (named, so no `index/*` wildcard). No Scan, no DeleteItem.
   */
  /** The ticket Lambda reads and conditionally updates a certificate's ticket reference. */
  grantTicketReferences(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
      resourceArns: [this.table.tableArn],
    });
  }

  /**
   * A delivery Lambda's ledger of event ids it delivered (lambda/sinks/state/delivery-ledger.ts):
   * GetItem and UpdateItem on the `delivered#` items only (the `dynamodb:LeadingKeys` condition).
   */
  grantDeliveryLedger(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
      resourceArns: [this.table.tableArn],
      conditions: {
        'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${DELIVERY_ITEM_PREFIX}*`] },
      },
    });
  }

  /**
   * `dynamodb:Scan` on the `by-scope` index only (keys and `removedAt`): which scopes still track
   * locations. The endpoint dispatcher retires endpoints removed from the configuration with it.
   */
  grantScopeListing(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['dynamodb:Scan'],
      resourceArns: [`${this.table.tableArn}/index/${STATE_TABLE_SCHEMA.scopeIndex.indexName}`],
    });
  }

  grantLifecycle(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: [
        'dynamodb:BatchGetItem',
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:UpdateItem',
        'dynamodb:Query',
      ],
      resourceArns: [
        this.table.tableArn,
        `${this.table.tableArn}/index/${STATE_TABLE_SCHEMA.scopeIndex.indexName}`,
      ],
    });
  }
}
