import { Aws, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import {
  DEFAULT_MEMBER_ROLE_NAME,
  MEMBER_ROLE_MAX_SESSION_SECONDS,
  WATCHER_ROLE_PATH,
} from '../../lambda/contracts/member-role';
import { InvalidWatcherConfigError, validateRegions } from '../config';
import { AcmSource } from '../sources/acm';
import {
  addReadAccess,
  type IWatcherSource,
  type ReadGrant,
  type WildcardAcknowledgment,
} from '../sources/source';
import { ACCOUNT_ID_PATTERN, checked, ORGANIZATION_ID_PATTERN, ORGANIZATION_ID_SHAPE } from './checks';

export { DEFAULT_MEMBER_ROLE_NAME, MEMBER_ROLE_MAX_SESSION_SECONDS, WATCHER_ROLE_PATH };

export interface WatcherMemberRoleProps {
  /** The account the watcher (its scan workers) runs in: the only account trusted. */
  readonly watcherAccountId: string;
  /** The organization's id (`o-…`): the trust also requires `aws:PrincipalOrgID` to be it. */
  readonly organizationId: string;
  /**
   * The regions the watcher scans in the member accounts; each source reads in these unless it
   * has regions of its own.
   */
  readonly regions: readonly string[];
  /**
   * The sources the watcher reads in the member accounts: the role gets exactly the union of their
   * read grants (`IWatcherSource.readAccess`), nothing else.
   * @default [new AcmSource()]
   */
  readonly sources?: readonly IWatcherSource[];
  /**
   * The role's name, the same in every account (the scan workers build its ARN from it); path `/`.
   * @default 'cert-expiry-watcher-reader'
   */
  readonly roleName?: string;
  /**
   * IAM path of the watcher's scan worker roles: only roles under it in the watcher's account may
   * assume this role (`aws:PrincipalArn`).
   * @default '/cert-expiry-watcher/'
   */
  readonly watcherRolePath?: string;
}

// https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html (RoleName, Path): no
// character that is a wildcard in an ArnLike condition.
const ROLE_NAME_PATTERN = /^[\w+=,.@-]{1,64}$/;
const ROLE_PATH_PATTERN = /^\/([\w+=,.@-]+\/)+$/;

/**
 * Actions a member role may hold: the List, Describe and Get verbs (the List and Read access
 * levels of the Service Authorization Reference), and kms:Decrypt only when a `kms:ViaService`
 * condition limits it to a store decrypting a value the role may read.
 */
const READ_VERB = /^[a-z0-9-]+:(List|Describe|Get)[A-Za-z0-9]*$/;
const isReadOnly = (action: string, grant: ReadGrant): boolean =>
  READ_VERB.test(action) ||
  // API Gateway's actions are HTTP methods: GET is its read (discovery lists custom domain names).
  action === 'apigateway:GET' ||
  (action === 'kms:Decrypt' &&
    Object.values(grant.conditions ?? {}).some(
      (c) => typeof c === 'object' && c !== null && 'kms:ViaService' in c,
    ));

/**
 * The read-only role the watcher assumes in a member account of its organization. Permissions:
 * exactly the union of the sources' read grants, whose ARNs name the account the role is deployed
 * in; any action other than List*, Describe*, Get* (and kms:Decrypt through a store) is refused.
 * Trust: the watcher account's principals whose `aws:PrincipalArn` is a role under
 * `watcherRolePath`, in the organization (`aws:PrincipalOrgID`), sessions of at most one hour.
 * cdk-nag findings the grants raise are acknowledged on the role with the sources' reasons.
 * @throws InvalidWatcherConfigError for a malformed id, name, path or region, no source, a kind
 *   twice, or a grant that is not read-only
 */
export class WatcherMemberRole extends Construct {
  readonly role: iam.Role;
  /** The role's name in every account. */
  readonly roleName: string;

  constructor(scope: Construct, id: string, props: WatcherMemberRoleProps) {
    super(scope, id);
    const account = checked('watcherAccountId', props.watcherAccountId, ACCOUNT_ID_PATTERN, '12 digits');
    const organizationId = checked(
      'organizationId',
      props.organizationId,
      ORGANIZATION_ID_PATTERN,
      ORGANIZATION_ID_SHAPE,
    );
    this.roleName = checked(
      'roleName',
      props.roleName ?? DEFAULT_MEMBER_ROLE_NAME,
      ROLE_NAME_PATTERN,
      'an IAM role name (1-64 letters, digits or +=,.@_-)',
    );
    const rolePath = checked(
      'watcherRolePath',
      props.watcherRolePath ?? WATCHER_ROLE_PATH,
      ROLE_PATH_PATTERN,
      "an IAM path below '/' (like /cert-expiry-watcher/: letters, digits or +=,.@_- between slashes)",
    );
    if (props.regions.length === 0)
      throw new InvalidWatcherConfigError(
        'regions must name the regions the watcher scans in member accounts',
      );
    const regions = validateRegions(props.regions);
    const sources = props.sources ?? [new AcmSource()];

    this.role = new iam.Role(this, 'Role', {
      roleName: this.roleName,
      description: "cert-expiry-watcher: read-only access to this account's certificate stores",
      maxSessionDuration: Duration.seconds(MEMBER_ROLE_MAX_SESSION_SECONDS),
      assumedBy: new iam.AccountPrincipal(account).withConditions({
        ArnLike: { 'aws:PrincipalArn': `arn:${Aws.PARTITION}:iam::${account}:role${rolePath}*` },
        StringEquals: { 'aws:PrincipalOrgID': organizationId },
      }),
    });
    const access = readAccessOf(sources, regions);
    // The scan worker asks which opt-in regions the account has enabled, to skip the others
    // (reported REGION_NOT_ENABLED, not failed): AWS Account Management, own account only.
    addReadAccess(this.role, {
      grants: [
        ...access.grants,
        { sid: 'ReadRegionOptStatus', actions: ['account:ListRegions'], resources: ['*'] },
      ],
      acknowledgments: mergeReasons([
        ...access.acknowledgments,
        {
          id: 'AwsSolutions-IAM5[Resource::*]',
          reason:
            'account:ListRegions supports no resource-level permissions; it reads only the opt-in status of regions.',
        },
      ]),
    });
  }
}

const mergeReasons = (acks: readonly WildcardAcknowledgment[]): WildcardAcknowledgment[] => {
  const reasons = new Map<string, Set<string>>();
  for (const { id, reason } of acks) reasons.set(id, (reasons.get(id) ?? new Set()).add(reason));
  return [...reasons].map(([id, r]) => ({ id, reason: [...r].join(' ') }));
};

/** The sources' grants, checked read-only, and their acknowledgements, one per finding. */
const readAccessOf = (sources: readonly IWatcherSource[], regions: readonly string[]) => {
  if (sources.length === 0) throw new InvalidWatcherConfigError('sources must name at least one source');
  const kinds = new Set<string>();
  const grants: ReadGrant[] = [];
  const acknowledgments: WildcardAcknowledgment[] = [];
  for (const source of sources) {
    if (kinds.has(source.kind)) throw new InvalidWatcherConfigError(`sources lists '${source.kind}' twice`);
    kinds.add(source.kind);
    const access = source.readAccess({ regions });
    for (const grant of access.grants) {
      const action = grant.actions.find((a) => !isReadOnly(a, grant));
      if (action)
        throw new InvalidWatcherConfigError(
          `source '${source.kind}' grants '${action}' (statement ${grant.sid}): a member role holds only List*, ` +
            'Describe*, Get* actions (and kms:Decrypt limited by kms:ViaService)',
        );
      if (grants.some((g) => g.sid === grant.sid))
        throw new InvalidWatcherConfigError(`source '${source.kind}' repeats the statement id ${grant.sid}`);
      grants.push(grant);
    }
    acknowledgments.push(...access.acknowledgments);
  }
  // Several sources raise the same finding (Resource "*"): one acknowledgement gives every reason.
  return { grants, acknowledgments: mergeReasons(acknowledgments) };
};

export interface WatcherMemberRoleStackProps extends StackProps, WatcherMemberRoleProps {}

/**
 * A stack holding only the member role, to deploy in one account on its own (`cdk deploy`) or to
 * roll out to every account with `WatcherMemberRoleStackSet`.
 */
export class WatcherMemberRoleStack extends Stack {
  readonly memberRole: WatcherMemberRole;

  constructor(scope: Construct, id: string, props: WatcherMemberRoleStackProps) {
    super(scope, id, {
      description: 'cert-expiry-watcher: the read-only role the watcher assumes in this account',
      ...props,
    });
    this.memberRole = new WatcherMemberRole(this, 'MemberRole', props);
  }
}
