/** The "renewed but not deployed" grace period from the construct and from context (issue #17). */
import { Duration } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { NOT_DEPLOYED_GRACE_HOURS_ENV } from '../../lambda/contracts/env-names';
import { probeConfigFromEnv } from '../../lambda/handlers/make-probe-handler';
import { parseWatcherContext } from '../../lib/context';
import { watcherStack } from './stacks';

const ENDPOINTS = [{ host: 'web.example.com' }];

const proberVariables = (grace?: Duration): Record<string, string> => {
  const { stack } = watcherStack({ endpoints: ENDPOINTS, endpointProbes: { notDeployedGrace: grace } });
  const functions = Object.values(Template.fromStack(stack).findResources('AWS::Lambda::Function')) as {
    Properties: {
      Handler?: string;
      Description?: string;
      Environment?: { Variables?: Record<string, string> };
    };
  }[];
  const prober = functions.find((f) => f.Properties.Description?.startsWith('Probes TLS endpoints'));
  return prober?.Properties.Environment?.Variables ?? {};
};

describe('endpointProbes.notDeployedGrace', () => {
  it('leaves the prober at its 24-hour default unless given, and sets NOT_DEPLOYED_GRACE_HOURS when given', () => {
    expect(proberVariables()).not.toHaveProperty(NOT_DEPLOYED_GRACE_HOURS_ENV);
    expect(proberVariables(Duration.hours(72))[NOT_DEPLOYED_GRACE_HOURS_ENV]).toBe('72');
    expect(proberVariables(Duration.days(0))[NOT_DEPLOYED_GRACE_HOURS_ENV]).toBe('0');
  });

  it('refuses part hours and more than 90 days, naming the prop', () => {
    expect(() => proberVariables(Duration.minutes(90))).toThrow(/endpointProbes.notDeployedGrace/);
    expect(() => proberVariables(Duration.days(91))).toThrow(/endpointProbes.notDeployedGrace/);
  });

  it('is read from watcher:notDeployedGraceHours', () => {
    const props = parseWatcherContext(
      { 'watcher:endpoints': 'web.example.com', 'watcher:notDeployedGraceHours': '48' },
      () => '',
    ).watcherProps;
    expect(props.endpointProbes?.notDeployedGrace?.toHours()).toBe(48);
    expect(() =>
      parseWatcherContext(
        { 'watcher:endpoints': 'web.example.com', 'watcher:notDeployedGraceHours': '-1' },
        () => '',
      ),
    ).toThrow(/watcher:notDeployedGraceHours/);
  });

  it('reaches the prober, which refuses a negative value at init', () => {
    const env = { EVENT_BUS_NAME: 'bus', PROBE_TIMEOUT_MS: '5000', PROBE_CONCURRENCY: '4' };
    const read = () => JSON.stringify([{ host: 'web.example.com', port: 443 }]);
    expect(
      probeConfigFromEnv({ ...env, [NOT_DEPLOYED_GRACE_HOURS_ENV]: '6' }, read).notDeployedGraceHours,
    ).toBe(6);
    expect(probeConfigFromEnv(env, read).notDeployedGraceHours).toBeUndefined();
    expect(() => probeConfigFromEnv({ ...env, [NOT_DEPLOYED_GRACE_HOURS_ENV]: '-2' }, read)).toThrow(
      /NOT_DEPLOYED_GRACE_HOURS/,
    );
  });
});
