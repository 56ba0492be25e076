/**
 * The SDK clients discovery reads with, one factory per service, each built with the sources'
 * shared configuration (adaptive retries, timeouts: ../client-config.ts) and the registry's
 * overrides (the emulator's endpoint, a member account's credentials). Clients are made once per
 * region and reused for the whole scope.
 */
import { ACMClient } from '@aws-sdk/client-acm';
import { APIGatewayClient } from '@aws-sdk/client-api-gateway';
import { ApiGatewayV2Client } from '@aws-sdk/client-apigatewayv2';
import { CloudFrontClient } from '@aws-sdk/client-cloudfront';
import { ElasticLoadBalancingClient } from '@aws-sdk/client-elastic-load-balancing';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { IAMClient } from '@aws-sdk/client-iam';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { type ClientOverrides, sdkClientConfig } from '../client-config';

export interface DiscoveryClients {
  elbv2(region: string): ElasticLoadBalancingV2Client;
  elb(region: string): ElasticLoadBalancingClient;
  apiGateway(region: string): APIGatewayClient;
  apiGatewayV2(region: string): ApiGatewayV2Client;
  acm(region: string): ACMClient;
  secrets(region: string): SecretsManagerClient;
  /** Global services: CloudFront and IAM answer in one region (us-east-1 in the aws partition). */
  cloudFront(): CloudFrontClient;
  iam(): IAMClient;
}

/** Where the global services (CloudFront, IAM) are called. */
export const GLOBAL_REGION = 'us-east-1';

const memo = <C>(make: (region: string) => C) => {
  const made = new Map<string, C>();
  return (region: string): C => {
    let client = made.get(region);
    if (!client) {
      client = make(region);
      made.set(region, client);
    }
    return client;
  };
};

/** The real clients, with `overrides(region)` (endpoint, credentials) on top of the shared settings. */
export const defaultDiscoveryClients = (
  overrides: (region: string) => ClientOverrides = () => ({}),
  globalRegion = GLOBAL_REGION,
): DiscoveryClients => {
  const config = (region: string) => sdkClientConfig(region, overrides(region));
  const cloudFront = memo((r) => new CloudFrontClient(config(r)));
  const iam = memo((r) => new IAMClient(config(r)));
  return {
    elbv2: memo((r) => new ElasticLoadBalancingV2Client(config(r))),
    elb: memo((r) => new ElasticLoadBalancingClient(config(r))),
    apiGateway: memo((r) => new APIGatewayClient(config(r))),
    apiGatewayV2: memo((r) => new ApiGatewayV2Client(config(r))),
    acm: memo((r) => new ACMClient(config(r))),
    secrets: memo((r) => new SecretsManagerClient(config(r))),
    cloudFront: () => cloudFront(globalRegion),
    iam: () => iam(globalRegion),
  };
};
