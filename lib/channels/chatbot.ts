import * as chatbot from 'aws-cdk-lib/aws-chatbot';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { InvalidWatcherConfigError } from '../validation';
import type { ChannelBindContext, ChannelConfig, IWatcherChannel } from './channel';

/** A Slack channel of Amazon Q Developer in chat applications (Chatbot) for the chat topic. */
export interface SlackChannelSettings {
  /** Name of the channel configuration: 1-128 of letters, digits, '-' and '_'. */
  readonly configurationName: string;
  /** Workspace id from the Chatbot console, after authorising the workspace there once. */
  readonly slackWorkspaceId: string;
  /** Channel id (the 9+ characters at the end of the channel's link). */
  readonly slackChannelId: string;
}

/** A Microsoft Teams channel of Amazon Q Developer in chat applications (Chatbot) for the chat topic. */
export interface TeamsChannelSettings {
  /** Name of the channel configuration: 1-128 of letters, digits, '-' and '_'. */
  readonly configurationName: string;
  /** Team id from the Chatbot console, after authorising the team there once. */
  readonly teamId: string;
  readonly teamsTenantId: string;
  /** Channel id from the channel's link, URL-encoded as there: `19%3A…%40thread.tacv2`. */
  readonly teamsChannelId: string;
}

// Chatbot configuration names: 1-128 of letters, digits, '-' and '_' (AWS::Chatbot::*ChannelConfiguration).
const CHATBOT_NAME = /^[A-Za-z0-9_-]{1,128}$/;
const PREFIXES = ['Slack-', 'Teams-'];

const checkedName = (name: string): string => {
  if (!CHATBOT_NAME.test(name)) {
    throw new InvalidWatcherConfigError(
      `Chatbot channel configuration names must be 1-128 letters, digits, '-' or '_', got '${name}'`,
    );
  }
  return name;
};

/**
 * The role and guardrail every Chatbot channel of a fan-out shares, created by the first one.
 * Posting notifications needs no AWS permission; the role and the guardrail only limit what people
 * could run from the channel, so: a role with no policies and a deny-all guardrail.
 */
interface ChatbotIdentity {
  readonly role: iam.IRole;
  readonly guardrail: iam.IManagedPolicy;
}

const chatbotIdentity = (scope: Construct): ChatbotIdentity => {
  const role =
    (scope.node.tryFindChild('ChatbotRole') as iam.IRole | undefined) ??
    new iam.Role(scope, 'ChatbotRole', {
      assumedBy: new iam.ServicePrincipal('chatbot.amazonaws.com'),
      description: 'Chatbot channels of the cert-expiry-watcher: notifications only, no permissions',
    });
  const guardrail =
    (scope.node.tryFindChild('ChatbotGuardrail') as iam.IManagedPolicy | undefined) ??
    new iam.ManagedPolicy(scope, 'ChatbotGuardrail', {
      description: 'Chatbot guardrail of the cert-expiry-watcher: channel members can run nothing',
      statements: [new iam.PolicyStatement({ effect: iam.Effect.DENY, actions: ['*'], resources: ['*'] })],
    });
  return { role, guardrail };
};

/** A configuration name is unique among a fan-out's Slack and Teams configurations. */
const claimName = (scope: Construct, name: string): void => {
  if (PREFIXES.some((p) => scope.node.tryFindChild(`${p}${name}`)))
    throw new InvalidWatcherConfigError(`Chatbot channel configuration name '${name}' is used twice`);
};

/** What a Slack and a Teams channel share: a checked configuration name, the role and the guardrail. */
abstract class ChatbotChannel implements IWatcherChannel {
  abstract readonly kind: string;
  readonly id: string;

  constructor(
    prefix: 'Slack' | 'Teams',
    private readonly configurationName: string,
  ) {
    this.id = `${prefix}-${checkedName(configurationName)}`;
  }

  bind(scope: Construct, context: ChannelBindContext): ChannelConfig {
    claimName(scope, this.configurationName);
    // Chatbot renders CloudWatch alarm notifications itself, so the ops topic can feed it directly.
    const topics = context.opsTopic ? [context.topics.chat, context.opsTopic] : [context.topics.chat];
    this.configure(scope, chatbotIdentity(scope), topics);
    return {};
  }

  /** Creates the channel configuration, construct id {@link id}, on the chat topic (and the ops topic). */
  protected abstract configure(scope: Construct, identity: ChatbotIdentity, topics: sns.ITopic[]): void;
}

/**
 * A Slack channel through Amazon Q Developer in chat applications (Chatbot), subscribed to the
 * chat topic, whose `default` message is a Chatbot custom notification. Construct id
 * `Slack-<configurationName>`.
 */
export class SlackChatbotChannel extends ChatbotChannel {
  readonly kind = 'chatbot-slack';

  constructor(private readonly settings: SlackChannelSettings) {
    super('Slack', settings.configurationName);
  }

  protected configure(scope: Construct, { role, guardrail }: ChatbotIdentity, topics: sns.ITopic[]): void {
    new chatbot.SlackChannelConfiguration(scope, this.id, {
      slackChannelConfigurationName: this.settings.configurationName,
      slackWorkspaceId: this.settings.slackWorkspaceId,
      slackChannelId: this.settings.slackChannelId,
      notificationTopics: topics,
      role,
      guardrailPolicies: [guardrail],
    });
  }
}

/**
 * A Microsoft Teams channel through Amazon Q Developer in chat applications (Chatbot), subscribed
 * to the chat topic. Construct id `Teams-<configurationName>`.
 */
export class TeamsChatbotChannel extends ChatbotChannel {
  readonly kind = 'chatbot-teams';

  constructor(private readonly settings: TeamsChannelSettings) {
    super('Teams', settings.configurationName);
  }

  protected configure(scope: Construct, { role, guardrail }: ChatbotIdentity, topics: sns.ITopic[]): void {
    new chatbot.CfnMicrosoftTeamsChannelConfiguration(scope, this.id, {
      configurationName: this.settings.configurationName,
      teamId: this.settings.teamId,
      teamsTenantId: this.settings.teamsTenantId,
      teamsChannelId: this.settings.teamsChannelId,
      iamRoleArn: role.roleArn,
      guardrailPolicies: [guardrail.managedPolicyArn],
      snsTopicArns: topics.map((t) => t.topicArn),
    });
  }
}
