import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { WATCHER_ROLE_PATH } from '../../lambda/contracts/member-role';
import {
  AcmSource,
  DiscoverySource,
  IamSource,
  InvalidWatcherConfigError,
  IotSource,
  type IWatcherSource,
  PcaSource,
  type ReadGrant,
  ReadOnlySource,
  SecretsSource,
  type SourceSetting,
  SsmSource,
  TEMPLATE_BODY_MAX_BYTES,
  WatcherMemberRoleStack,
  type WatcherMemberRoleStackProps,
  WatcherMemberRoleStackSet,
  type WatcherMemberRoleStackSetProps,
} from '../../lib';
import { acknowledgments, actionsOf, type Statement, testApp } from './stacks';

const WATCHER_ACCOUNT = '111122223333';
const ORG_ID = 'o-a1b2c3d4e5';
const REGIONS = ['eu-west-1', 'us-east-1'];

const allSources = (): IWatcherSource[] => [
  new AcmSource(),
  new IamSource(),
  new PcaSource(),
  new SecretsSource(),
  new SsmSource({ prefixes: ['/certs/'] }),
  new IotSource(),
];

const memberStack = (props: Partial<WatcherMemberRoleStackProps> = {}, name = 'Member') => {
  const stack = new WatcherMemberRoleStack(testApp(), name, {
    watcherAccountId: WATCHER_ACCOUNT,
    organizationId: ORG_ID,
    regions: REGIONS,
    ...props,
  });
  return { stack, template: Template.fromStack(stack) };
};

type Resource = { Type: string; Properties: Record<string, unknown> };
const ofType = (template: Record<string, unknown>, type: string): Resource[] =>
  Object.values(template.Resources as Record<string, Resource>).filter((r) => r.Type === type);

/** Every permission statement of the template's policies (inline, and managed if CDK split any off). */
const permissions = (template: Record<string, unknown>): Statement[] =>
  [...ofType(template, 'AWS::IAM::Policy'), ...ofType(template, 'AWS::IAM::ManagedPolicy')].flatMap(
    (p) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement,
  );

const trust = (template: Record<string, unknown>) => {
  const roles = ofType(template, 'AWS::IAM::Role');
  expect(roles).toHaveLength(1);
  return roles[0]?.Properties as {
    RoleName: string;
    MaxSessionDuration: number;
    AssumeRolePolicyDocument: { Statement: (Statement & { Principal: unknown; Effect: string })[] };
  };
};

// The verbs of the List and Read access levels (AWS Service Authorization Reference); kms:Decrypt
// is allowed only through a store (kms:ViaService), as the stored-value sources grant it.
const READ_VERBS = ['List', 'Describe', 'Get'];
const isReadVerb = (action: string) => {
  const [service, operation = ''] = action.split(':');
  return Boolean(service) && !action.includes('*') && READ_VERBS.some((v) => operation.startsWith(v));
};
const viaService = (s: Statement) =>
  JSON.stringify((s.Condition as Record<string, unknown>)?.StringEquals ?? {}).includes('kms:ViaService');
/** Every action outside the allow-list. */
const notReadOnly = (statements: Statement[]): string[] =>
  statements.flatMap((s) =>
    actionsOf([s]).filter((a) => !isReadVerb(a) && !(a === 'kms:Decrypt' && viaService(s))),
  );

/** The statements as IAM would see them: a statement's actions sorted, as the synthesized policy has them. */
const normalized = (stack: Stack, grants: readonly ReadGrant[]) =>
  grants.map((g) => {
    const s = stack.resolve(new iam.PolicyStatement(g).toStatementJson()) as Statement;
    return { ...s, Action: [s.Action].flat().sort() };
  });

describe('WatcherMemberRole', () => {
  // With every source, synthesized once: the tests below only read it.
  let every: ReturnType<typeof memberStack>;
  beforeAll(() => {
    every = memberStack({ sources: allSources() }, 'Every');
  });

  it('has the fixed documented name, one-hour sessions, and nothing but the role and its policy', () => {
    const { template } = memberStack();
    const role = trust(template.toJSON());
    expect(role.RoleName).toBe('cert-expiry-watcher-reader');
    expect(role.MaxSessionDuration).toBe(3600);
    expect(Object.keys(template.toJSON().Resources).length).toBe(2);
    template.resourceCountIs('AWS::IAM::Policy', 1);
  });

  it("trusts only roles under the watcher's role path in the watcher account, inside the organization", () => {
    const [statement, ...others] = trust(every.template.toJSON()).AssumeRolePolicyDocument.Statement;
    expect(others).toEqual([]);
    expect(statement?.Effect).toBe('Allow');
    expect(statement?.Action).toBe('sts:AssumeRole');
    expect(every.stack.resolve(statement?.Principal)).toEqual({
      AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::${WATCHER_ACCOUNT}:root`]] },
    });
    expect(statement?.Condition).toEqual({
      ArnLike: {
        'aws:PrincipalArn': {
          'Fn::Join': [
            '',
            ['arn:', { Ref: 'AWS::Partition' }, `:iam::${WATCHER_ACCOUNT}:role/cert-expiry-watcher/*`],
          ],
        },
      },
      StringEquals: { 'aws:PrincipalOrgID': ORG_ID },
    });
    expect(WATCHER_ROLE_PATH).toBe('/cert-expiry-watcher/');
  });

  it('takes another role name and watcher role path', () => {
    const role = trust(
      memberStack(
        { roleName: 'certs-reader', watcherRolePath: '/platform/certs/' },
        'Named',
      ).template.toJSON(),
    );
    expect(role.RoleName).toBe('certs-reader');
    expect(JSON.stringify(role.AssumeRolePolicyDocument)).toContain(
      `:iam::${WATCHER_ACCOUNT}:role/platform/certs/*`,
    );
  });

  it('holds no write action: every action of every source is a List, Describe or Get verb (kms:Decrypt only via a store)', () => {
    const statements = permissions(every.template.toJSON());
    expect(statements.length).toBeGreaterThan(10);
    for (const s of statements) {
      expect(s).not.toHaveProperty('NotAction');
      expect(s).not.toHaveProperty('NotResource');
      expect((s as { Effect?: string }).Effect).toBe('Allow');
    }
    const offending = notReadOnly(statements);
    expect(offending).toEqual([]);
    // Decrypt is there (stored values), and only with a condition naming the stores' endpoints.
    const decrypts = statements.filter((s) => actionsOf([s]).includes('kms:Decrypt'));
    expect(decrypts.map((s) => s.Sid)).toEqual(['SecretsDecrypt', 'SsmDecrypt']);
  });

  it("holds exactly the union of the sources' read grants, naming the account it is deployed in", () => {
    const sources = allSources();
    const stated = sources.flatMap((s) => normalized(every.stack, s.readAccess({ regions: REGIONS }).grants));
    const granted = permissions(every.template.toJSON()).map((s) => ({
      ...s,
      Action: [s.Action].flat().sort(),
    }));
    // Plus the one statement of the role itself: the opt-in status of regions, to skip disabled ones.
    const regionStatus = {
      Sid: 'ReadRegionOptStatus',
      Effect: 'Allow',
      Action: ['account:ListRegions'],
      Resource: '*',
    };
    expect(granted).toEqual([...stated, expect.objectContaining(regionStatus)]);
    // No literal account: every ARN takes the member account from AWS::AccountId.
    expect(JSON.stringify(granted)).not.toMatch(/:\d{12}:/);
    expect(JSON.stringify(granted)).toContain('{"Ref":"AWS::AccountId"}');
  });

  it('changes its permissions when the sources change', () => {
    const acmOnly = actionsOf(permissions(memberStack({}, 'AcmOnly').template.toJSON()));
    expect(acmOnly.sort()).toEqual([
      'account:ListRegions',
      'acm:DescribeCertificate',
      'acm:ListCertificates',
      'acm:ListTagsForCertificate',
    ]);

    const withSecrets = permissions(
      memberStack(
        { sources: [new AcmSource(), new SecretsSource({ prefixes: ['tls/'] })] },
        'Secrets',
      ).template.toJSON(),
    );
    expect(actionsOf(withSecrets)).toEqual(
      expect.arrayContaining(['secretsmanager:ListSecrets', 'secretsmanager:GetSecretValue', 'kms:Decrypt']),
    );
    expect(JSON.stringify(withSecrets)).toContain(':secret:tls/*');

    const iamOnly = permissions(
      memberStack({ sources: [new IamSource({ lookUpUsage: false })] }, 'Iam').template.toJSON(),
    );
    expect(actionsOf(iamOnly).sort()).toEqual([
      'account:ListRegions',
      'iam:GetServerCertificate',
      'iam:ListServerCertificateTags',
      'iam:ListServerCertificates',
    ]);

    const narrowed = permissions(
      memberStack({ sources: [new AcmSource({ regions: ['ap-southeast-2'] })] }, 'Narrow').template.toJSON(),
    );
    const arns = JSON.stringify(narrowed.find((s) => s.Sid === 'AcmDescribeCertificates')?.Resource);
    expect(arns).toContain(':acm:ap-southeast-2:');
    expect(arns).not.toContain('eu-west-1');
  });

  it('with the discovery source, grants every call discovery makes (the deployed worker and cert-watch discover --org alike)', () => {
    const statements = permissions(
      memberStack({ sources: [new AcmSource(), new DiscoverySource()] }, 'Discovery').template.toJSON(),
    );
    // The IAM action of each SDK command lambda/sources/discovery/ (and elbv2-listeners.ts) sends,
    // and the opt-in status of regions the CLI reads before each regional scope.
    const calls = [
      'elasticloadbalancing:DescribeLoadBalancers', // ELBv2 and classic DescribeLoadBalancers
      'elasticloadbalancing:DescribeListeners',
      'elasticloadbalancing:DescribeListenerCertificates',
      'cloudfront:ListDistributions',
      'apigateway:GET', // GetDomainNames, REST and HTTP/WebSocket
      'acm:DescribeCertificate',
      'acm:ListTagsForCertificate',
      'acm:ListCertificates',
      'iam:ListServerCertificates',
      'iam:GetServerCertificate',
      'iam:ListServerCertificateTags',
      'secretsmanager:ListSecrets',
      'account:ListRegions',
    ];
    expect(actionsOf(statements)).toEqual(expect.arrayContaining(calls));
    // Regional reads are allowed in the role's regions: what --regions should name.
    const bySid = (sid: string) =>
      statements.find((s) => s.Sid === sid) as Statement & { Condition?: unknown };
    expect(bySid('DiscoveryLoadBalancers').Condition).toEqual({
      StringEquals: { 'aws:RequestedRegion': REGIONS },
    });
    for (const region of REGIONS)
      expect(JSON.stringify(bySid('DiscoveryApiGatewayDomainNames').Resource)).toContain(
        `:apigateway:${region}::/domainnames`,
      );
  });

  it('leaves cdk-nag AwsSolutions nothing, and acknowledges exactly the findings its grants raise, each with a reason', () => {
    expect(new AwsSolutionsChecks().validateScope(every.stack).violations).toEqual([]);
    const acks = acknowledgments(every.stack);
    // The same policy without the acknowledgements reports exactly the acknowledged findings.
    const probe = new Stack(undefined, 'Probe');
    for (const [i, p] of ofType(every.template.toJSON(), 'AWS::IAM::Policy').entries())
      new iam.CfnPolicy(probe, `Policy${i}`, {
        policyName: 'probe',
        roles: ['probe'],
        policyDocument: p.Properties.PolicyDocument,
      });
    const findings = new AwsSolutionsChecks().validateScope(probe).violations.map((v) => v.ruleName);
    expect(
      Object.keys(acks)
        .map((k) => k.slice(k.indexOf(': ') + 2))
        .sort(),
    ).toEqual([...new Set(findings)].sort());
    for (const [id, reason] of Object.entries(acks)) {
      expect(id.startsWith('Every/MemberRole/Role: ')).toBe(true);
      expect(reason).toMatch(/(acm|iam|acm-pca|secretsmanager|ssm|kms|iot):[A-Z]/);
    }
    // Resource "*" is raised by every source's listing: one acknowledgement gives each source's reason.
    const star = acks['Every/MemberRole/Role: AwsSolutions-IAM5[Resource::*]'] ?? '';
    for (const action of [
      'acm:ListCertificates',
      'iam:ListServerCertificates',
      'acm-pca:ListCertificateAuthorities',
    ])
      expect(star).toContain(action);
  });

  it('stays read-only and cdk-nag clean in 17 regions, where the policy outgrows one inline policy and CDK splits it', () => {
    const regions = [
      ...[
        'us-east-1',
        'us-east-2',
        'us-west-1',
        'us-west-2',
        'ca-central-1',
        'sa-east-1',
        'eu-west-1',
        'eu-west-2',
      ],
      ...['eu-west-3', 'eu-central-1', 'eu-north-1', 'ap-south-1', 'ap-northeast-1', 'ap-northeast-2'],
      ...['ap-northeast-3', 'ap-southeast-1', 'ap-southeast-2'],
    ];
    const { stack, template } = memberStack({ sources: allSources(), regions }, 'Wide');
    expect(Object.keys(template.findResources('AWS::IAM::ManagedPolicy')).length).toBeGreaterThan(0);
    const statements = permissions(template.toJSON());
    expect(notReadOnly(statements)).toEqual([]);
    expect(JSON.stringify(statements)).toContain(':acm:ap-southeast-2:');
    expect(new AwsSolutionsChecks().validateScope(stack).violations).toEqual([]);
  });

  it('refuses a source that grants a write action, or kms:Decrypt outside a store, naming the source and the action', () => {
    class WritingSource extends ReadOnlySource {
      readonly kind = 'writer';
      constructor(private readonly grant: ReadGrant) {
        super();
      }
      readAccess() {
        return { grants: [this.grant], acknowledgments: [] };
      }
      protected setting(): SourceSetting {
        return { kind: this.kind };
      }
    }
    const refused = (grant: ReadGrant, name: string) => () =>
      memberStack({ sources: [new AcmSource(), new WritingSource(grant)] }, name);
    expect(
      refused(
        { sid: 'Delete', actions: ['acm:ListCertificates', 'acm:DeleteCertificate'], resources: ['*'] },
        'W1',
      ),
    ).toThrow(/source 'writer' grants 'acm:DeleteCertificate' \(statement Delete\)/);
    expect(refused({ sid: 'Put', actions: ['ssm:PutParameter'], resources: ['*'] }, 'W2')).toThrow(
      InvalidWatcherConfigError,
    );
    expect(refused({ sid: 'All', actions: ['acm:*'], resources: ['*'] }, 'W3')).toThrow(/'acm:\*'/);
    expect(refused({ sid: 'Decrypt', actions: ['kms:Decrypt'], resources: ['*'] }, 'W4')).toThrow(
      /'kms:Decrypt'/,
    );
  });

  it('refuses malformed trust settings, no region, no source and a kind twice, naming the value', () => {
    expect(() => memberStack({ watcherAccountId: '1111' }, 'B1')).toThrow(
      /watcherAccountId must be 12 digits, got '1111'/,
    );
    expect(() => memberStack({ organizationId: 'r-abcd' }, 'B2')).toThrow(
      /organizationId must be an organization id/,
    );
    // '/' would trust every role of the watcher account; a wildcard would widen the ArnLike.
    expect(() => memberStack({ watcherRolePath: '/' }, 'B3')).toThrow(/watcherRolePath must be an IAM path/);
    expect(() => memberStack({ watcherRolePath: '/cert*/' }, 'B4')).toThrow(/got '\/cert\*\/'/);
    expect(() => memberStack({ roleName: 'reader*' }, 'B5')).toThrow(/roleName must be an IAM role name/);
    expect(() => memberStack({ regions: [] }, 'B6')).toThrow(/regions must name the regions/);
    expect(() => memberStack({ sources: [] }, 'B7')).toThrow(/sources must name at least one source/);
    expect(() => memberStack({ sources: [new AcmSource(), new AcmSource()] }, 'B8')).toThrow(/'acm' twice/);
  });
});

describe('WatcherMemberRoleStackSet', () => {
  const stackSetStack = (props: Partial<WatcherMemberRoleStackSetProps> = {}, name = 'Watcher') => {
    const stack = new Stack(testApp(), name, { env: { account: WATCHER_ACCOUNT, region: 'eu-west-1' } });
    const rollOut = new WatcherMemberRoleStackSet(stack, 'MemberRoles', {
      organizationId: ORG_ID,
      regions: REGIONS,
      ...props,
    });
    const template = Template.fromStack(stack);
    const stackSets = Object.values(template.findResources('AWS::CloudFormation::StackSet'));
    expect(stackSets).toHaveLength(1);
    return { stack, rollOut, template, properties: stackSets[0]?.Properties as Record<string, unknown> };
  };

  let byDefault: ReturnType<typeof stackSetStack>;
  beforeAll(() => {
    byDefault = stackSetStack({ sources: allSources() });
  });

  it('is service-managed with automatic deployment to the root, in one region, as the management account', () => {
    const { properties, stack } = byDefault;
    expect(properties).toMatchObject({
      StackSetName: 'cert-expiry-watcher-member-role',
      PermissionModel: 'SERVICE_MANAGED',
      AutoDeployment: { Enabled: true, RetainStacksOnAccountRemoval: false },
      CallAs: 'SELF',
      Capabilities: ['CAPABILITY_NAMED_IAM'],
      OperationPreferences: { MaxConcurrentPercentage: 25, FailureTolerancePercentage: 10 },
      Parameters: [
        { ParameterKey: 'WatcherAccountId', ParameterValue: WATCHER_ACCOUNT },
        { ParameterKey: 'OrganizationId', ParameterValue: ORG_ID },
      ],
    });
    const [group, ...more] = properties.StackInstancesGroup as {
      DeploymentTargets: { OrganizationalUnitIds: unknown[] };
      Regions: string[];
    }[];
    expect(more).toEqual([]);
    expect(group?.Regions).toEqual(['eu-west-1']);
    // The root is read at deploy time by a call to organizations:ListRoots.
    const [root] = group?.DeploymentTargets.OrganizationalUnitIds ?? [];
    expect(root).toEqual({
      'Fn::GetAtt': [expect.stringMatching(/^MemberRolesOrganizationRoot/), 'Roots.0.Id'],
    });
    const lookup = Object.values(byDefault.template.findResources('Custom::AWS'))[0]?.Properties;
    expect(JSON.stringify(stack.resolve(lookup?.Create))).toContain('listRoots');
    const policies = Object.values(byDefault.template.findResources('AWS::IAM::Policy'));
    expect(actionsOf(policies.flatMap((p) => p.Properties.PolicyDocument.Statement))).toEqual([
      'organizations:ListRoots',
    ]);
  });

  it('deploys the member role stack as its template: the same permissions, the trust from parameters, no bootstrap', () => {
    const body = byDefault.properties.TemplateBody as string;
    expect(typeof body).toBe('string');
    const member = JSON.parse(body) as Record<string, unknown>;
    expect(member).toEqual(byDefault.rollOut.template);
    expect(Object.keys(member.Parameters as object).sort()).toEqual(['OrganizationId', 'WatcherAccountId']);
    expect(member).not.toHaveProperty('Rules');
    expect(ofType(member, 'AWS::CDK::Metadata')).toEqual([]);
    const role = trust(member);
    expect(role.RoleName).toBe('cert-expiry-watcher-reader');
    expect(role.MaxSessionDuration).toBe(3600);
    expect(role.AssumeRolePolicyDocument.Statement[0]?.Condition).toEqual({
      ArnLike: {
        'aws:PrincipalArn': {
          'Fn::Join': [
            '',
            [
              'arn:',
              { Ref: 'AWS::Partition' },
              ':iam::',
              { Ref: 'WatcherAccountId' },
              ':role/cert-expiry-watcher/*',
            ],
          ],
        },
      },
      StringEquals: { 'aws:PrincipalOrgID': { Ref: 'OrganizationId' } },
    });
    // The same permissions as the member role stack deployed on its own.
    expect(permissions(member)).toEqual(permissions(every().template.toJSON()));
    const offending = notReadOnly(permissions(member));
    expect(offending).toEqual([]);
  });

  it('targets the given OUs as a delegated administrator, with no root lookup', () => {
    const { properties, template } = stackSetStack(
      {
        organizationalUnitIds: ['ou-ab12-cdefgh34', 'ou-ab12-ijklmn56'],
        callAs: 'DELEGATED_ADMIN',
        region: 'us-east-1',
        watcherAccountId: '444455556666',
        stackSetName: 'certs-reader',
      },
      'Delegated',
    );
    expect(properties).toMatchObject({
      StackSetName: 'certs-reader',
      CallAs: 'DELEGATED_ADMIN',
      StackInstancesGroup: [
        {
          DeploymentTargets: { OrganizationalUnitIds: ['ou-ab12-cdefgh34', 'ou-ab12-ijklmn56'] },
          Regions: ['us-east-1'],
        },
      ],
      Parameters: [
        { ParameterKey: 'WatcherAccountId', ParameterValue: '444455556666' },
        { ParameterKey: 'OrganizationId', ParameterValue: ORG_ID },
      ],
    });
    template.resourceCountIs('Custom::AWS', 0);
    template.resourceCountIs('AWS::Lambda::Function', 0);
  });

  it('passes an environment-agnostic stack its own account as the watcher account', () => {
    const stack = new Stack(testApp(), 'Agnostic');
    new WatcherMemberRoleStackSet(stack, 'MemberRoles', {
      organizationId: ORG_ID,
      regions: REGIONS,
      organizationalUnitIds: ['r-ab12'],
    });
    const properties = Object.values(
      Template.fromStack(stack).findResources('AWS::CloudFormation::StackSet'),
    )[0]?.Properties;
    expect(properties.Parameters[0]).toEqual({
      ParameterKey: 'WatcherAccountId',
      ParameterValue: { Ref: 'AWS::AccountId' },
    });
    expect(properties.StackInstancesGroup[0].Regions).toEqual([{ Ref: 'AWS::Region' }]);
  });

  it(`uploads a template over ${TEMPLATE_BODY_MAX_BYTES} bytes as an asset and gives its TemplateURL`, () => {
    const prefixes = Array.from({ length: 40 }, (_, i) => `team-${i}/certificates/`);
    const regions = [
      'eu-west-1',
      'eu-west-2',
      'eu-central-1',
      'us-east-1',
      'us-east-2',
      'us-west-2',
      'ap-southeast-2',
    ];
    const { properties, rollOut } = stackSetStack(
      { sources: [new SecretsSource({ prefixes }), new SsmSource({ prefixes })], regions },
      'Large',
    );
    expect(Buffer.byteLength(JSON.stringify(rollOut.template))).toBeGreaterThan(TEMPLATE_BODY_MAX_BYTES);
    expect(properties).not.toHaveProperty('TemplateBody');
    expect(JSON.stringify(properties.TemplateURL)).toMatch(/https:\/\/s3\.eu-west-1\..*\.json/);
  });

  it('leaves cdk-nag AwsSolutions nothing, with the root lookup acknowledged for its reasons', () => {
    expect(new AwsSolutionsChecks().validateScope(byDefault.stack).violations).toEqual([]);
    const acks = acknowledgments(byDefault.stack);
    expect(Object.keys(acks).sort()).toEqual([
      'Watcher/AWS679f53fac002430cb0da5b7982bd2287: AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      'Watcher/MemberRoles/OrganizationRoot: AwsSolutions-IAM5[Resource::*]',
    ]);
    expect(acks['Watcher/MemberRoles/OrganizationRoot: AwsSolutions-IAM5[Resource::*]']).toContain(
      'organizations:ListRoots',
    );
  });

  it('refuses malformed targets, region, call-as and percentages, naming the value', () => {
    expect(() => stackSetStack({ organizationalUnitIds: ['ou-1'] }, 'S1')).toThrow(
      /organizationalUnitIds\[0\] must be an OU id .* got 'ou-1'/,
    );
    expect(() => stackSetStack({ organizationalUnitIds: [] }, 'S2')).toThrow(/at least one OU or the root/);
    expect(() => stackSetStack({ region: 'eu-wst-1' }, 'S3')).toThrow(InvalidWatcherConfigError);
    expect(() => stackSetStack({ callAs: 'ADMIN' as 'SELF' }, 'S4')).toThrow(
      /callAs must be SELF or DELEGATED_ADMIN/,
    );
    expect(() => stackSetStack({ maxConcurrentPercentage: 0 }, 'S5')).toThrow(
      /maxConcurrentPercentage .* got 0/,
    );
    expect(() => stackSetStack({ failureTolerancePercentage: 101 }, 'S6')).toThrow(/got 101/);
    expect(() => stackSetStack({ organizationId: 'o-short' }, 'S7')).toThrow(/organizationId must be/);
    expect(() => stackSetStack({ sources: [] }, 'S8')).toThrow(/sources must name at least one source/);
  });

  // The member role stack with every source, as WatcherMemberRole builds it standalone.
  const every = () =>
    memberStack(
      { sources: allSources(), watcherAccountId: WATCHER_ACCOUNT, organizationId: ORG_ID },
      'EveryStandalone',
    );
});
