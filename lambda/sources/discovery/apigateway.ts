/**
 * API Gateway custom domain names, probed at the target domain API Gateway publishes with the
 * custom name as SNI: REST (`apigateway` GetDomainNames: `regionalDomainName` with
 * `regionalCertificateArn`, `distributionDomainName` with the edge `certificateArn`) and
 * HTTP/WebSocket (`apigatewayv2` GetDomainNames: each DomainNameConfiguration's
 * `ApiGatewayDomainName` with its `CertificateArn`). Both APIs list a regional REST domain; the
 * merge by host, port and SNI name keeps it once. Pages of 500.
 */
import { GetDomainNamesCommand } from '@aws-sdk/client-api-gateway';
import { GetDomainNamesCommand as GetDomainNamesV2Command } from '@aws-sdk/client-apigatewayv2';
import { errorCode, errorMessage } from '../../core/scan';
import { probeNamesOf } from './names';
import type { Attachment, KindContext, KindReader } from './types';

export const DOMAIN_PAGE = 500;

const domainArn = (ctx: KindContext, name: string) =>
  `arn:${ctx.partition}:apigateway:${ctx.region}::/domainnames/${name}`;

const attachment = (ctx: KindContext, name: string, host: string, certificate: string): Attachment => ({
  source: 'apigateway',
  resource: domainArn(ctx, name),
  host,
  port: 443,
  certificateIds: [certificate],
  servernames: probeNamesOf([name]),
  tlsFromStart: true,
});

const restDomains = async (ctx: KindContext, found: Attachment[]): Promise<void> => {
  const api = ctx.clients.apiGateway(ctx.region!);
  let position: string | undefined;
  do {
    const page = await api.send(new GetDomainNamesCommand({ position, limit: DOMAIN_PAGE }));
    for (const d of page.items ?? []) {
      if (!d.domainName) continue;
      if (d.regionalDomainName && d.regionalCertificateArn)
        found.push(attachment(ctx, d.domainName, d.regionalDomainName, d.regionalCertificateArn));
      if (d.distributionDomainName && d.certificateArn)
        found.push(attachment(ctx, d.domainName, d.distributionDomainName, d.certificateArn));
    }
    position = page.position;
  } while (position);
};

const httpDomains = async (ctx: KindContext, found: Attachment[]): Promise<void> => {
  const api = ctx.clients.apiGatewayV2(ctx.region!);
  let next: string | undefined;
  do {
    const page = await api.send(
      new GetDomainNamesV2Command({ NextToken: next, MaxResults: String(DOMAIN_PAGE) }),
    );
    for (const d of page.Items ?? []) {
      if (!d.DomainName) continue;
      for (const c of d.DomainNameConfigurations ?? [])
        if (c.ApiGatewayDomainName && c.CertificateArn)
          found.push(attachment(ctx, d.DomainName, c.ApiGatewayDomainName, c.CertificateArn));
    }
    next = page.NextToken;
  } while (next);
};

export const discoverApiGateway: KindReader = async (ctx) => {
  if (!ctx.region) return [];
  const found: Attachment[] = [];
  // One API denied or unavailable (v2 in a region without it) leaves the other's domains.
  const results = await Promise.allSettled([restDomains(ctx, found), httpDomains(ctx, found)]);
  const failed = results.flatMap((r, i) => (r.status === 'rejected' ? [{ i, error: r.reason }] : []));
  if (failed.length === results.length) throw failed[0]!.error;
  for (const { i, error } of failed) {
    ctx.report({
      item: `${i === 0 ? 'apigateway' : 'apigatewayv2'} domain names in ${ctx.region}`,
      code: errorCode(error),
      message: errorMessage(error),
    });
    ctx.markPartial();
  }
  return found;
};
