/** The teams of the ownership routing tests (test/infra/owners.test.ts, test/integration/owners-routing.test.ts). */
import type { CertificateExpiryWatcherProps } from '../../lib';

export const PAYMENTS_SMS = '+14155550100';
export const PLATFORM_SMS = '+14155550177';
export const ONCALL_SMS = '+14155550199';

/**
 * A watcher of two teams and a default owner (docs/routing.md): the props the owner tests synthesize
 * the template (filter policies, OWNERS) from.
 */
export const TEAMS_PROPS: CertificateExpiryWatcherProps = {
  smsPhoneNumbers: [ONCALL_SMS],
  webhookDestinations: [
    { name: 'payments-slack', kind: 'slack', secretId: 'cert-watch/payments' },
    { name: 'platform-teams', kind: 'teams', secretId: 'cert-watch/platform' },
    { name: 'ops-chat', kind: 'google-chat', secretId: 'cert-watch/ops' },
    { name: 'siem', kind: 'webhook', secretId: 'cert-watch/siem' },
  ],
  ticketConnectors: [
    {
      name: 'jira',
      kind: 'jira',
      secretId: 'cert-watch/jira',
      baseUrl: 'https://acme.atlassian.net',
      project: 'OPS',
    },
  ],
  owners: [
    {
      name: 'payments',
      // The Payments OU, and certificates tagged for the team wherever they live.
      match: { ous: ['Payments'], tags: { team: 'payments' } },
      webhooks: ['payments-slack'],
      smsNumbers: [PAYMENTS_SMS],
      tickets: { connector: 'jira', project: 'PAY' },
    },
    {
      name: 'platform',
      match: { ous: ['Platform'] },
      webhooks: ['platform-teams'],
      smsNumbers: [PLATFORM_SMS],
      tickets: { connector: 'jira', project: 'PLAT' },
    },
  ],
  defaultOwner: { name: 'ops', webhooks: ['ops-chat'], tickets: { connector: 'jira' } },
};
