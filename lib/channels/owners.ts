/**
 * Ownership routing on the construct side (docs/routing.md): the `owners` and `defaultOwner` props
 * checked with the contract's parser (lambda/contracts/owners.ts) at synth, an SMS channel for every
 * number an owner names that no channel subscribes yet, and, once every channel is bound, the check
 * that every webhook and ticket connector an owner names exists.
 */
import { Token } from 'aws-cdk-lib';
import type { WebhookDestination } from '../../lambda/contracts/channels';
import { checkOwnerDestinations, type OwnerRules, parseOwnerRules } from '../../lambda/contracts/owners';
import type { ConnectorConfig } from '../../lambda/contracts/ticket-connectors';
import { asConfigError, type ChannelConfig, type IWatcherChannel } from './channel';
import type { AlertFanoutSettings } from './settings';
import { SmsChannel } from './sms';

/** The owner rules of the settings, checked; undefined when neither `owners` nor `defaultOwner` is set. */
export const ownerRulesOf = (settings: AlertFanoutSettings): OwnerRules | undefined =>
  settings.owners === undefined && settings.defaultOwner === undefined
    ? undefined
    : asConfigError(() =>
        parseOwnerRules({
          owners: settings.owners ?? [],
          ...(settings.defaultOwner ? { defaultOwner: settings.defaultOwner } : {}),
        }),
      );

/** An `SmsChannel` for each number owners name that none of `channels` subscribes already. */
export const ownerSmsChannels = (
  rules: OwnerRules | undefined,
  channels: readonly IWatcherChannel[],
): SmsChannel[] => {
  const subscribed = new Set(
    channels.flatMap((c) =>
      c instanceof SmsChannel && !Token.isUnresolved(c.phoneNumber) ? [c.phoneNumber] : [],
    ),
  );
  const numbers = new Set(
    [...(rules?.owners ?? []), ...(rules ? [rules.defaultOwner] : [])].flatMap((o) => o.smsNumbers ?? []),
  );
  return [...numbers]
    .filter((n) => !subscribed.has(n))
    .map((phoneNumber) => new SmsChannel({ phoneNumber }, `owner SMS number ${phoneNumber}`));
};

/** Throws unless every webhook and ticket connector the owners name is one of the bound channels. */
export const checkOwnerBindings = (rules: OwnerRules, configs: readonly ChannelConfig[]): void => {
  const webhooks = configs.flatMap((c) =>
    c.delivery === 'webhooks' ? [(c.setting as WebhookDestination).name] : [],
  );
  const connectors = configs.flatMap((c) => (c.delivery === 'tickets' ? [c.setting as ConnectorConfig] : []));
  asConfigError(() => checkOwnerDestinations(rules, { webhooks, connectors }));
};
