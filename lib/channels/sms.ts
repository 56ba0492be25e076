import { Token } from 'aws-cdk-lib';
import * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { OWNER_ATTRIBUTE } from '../../lambda/contracts/owners';
import { InvalidWatcherConfigError } from '../validation';
import type { ChannelBindContext, ChannelConfig, IWatcherChannel } from './channel';

const MAX_FILTER_VALUES = 150;
// E.164 (ITU-T): '+', a country code not starting with 0, at most 15 digits in all.
const E164 = /^\+[1-9]\d{1,14}$/;

export interface SmsChannelProps {
  /** The phone number, E.164 (`+14155550123`). */
  readonly phoneNumber: string;
  /**
   * Names the subscription (`Sms-<name>`). Required for a number given as a token, which has no
   * value at synth.
   * @default the number's digits
   */
  readonly name?: string;
}

/**
 * Text messages to one phone number: an SMS subscription on the `sms` topic, whose messages are
 * one SMS segment (lambda/channels/format/sms.ts). SNS delivers `Message` as the text; no
 * permission or secret is involved. A number owners name (docs/routing.md) filters on their names
 * (message attribute `owner`). Construct id `Sms-<digits>`: adding, removing or reordering
 * numbers leaves the others' subscriptions in place.
 */
export class SmsChannel implements IWatcherChannel {
  readonly kind = 'sms';
  readonly id: string;
  readonly phoneNumber: string;

  constructor(props: SmsChannelProps, where = 'SmsChannel phoneNumber') {
    const { phoneNumber, name } = props;
    if (Token.isUnresolved(phoneNumber)) {
      if (!name) throw new InvalidWatcherConfigError(`${where} is a token: give the channel a name`);
    } else if (!E164.test(phoneNumber)) {
      throw new InvalidWatcherConfigError(
        `${where} must be an E.164 number such as +14155550123, got '${phoneNumber}'`,
      );
    }
    this.phoneNumber = phoneNumber;
    this.id = `Sms-${name ?? phoneNumber.replace(/\D/g, '')}`;
  }

  bind(scope: Construct, context: ChannelBindContext): ChannelConfig {
    const owners = context.ownersNaming('sms', this.phoneNumber);
    // SNS: a filter policy allows at most 150 value combinations.
    if (owners.length > MAX_FILTER_VALUES)
      throw new InvalidWatcherConfigError(
        `${owners.length} owners name SMS number ${this.phoneNumber}; an SNS filter policy takes at most ${MAX_FILTER_VALUES}`,
      );
    new sns.Subscription(scope, this.id, {
      topic: context.topics.sms,
      protocol: sns.SubscriptionProtocol.SMS,
      endpoint: this.phoneNumber,
      // A number some owner names gets only their texts (docs/routing.md).
      ...(owners.length > 0
        ? {
            filterPolicy: {
              [OWNER_ATTRIBUTE]: sns.SubscriptionFilter.stringFilter({ allowlist: [...owners] }),
            },
          }
        : {}),
    });
    return {};
  }
}
