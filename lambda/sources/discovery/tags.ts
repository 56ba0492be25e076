/**
 * Certificates tagged with where they are deployed: `cert-watch:endpoints` = `host[:port]` entries
 * on an ACM certificate (ListTagsForCertificate), an IAM server certificate
 * (ListServerCertificateTags) or a Secrets Manager secret (ListSecrets' tags): the way to watch
 * exported and imported certificates on servers AWS does not know. Entries are separated by commas
 * or spaces (IAM, ACM and Secrets Manager tag values allow no comma: `a.example.com b.example.com:8443`)
 * and parsed like any target (lambda/contracts/endpoints.ts); a bad entry is an item error naming
 * the tag and the resource. SNI is the tagged host; a tagged IP address gets no name here and is
 * probed with each of the certificate's names (discover.ts, `probeNamesOf`: a wildcard as its
 * first plain name). ACM and secrets are regional, IAM global.
 */

import { isIP } from 'node:net';
import { ListCertificatesCommand, ListTagsForCertificateCommand } from '@aws-sdk/client-acm';
import { ListServerCertificateTagsCommand } from '@aws-sdk/client-iam';
import { ListSecretsCommand } from '@aws-sdk/client-secrets-manager';
import { DISCOVERY_TAG_KEY } from '../../contracts/discovery';
import { parseTargetSpec, TargetParseError } from '../../contracts/endpoints';
import { errorCode, errorMessage, mapLimit } from '../../core/scan';
import { ALL_KEY_TYPES } from '../acm/acm-source';
import type { Attachment, KindContext, KindReader } from './types';

/** Tag reads in flight: one call per certificate. */
const TAG_CONCURRENCY = 8;

/** The entries of a tag value: `host[:port]` separated by commas or white space. */
export const tagEntries = (value: string): string[] => value.split(/[\s,]+/).filter(Boolean);

/** One attachment per valid entry; each bad entry an item error naming the tag. */
export const attachmentsOfTag = (
  ctx: KindContext,
  resource: string,
  certificateId: string,
  value: string,
  extra: Pick<Attachment, 'stored'> = {},
): Attachment[] => {
  const out: Attachment[] = [];
  for (const entry of tagEntries(value)) {
    try {
      const t = parseTargetSpec(entry);
      out.push({
        source: 'tag',
        resource,
        host: t.host,
        port: t.port ?? 443,
        certificateIds: [certificateId],
        ...(isIP(t.host) ? {} : { servernames: [t.host.toLowerCase()] }),
        ...extra,
        tlsFromStart: false,
      });
    } catch (error) {
      if (!(error instanceof TargetParseError)) throw error;
      ctx.report({
        item: `${DISCOVERY_TAG_KEY} on ${resource}`,
        code: 'INVALID_TAG_ENTRY',
        message: error.message,
      });
    }
  }
  return out;
};

const acmTagged = async (ctx: KindContext): Promise<Attachment[]> => {
  const acm = ctx.clients.acm(ctx.region!);
  const arns: string[] = [];
  let next: string | undefined;
  do {
    const page = await acm.send(
      new ListCertificatesCommand({ NextToken: next, MaxItems: 1000, Includes: { keyTypes: ALL_KEY_TYPES } }),
    );
    for (const c of page.CertificateSummaryList ?? []) if (c.CertificateArn) arns.push(c.CertificateArn);
    next = page.NextToken;
  } while (next);
  const found = await mapLimit(arns, TAG_CONCURRENCY, async (arn) => {
    try {
      const { Tags } = await acm.send(new ListTagsForCertificateCommand({ CertificateArn: arn }));
      const tag = Tags?.find((t) => t.Key === DISCOVERY_TAG_KEY);
      return tag?.Value ? attachmentsOfTag(ctx, arn, arn, tag.Value) : [];
    } catch (error) {
      ctx.report({ item: arn, code: errorCode(error), message: errorMessage(error) });
      ctx.markPartial();
      return [];
    }
  });
  return found.flat();
};

/**
 * Tagged secrets: the secret is the stored certificate. Discovery holds no read on secret values
 * (ListSecrets only), so what it expects is the secret's version date (`LastChangedDate`); the
 * `secrets` source reads the certificate itself.
 */
const secretsTagged = async (ctx: KindContext): Promise<Attachment[]> => {
  const sm = ctx.clients.secrets(ctx.region!);
  const found: Attachment[] = [];
  let next: string | undefined;
  do {
    const page = await sm.send(
      new ListSecretsCommand({
        NextToken: next,
        MaxResults: 100,
        Filters: [{ Key: 'tag-key', Values: [DISCOVERY_TAG_KEY] }],
      }),
    );
    for (const s of page.SecretList ?? []) {
      const tag = s.Tags?.find((t) => t.Key === DISCOVERY_TAG_KEY);
      if (!s.ARN || !tag?.Value) continue;
      const storedAt = s.LastChangedDate?.toISOString();
      found.push(
        ...attachmentsOfTag(ctx, s.ARN, s.ARN, tag.Value, {
          stored: [{ names: [], expected: { id: s.ARN, ...(storedAt ? { storedAt } : {}) } }],
        }),
      );
    }
    next = page.NextToken;
  } while (next);
  return found;
};

const iamTagged = async (
  ctx: KindContext,
  certificates: { Arn?: string; ServerCertificateName?: string }[],
) => {
  const iam = ctx.clients.iam();
  const found = await mapLimit(certificates, TAG_CONCURRENCY, async (m) => {
    if (!m.Arn || !m.ServerCertificateName) return [];
    try {
      const { Tags } = await iam.send(
        new ListServerCertificateTagsCommand({ ServerCertificateName: m.ServerCertificateName }),
      );
      const tag = Tags?.find((t) => t.Key === DISCOVERY_TAG_KEY);
      return tag?.Value ? attachmentsOfTag(ctx, m.Arn, m.Arn, tag.Value) : [];
    } catch (error) {
      ctx.report({ item: m.Arn, code: errorCode(error), message: errorMessage(error) });
      ctx.markPartial();
      return [];
    }
  });
  return found.flat();
};

/** Regional scopes: ACM certificates and secrets; the global scope: IAM server certificates (listed by the catalog). */
export const discoverTagged =
  (iamCertificates: () => Promise<{ Arn?: string; ServerCertificateName?: string }[]>): KindReader =>
  async (ctx) => {
    if (!ctx.region) return iamTagged(ctx, await iamCertificates());
    const results = await Promise.allSettled([acmTagged(ctx), secretsTagged(ctx)]);
    if (results.every((r) => r.status === 'rejected')) throw (results[0] as PromiseRejectedResult).reason;
    const found: Attachment[] = [];
    results.forEach((r, i) => {
      if (r.status === 'fulfilled') found.push(...r.value);
      else {
        ctx.report({
          item: `${i === 0 ? 'ACM certificates' : 'secrets'} tagged ${DISCOVERY_TAG_KEY} in ${ctx.region}`,
          code: errorCode(r.reason),
          message: errorMessage(r.reason),
        });
        ctx.markPartial();
      }
    });
    return found;
  };
