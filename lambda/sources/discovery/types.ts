/**
 * What each discovery adapter (one module per kind) finds: a resource serving stored certificates
 * at a published address. Names come later: from the resource when it names them (CloudFront
 * aliases, API Gateway domain names, tagged hosts), else from its certificates (load balancers).
 */
import type { DiscoveryKind } from '../../contracts/discovery';
import type { ItemError } from '../../core/ports';
import type { StoredCertificate } from './catalog';
import type { DiscoveryClients } from './clients';

export interface Attachment {
  readonly source: DiscoveryKind;
  /** The resource's ARN: listener, classic load balancer, distribution, domain name, tagged certificate or secret. */
  readonly resource: string;
  /** The published address the prober connects to. */
  readonly host: string;
  readonly port: number;
  /** The stored certificates it is configured with (ARNs; CloudFront's IAM certificate id). */
  readonly certificateIds: readonly string[];
  /** SNI names the resource itself names; absent: every name its certificates cover. */
  readonly servernames?: readonly string[];
  /** What the store holds when the adapter already read it (a tagged secret). */
  readonly stored?: readonly StoredCertificate[];
  /** A load balancer with scheme `internal`. */
  readonly internal?: boolean;
  /** Load balancers, CloudFront and API Gateway speak TLS from the first byte; a tagged host may speak STARTTLS. */
  readonly tlsFromStart: boolean;
}

export interface KindContext {
  readonly clients: DiscoveryClients;
  readonly partition: string;
  readonly account: string;
  /** The region of a regional scope; absent for the global one (CloudFront, IAM). */
  readonly region?: string;
  /** One unreadable item: named, skipped, never the scope's failure. */
  report(error: ItemError): void;
  /** Something that may hold endpoints was not read: absences prove nothing this time (no retirement). */
  markPartial(): void;
}

/** One kind's reader for one scope. Throws only when nothing of the kind could be listed. */
export type KindReader = (ctx: KindContext) => Promise<Attachment[]>;

/** ELB's Describe APIs share one modest rate limit: reads in flight per region. */
export const DESCRIBE_CONCURRENCY = 4;
