/**
 * A channel that exists only in tests: a pager that takes one short line of text and a priority,
 * plugged in the way a real webhook channel is, to prove a new channel needs its own files and a
 * registry line, and no change to the fan-out, the contract or the notifier:
 * - its runtime formatter here, added to the notifier's registry by the test's own registry line
 *   (`formattersWithTestChannel`);
 * - its construct binding here (`TestPagerChannel`), written against IWatcherChannel alone: it
 *   grants the notifier read on its secret and returns its destination.
 */
import type { Construct } from 'constructs';
import { formatSms, WEBHOOK_FORMATTERS, type WebhookFormatters } from '../../lambda/channels/format';
import { toView, type WatcherEvent } from '../../lambda/channels/format/view';
import type { ChannelBindContext, ChannelConfig, IWatcherChannel } from '../../lib/channels/channel';
import { secretFromId } from '../../lib/secret-id';

export const TEST_CHANNEL_KIND = 'pager-test';

/** The pager's body: the SMS line and a priority from the alert's severity. */
export interface PagerMessage {
  readonly line: string;
  readonly priority: 'high' | 'normal';
}

export const formatPager = (event: WatcherEvent): PagerMessage => {
  const { severity } = toView(event);
  return {
    line: formatSms(event),
    priority: severity === 'critical' || severity === 'expired' ? 'high' : 'normal',
  };
};

/** The production registry plus the test channel's line. */
export const formattersWithTestChannel: WebhookFormatters = {
  ...WEBHOOK_FORMATTERS,
  [TEST_CHANNEL_KIND]: {
    body: formatPager,
    // The pager routes by a query parameter: the URL's own adjustment, as Google Chat's thread option.
    url: (url) => url.searchParams.set('route', 'certificates'),
  },
};

export interface TestPagerChannelProps {
  readonly name: string;
  /** Secrets Manager secret holding the pager's URL. */
  readonly secretId: string;
}

/** The test pager's construct binding: read on exactly its secret, and its destination for the notifier. */
export class TestPagerChannel implements IWatcherChannel {
  readonly kind = TEST_CHANNEL_KIND;
  readonly id: string;

  constructor(private readonly props: TestPagerChannelProps) {
    this.id = `Pager-${props.name}`;
  }

  bind(scope: Construct, context: ChannelBindContext): ChannelConfig {
    secretFromId(scope, this.props.secretId).grantRead(context.deliveryFunction('webhooks'));
    return {
      delivery: 'webhooks',
      setting: { name: this.props.name, kind: this.kind, secretId: this.props.secretId },
    };
  }
}
