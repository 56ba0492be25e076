import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App, BootstraplessSynthesizer, CfnParameter, Fn, Stack, Validations } from 'aws-cdk-lib';
import * as cloudformation from 'aws-cdk-lib/aws-cloudformation';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import * as cr from 'aws-cdk-lib/custom-resources';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { Construct } from 'constructs';
import { InvalidWatcherConfigError, validateRegions } from '../config';
import { ACCOUNT_ID_PATTERN, checked, ORGANIZATION_ID_PATTERN, ORGANIZATION_ID_SHAPE } from './checks';
import { type WatcherMemberRoleProps, WatcherMemberRoleStack } from './member-role';

/** Who deploys the StackSet: the organization's management account, or a delegated administrator. */
export type StackSetCallAs = 'SELF' | 'DELEGATED_ADMIN';

export interface WatcherMemberRoleStackSetProps extends Omit<WatcherMemberRoleProps, 'watcherAccountId'> {
  /**
   * The account the watcher runs in.
   * @default this stack's account
   */
  readonly watcherAccountId?: string;
  /**
   * The organizational units (`ou-…`) or root (`r-…`) whose accounts get the role, with every OU
   * below them; accounts that join them later get it too (automatic deployment).
   * @default - the organization's root (looked up with organizations:ListRoots at deploy time)
   */
  readonly organizationalUnitIds?: readonly string[];
  /**
   * The one region the member stacks are created in (IAM is global); every member account must
   * have it enabled, so not an opt-in region.
   * @default this stack's region
   */
  readonly region?: string;
  /**
   * `SELF` when this stack is deployed in the management account, `DELEGATED_ADMIN` in an account
   * registered as a delegated administrator for CloudFormation StackSets.
   * @default 'SELF'
   */
  readonly callAs?: StackSetCallAs;
  /**
   * The StackSet's name, unique in the deploying account and region.
   * @default 'cert-expiry-watcher-member-role'
   */
  readonly stackSetName?: string;
  /**
   * Percentage of the target accounts deployed at once (StackSets rounds down, at least one).
   * @default 25
   */
  readonly maxConcurrentPercentage?: number;
  /**
   * Percentage of accounts that may fail before the StackSet stops the operation.
   * @default 10
   */
  readonly failureTolerancePercentage?: number;
}

/** CloudFormation's limit on an inline TemplateBody, in bytes (beyond it, a TemplateURL). */
export const TEMPLATE_BODY_MAX_BYTES = 51_200;

const WATCHER_ACCOUNT_PARAMETER = 'WatcherAccountId';
const ORGANIZATION_PARAMETER = 'OrganizationId';
// https://docs.aws.amazon.com/organizations/latest/APIReference/API_OrganizationalUnit.html (Id), API_Root.html (Id)
const TARGET_PATTERN = /^(ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}|r-[a-z0-9]{4,32})$/;
const STACK_SET_NAME_PATTERN = /^[a-zA-Z][a-zA-Z0-9-]{0,127}$/;
const CALL_AS: readonly StackSetCallAs[] = ['SELF', 'DELEGATED_ADMIN'];

/**
 * Rolls the member role out to every account of the organization (or of some OUs) from the
 * watcher's own CDK app: an `AWS::CloudFormation::StackSet` with service-managed permissions and
 * automatic deployment (an account joining a target OU gets the role, one leaving loses it), whose
 * template is `WatcherMemberRoleStack` synthesized on its own, without bootstrap resources. The
 * watcher account and organization id travel as StackSet parameters.
 *
 * StackSets never deploy to the management account itself: a watcher there reads that account with
 * its own roles. Requires trusted access for CloudFormation StackSets in Organizations and, for
 * `DELEGATED_ADMIN`, this account registered as a delegated administrator (docs/organizations.md).
 * @throws InvalidWatcherConfigError for a malformed id, target, region, name or percentage, and
 *   for anything WatcherMemberRole refuses
 */
export class WatcherMemberRoleStackSet extends Construct {
  readonly stackSet: cloudformation.CfnStackSet;
  /** The member role stack's template, as the StackSet deploys it. */
  readonly template: Record<string, unknown>;

  constructor(scope: Construct, id: string, props: WatcherMemberRoleStackSetProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const watcherAccountId = checked(
      'watcherAccountId',
      props.watcherAccountId ?? stack.account,
      ACCOUNT_ID_PATTERN,
      '12 digits',
    );
    const organizationId = checked(
      'organizationId',
      props.organizationId,
      ORGANIZATION_ID_PATTERN,
      ORGANIZATION_ID_SHAPE,
    );
    const [region = stack.region] = validateRegions([props.region ?? stack.region]);
    const callAs = props.callAs ?? 'SELF';
    if (!CALL_AS.includes(callAs))
      throw new InvalidWatcherConfigError(`callAs must be SELF or DELEGATED_ADMIN, got '${callAs}'`);
    const stackSetName = checked(
      'stackSetName',
      props.stackSetName ?? 'cert-expiry-watcher-member-role',
      STACK_SET_NAME_PATTERN,
      'a StackSet name (a letter, then up to 127 letters, digits or -)',
    );
    const targets = props.organizationalUnitIds ?? [this.organizationRoot()];
    if (targets.length === 0)
      throw new InvalidWatcherConfigError('organizationalUnitIds must name at least one OU or the root');
    for (const [i, t] of targets.entries())
      checked(`organizationalUnitIds[${i}]`, t, TARGET_PATTERN, 'an OU id (ou-…) or a root id (r-…)');
    const percentage = (name: string, value: number, min: number) => {
      if (!Number.isInteger(value) || value < min || value > 100)
        throw new InvalidWatcherConfigError(
          `${name} must be a whole number from ${min} to 100, got ${value}`,
        );
      return value;
    };

    // The app's feature flags shape the template too (e.g. @aws-cdk/aws-iam:minimizePolicies).
    this.template = memberRoleTemplate(props, this.node.getAllContext());
    this.stackSet = new cloudformation.CfnStackSet(this, 'StackSet', {
      stackSetName,
      description: 'cert-expiry-watcher: the read-only role the watcher assumes in each account',
      permissionModel: 'SERVICE_MANAGED',
      autoDeployment: { enabled: true, retainStacksOnAccountRemoval: false },
      callAs,
      // The role has a fixed name, which CloudFormation allows only with CAPABILITY_NAMED_IAM.
      capabilities: ['CAPABILITY_NAMED_IAM'],
      operationPreferences: {
        maxConcurrentPercentage: percentage(
          'maxConcurrentPercentage',
          props.maxConcurrentPercentage ?? 25,
          1,
        ),
        failureTolerancePercentage: percentage(
          'failureTolerancePercentage',
          props.failureTolerancePercentage ?? 10,
          0,
        ),
      },
      parameters: [
        { parameterKey: WATCHER_ACCOUNT_PARAMETER, parameterValue: watcherAccountId },
        { parameterKey: ORGANIZATION_PARAMETER, parameterValue: organizationId },
      ],
      stackInstancesGroup: [
        { deploymentTargets: { organizationalUnitIds: [...targets] }, regions: [region] },
      ],
      ...this.templateSource(),
    });
  }

  /** TemplateBody when it fits, otherwise the template as an asset in the CDK bootstrap bucket. */
  private templateSource(): Pick<cloudformation.CfnStackSetProps, 'templateBody' | 'templateUrl'> {
    const body = JSON.stringify(this.template);
    if (Buffer.byteLength(body) <= TEMPLATE_BODY_MAX_BYTES) return { templateBody: body };
    const dir = mkdtempSync(path.join(tmpdir(), 'cert-watcher-member-template-'));
    const file = path.join(dir, 'member-role.template.json');
    writeFileSync(file, body);
    return { templateUrl: new s3assets.Asset(this, 'Template', { path: file }).httpUrl };
  }

  /** The organization's root id, read at deploy time (a delegated administrator may read it too). */
  private organizationRoot(): string {
    const lookup = new cr.AwsCustomResource(this, 'OrganizationRoot', {
      onUpdate: {
        service: 'Organizations',
        action: 'listRoots',
        physicalResourceId: cr.PhysicalResourceId.of('organization-root'),
        outputPaths: ['Roots.0.Id'],
      },
      policy: cr.AwsCustomResourcePolicy.fromSdkCalls({ resources: cr.AwsCustomResourcePolicy.ANY_RESOURCE }),
      installLatestAwsSdk: false,
    });
    Validations.of(lookup).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'organizations:ListRoots supports no resource-level permissions; IAM requires Resource "*" for it. ' +
        'Read-only, called once per deployment to find the root the StackSet targets.',
    });
    // The function every AwsCustomResource of the stack shares (aws-cdk-lib's fixed id).
    const provider = Stack.of(this).node.tryFindChild('AWS679f53fac002430cb0da5b7982bd2287');
    if (provider)
      Validations.of(provider).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason:
          "AwsCustomResource's shared function writes its logs with the AWS managed basic execution policy " +
          '(CloudWatch Logs CreateLogGroup/CreateLogStream/PutLogEvents only); aws-cdk-lib offers no other role for it.',
      });
    return lookup.getResponseField('Roots.0.Id');
  }
}

/**
 * The member role stack synthesized in an app of its own with the app's context: no bootstrap
 * version parameter or rule, no metadata, and the watcher account and organization id as template
 * parameters.
 */
const memberRoleTemplate = (
  props: WatcherMemberRoleStackSetProps,
  context: Record<string, unknown>,
): Record<string, unknown> => {
  const outdir = mkdtempSync(path.join(tmpdir(), 'cert-watcher-member-role-'));
  try {
    const app = new App({
      outdir,
      autoSynth: false,
      analyticsReporting: false,
      context: { ...context, [cxapi.PATH_METADATA_ENABLE_CONTEXT]: false },
    });
    const stack = new WatcherMemberRoleStack(app, 'MemberRole', {
      ...props,
      watcherAccountId: Fn.ref(WATCHER_ACCOUNT_PARAMETER),
      organizationId: Fn.ref(ORGANIZATION_PARAMETER),
      synthesizer: new BootstraplessSynthesizer(),
    });
    new CfnParameter(stack, WATCHER_ACCOUNT_PARAMETER, {
      type: 'String',
      allowedPattern: ACCOUNT_ID_PATTERN.source.slice(1, -1),
      description: 'The account the watcher runs in',
    });
    new CfnParameter(stack, ORGANIZATION_PARAMETER, {
      type: 'String',
      allowedPattern: ORGANIZATION_ID_PATTERN.source.slice(1, -1),
      description: 'The organization id',
    });
    return app.synth().getStackArtifact(stack.artifactId).template;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
};
