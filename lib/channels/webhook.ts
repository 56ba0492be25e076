import type { Construct } from 'constructs';
import { parseDestination, type WebhookDestination } from '../../lambda/contracts/channels';
import { secretFromId, validateSecretId } from '../secret-id';
import { asConfigError, type ChannelBindContext, type ChannelConfig, type IWatcherChannel } from './channel';

/** A webhook the notifier posts chat alerts to (docs/chat.md). */
export interface WebhookChannelProps {
  /** Shown in logs and metrics instead of the URL: 1-64 of A-Z a-z 0-9 _ . - */
  readonly name: string;
  /**
   * Secrets Manager secret holding the webhook URL (or JSON `{"url": ...}`): its name in this
   * account and region, or its full ARN. The notifier may read only these secrets.
   */
  readonly secretId: string;
  /** @default - every event on the chat topic */
  readonly detailTypes?: readonly string[];
}

/**
 * An incoming webhook (the URL kept in Secrets Manager) the notifier posts to: chat topic → SQS →
 * notifier Lambda, which formats the event for the destination's kind (WEBHOOK_FORMATTERS,
 * lambda/channels/format/index.ts). The binding grants the notifier read on exactly this secret
 * (a name's ARN ends in `-??????`, so no wildcard and no cdk-nag finding) and returns the
 * destination for WEBHOOK_DESTINATIONS. Construct id `Webhook-<name>`.
 */
export class WebhookChannel implements IWatcherChannel {
  readonly id: string;
  private readonly destination: WebhookDestination;

  /**
   * @param kind the notifier's format: a key of WEBHOOK_FORMATTERS (`slack`, `teams`, `google-chat`, `webhook`)
   * @param where names the setting in errors
   */
  constructor(
    readonly kind: string,
    props: WebhookChannelProps,
    where: string = `${kind} webhook '${props.name}'`,
  ) {
    const destination = { name: props.name, kind, secretId: props.secretId, detailTypes: props.detailTypes };
    // The notifier's own parser; the notifier also checks the kind against its formatter registry at init.
    this.destination = asConfigError(() => parseDestination(destination, where));
    validateSecretId(props.secretId, `${where}.secretId`);
    this.id = `Webhook-${props.name}`;
  }

  bind(scope: Construct, context: ChannelBindContext): ChannelConfig {
    secretFromId(scope, this.destination.secretId).grantRead(context.deliveryFunction('webhooks'));
    return { delivery: 'webhooks', setting: this.destination };
  }
}

/** A WebhookChannel of one kind (typed as a constructor so the package's declarations can name it). */
const ofKind = (kind: string): (new (props: WebhookChannelProps, where?: string) => WebhookChannel) =>
  class extends WebhookChannel {
    constructor(props: WebhookChannelProps, where?: string) {
      super(kind, props, where);
    }
  };

/** A Slack incoming webhook: Block Kit message, one thread per certificate. */
export class SlackWebhook extends ofKind('slack') {}

/** A Microsoft Teams incoming webhook (Workflows): an Adaptive Card. */
export class TeamsWebhook extends ofKind('teams') {}

/** A Google Chat space webhook: a card, replying in the certificate's thread. */
export class GoogleChatWebhook extends ofKind('google-chat') {}

/** Any HTTPS endpoint: the EventBridge event itself as the JSON body. */
export class GenericWebhook extends ofKind('webhook') {}

/**
 * The construct binding of each webhook kind the notifier formats (the keys of WEBHOOK_FORMATTERS),
 * for settings given as data (`webhookDestinations`, `watcher:webhookDestinations`).
 */
export const WEBHOOK_CHANNELS: Readonly<
  Record<string, new (props: WebhookChannelProps, where?: string) => WebhookChannel>
> = {
  slack: SlackWebhook,
  teams: TeamsWebhook,
  'google-chat': GoogleChatWebhook,
  webhook: GenericWebhook,
};
