import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { AssetHashType, DockerImage, Duration, type ILocalBundling } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { prebundledCode } from './bundled-assets';
import { bundleLambda } from './lambda-bundling';

/** The repository root: handler entries are relative to it. */
export const PROJECT_ROOT = path.resolve(__dirname, '..');

export interface WatcherFunctionProps {
  /** Handler file, relative to the repository root, e.g. `lambda/handlers/plan-scan.ts`. */
  readonly entry: string;
  /**
   * Exported handler name.
   *
   * @default 'handler'
   */
  readonly handler?: string;
  /**
   * @default - no description
   */
  readonly description?: string;
  /**
   * Environment variables; `NODE_OPTIONS=--enable-source-maps` is always added.
   *
   * @default - none besides NODE_OPTIONS
   */
  readonly environment?: Readonly<Record<string, string>>;
  /**
   * @default Duration.seconds(30)
   */
  readonly timeout?: Duration;
  /**
   * Memory in MB (CPU scales with it).
   *
   * @default 256
   */
  readonly memorySizeMb?: number;
  /**
   * Retention of the function's log group.
   *
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Queue receiving asynchronous invocations that failed every attempt.
   *
   * @default - failed asynchronous invocations are dropped
   */
  readonly deadLetterQueue?: sqs.IQueue;
  /**
   * Retries of a failed asynchronous invocation (0-2).
   *
   * @default 2
   */
  readonly retryAttempts?: number;
  /**
   * Files written next to the bundled handler (name → content), e.g. the endpoint list. Part of the
   * asset, so a change redeploys the function.
   *
   * @default - none
   */
  readonly extraFiles?: Readonly<Record<string, string>>;
  /**
   * VPC to attach the function to (e.g. to probe private endpoints).
   *
   * @default - no VPC: the function reaches public endpoints only
   */
  readonly vpc?: ec2.IVpc;
  /** @default - the VPC's private subnets with egress */
  readonly vpcSubnets?: ec2.SubnetSelection;
  /** @default - a new security group allowing all outbound traffic */
  readonly securityGroups?: ec2.ISecurityGroup[];
  /**
   * IAM path of the execution role (e.g. `/cert-expiry-watcher/` for the scan roles member
   * accounts trust).
   *
   * @default '/'
   */
  readonly rolePath?: string;
}

/**
 * The one way this project builds a Lambda function: newest Node.js runtime, arm64, its own log
 * group with retention, source-mapped stack traces, and esbuild bundling that runs locally (no
 * Docker) with the AWS SDK v3 bundled, so the deployed code runs the SDK version the lock file pins
 * (the esbuild settings, and why they are not NodejsFunction's own bundling: lib/lambda-bundling.ts).
 *
 * The execution role starts empty except for writing to this log group (no
 * AWSLambdaBasicExecutionRole, whose `logs:CreateLogGroup` on `*` is not needed); callers add
 * grants to the function. Role and log group must exist before the function does, so they are
 * its siblings: `<id>Role` and `<id>LogGroup`.
 */
export class WatcherFunction extends nodejs.NodejsFunction {
  constructor(scope: Construct, id: string, props: WatcherFunctionProps) {
    const extraFiles = validateExtraFiles(props.extraFiles ?? {});
    const logGroup = new logs.LogGroup(scope, `${id}LogGroup`, {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
    });
    const role = new iam.Role(scope, `${id}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of ${scope.node.path}/${id}`,
      path: props.rolePath,
    });
    logGroup.grantWrite(role);
    // Installed from npm: the handler bundled by `npm run build` (lib/bundled-assets.ts); in a clone: esbuild.
    const code = prebundledCode(scope, PROJECT_ROOT, props.entry, extraFiles);
    const handler = props.handler ?? 'handler';

    super(scope, id, {
      handler: `index.${handler}`,
      description: props.description,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      timeout: props.timeout ?? Duration.seconds(30),
      memorySize: props.memorySizeMb ?? 256,
      role,
      logGroup,
      // Plain text: handlers write their own JSON log lines, and EMF metric lines go straight to stdout
      // (lambda/shared/metrics.ts), which CloudWatch reads the same way in either format.
      loggingFormat: lambda.LoggingFormat.TEXT,
      environment: { ...props.environment, NODE_OPTIONS: '--enable-source-maps' },
      deadLetterQueue: props.deadLetterQueue,
      retryAttempts: props.retryAttempts ?? 2,
      vpc: props.vpc,
      vpcSubnets: props.vpcSubnets,
      securityGroups: props.securityGroups,
      code: code ?? sourceBundledCode(props.entry, extraFiles),
    });
  }
}

const SAFE_FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

const validateExtraFiles = (files: Readonly<Record<string, string>>): Readonly<Record<string, string>> => {
  for (const name of Object.keys(files)) {
    if (!SAFE_FILE_NAME.test(name))
      throw new Error(`extraFiles name must be a plain file name, got '${name}'`);
  }
  return files;
};

/**
 * Local esbuild bundling of one handler (lib/lambda-bundling.ts; no Docker). Its fields are part of
 * CDK's bundling cache key, so two functions never share a bundle by mistake. The extra files are
 * written next to `index.mjs`, so they are part of the asset hash.
 */
class LocalLambdaBundling implements ILocalBundling {
  constructor(
    readonly entry: string,
    readonly extraFiles: Readonly<Record<string, string>>,
  ) {}

  tryBundle(outputDir: string): boolean {
    bundleLambda(this.entry, outputDir);
    for (const [name, content] of Object.entries(this.extraFiles))
      writeFileSync(path.join(outputDir, name), content);
    return true;
  }
}

/** The handler bundled from its TypeScript entry at synth time; the asset is hashed on the output. */
const sourceBundledCode = (entry: string, extraFiles: Readonly<Record<string, string>>): lambda.Code =>
  lambda.Code.fromAsset(PROJECT_ROOT, {
    assetHashType: AssetHashType.OUTPUT,
    bundling: {
      // Never used: local bundling always succeeds or throws.
      image: DockerImage.fromRegistry('local-esbuild-only'),
      local: new LocalLambdaBundling(entry, extraFiles),
    },
  });
