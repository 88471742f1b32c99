import { Duration, Stack } from 'aws-cdk-lib';
import {
  Alarm,
  AlarmStatusWidget,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type IMetric,
  Metric,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { HttpCodeElb, HttpCodeTarget } from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { FilterPattern, MetricFilter } from 'aws-cdk-lib/aws-logs';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import type { ShopConfig } from '../../runtime/config/shop-config';
import type { ToolName } from '../../runtime/tools/catalog';
import { pascalCase } from '../naming';
import type { Reminders } from './reminders';
import type { Tools } from './tools';
import type { VoiceService } from './voice-service';

const FIVE_MINUTES = Duration.minutes(5);
/** pino's level number for `error` (fatal is 60). */
const ERROR_LEVEL = 50;
const ONE_MINUTE = Duration.minutes(1);

export interface ObservabilityProps {
  readonly shop: ShopConfig;
  readonly voice: VoiceService;
  readonly tools: Tools;
  readonly reminders: Reminders;
}

/** Alarms that e-mail the shop's operator, and one dashboard for the whole shop. */
export class Observability extends Construct {
  public readonly alarmTopic: Topic;
  public readonly alarms: Alarm[] = [];
  public readonly dashboard: Dashboard;
  public readonly dashboardUrl: string;

  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id);
    const { shop, voice, tools, reminders } = props;
    const { loadBalancer, targetGroup, service, cluster } = voice;

    // No SSE: CloudWatch cannot publish to a topic under the AWS-managed SNS key, and a customer key
    // would cost more than everything else here for alarm texts that hold no customer data.
    this.alarmTopic = new Topic(this, 'AlarmTopic', {
      displayName: `Pitcrew ${shop.shopId} alarms`,
      enforceSSL: true,
    });
    this.alarmTopic.addSubscription(new EmailSubscription(shop.alarmEmail));

    // Each failed request here is a caller who heard an error or silence, so thresholds are low.
    this.addAlarm('Target5xx', 'The voice server answered with 5xx errors', {
      metric: loadBalancer.metrics.httpCodeTarget(HttpCodeTarget.TARGET_5XX_COUNT, { period: FIVE_MINUTES }),
      threshold: 3,
    });
    this.addAlarm(
      'LoadBalancer5xx',
      'The load balancer returned 5xx errors (no healthy task or a task crashed)',
      {
        metric: loadBalancer.metrics.httpCodeElb(HttpCodeElb.ELB_5XX_COUNT, { period: FIVE_MINUTES }),
        threshold: 3,
      },
    );
    this.addAlarm('UnhealthyHosts', 'A voice server task fails its health check', {
      metric: targetGroup.metrics.unhealthyHostCount({ period: ONE_MINUTE, statistic: 'Maximum' }),
      threshold: 1,
      evaluationPeriods: 3,
    });
    this.addAlarm('NoHealthyHosts', 'No healthy voice server task: calls cannot be answered', {
      metric: targetGroup.metrics.healthyHostCount({ period: ONE_MINUTE, statistic: 'Minimum' }),
      threshold: 1,
      evaluationPeriods: 2,
      comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
      // The ALB reports this metric every minute; silence means the target group is gone or broken.
      treatMissingData: TreatMissingData.BREACHING,
    });
    if (shop.scaling.minTasks > 1) {
      // With one task, NoHealthyHosts is this alarm. Deploys start new tasks before stopping old
      // ones (minHealthyPercent 100), and a replaced task is healthy again within ~3 minutes.
      this.addAlarm(
        'BelowMinimumTasks',
        `Fewer than scaling.minTasks (${shop.scaling.minTasks}) healthy voice server tasks`,
        {
          metric: targetGroup.metrics.healthyHostCount({ period: ONE_MINUTE, statistic: 'Minimum' }),
          threshold: shop.scaling.minTasks,
          evaluationPeriods: 5,
          comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
          treatMissingData: TreatMissingData.BREACHING,
        },
      );
    }
    // A caller who heard the busy line and was put through to the shop, or a reminder hung up: every
    // task was full. Scaling on calls should prevent it; when it does not, maxTasks (or the
    // per-task limit) is too low for the shop's peak.
    const callsTurnedAway = new MetricFilter(this, 'CallsTurnedAwayLines', {
      logGroup: voice.logGroup,
      filterPattern: FilterPattern.stringValue('$.refusal', '=', 'at_capacity'),
      metricNamespace: `Pitcrew/${shop.shopId}`,
      metricName: 'CallsTurnedAway',
      metricValue: '1',
      defaultValue: 0,
    });
    this.addAlarm(
      'CallsTurnedAway',
      'Calls were refused because the voice server tasks were full: raise scaling.maxTasks or calls.maxConcurrentCallsPerTask',
      {
        metric: callsTurnedAway.metric({ period: FIVE_MINUTES, statistic: 'Sum' }),
        threshold: 1,
      },
    );
    // Error lines are failures a caller met (a call that could not start, a webhook answered with
    // the fallback, an unhandled rejection): no AWS metric sees them, the task stays healthy.
    const serverErrorLines = new MetricFilter(this, 'ServerErrorLines', {
      logGroup: voice.logGroup,
      filterPattern: FilterPattern.numberValue('$.level', '>=', ERROR_LEVEL),
      // A filter's dimensions can only come from the line: the shop goes in the namespace instead.
      metricNamespace: `Pitcrew/${shop.shopId}`,
      metricName: 'ServerErrorLines',
      metricValue: '1',
      defaultValue: 0,
    });
    this.addAlarm('ServerErrors', 'The voice server logged errors (see its log group for the lines)', {
      metric: serverErrorLines.metric({ period: FIVE_MINUTES, statistic: 'Sum' }),
      threshold: 3,
    });
    for (const [toolName, fn] of Object.entries(tools.functions) as [ToolName, NodejsFunction][]) {
      this.addAlarm(`ToolErrors${pascalCase(toolName)}`, `The ${toolName} tool Lambda failed`, {
        metric: fn.metricErrors({ period: FIVE_MINUTES }),
        threshold: 1,
      });
    }
    this.addAlarm('DialerErrors', 'The reminder dialer Lambda failed', {
      metric: reminders.dialer.metricErrors({ period: FIVE_MINUTES }),
      threshold: 1,
    });
    this.addAlarm(
      'ReminderDeadLetters',
      'Reminders that failed for good: EventBridge Scheduler could not invoke the dialer, or the dialer failed every attempt',
      {
        metric: reminders.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
          period: FIVE_MINUTES,
          statistic: 'Maximum',
        }),
        threshold: 1,
      },
    );

    const dashboardName = `Pitcrew-${shop.shopId}`;
    this.dashboard = new Dashboard(this, 'Dashboard', { dashboardName, defaultInterval: Duration.hours(3) });
    const region = Stack.of(this).region;
    this.dashboardUrl = `https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#dashboards/dashboard/${dashboardName}`;

    const toolMetrics = (metric: (fn: NodejsFunction) => IMetric) =>
      Object.values(tools.functions).map(metric);
    const runningTasks = new Metric({
      namespace: 'ECS/ContainerInsights',
      metricName: 'RunningTaskCount',
      dimensionsMap: { ClusterName: cluster.clusterName, ServiceName: service.serviceName },
      statistic: 'Average',
      period: ONE_MINUTE,
    });

    this.dashboard.addWidgets(
      new AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 24, height: 3 }),
    );
    this.dashboard.addWidgets(
      graph('ALB requests', [loadBalancer.metrics.requestCount({ period: ONE_MINUTE })]),
      graph('5xx errors', [
        loadBalancer.metrics.httpCodeTarget(HttpCodeTarget.TARGET_5XX_COUNT, { period: ONE_MINUTE }),
        loadBalancer.metrics.httpCodeElb(HttpCodeElb.ELB_5XX_COUNT, { period: ONE_MINUTE }),
      ]),
      graph('Target response time (webhooks)', [
        loadBalancer.metrics.targetResponseTime({ statistic: 'p50', period: ONE_MINUTE }),
        loadBalancer.metrics.targetResponseTime({ statistic: 'p95', period: ONE_MINUTE }),
      ]),
    );
    this.dashboard.addWidgets(
      graph('Voice server CPU / memory (%)', [
        service.metricCpuUtilization({ period: ONE_MINUTE }),
        service.metricMemoryUtilization({ period: ONE_MINUTE }),
      ]),
      graph('Tasks', [
        runningTasks,
        targetGroup.metrics.healthyHostCount({ period: ONE_MINUTE }),
        targetGroup.metrics.unhealthyHostCount({ period: ONE_MINUTE }),
      ]),
      graph('Live calls per task (what scaling tracks) / turned away', [
        voice.activeCallsPerTask,
        callsTurnedAway.metric({ period: ONE_MINUTE, statistic: 'Sum' }),
      ]),
    );
    this.dashboard.addWidgets(
      graph(
        'Tool errors',
        toolMetrics((fn) => fn.metricErrors({ period: FIVE_MINUTES })),
      ),
      graph(
        'Tool duration p95 (ms)',
        toolMetrics((fn) => fn.metricDuration({ statistic: 'p95', period: FIVE_MINUTES })),
      ),
      graph('Reminder dialer', [
        reminders.dialer.metricInvocations({ period: FIVE_MINUTES }),
        reminders.dialer.metricErrors({ period: FIVE_MINUTES }),
        reminders.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
          period: FIVE_MINUTES,
          statistic: 'Maximum',
          label: 'Dead letters',
        }),
      ]),
    );
  }

  private addAlarm(
    id: string,
    description: string,
    options: {
      metric: IMetric;
      threshold: number;
      evaluationPeriods?: number;
      comparisonOperator?: ComparisonOperator;
      treatMissingData?: TreatMissingData;
    },
  ): Alarm {
    const alarm = new Alarm(this, id, {
      alarmDescription: description,
      metric: options.metric,
      threshold: options.threshold,
      evaluationPeriods: options.evaluationPeriods ?? 1,
      comparisonOperator: options.comparisonOperator ?? ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: options.treatMissingData ?? TreatMissingData.NOT_BREACHING,
    });
    const action = new SnsAction(this.alarmTopic);
    alarm.addAlarmAction(action);
    alarm.addOkAction(action);
    this.alarms.push(alarm);
    return alarm;
  }
}

function graph(title: string, metrics: IMetric[]): GraphWidget {
  return new GraphWidget({ title, left: metrics, width: 8, height: 6 });
}
