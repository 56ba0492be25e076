/** The ticket channel: the port, its connectors and the pure parts they share. */
import type { SecretReader } from '../../sinks/secrets/secret-reader';
import type { ConnectorConfig, TicketConnector } from './connector';
import { GitHubConnector } from './github';
import type { HttpOptions } from './http';
import { JiraConnector } from './jira';
import { PagerDutyConnector } from './pagerduty';
import { ServiceNowConnector } from './servicenow';

export * from './connector';
export * from './content';
export * from './http';

/** One connector per configuration entry. */
export const createConnector = (
  config: ConnectorConfig,
  secrets: SecretReader,
  http: HttpOptions,
): TicketConnector => {
  switch (config.kind) {
    case 'jira':
      return new JiraConnector(config, secrets, http);
    case 'servicenow':
      return new ServiceNowConnector(config, secrets, http);
    case 'github':
      return new GitHubConnector(config, secrets, http);
    case 'pagerduty':
      return new PagerDutyConnector(config, secrets, http);
  }
};
