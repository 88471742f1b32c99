import { describe, expect, it } from 'vitest';
import { pascalCase } from '../../lib/naming';
import { TOOL_NAMES } from '../../runtime/tools/catalog';
import { exampleShop, resourceNamed, resourcesOf, shopWith, synthExample, synthShop } from './synth';

describe('observability', () => {
  const { template } = synthExample();
  const shop = exampleShop();
  const topic = () => resourceNamed(template, 'AWS::SNS::Topic', 'ObservabilityAlarmTopic').logicalId;
  const alarm = (name: string) =>
    resourceNamed(template, 'AWS::CloudWatch::Alarm', `Observability${name}`).Properties;

  it('e-mails alarms to the shop over a TLS-only topic', () => {
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: shop.alarmEmail,
      TopicArn: { Ref: topic() },
    });
    const policy = Object.values(resourcesOf(template, 'AWS::SNS::TopicPolicy'))[0]!;
    expect(JSON.stringify(policy.Properties.PolicyDocument)).toContain('"aws:SecureTransport":"false"');
  });

  it.each([
    ['Target5xx', 'AWS/ApplicationELB', 'HTTPCode_Target_5XX_Count'],
    ['LoadBalancer5xx', 'AWS/ApplicationELB', 'HTTPCode_ELB_5XX_Count'],
    ['UnhealthyHosts', 'AWS/ApplicationELB', 'UnHealthyHostCount'],
    ['NoHealthyHosts', 'AWS/ApplicationELB', 'HealthyHostCount'],
    ['DialerErrors', 'AWS/Lambda', 'Errors'],
    ['ReminderDeadLetters', 'AWS/SQS', 'ApproximateNumberOfMessagesVisible'],
    ['ServerErrors', `Pitcrew/${exampleShop().shopId}`, 'ServerErrorLines'],
    ['CallsTurnedAway', `Pitcrew/${exampleShop().shopId}`, 'CallsTurnedAway'],
    ...TOOL_NAMES.map((tool) => [`ToolErrors${pascalCase(tool)}`, 'AWS/Lambda', 'Errors']),
  ])('alarms on %s (%s %s) and notifies the topic', (name, namespace, metricName) => {
    const properties = alarm(name);
    expect(properties).toMatchObject({ Namespace: namespace, MetricName: metricName });
    expect(properties.AlarmActions).toEqual([{ Ref: topic() }]);
    expect(properties.OKActions).toEqual([{ Ref: topic() }]);
  });

  it("counts the voice server's error lines from its own log group", () => {
    const logGroup = resourceNamed(template, 'AWS::Logs::LogGroup', 'VoiceLogs').logicalId;
    template.hasResourceProperties('AWS::Logs::MetricFilter', {
      LogGroupName: { Ref: logGroup },
      FilterPattern: '{ $.level >= 50 }',
      MetricTransformations: [
        {
          MetricNamespace: `Pitcrew/${shop.shopId}`,
          MetricName: 'ServerErrorLines',
          MetricValue: '1',
          DefaultValue: 0,
        },
      ],
    });
    expect(alarm('ServerErrors')).toMatchObject({ Threshold: 3, Statistic: 'Sum', Period: 300 });
  });

  it('watches each tool function with its own alarm', () => {
    for (const tool of TOOL_NAMES) {
      const fn = resourceNamed(template, 'AWS::Lambda::Function', `Tools${pascalCase(tool)}`).logicalId;
      expect(alarm(`ToolErrors${pascalCase(tool)}`).Dimensions).toEqual([
        { Name: 'FunctionName', Value: { Ref: fn } },
      ]);
    }
  });

  it('alarms on the first caller turned away because every task was full', () => {
    const logGroup = resourceNamed(template, 'AWS::Logs::LogGroup', 'VoiceLogs').logicalId;
    template.hasResourceProperties('AWS::Logs::MetricFilter', {
      LogGroupName: { Ref: logGroup },
      FilterPattern: '{ $.refusal = "at_capacity" }',
      MetricTransformations: [
        {
          MetricNamespace: `Pitcrew/${shop.shopId}`,
          MetricName: 'CallsTurnedAway',
          MetricValue: '1',
          DefaultValue: 0,
        },
      ],
    });
    expect(alarm('CallsTurnedAway')).toMatchObject({ Threshold: 1, Statistic: 'Sum', Period: 300 });
  });

  it('alarms below scaling.minTasks healthy tasks only when that is more than one (else NoHealthyHosts is it)', () => {
    expect(
      Object.keys(resourcesOf(template, 'AWS::CloudWatch::Alarm')).filter((id) =>
        id.includes('BelowMinimumTasks'),
      ),
    ).toEqual([]);
    const three = synthShop(shopWith({ scaling: { minTasks: 3, maxTasks: 6 } })).template;
    const below = resourceNamed(three, 'AWS::CloudWatch::Alarm', 'ObservabilityBelowMinimumTasks').Properties;
    expect(below).toMatchObject({
      MetricName: 'HealthyHostCount',
      Statistic: 'Minimum',
      Threshold: 3,
      ComparisonOperator: 'LessThanThreshold',
      EvaluationPeriods: 5,
      TreatMissingData: 'breaching',
    });
  });

  it('alarms as soon as one reminder lands in the dead-letter queue', () => {
    expect(alarm('ReminderDeadLetters')).toMatchObject({
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Statistic: 'Maximum',
    });
  });

  it('has a dashboard covering the ALB, ECS, the tools, the dialer and the DLQ', () => {
    const dashboard = resourceNamed(template, 'AWS::CloudWatch::Dashboard', 'ObservabilityDashboard');
    expect(dashboard.Properties.DashboardName).toBe(`Pitcrew-${shop.shopId}`);
    const body = JSON.stringify(dashboard.Properties.DashboardBody);
    for (const metric of [
      'RequestCount',
      'HTTPCode_Target_5XX_Count',
      'TargetResponseTime',
      'CPUUtilization',
      'MemoryUtilization',
      'RunningTaskCount',
      'Duration',
      'Invocations',
      'ApproximateNumberOfMessagesVisible',
    ]) {
      expect(body, metric).toContain(metric);
    }
  });
});

describe('outputs', () => {
  const { template } = synthExample();
  const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
  const distribution = resourceNamed(template, 'AWS::CloudFront::Distribution', 'EdgeDistribution').logicalId;
  const url = (path: string) => ({
    'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [distribution, 'DomainName'] }, path]],
  });

  it('gives Twilio the webhook and status callback URLs on the public host', () => {
    expect(outputs.VoiceWebhookUrl?.Value).toEqual(url('/twilio/voice'));
    expect(outputs.StatusCallbackUrl?.Value).toEqual(url('/twilio/status'));
  });

  it('names the secret to fill in, the service to redeploy, the alarm topic and the dashboard', () => {
    expect(outputs.SecretName?.Value).toBe('pitcrew/example/api-keys');
    expect(outputs.ServiceName?.Value).toEqual({
      'Fn::GetAtt': [resourceNamed(template, 'AWS::ECS::Service', 'VoiceService').logicalId, 'Name'],
    });
    expect(outputs.DashboardName?.Value).toEqual({
      Ref: resourceNamed(template, 'AWS::CloudWatch::Dashboard', 'ObservabilityDashboard').logicalId,
    });
    expect(outputs.AlarmTopicArn?.Value).toEqual({
      Ref: resourceNamed(template, 'AWS::SNS::Topic', 'ObservabilityAlarmTopic').logicalId,
    });
    expect(outputs.DashboardUrl?.Value).toBe(
      'https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#dashboards/dashboard/Pitcrew-example',
    );
  });
});
