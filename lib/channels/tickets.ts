import type { Construct } from 'constructs';
import { type ConnectorConfig, parseConnector } from '../../lambda/contracts/ticket-connectors';
import { secretFromId, validateSecretId } from '../secret-id';
import { asConfigError, type ChannelBindContext, type ChannelConfig, type IWatcherChannel } from './channel';

/**
 * One ticketing system (Jira Cloud, ServiceNow, GitHub Issues, PagerDuty; docs/tickets.md) that
 * gets one ticket per certificate lifecycle: tickets topic → SQS → ticket Lambda. Every system is
 * this one binding; the connector's settings are the contract's (lambda/contracts/ticket-connectors.ts),
 * checked here with the parser the Lambda runs at init. The binding grants the ticket Lambda read
 * on exactly the connector's credentials secret and returns the connector for TICKET_CONNECTORS.
 * Construct id `Tickets-<name>`.
 */
export class TicketChannel implements IWatcherChannel {
  readonly kind: string;
  readonly id: string;
  readonly connector: ConnectorConfig;

  /** @param where names the setting in errors */
  constructor(connector: ConnectorConfig, where = `ticket connector '${connector.name}'`) {
    asConfigError(() => parseConnector(connector, where));
    this.connector = connector;
    validateSecretId(connector.secretId, `${where}.secretId`);
    this.kind = connector.kind;
    this.id = `Tickets-${connector.name}`;
  }

  bind(scope: Construct, context: ChannelBindContext): ChannelConfig {
    secretFromId(scope, this.connector.secretId).grantRead(context.deliveryFunction('tickets'));
    return { delivery: 'tickets', setting: this.connector };
  }
}
