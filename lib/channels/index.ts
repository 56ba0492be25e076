/**
 * The construct side of the channel plugins: one binding per kind of channel. `channelsOf` maps the
 * per-kind props (and so the `watcher:*` context keys) onto the bindings; a construct user may also
 * pass any IWatcherChannel to the `channels` prop directly.
 */
import { Token } from 'aws-cdk-lib';
import type { ConnectorConfig } from '../../lambda/contracts/ticket-connectors';
import { InvalidWatcherConfigError } from '../validation';
import { type IWatcherChannel, validateChannels } from './channel';
import { SlackChatbotChannel, TeamsChatbotChannel } from './chatbot';
import { ownerRulesOf, ownerSmsChannels } from './owners';
import type { AlertFanoutSettings, WebhookDestinationSettings } from './settings';
import { SmsChannel } from './sms';
import { TicketChannel } from './tickets';
import { WEBHOOK_CHANNELS } from './webhook';

export * from './channel';
export * from './chatbot';
export * from './owners';
export * from './settings';
export * from './sms';
export * from './tickets';
export * from './webhook';

const webhookChannel = (destination: WebhookDestinationSettings, i: number): IWatcherChannel => {
  const Binding = WEBHOOK_CHANNELS[destination.kind];
  if (!Binding)
    throw new InvalidWatcherConfigError(
      `webhookDestinations[${i}].kind must be one of ${Object.keys(WEBHOOK_CHANNELS).join(', ')}, got ${JSON.stringify(destination.kind)}`,
    );
  return new Binding(destination, `webhookDestinations[${i}]`);
};

/**
 * Every channel of the settings, checked (each binding checks its own settings as it is made; no
 * two channels share an id): the per-kind props first, in the order of this list, then `channels`,
 * then an SMS channel for each number an owner names that none of those subscribes.
 * Throws {@link InvalidWatcherConfigError} naming the bad entry.
 */
export const channelsOf = (settings: AlertFanoutSettings): readonly IWatcherChannel[] => {
  const channels = [
    ...(settings.smsPhoneNumbers ?? []).map(
      (phoneNumber, i) =>
        new SmsChannel(
          { phoneNumber, name: Token.isUnresolved(phoneNumber) ? `Token${i}` : undefined },
          `smsPhoneNumbers[${i}]`,
        ),
    ),
    ...(settings.slackChannels ?? []).map((s) => new SlackChatbotChannel(s)),
    ...(settings.teamsChannels ?? []).map((s) => new TeamsChatbotChannel(s)),
    ...(settings.webhookDestinations ?? []).map(webhookChannel),
    ...(settings.ticketConnectors ?? []).map((c, i) => new TicketChannel(c, `ticketConnectors[${i}]`)),
    ...(settings.channels ?? []),
  ];
  return validateChannels([...channels, ...ownerSmsChannels(ownerRulesOf(settings), channels)]);
};

/** The same check the ticket Lambda runs at init, as a construct configuration error. */
export const validateTicketConnectors = (connectors: readonly ConnectorConfig[] | undefined): void => {
  for (const [i, c] of (connectors ?? []).entries()) new TicketChannel(c, `ticketConnectors[${i}]`);
};
