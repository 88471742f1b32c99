import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { SECRET_FIELDS, SECRET_PLACEHOLDER } from '../../lib/constructs/secrets';
import { ALB_IDLE_TIMEOUT, IMAGE_EXCLUDES } from '../../lib/constructs/voice-service';
import { REPO_ROOT } from '../../lib/paths';
import { HTTP_KEEP_ALIVE_TIMEOUT_MS } from '../../runtime/server/app';
import { TOOL_NAMES } from '../../runtime/tools/catalog';
import {
  actionsOf,
  exampleShop,
  mentions,
  resourceNamed,
  resourcesOf,
  resourcesOfStatement,
  shopWith,
  statementsOfRole,
  synthExample,
  synthShop,
  TEST_ENV,
} from './synth';

function containerOf(template: ReturnType<typeof synthExample>['template']) {
  const taskDefinition = resourceNamed(template, 'AWS::ECS::TaskDefinition', 'VoiceTaskDefinition');
  return taskDefinition.Properties.ContainerDefinitions[0] as {
    Environment: { Name: string; Value: unknown }[];
    Secrets: { Name: string; ValueFrom: unknown }[];
    [key: string]: unknown;
  };
}

describe('voice service', () => {
  const { template, stack } = synthExample();
  const shop = exampleShop();

  it('runs an arm64 Fargate task whose container gets 120 s to stop', () => {
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      RequiresCompatibilities: ['FARGATE'],
      RuntimePlatform: { CpuArchitecture: 'ARM64', OperatingSystemFamily: 'LINUX' },
      ContainerDefinitions: [
        Match.objectLike({ StopTimeout: 120, PortMappings: [{ ContainerPort: 8080, Protocol: 'tcp' }] }),
      ],
    });
  });

  it('builds the image from the repository root with the same exclusions as .dockerignore', () => {
    const dockerignore = readFileSync(join(REPO_ROOT, '.dockerignore'), 'utf8')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line && !line.startsWith('#'));
    expect([...dockerignore].sort()).toEqual([...IMAGE_EXCLUDES].sort());
  });

  it('logs the container to a log group with retention', () => {
    const container = containerOf(template);
    expect(container.LogConfiguration).toMatchObject({ LogDriver: 'awslogs' });
    const logGroup = resourceNamed(template, 'AWS::Logs::LogGroup', 'VoiceLogs');
    expect(logGroup.Properties.RetentionInDays).toBe(30);
  });

  it('takes the four API keys from the shop secret, never from plain environment', () => {
    const container = containerOf(template);
    const secret = resourceNamed(template, 'AWS::SecretsManager::Secret', 'SecretsApiKeys');
    expect(container.Secrets.map((s) => s.Name).sort()).toEqual(Object.values(SECRET_FIELDS).sort());
    for (const [field, name] of Object.entries(SECRET_FIELDS)) {
      const entry = container.Secrets.find((s) => s.Name === name)!;
      expect(mentions(entry.ValueFrom, secret.logicalId)).toBe(true);
      expect(JSON.stringify(entry.ValueFrom)).toContain(`:${field}::`);
    }
    const environmentNames = container.Environment.map((e) => e.Name);
    for (const name of Object.values(SECRET_FIELDS)) expect(environmentNames).not.toContain(name);
    const environmentText = JSON.stringify(container.Environment);
    for (const leak of ['sk-', 'sk_live', 'AC0', 'Token ', SECRET_PLACEHOLDER])
      expect(environmentText).not.toContain(leak);
  });

  it('creates the secret with placeholders only', () => {
    const secret = resourceNamed(template, 'AWS::SecretsManager::Secret', 'SecretsApiKeys');
    expect(secret.Properties.SecretString).toBeUndefined();
    const generate = secret.Properties.GenerateSecretString;
    expect(JSON.parse(generate.SecretStringTemplate)).toEqual(
      Object.fromEntries(Object.keys(SECRET_FIELDS).map((field) => [field, SECRET_PLACEHOLDER])),
    );
    expect(secret.Properties.Name).toBe(`pitcrew/${shop.shopId}/api-keys`);
  });

  it('passes configuration, table names, tool function names and the public URL as environment', () => {
    const env = Object.fromEntries(containerOf(template).Environment.map((e) => [e.Name, e.Value]));
    expect(env).toMatchObject({
      PORT: '8080',
      SHOP_ID: shop.shopId,
      TOOLS_INVOKER: 'lambda',
      LOG_LEVEL: 'info',
      CUSTOMERS_TABLE: {
        Ref: resourceNamed(template, 'AWS::DynamoDB::GlobalTable', 'StorageCustomers').logicalId,
      },
      CALLS_TABLE: { Ref: resourceNamed(template, 'AWS::DynamoDB::GlobalTable', 'StorageCalls').logicalId },
    });
    expect(JSON.parse(env.SHOP_CONFIG as string)).toEqual(shop);
    for (const tool of TOOL_NAMES) expect(JSON.stringify(env.TOOL_FUNCTIONS)).toContain(`"${tool}\\":\\"`);
    const distribution = resourceNamed(template, 'AWS::CloudFront::Distribution', 'EdgeDistribution');
    expect(env.PUBLIC_BASE_URL).toEqual({
      'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [distribution.logicalId, 'DomainName'] }]],
    });
  });

  it('rolls back failed deploys and never drops below the running count', () => {
    template.hasResourceProperties('AWS::ECS::Service', {
      LaunchType: 'FARGATE',
      DeploymentConfiguration: Match.objectLike({
        DeploymentCircuitBreaker: { Enable: true, Rollback: true },
        MinimumHealthyPercent: 100,
        MaximumPercent: 200,
      }),
      NetworkConfiguration: { AwsvpcConfiguration: Match.objectLike({ AssignPublicIp: 'ENABLED' }) },
    });
  });

  it('leaves the task count to auto scaling (no DesiredCount to reset on deploy)', () => {
    const service = resourceNamed(template, 'AWS::ECS::Service', 'VoiceService');
    expect(service.Properties.DesiredCount).toBeUndefined();
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', {
      MinCapacity: shop.scaling.minTasks,
      MaxCapacity: shop.scaling.maxTasks,
    });
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      TargetTrackingScalingPolicyConfiguration: Match.objectLike({
        PredefinedMetricSpecification: { PredefinedMetricType: 'ECSServiceAverageCPUUtilization' },
      }),
    });
  });

  it('scales on live calls per task, at 60 % of the per-task limit, read from the capacity lines', () => {
    // The example shop carries 25 calls a task; CPU alone would never scale before a task is full.
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      TargetTrackingScalingPolicyConfiguration: Match.objectLike({
        TargetValue: 15,
        CustomizedMetricSpecification: Match.objectLike({
          Namespace: `Pitcrew/${shop.shopId}`,
          MetricName: 'ActiveCallsPerTask',
          Statistic: 'Average',
        }),
        ScaleOutCooldown: 60,
        ScaleInCooldown: 600,
      }),
    });
    const logGroup = resourceNamed(template, 'AWS::Logs::LogGroup', 'VoiceLogs').logicalId;
    template.hasResourceProperties('AWS::Logs::MetricFilter', {
      LogGroupName: { Ref: logGroup },
      FilterPattern: '{ $.msg = "call capacity" }',
      MetricTransformations: [
        {
          MetricNamespace: `Pitcrew/${shop.shopId}`,
          MetricName: 'ActiveCallsPerTask',
          MetricValue: '$.activeCalls',
        },
      ],
    });
    const oneCallTasks = synthShop(shopWith({ calls: { maxCallMinutes: 15, maxConcurrentCallsPerTask: 1 } }));
    oneCallTasks.template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      TargetTrackingScalingPolicyConfiguration: Match.objectLike({ TargetValue: 1 }),
    });
  });

  it('enables Container Insights on the cluster', () => {
    template.hasResourceProperties('AWS::ECS::Cluster', {
      ClusterName: `pitcrew-${shop.shopId}`,
      ClusterSettings: [{ Name: 'containerInsights', Value: 'enabled' }],
    });
  });

  it('keeps WebSockets open through the ALB and drains calls on deregistration', () => {
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      Scheme: 'internet-facing',
      LoadBalancerAttributes: Match.arrayWith([{ Key: 'idle_timeout.timeout_seconds', Value: '900' }]),
    });
    // The task must keep an idle connection longer than the ALB does, or a reused one gets a 502.
    expect(HTTP_KEEP_ALIVE_TIMEOUT_MS).toBeGreaterThan(ALB_IDLE_TIMEOUT.toMilliseconds());
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
      TargetType: 'ip',
      Port: 8080,
      HealthCheckPath: '/healthz',
      TargetGroupAttributes: Match.arrayWith([
        { Key: 'deregistration_delay.timeout_seconds', Value: String(shop.calls.maxCallMinutes * 60) },
        { Key: 'load_balancing.algorithm.type', Value: 'least_outstanding_requests' },
      ]),
    });
  });

  it('writes ALB access logs to an encrypted, private, TLS-only bucket', () => {
    const bucket = resourceNamed(template, 'AWS::S3::Bucket', 'VoiceAccessLogs');
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      LoadBalancerAttributes: Match.arrayWith([
        { Key: 'access_logs.s3.enabled', Value: 'true' },
        { Key: 'access_logs.s3.bucket', Value: { Ref: bucket.logicalId } },
      ]),
    });
    expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: bucket.logicalId },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('uses public subnets only: no NAT gateway, no private subnets', () => {
    template.resourceCountIs('AWS::EC2::NatGateway', 0);
    template.resourceCountIs('AWS::EC2::Subnet', 2);
    for (const subnet of Object.values(resourcesOf(template, 'AWS::EC2::Subnet'))) {
      expect(subnet.Properties.MapPublicIpOnLaunch).toBe(true);
    }
  });

  it('admits traffic to the tasks only from the load balancer', () => {
    const serviceGroup = resourceNamed(template, 'AWS::EC2::SecurityGroup', 'VoiceServiceSecurityGroup');
    const albGroup = resourceNamed(template, 'AWS::EC2::SecurityGroup', 'VoiceLoadBalancerSecurityGroup');
    expect(serviceGroup.Properties.SecurityGroupIngress).toBeUndefined();
    const ingress = Object.values(resourcesOf(template, 'AWS::EC2::SecurityGroupIngress')).filter((rule) =>
      mentions(rule.Properties.GroupId, serviceGroup.logicalId),
    );
    expect(ingress).toHaveLength(1);
    expect(ingress[0]!.Properties).toMatchObject({
      IpProtocol: 'tcp',
      FromPort: 8080,
      ToPort: 8080,
      SourceSecurityGroupId: { 'Fn::GetAtt': [albGroup.logicalId, 'GroupId'] },
    });
  });

  it('lets the task role invoke exactly the tool functions, use the calls table and record reminder outcomes', () => {
    const statements = statementsOfRole(template, 'VoiceTaskDefinitionTaskRole');
    const invoke = statements.filter((s) => actionsOf(s).includes('lambda:InvokeFunction'));
    expect(invoke).toHaveLength(1);
    const invoked = resourcesOfStatement(invoke[0]!);
    expect(invoked).toHaveLength(TOOL_NAMES.length);
    for (const fn of Object.values(stack.tools.functions)) {
      const logicalId = stack.getLogicalId(fn.node.defaultChild as never);
      expect(invoked).toContainEqual({ 'Fn::GetAtt': [logicalId, 'Arn'] });
    }
    const calls = resourceNamed(template, 'AWS::DynamoDB::GlobalTable', 'StorageCalls').logicalId;
    const appointments = resourceNamed(
      template,
      'AWS::DynamoDB::GlobalTable',
      'StorageAppointments',
    ).logicalId;
    const dynamo = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('dynamodb:')));
    expect(dynamo.flatMap(resourcesOfStatement)).toEqual([
      { 'Fn::GetAtt': [calls, 'Arn'] },
      { 'Fn::GetAtt': [appointments, 'Arn'] },
    ]);
    // Call records: read, write and update one by key, no more.
    expect(actionsOf(dynamo[0]!)).toEqual(['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem']);
    // The reminder-call status webhook: read the appointment and update its reminder state, no more.
    expect(actionsOf(dynamo[1]!)).toEqual(['dynamodb:GetItem', 'dynamodb:UpdateItem']);
    expect(statements.flatMap(actionsOf).filter((a) => a.startsWith('scheduler:'))).toEqual([]);
  });

  it('lets tasks protect themselves from scale-in, in their own cluster only', () => {
    const statements = statementsOfRole(template, 'VoiceTaskDefinitionTaskRole');
    const protection = statements.find((s) => actionsOf(s).includes('ecs:UpdateTaskProtection'));
    expect(JSON.stringify(protection?.Resource)).toContain(
      `:ecs:${TEST_ENV.region}:${TEST_ENV.account}:task/pitcrew-${shop.shopId}/*`,
    );
  });

  it('derives the deregistration delay from the longest allowed call', () => {
    const { template: longCalls } = synthShop(
      shopWith({ calls: { maxCallMinutes: 40, maxConcurrentCallsPerTask: 20 } }),
    );
    longCalls.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
      TargetGroupAttributes: Match.arrayWith([
        { Key: 'deregistration_delay.timeout_seconds', Value: '2400' },
      ]),
    });
  });

  describe('in an existing VPC (shop.vpcId)', () => {
    const vpcId = 'vpc-0123456789abcdef0';
    // What `cdk synth` stores in cdk.context.json after looking the VPC up.
    const lookup = {
      vpcId,
      vpcCidrBlock: '10.1.0.0/16',
      availabilityZones: [],
      subnetGroups: [
        {
          name: 'Public',
          type: 'Public',
          subnets: [
            {
              subnetId: 'subnet-0aaa',
              cidr: '10.1.0.0/24',
              availabilityZone: 'us-east-1a',
              routeTableId: 'rtb-0aaa',
            },
            {
              subnetId: 'subnet-0bbb',
              cidr: '10.1.1.0/24',
              availabilityZone: 'us-east-1b',
              routeTableId: 'rtb-0bbb',
            },
          ],
        },
      ],
    };
    const { template: existing } = synthShop(shopWith({ vpcId, aws: { ...TEST_ENV } }), {
      context: {
        [`vpc-provider:account=${TEST_ENV.account}:filter.vpc-id=${vpcId}:region=${TEST_ENV.region}:returnAsymmetricSubnets=true`]:
          lookup,
      },
    });

    it('creates no VPC and places the ALB and tasks in its public subnets', () => {
      existing.resourceCountIs('AWS::EC2::VPC', 0);
      existing.resourceCountIs('AWS::EC2::Subnet', 0);
      existing.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
        Subnets: ['subnet-0aaa', 'subnet-0bbb'],
      });
      existing.hasResourceProperties('AWS::ECS::Service', {
        NetworkConfiguration: {
          AwsvpcConfiguration: Match.objectLike({
            AssignPublicIp: 'ENABLED',
            Subnets: ['subnet-0aaa', 'subnet-0bbb'],
          }),
        },
      });
      existing.hasResourceProperties('AWS::EC2::SecurityGroup', { VpcId: vpcId });
    });
  });
});
