import { Duration, Stack, Token } from 'aws-cdk-lib';
import type { IMetric } from 'aws-cdk-lib/aws-cloudwatch';
import { IpAddresses, type IVpc, Port, SecurityGroup, SubnetType, Vpc } from 'aws-cdk-lib/aws-ec2';
import { Platform } from 'aws-cdk-lib/aws-ecr-assets';
import {
  type CfnService,
  Cluster,
  type ContainerDefinition,
  ContainerImage,
  ContainerInsights,
  CpuArchitecture,
  Secret as EcsSecret,
  FargateService,
  FargateTaskDefinition,
  LogDrivers,
  OperatingSystemFamily,
} from 'aws-cdk-lib/aws-ecs';
import {
  ApplicationLoadBalancer,
  ApplicationProtocol,
  ApplicationTargetGroup,
  TargetGroupLoadBalancingAlgorithmType,
  TargetType,
} from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { FilterPattern, LogGroup } from 'aws-cdk-lib/aws-logs';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { ShopConfig } from '../../runtime/config/shop-config';
import { SHOP_CONFIG_ENV, type ToolName } from '../../runtime/tools/catalog';
import { acknowledge, acknowledgeWildcardResource } from '../nag';
import { REPO_ROOT } from '../paths';
import { LOG_RETENTION } from './node-function';
import { SECRET_FIELD_NAMES, SECRET_FIELDS } from './secrets';
import type { Storage } from './storage';

export const CONTAINER_PORT = 8080;
export const HEALTH_CHECK_PATH = '/healthz';

/**
 * 0.5 vCPU / 1 GB: a task holds up to `calls.maxConcurrentCallsPerTask` (default 25) calls, each a
 * Twilio media WebSocket plus Deepgram and OpenAI streams with μ-law/base64 work every 20 ms.
 * `npm run bench` measures ~0.8–1.1 % of a core per busy call and ~80 MB of heap plus ~1 MB per call
 * (README and docs/benchmark.md), so 25 calls use about half the task's CPU: CPU scaling (50 %) adds a task
 * before the cap is reached, and the cap keeps a burst from starving the calls already up. 0.25 vCPU
 * would leave no headroom, and arm64 keeps this size cheap.
 */
export const TASK_CPU = 512;
/**
 * The `msg` of the line each task logs twice a minute with its live calls in `activeCalls`
 * (runtime/server/capacity-report.ts; test/e2e/capacity-metrics.test.ts holds the two together).
 */
export const CAPACITY_REPORT_MESSAGE = 'call capacity';
/**
 * Auto scaling keeps the average task at this share of the shop's per-task call limit: the rest
 * is room for the calls that arrive while a new task starts (a minute or two).
 */
export const CALLS_TARGET_SHARE = 0.6;
export const TASK_MEMORY_MIB = 1024;

/**
 * Seconds an idle connection may stay open on the ALB. Twilio streams audio every 20 ms, so a live call is
 * never idle; 900 s only has to outlast CloudFront's ~10-minute WebSocket idle limit so the ALB is never
 * the component that cuts a quiet socket, while half-open sockets from dead peers still get reaped.
 */
export const ALB_IDLE_TIMEOUT = Duration.seconds(900);

/** Fargate's maximum: time between SIGTERM and SIGKILL for the server to end its last calls politely. */
export const STOP_TIMEOUT = Duration.seconds(120);

/**
 * Paths that never belong in the image build context (kept equal to /.dockerignore; a test checks). Besides
 * keeping secrets and bulk out, this keeps infrastructure, docs and tooling edits from changing the image
 * hash, which would roll every shop's tasks on the next deploy.
 */
export const IMAGE_EXCLUDES = [
  'node_modules',
  '**/node_modules',
  'cdk.out',
  '.git',
  'test',
  'bench',
  'dist',
  'coverage',
  'docs',
  'bin',
  'lib',
  'dev',
  'shops',
  '.ci',
  '.env',
  '.env.*',
  '*.log',
  '*.md',
  '.vitest-cache',
  'biome.json',
  'cdk.json',
  'cdk.context.json',
  'vitest.config.ts',
];

export interface VoiceServiceProps {
  readonly shop: ShopConfig;
  readonly storage: Storage;
  readonly secret: ISecret;
  /** The tool Lambdas the server invokes (TOOLS_INVOKER=lambda); the task may invoke exactly these. */
  readonly toolFunctions: Record<ToolName, IFunction>;
}

/**
 * The Fargate voice server (Twilio webhooks + media WebSocket) behind an internet-facing ALB, in public
 * subnets without NAT. Listeners are added by the Edge construct, which decides how the public reaches
 * the load balancer.
 */
export class VoiceService extends Construct {
  public readonly vpc: IVpc;
  public readonly cluster: Cluster;
  public readonly taskDefinition: FargateTaskDefinition;
  public readonly container: ContainerDefinition;
  public readonly service: FargateService;
  public readonly loadBalancer: ApplicationLoadBalancer;
  public readonly targetGroup: ApplicationTargetGroup;
  public readonly logGroup: LogGroup;
  /** Live calls per task, averaged over the tasks each minute; what the service scales on. */
  public readonly activeCallsPerTask: IMetric;
  public readonly accessLogBucket?: Bucket;

  constructor(scope: Construct, id: string, props: VoiceServiceProps) {
    super(scope, id);
    const { shop, storage, secret, toolFunctions } = props;
    const stack = Stack.of(this);

    this.vpc = shop.vpcId ? Vpc.fromLookup(this, 'Vpc', { vpcId: shop.vpcId }) : this.createVpc();

    this.cluster = new Cluster(this, 'Cluster', {
      vpc: this.vpc,
      // A fixed name lets the task-protection permission below name the cluster instead of a wildcard.
      clusterName: `pitcrew-${shop.shopId}`,
      containerInsightsV2: ContainerInsights.ENABLED,
    });

    this.logGroup = new LogGroup(this, 'Logs', { retention: LOG_RETENTION });

    this.taskDefinition = new FargateTaskDefinition(this, 'TaskDefinition', {
      cpu: TASK_CPU,
      memoryLimitMiB: TASK_MEMORY_MIB,
      runtimePlatform: {
        cpuArchitecture: CpuArchitecture.ARM64,
        operatingSystemFamily: OperatingSystemFamily.LINUX,
      },
    });
    acknowledge(
      this.taskDefinition,
      'ECS2',
      'Only non-secret configuration is passed as plain environment; the API keys come from Secrets Manager.',
    );

    this.container = this.taskDefinition.addContainer('Server', {
      image: ContainerImage.fromAsset(REPO_ROOT, {
        file: 'runtime/Dockerfile',
        platform: Platform.LINUX_ARM64,
        exclude: IMAGE_EXCLUDES,
      }),
      portMappings: [{ containerPort: CONTAINER_PORT }],
      stopTimeout: STOP_TIMEOUT,
      logging: LogDrivers.awsLogs({ logGroup: this.logGroup, streamPrefix: 'server' }),
      environment: {
        PORT: String(CONTAINER_PORT),
        SHOP_ID: shop.shopId,
        [SHOP_CONFIG_ENV]: JSON.stringify(shop),
        LOG_LEVEL: 'info',
        TOOLS_INVOKER: 'lambda',
        TOOL_FUNCTIONS: stack.toJsonString(
          Object.fromEntries(Object.entries(toolFunctions).map(([name, fn]) => [name, fn.functionName])),
        ),
        ...storage.environment(),
      },
      secrets: Object.fromEntries(
        SECRET_FIELD_NAMES.map((field) => [
          SECRET_FIELDS[field],
          EcsSecret.fromSecretsManager(secret, field),
        ]),
      ),
    });
    acknowledgeWildcardResource(
      this.taskDefinition.obtainExecutionRole(),
      '*',
      'ecr:GetAuthorizationToken, added by ECS for the image pull, does not support resource-level permissions.',
    );

    this.grantTaskPermissions(shop, storage, toolFunctions);

    const loadBalancerSecurityGroup = new SecurityGroup(this, 'LoadBalancerSecurityGroup', {
      vpc: this.vpc,
      description: `Pitcrew ${shop.shopId}: public load balancer`,
      allowAllOutbound: false,
    });
    this.loadBalancer = new ApplicationLoadBalancer(this, 'LoadBalancer', {
      vpc: this.vpc,
      vpcSubnets: { subnetType: SubnetType.PUBLIC },
      internetFacing: true,
      securityGroup: loadBalancerSecurityGroup,
      idleTimeout: ALB_IDLE_TIMEOUT,
      dropInvalidHeaderFields: true,
    });
    this.accessLogBucket = this.enableAccessLogs();

    const serviceSecurityGroup = new SecurityGroup(this, 'ServiceSecurityGroup', {
      vpc: this.vpc,
      description: `Pitcrew ${shop.shopId}: voice server tasks, reachable only from the load balancer`,
      // Tasks call OpenAI, Deepgram, Twilio and AWS APIs over the internet gateway.
      allowAllOutbound: true,
    });
    serviceSecurityGroup.connections.allowFrom(
      loadBalancerSecurityGroup,
      Port.tcp(CONTAINER_PORT),
      'Load balancer to voice server',
    );

    this.service = new FargateService(this, 'Service', {
      cluster: this.cluster,
      taskDefinition: this.taskDefinition,
      // Public subnets with public IPs instead of NAT gateways (~$33/month each) for outbound traffic.
      vpcSubnets: { subnetType: SubnetType.PUBLIC },
      assignPublicIp: true,
      securityGroups: [serviceSecurityGroup],
      circuitBreaker: { enable: true, rollback: true },
      // Never drop below the running count during a deploy: a stopped task ends the calls it carries.
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
      healthCheckGracePeriod: Duration.seconds(60),
    });
    // Without DesiredCount in the template, deploys keep the count auto scaling chose instead of resetting
    // it (which would scale in tasks that carry calls). CloudFormation starts a new service with one task.
    (this.service.node.defaultChild as CfnService).addPropertyDeletionOverride('DesiredCount');

    this.targetGroup = new ApplicationTargetGroup(this, 'TargetGroup', {
      vpc: this.vpc,
      port: CONTAINER_PORT,
      protocol: ApplicationProtocol.HTTP,
      targetType: TargetType.IP,
      targets: [this.service],
      // Lets a call that started just before a deploy or scale-in run to its maximum length before the
      // ALB closes its WebSocket; the ALB finishes deregistration early once a target has no connections.
      deregistrationDelay: Duration.minutes(Math.min(shop.calls.maxCallMinutes, 60)),
      // A call's socket is one long request: the task carrying the fewest gets the next one, so
      // calls spread by load rather than in turn (each task still refuses past its own limit).
      loadBalancingAlgorithmType: TargetGroupLoadBalancingAlgorithmType.LEAST_OUTSTANDING_REQUESTS,
      healthCheck: {
        path: HEALTH_CHECK_PATH,
        interval: Duration.seconds(15),
        timeout: Duration.seconds(5),
        healthyThresholdCount: 2,
        unhealthyThresholdCount: 3,
      },
    });

    this.activeCallsPerTask = this.logGroup
      .addMetricFilter('ActiveCallsPerTask', {
        filterPattern: FilterPattern.stringValue('$.msg', '=', CAPACITY_REPORT_MESSAGE),
        // A filter's dimensions can only come from the line: the shop goes in the namespace instead.
        metricNamespace: `Pitcrew/${shop.shopId}`,
        metricName: 'ActiveCallsPerTask',
        metricValue: '$.activeCalls',
      })
      // Every task reports twice a minute, so the average of a minute's lines is calls per task.
      .metric({ statistic: 'Average', period: Duration.minutes(1) });

    const scaling = this.service.autoScaleTaskCount({
      minCapacity: shop.scaling.minTasks,
      maxCapacity: shop.scaling.maxTasks,
    });
    // Either policy scales out; scale-in needs both. Calls come first: a task refuses calls at its
    // limit while its CPU is far below any target, so CPU alone would never add a task.
    scaling.scaleToTrackCustomMetric('Calls', {
      metric: this.activeCallsPerTask,
      targetValue: Math.max(1, Math.floor(shop.calls.maxConcurrentCallsPerTask * CALLS_TARGET_SHARE)),
      scaleOutCooldown: Duration.minutes(1),
      // Scale-in is slow on purpose; tasks with calls in flight also protect themselves (see task role).
      scaleInCooldown: Duration.minutes(10),
    });
    scaling.scaleOnCpuUtilization('Cpu', {
      targetUtilizationPercent: 50,
      scaleOutCooldown: Duration.minutes(1),
      scaleInCooldown: Duration.minutes(10),
    });
  }

  private createVpc(): Vpc {
    const vpc = new Vpc(this, 'Vpc', {
      ipAddresses: IpAddresses.cidr('10.40.0.0/16'),
      maxAzs: 2,
      natGateways: 0,
      subnetConfiguration: [{ name: 'Public', subnetType: SubnetType.PUBLIC, cidrMask: 24 }],
    });
    acknowledge(
      vpc,
      'VPC7',
      'The VPC holds only the ALB and the voice tasks; ALB access logs and application logs cover its traffic.',
    );
    return vpc;
  }

  private grantTaskPermissions(
    shop: ShopConfig,
    storage: Storage,
    toolFunctions: Record<ToolName, IFunction>,
  ) {
    const taskRole = this.taskDefinition.taskRole;
    // The server writes call records (runtime/data/calls-repo.ts: Get, Put and conditional Update
    // only, never a Scan, Query or Delete); everything else goes through the tool Lambdas, except the
    // outcome of a reminder call, which its status webhook writes onto the appointment
    // (runtime/reminders/call-outcome.ts: one GetItem, one conditional UpdateItem).
    taskRole.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
        resources: [storage.tables.calls.tableArn],
      }),
    );
    taskRole.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
        resources: [storage.tables.appointments.tableArn],
      }),
    );
    // Unqualified ARNs only (grantInvoke would add `:*` for every version and alias).
    taskRole.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['lambda:InvokeFunction'],
        resources: Object.values(toolFunctions).map((fn) => fn.functionArn),
      }),
    );
    // Tasks with calls in flight mark themselves protected so scale-in and deploys pick other tasks.
    const ownTasks = Stack.of(this).formatArn({
      service: 'ecs',
      resource: 'task',
      resourceName: `pitcrew-${shop.shopId}/*`,
    });
    taskRole.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['ecs:UpdateTaskProtection', 'ecs:GetTaskProtection'],
        resources: [ownTasks],
      }),
    );
    acknowledgeWildcardResource(
      taskRole,
      ownTasks,
      'A task protects itself; task ids are unknown at deploy time, so the ARN is limited to the cluster.',
    );
  }

  /**
   * ALB access logging needs the region at synth (the log-delivery principal differs per region). Every
   * `cdk deploy` has one; only region-agnostic synths (unit tests, no AWS config) go without.
   */
  private enableAccessLogs(): Bucket | undefined {
    if (Token.isUnresolved(Stack.of(this).region)) {
      acknowledge(
        this.loadBalancer,
        'ELB2',
        'Region-agnostic synth: ALB access logs are enabled whenever the stack has a region, as in every deploy.',
      );
      return undefined;
    }
    const bucket = new Bucket(this, 'AccessLogs', {
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ expiration: Duration.days(90) }],
    });
    acknowledge(
      bucket,
      'S1',
      'This bucket receives the ALB access logs; logging its own access would add noise only.',
    );
    this.loadBalancer.logAccessLogs(bucket, 'alb');
    return bucket;
  }
}
