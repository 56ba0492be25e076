/**
 * The demo's organization section: the deployed scan fan-out over an emulated AWS Organization.
 * Management account plus five members in two OUs (one suspended, one without the member role, one
 * that has not enabled the opt-in region af-south-1), each with its own ACM certificates; the
 * planner reads the organization and enqueues one unit per account and region, the ACM worker
 * assumes the member role in each account, and the period ends with a heartbeat proving coverage.
 */
import { renderTable } from '../bin/cli/table';
import { DEFAULT_MEMBER_ROLE_NAME } from '../lambda/contracts/organization';
import { seedAcm } from '../test/support/acm-seed';
import type { ReceivedEvent } from '../test/support/bus-capture';
import type { Moto } from '../test/support/moto';
import {
  acmIn,
  scanFanoutOnMoto,
  seedOrganization,
  startAccountApi,
  TWO_TEAMS_ORGANIZATION,
} from '../test/support/organization-on-moto';
import { indent } from './demo-shared';

const HOME = 'us-east-1';
const REGIONS = ['eu-west-1', 'af-south-1'];

/** The moto the demo starts must enforce the member role's existence (startMoto's strictRoleNames). */
export const ORGANIZATION_STRICT_ROLES = [DEFAULT_MEMBER_ROLE_NAME];

interface CertificateDetail {
  readonly account: string;
  readonly accountName?: string;
  readonly ouPath?: string[];
  readonly domain: string;
  readonly region?: string;
}

/** Runs one period over the organization; returns the certificate events it put on the bus. */
export async function demoOrganization(moto: Moto, say: (s?: string) => void): Promise<ReceivedEvent[]> {
  say(
    `  Organization (emulated): the management account (the watcher's own, "master") + 5 members; regions ${REGIONS.join(', ')}`,
  );
  const org = await seedOrganization(moto, TWO_TEAMS_ORGANIZATION);
  const a = org.accounts;
  for (const [name, label] of [
    ['payments-prod', 'Payments'],
    ['payments-dev', 'Payments, af-south-1 not enabled'],
    ['platform', 'Platform'],
    ['old-sandbox', 'Platform, SUSPENDED'],
    ['no-role', 'Platform, member role not deployed'],
  ] as const)
    say(`    ${a[name]}  ${name.padEnd(14)} ${label}`);
  for (const [name, domain, days] of [
    ['payments-prod', 'checkout.pay.example.com', 5.5],
    ['payments-dev', 'checkout.dev.pay.example.com', 25.5],
    ['platform', 'api.platform.example.com', 12.5],
    ['platform', 'www.platform.example.com', 200],
  ] as const) {
    const acm = await acmIn(moto, a[name] ?? '', 'eu-west-1');
    await seedAcm(
      () => acm,
      [{ region: 'eu-west-1', name: domain, days, key: { kind: 'ec', curve: 'P-256' } }],
    );
  }
  const accountApi = await startAccountApi({ [a['payments-dev'] ?? '']: ['af-south-1'] }, REGIONS);
  try {
    const run = await scanFanoutOnMoto(moto, {
      home: HOME,
      name: 'demo-org',
      sources: [{ kind: 'acm', regions: REGIONS }],
      accounts: { mode: 'organization' },
      accountApiEndpoint: accountApi.endpoint,
    });
    const plan = await run.plan({ id: `demo-org-${Date.now()}` });
    say('');
    say(
      `  planner: ${plan.accounts} active accounts, ${plan.units} scan units on the ACM queue; skipped ` +
        plan.accountsSkipped.map((s) => `${s.account} (${s.reason})`).join(', '),
    );
    const drained = await run.drain();
    say(
      `  ACM scan worker: ${drained.invocations} invocations (one unit each), ${drained.failures} failed invocations ` +
        '(a scope that cannot be listed is an outcome the period reports, not a failed invocation)',
    );
    // Certificate events arrive scope by scope; the heartbeat ends the period.
    const events: ReceivedEvent[] = [];
    const deadline = Date.now() + 30_000;
    while (!events.some((e) => e['detail-type'] === 'Scan Completed') && Date.now() < deadline)
      events.push(...(await run.capture.receive(1, 2_000)));
    const certificates = events.filter((e) => e.detail.certificate);
    say('');
    say('  events on the bus, each naming its account and OU (for routing to the owning team):');
    say(
      indent(
        renderTable(
          ['DETAIL-TYPE', 'SEVERITY', 'DAYS', 'ACCOUNT', 'OU', 'CERTIFICATE'],
          certificates.map((e) => {
            const c = e.detail.certificate as CertificateDetail;
            const ev = e.detail.evaluation as { severity: string; daysRemaining: number | null };
            return [
              e['detail-type'],
              ev.severity,
              String(ev.daysRemaining),
              `${c.accountName} (${c.account})`,
              (c.ouPath ?? []).join('/'),
              `${c.region}: ${c.domain}`,
            ];
          }),
        ),
      ),
    );
    const heartbeat = events.find((e) => e['detail-type'] === 'Scan Completed');
    if (!heartbeat) throw new Error('the period ended without its heartbeat');
    const d = heartbeat.detail as {
      coverage: { expected: number; scanned: number; failed: number; skipped: number; accounts: number };
      scopesFailed: { scope: string; code: string }[];
      scopesSkipped: { scope: string; code: string }[];
    };
    say('');
    say(
      `  coverage (Scan Completed): ${d.coverage.expected} scopes expected in ${d.coverage.accounts} accounts, ` +
        `${d.coverage.scanned} scanned, ${d.coverage.failed} failed, ${d.coverage.skipped} skipped`,
    );
    for (const f of d.scopesFailed) say(`    failed   ${f.scope}  ${f.code}`);
    for (const s of d.scopesSkipped) say(`    skipped  ${s.scope}  ${s.code}`);
    if (d.coverage.scanned + d.coverage.failed + d.coverage.skipped !== d.coverage.expected)
      throw new Error('coverage does not add up');
    return certificates;
  } finally {
    await accountApi.close();
  }
}
