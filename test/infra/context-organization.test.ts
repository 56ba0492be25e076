import { describe, expect, it } from 'vitest';
import { InvalidContextError, parseWatcherContext } from '../../lib/context';
import { organizationKeyOf } from '../../lib/context-organization';
import { watcherStack } from './stacks';

const parse = (context: Record<string, unknown>) => parseWatcherContext(context, () => '').watcherProps;

describe('organization context keys', () => {
  it('reads watcher:accounts as self, organization, a list of ids (comma or JSON) or the full setting', () => {
    expect(parse({ 'watcher:accounts': 'self' }).accounts).toEqual({ mode: 'self' });
    expect(parse({ 'watcher:accounts': 'organization' }).accounts).toEqual({ mode: 'organization' });
    expect(parse({ 'watcher:accounts': '111122223333, 444455556666' }).accounts).toEqual({
      mode: 'list',
      accounts: [{ id: '111122223333' }, { id: '444455556666' }],
    });
    expect(parse({ 'watcher:accounts': '["111122223333"]' }).accounts).toEqual({
      mode: 'list',
      accounts: [{ id: '111122223333' }],
    });
    expect(
      parse({ 'watcher:accounts': '{"mode":"organization","exclude":["111122223333"]}' }).accounts,
    ).toEqual({
      mode: 'organization',
      exclude: ['111122223333'],
    });
  });

  it('narrows to OUs and excludes accounts, implying organization; refuses them beside a list', () => {
    expect(
      parse({
        'watcher:organizationUnits': 'ou-ab12-34cd56ef,ou-ab12-99zz88yy',
        'watcher:excludeAccounts': ['111122223333'],
      }).accounts,
    ).toEqual({
      mode: 'organization',
      ous: ['ou-ab12-34cd56ef', 'ou-ab12-99zz88yy'],
      exclude: ['111122223333'],
    });
    expect(() =>
      parse({ 'watcher:accounts': '111122223333', 'watcher:organizationUnits': 'ou-ab12-34cd56ef' }),
    ).toThrow(/watcher:organizationUnits.*organization only, but watcher:accounts is list/);
  });

  it('reads the role name, the concurrency and the gap periods, refusing what the construct would', () => {
    expect(
      parse({
        'watcher:memberRoleName': 'reader',
        'watcher:scanConcurrency': '8',
        'watcher:coverageGapPeriods': 2,
      }),
    ).toMatchObject({ memberRoleName: 'reader', scanConcurrency: 8, coverageGapPeriods: 2 });
    expect(() => parse({ 'watcher:scanConcurrency': '1' })).toThrow(InvalidContextError);
    expect(() => parse({ 'watcher:coverageGapPeriods': 'often' })).toThrow(/watcher:coverageGapPeriods/);
  });

  it('lets the construct refuse bad account ids, OU ids and role names, naming the field', () => {
    expect(() => watcherStack(parse({ 'watcher:accounts': '1234' }))).toThrow(
      /accounts\.accounts\[0\] must be a 12-digit account id/,
    );
    expect(() => watcherStack(parse({ 'watcher:organizationUnits': 'finance' }))).toThrow(
      /accounts\.ous\[0\] must be a root or OU id/,
    );
    expect(() => watcherStack(parse({ 'watcher:memberRoleName': 'has space' }))).toThrow(
      /memberRoleName must be an IAM role name/,
    );
  });

  it('gives the planner the organization grants and the workers AssumeRole on the member role in organization mode only', () => {
    const statements = (props: Record<string, unknown>) => {
      const { stack } = watcherStack(parse(props));
      return JSON.stringify(
        stack.resolve((stack as unknown as { _toCloudFormation(): unknown })._toCloudFormation()),
      );
    };
    const self = statements({});
    expect(self).not.toContain(':role/cert-expiry-watcher-reader');
    expect(self).not.toContain('organizations:');
    const org = statements({ 'watcher:accounts': 'organization' });
    expect(org).toContain('organizations:ListAccountsForParent');
    expect(org).toContain(':role/cert-expiry-watcher-reader');
    expect(org).toContain('"Path":"/cert-expiry-watcher/"');
  });
});

describe('endpoint probe switches from context', () => {
  it('reads watcher:probeDualCertificates and watcher:probeFetchMissingIssuers as booleans, refusing anything else', () => {
    const props = parse({
      'watcher:endpoints': 'api.example.com',
      'watcher:probeDualCertificates': 'false',
      'watcher:probeFetchMissingIssuers': true,
    });
    expect(props.endpointProbes).toMatchObject({ dualCertificates: false, fetchMissingIssuers: true });
    expect(() =>
      parse({ 'watcher:endpoints': 'api.example.com', 'watcher:probeDualCertificates': 'no' }),
    ).toThrow(/watcher:probeDualCertificates.*must be true or false/);
  });
});

describe('organization context errors name what was meant', () => {
  it('a misspelled mode is not read as an account list', () => {
    expect(() => parse({ 'watcher:accounts': 'org' })).toThrow(
      /watcher:accounts.*must be self, organization, account ids .* got "org"/,
    );
  });

  it('takes OUs and excluded accounts as a JSON array string from -c, like a list in cdk.json', () => {
    expect(
      parse({
        'watcher:organizationUnits': '["ou-ab12-34cd56ef"]',
        'watcher:excludeAccounts': '["111122223333"]',
      }).accounts,
    ).toEqual({ mode: 'organization', ous: ['ou-ab12-34cd56ef'], exclude: ['111122223333'] });
  });

  it("maps a construct error to the context key it came from, for the app's message", () => {
    expect(organizationKeyOf('accounts.ous[0] must be a root or OU id')).toBe('watcher:organizationUnits');
    expect(organizationKeyOf('accounts.exclude[0] must be an account id')).toBe('watcher:excludeAccounts');
    expect(organizationKeyOf('accounts.accounts[0] must be a 12-digit account id')).toBe('watcher:accounts');
    expect(organizationKeyOf('owners.owners[0].match must name something')).toBe('watcher:owners');
    expect(
      organizationKeyOf(
        'ticketConnectors[0].baseUrl must be an https:// URL (credentials are sent with every request)',
      ),
    ).toBe('watcher:ticketConnectors');
    expect(organizationKeyOf('scanInterval must be at most 6720 minutes')).toBe(
      'watcher:scanIntervalMinutes',
    );
    expect(organizationKeyOf('tiersDays must be descending')).toBe('watcher:tiersDays');
    expect(organizationKeyOf('the ops topic has no subscriber')).toBeUndefined();
  });
});
