import { Duration, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { HEALTH_ALARM_PERIOD, notifyOps } from './ops-alarms';
import { InvalidWatcherConfigError } from './validation';

/** DescribeAlarms takes at most 100 alarm names per call (CloudWatch API reference). */
const MAX_ALARM_NAMES = 100;

export interface AlarmReminderProps {
  /** The alarms to watch: each one still in ALARM is named again in every reminder. */
  readonly alarms: readonly cloudwatch.Alarm[];
  readonly opsTopic: sns.ITopic;
  readonly interval: Duration;
  /** Receives schedule invocations that failed every retry. */
  readonly deadLetterQueue: sqs.IQueue;
}

/** Checks the reminder interval: whole hours, 1 hour to 7 days. */
export const validateReminderInterval = (interval: Duration): Duration => {
  const hours = interval.toHours({ integral: false });
  if (!Number.isInteger(hours) || hours < 1 || hours > 168)
    throw new InvalidWatcherConfigError(
      `opsAlarms.reminderInterval must be whole hours from 1 hour to 7 days, got ${interval.toHumanString()}`,
    );
  return interval;
};

/**
 * Repeats the notification of every watcher alarm that stays in ALARM: CloudWatch notifies only on
 * a state change, so an alarm left in ALARM would hide every later failure of the same kind. On a
 * schedule, a two-step state machine (no Lambda: Step Functions' AWS SDK integration) calls
 * `cloudwatch:DescribeAlarms` for exactly these alarms with `StateValue=ALARM` and, if any, publishes
 * one reminder naming them to the ops topic (`default`: an Amazon Q Developer in chat applications
 * custom notification; `email`: plain text). The role may describe only these alarms and publish only
 * to the ops topic.
 */
export class AlarmReminder extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly rule: events.Rule;
  /** ALARM when a reminder run failed: reminders are not being sent. */
  readonly failedAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: AlarmReminderProps) {
    super(scope, id);
    if (props.alarms.length > MAX_ALARM_NAMES)
      throw new InvalidWatcherConfigError(
        `the alarm reminder watches at most ${MAX_ALARM_NAMES} alarms (one DescribeAlarms call), got ${props.alarms.length}`,
      );
    const every = props.interval.toHumanString();
    const describe = tasks.CallAwsService.jsonata(this, 'DescribeAlarmsInAlarm', {
      service: 'cloudwatch',
      action: 'describeAlarms',
      parameters: {
        AlarmNames: props.alarms.map((a) => a.alarmName),
        StateValue: 'ALARM',
        AlarmTypes: ['MetricAlarm'],
      },
      iamResources: props.alarms.map((a) => a.alarmArn),
      // An object, never undefined (which Step Functions refuses): `alarms` is left out when none is in ALARM.
      outputs: '{% {"alarms": $states.result.MetricAlarms} %}',
    });
    // JSONata: one paragraph per alarm still in ALARM, with its description (what to do) and reason.
    // `&` reads an absent field as ''; $map and $count take one alarm as a list of one.
    const lines =
      '$join($map($states.input.alarms, function($a) { "- " & $a.AlarmName & " (in ALARM since " & $a.StateUpdatedTimestamp & ")\\n  " & $a.AlarmDescription & "\\n  Reason: " & $a.StateReason }), "\\n\\n")';
    const title =
      '"Certificate expiry watcher: " & $string($count($states.input.alarms)) & " alarm(s) still in ALARM"';
    const chatbotNotification = `$string({"version": "1.0", "source": "custom", "content": {"title": ${title}, "description": ${lines}}})`;
    const emailText = `${title} & " (repeated every ${every} until each is fixed; see docs/operations.md)\\n\\n" & ${lines}`;
    const publish = tasks.SnsPublish.jsonata(this, 'RemindOps', {
      topic: props.opsTopic,
      subject: `{% ${title} %}`,
      // MessageStructure json: the message is a JSON string with one text per protocol.
      messagePerSubscriptionType: true,
      message: sfn.TaskInput.fromText(
        `{% $string({"default": ${chatbotNotification}, "email": ${emailText}}) %}`,
      ),
    });
    const definition = describe.next(
      sfn.Choice.jsonata(this, 'AnyStillInAlarm')
        .when(sfn.Condition.jsonata('{% $count($states.input.alarms) > 0 %}'), publish)
        .otherwise(sfn.Succeed.jsonata(this, 'NoneInAlarm')),
    );
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      comment: `Re-notifies the ops topic every ${every} of each watcher alarm still in ALARM`,
      queryLanguage: sfn.QueryLanguage.JSONATA,
      definitionBody: sfn.DefinitionBody.fromChainable(definition),
      timeout: Duration.minutes(5),
    });
    // SnsPublish grants sns:Publish only; an encrypted topic also needs its key (the watcher's own
    // topic names it; the key of a topic you bring must allow this role).
    props.opsTopic.masterKey?.grant(this.stateMachine, 'kms:Decrypt', 'kms:GenerateDataKey');
    Validations.of(this.stateMachine).acknowledge(
      {
        id: 'AwsSolutions-SF1',
        reason:
          "A standard workflow's execution history (kept 90 days by Step Functions) already records every run's " +
          'input, output and error, and a failed run raises FailedAlarm on the ops topic; CloudWatch Logs delivery ' +
          'would add logs:* actions on Resource "*" for nothing more.',
      },
      {
        id: 'AwsSolutions-SF2',
        reason:
          'Two steps (DescribeAlarms, then one SNS Publish) once per reminder interval: X-Ray traces would show ' +
          'nothing the execution history does not, and need xray:* actions on Resource "*".',
      },
    );

    this.rule = new events.Rule(this, 'Schedule', {
      description: `Reminds the ops topic every ${every} of the watcher alarms still in ALARM`,
      schedule: events.Schedule.rate(props.interval),
      targets: [
        new targets.SfnStateMachine(this.stateMachine, {
          retryAttempts: 2,
          deadLetterQueue: props.deadLetterQueue,
        }),
      ],
    });

    this.failedAlarm = this.stateMachine
      .metricFailed({ period: HEALTH_ALARM_PERIOD, statistic: 'Sum' })
      .createAlarm(this, 'FailedAlarm', {
        alarmDescription: `A reminder run of the watcher's alarms failed: alarms left in ALARM are not being repeated every ${every}. See the state machine's log group.`,
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    notifyOps(props.opsTopic, this.failedAlarm);
  }
}
