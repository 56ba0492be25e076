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
}

export interface ExpectedCertificate {
  /** Store id: ACM ARN, IAM server certificate ARN, secret ARN. */
  readonly id: string;
  /** Lower-case hex, no colons or leading zeros stripped (as CertificateRecord.serialNumber). */
  readonly serialNumber?: string;
  readonly fingerprintSha256?: string;
  /** ISO 8601 */
  readonly notAfter?: string;
  /** When the store got this certificate (ACM ImportedAt / IssuedAt, IAM UploadDate), ISO 8601. */
  readonly storedAt?: string;
}
export interface DeploymentExpectation {
  readonly source: DiscoveryKind;
  readonly resource: string;
  /** What the resource is configured to serve. */
  readonly configured: readonly ExpectedCertificate[];
  /** Newer certificates in the store that replace a configured one (same names, later notAfter). */
  readonly successors: readonly (ExpectedCertificate & { readonly replaces: string })[];
}
