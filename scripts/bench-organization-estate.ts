/**
 * The organization the organization bench scans: 10 OUs of accounts, and what each account holds
 * in each region (a few ACM certificates, a few tagged secrets with real PEM chains).
 */
import { createCertificate, createChain, daysFrom } from '../test/support/certs';
import type { FakeOrganization, ScopeContent } from './bench-fake-aws';
import { storedSecretValue } from './bench-secrets';

/** The watcher's own account: the first of the organization. */
export const WATCHER_ACCOUNT = '100000000000';
const DAY_MS = 86_400_000;
/** Every commercial region ListRegions names (2 pages of 20); the scan covers `regions`. */
const ALL_REGIONS = [
  ...[
    'us-east-1',
    'us-east-2',
    'us-west-1',
    'us-west-2',
    'ca-central-1',
    'ca-west-1',
    'sa-east-1',
    'mx-central-1',
  ],
  ...[
    'eu-west-1',
    'eu-west-2',
    'eu-west-3',
    'eu-central-1',
    'eu-central-2',
    'eu-north-1',
    'eu-south-1',
    'eu-south-2',
  ],
  ...['ap-south-1', 'ap-south-2', 'ap-southeast-1', 'ap-southeast-2', 'ap-southeast-3', 'ap-southeast-4'],
  ...['ap-southeast-5', 'ap-southeast-7', 'ap-northeast-1', 'ap-northeast-2', 'ap-northeast-3', 'ap-east-1'],
  ...['me-south-1', 'me-central-1', 'il-central-1', 'af-south-1'],
];
/** 10 leaf OUs (5 top-level OUs with 2 children each), accounts spread evenly; account 0 is the watcher's. */
export const organizationOf = (n: number, content: FakeOrganization['content']): FakeOrganization => {
  const rootId = 'r-bnch';
  const ous = new Map<string, { parent: string; name: string }>();
  const leaves: string[] = [];
  for (let t = 0; t < 5; t++) {
    const top = `ou-bnch-top0000${t}`;
    ous.set(top, { parent: rootId, name: `division-${t}` });
    for (let c = 0; c < 2; c++) {
      const leaf = `ou-bnch-leaf${t}00${c}`;
      ous.set(leaf, { parent: top, name: `team-${t}-${c}` });
      leaves.push(leaf);
    }
  }
  const accounts = Array.from({ length: n }, (_, i) => ({
    id: String(Number(WATCHER_ACCOUNT) + i),
    name: `account-${i}`,
    ou: leaves[i % leaves.length] ?? rootId,
  }));
  return { rootId, ous, accounts, allRegions: ALL_REGIONS, content };
};

/** A few certificates per scope: ACM summaries (1 in 50 inside the warning window) and tagged secrets holding real PEM chains. */
export const contentOf = async (now: Date, acmPerScope: number, secretsPerScope: number) => {
  const ca = await createChain({
    now,
    leaf: { commonName: 'unused.example.com', notBefore: daysFrom(now, -1), notAfter: daysFrom(now, 1) },
  });
  // 20 distinct leaves, one inside the warning window; values mix PEM and JSON as stored in practice.
  const pems: string[] = [];
  for (let i = 0; i < 20; i++) {
    const leaf = await createCertificate({
      commonName: `service-${i}.example.com`,
      notBefore: daysFrom(now, -300),
      notAfter: daysFrom(now, i === 0 ? 12 : 60 + i * 13),
      issuer: ca.intermediate,
    });
    pems.push(storedSecretValue(i, leaf, ca.intermediate));
  }
  const cache = new Map<string, ScopeContent>();
  let scopes = 0;
  return (account: string, region: string): ScopeContent => {
    const key = `${account}/${region}`;
    const hit = cache.get(key);
    if (hit) return hit;
    const s = scopes++;
    const acm = Array.from({ length: acmPerScope }, (_, j) => {
      const n = s * acmPerScope + j;
      const days = n % 50 === 0 ? 10 : 40 + ((n * 7) % 300);
      return {
        CertificateArn: `arn:aws:acm:${region}:${account}:certificate/00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
        DomainName: `svc-${n}.example.com`,
        SubjectAlternativeNameSummaries: [`svc-${n}.example.com`],
        Status: 'ISSUED',
        Type: n % 3 === 0 ? 'IMPORTED' : 'AMAZON_ISSUED',
        KeyAlgorithm: n % 2 ? 'EC_prime256v1' : 'RSA_2048',
        InUse: true,
        RenewalEligibility: 'ELIGIBLE',
        NotBefore: (now.getTime() - 300 * DAY_MS) / 1000,
        NotAfter: (now.getTime() + days * DAY_MS) / 1000,
      };
    });
    const secrets = Array.from({ length: secretsPerScope }, (_, j) => {
      const name = `tls/service-${j}`;
      return {
        name,
        arn: `arn:aws:secretsmanager:${region}:${account}:secret:${name}-AbCdEf`,
        value: pems[(s * secretsPerScope + j) % pems.length] ?? '',
      };
    });
    const c = { acm, secrets };
    cache.set(key, c);
    return c;
  };
};
