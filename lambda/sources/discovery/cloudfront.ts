/**
 * CloudFront distributions with a certificate of their own (ViewerCertificate's ACMCertificateArn
 * or IAMCertificateId) and aliases: each alias is probed as SNI at the distribution's domain name
 * (`d111111abcdef8.cloudfront.net`), so the answer is what CloudFront serves for it whatever public
 * DNS says. The default `*.cloudfront.net` certificate is CloudFront's, not the account's: ignored,
 * as are disabled distributions (they serve nothing). Global: one scope per account. Pages of 100.
 */
import { ListDistributionsCommand } from '@aws-sdk/client-cloudfront';
import { probeNamesOf } from './names';
import type { Attachment, KindReader } from './types';

export const DISTRIBUTIONS_PAGE = 100;

export const discoverCloudFront: KindReader = async (ctx) => {
  if (ctx.region) return [];
  const cf = ctx.clients.cloudFront();
  const found: Attachment[] = [];
  let marker: string | undefined;
  do {
    const list = (
      await cf.send(new ListDistributionsCommand({ Marker: marker, MaxItems: DISTRIBUTIONS_PAGE }))
    ).DistributionList;
    for (const d of list?.Items ?? []) {
      const v = d.ViewerCertificate;
      const certificate = v?.ACMCertificateArn ?? v?.IAMCertificateId;
      const aliases = d.Aliases?.Items ?? [];
      if (!d.ARN || !d.DomainName || !certificate || v?.CloudFrontDefaultCertificate || d.Enabled === false)
        continue;
      if (aliases.length === 0) continue;
      found.push({
        source: 'cloudfront',
        resource: d.ARN,
        host: d.DomainName,
        port: 443,
        certificateIds: [certificate],
        // A wildcard alias is probed with a name it covers.
        servernames: aliases.flatMap((a) => probeNamesOf([a])),
        tlsFromStart: true,
      });
    }
    marker = list?.IsTruncated ? list.NextMarker : undefined;
  } while (marker);
  return found;
};
