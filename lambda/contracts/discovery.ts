/**
 * The discovery boundary: endpoints found on the AWS resources that serve certificates, and the
 * certificates each is configured with. The discovery source writes them, `cert-watch discover`
 * prints them (`{"endpoints": DiscoveredEndpoint[]}`), the dispatcher turns them into probe
 * targets, and the prober compares what an endpoint serves with what its resource is configured
 * with ("renewed but not deployed", docs/discovery.md).
 */

/** Where an endpoint was discovered. */
export const DISCOVERY_KINDS = ['elbv2', 'elb', 'cloudfront', 'apigateway', 'tag'] as const;
export type DiscoveryKind = (typeof DISCOVERY_KINDS)[number];

export interface DiscoveredEndpoint {
  /** The address the resource publishes (load balancer / distribution DNS name, API Gateway target domain, tagged host). */
  readonly host: string;
  readonly port: number;
  /** The name sent as SNI and checked against the served certificate. */
  readonly servername: string;
  readonly source: DiscoveryKind;
  /** The resource's ARN (listener, load balancer, distribution, domain name, tagged certificate or secret). */
  readonly resource: string;
  readonly account?: string;
  readonly region?: string;
  /**
   * The stored certificates this endpoint is configured to serve (ACM ARNs, IAM server certificate
   * ARNs or ids, secret ARNs): one for most resources, several for a listener with SNI certificates.
   */
  readonly certificateIds: readonly string[];
  /**
   * An internal load balancer (scheme `internal`): reachable only from inside its VPC, so probed
   * only by a prober attached to a VPC (docs/discovery.md). @default false
   */
  readonly internal?: boolean;
}

/**
 * A stored certificate as its store describes it (ACM DescribeCertificate, IAM server certificate
 * metadata, a tagged secret's PEM). `storedAt` is when the store got this version: ACM
 * `ImportedAt` / `IssuedAt`, IAM `UploadDate` (ISO instants). Serial numbers in upper-case hex
 * without separators, fingerprints as lower-case hex.
 */
export interface ExpectedCertificate {
  /** ACM ARN, IAM server certificate ARN, or secret ARN. */
  readonly id: string;
  readonly serialNumber?: string;
  readonly fingerprintSha256?: string;
  /** ISO instant. */
  readonly notAfter?: string;
  /** ISO instant. */
  readonly storedAt?: string;
}

/**
 * What a discovered endpoint should serve (part 2 of issue #17 judges it: "renewed but not
 * deployed"): the certificates its resource is configured with, and each newer certificate of the
 * same store and account that covers all of a configured one's names with a later notAfter
 * (`replaces`: the configured certificate's id). ACM renewals and re-imports keep their ARN, so an
 * ACM-configured resource has no successors: the configured certificate is the newer one.
 */
export interface DeploymentExpectation {
  readonly source: DiscoveryKind;
  readonly resource: string;
  readonly configured: readonly ExpectedCertificate[];
  readonly successors: readonly (ExpectedCertificate & { readonly replaces: string })[];
}
