import { CfnOutput, Stack, type StackProps, Tags } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { ShopConfig } from '../runtime/config/shop-config';
import { Edge } from './constructs/edge';
import { Observability } from './constructs/observability';
import { Reminders } from './constructs/reminders';
import { ShopSecrets } from './constructs/secrets';
import { Storage } from './constructs/storage';
import { Tools } from './constructs/tools';
import { VoiceService } from './constructs/voice-service';

export interface PitcrewStackProps extends StackProps {
  readonly shop: ShopConfig;
}

/** Everything one shop runs on. Only wires constructs together; each construct owns one concern. */
export class PitcrewStack extends Stack {
  public readonly storage: Storage;
  public readonly secrets: ShopSecrets;
  public readonly reminders: Reminders;
  public readonly tools: Tools;
  public readonly voice: VoiceService;
  public readonly edge: Edge;
  public readonly observability: Observability;

  constructor(scope: Construct, id: string, props: PitcrewStackProps) {
    super(scope, id, props);
    const { shop } = props;
    Tags.of(this).add('pitcrew:shop', shop.shopId);

    this.storage = new Storage(this, 'Storage');
    this.secrets = new ShopSecrets(this, 'Secrets', { shopId: shop.shopId });
    const secret = this.secrets.apiKeys;

    // Reminders before tools: the booking tools need the schedule group, role, dialer and DLQ.
    this.reminders = new Reminders(this, 'Reminders', { shop, storage: this.storage, secret });
    this.tools = new Tools(this, 'Tools', { shop, storage: this.storage, reminders: this.reminders });
    this.voice = new VoiceService(this, 'Voice', {
      shop,
      storage: this.storage,
      secret,
      toolFunctions: this.tools.functions,
    });
    this.edge = new Edge(this, 'Edge', {
      shop,
      loadBalancer: this.voice.loadBalancer,
      targetGroup: this.voice.targetGroup,
    });

    // The public URL exists only once the edge is built on top of the load balancer; Twilio signs requests
    // with it, so the server and the dialer must know it rather than trusting the Host header.
    this.voice.container.addEnvironment('PUBLIC_BASE_URL', this.edge.publicBaseUrl);
    this.reminders.dialer.addEnvironment('PUBLIC_BASE_URL', this.edge.publicBaseUrl);

    this.observability = new Observability(this, 'Observability', {
      shop,
      voice: this.voice,
      tools: this.tools,
      reminders: this.reminders,
    });

    new CfnOutput(this, 'VoiceWebhookUrl', {
      description: 'Twilio phone number → Voice configuration → "A call comes in" (HTTP POST)',
      value: `${this.edge.publicBaseUrl}/twilio/voice`,
    });
    new CfnOutput(this, 'StatusCallbackUrl', {
      description: 'Twilio phone number → Voice configuration → "Call status changes" (HTTP POST)',
      value: `${this.edge.publicBaseUrl}/twilio/status`,
    });
    if (shop.customDomain && !shop.customDomain.hostedZoneId) {
      new CfnOutput(this, 'LoadBalancerDnsName', {
        description: `Point a CNAME for ${shop.customDomain.domainName} at this name`,
        value: this.voice.loadBalancer.loadBalancerDnsName,
      });
    }
    new CfnOutput(this, 'SecretName', {
      description: 'Put the OpenAI, Deepgram and Twilio keys here (see docs/deploying.md)',
      value: this.secrets.apiKeysSecretName,
    });
    new CfnOutput(this, 'ServiceName', {
      description: 'ECS service to redeploy after changing the secret (cluster: pitcrew-<shopId>)',
      value: this.voice.service.serviceName,
    });
    new CfnOutput(this, 'AlarmTopicArn', {
      description: 'Every alarm notifies this SNS topic: subscribe a pager or chat integration to it',
      value: this.observability.alarmTopic.topicArn,
    });
    new CfnOutput(this, 'DashboardName', { value: this.observability.dashboard.dashboardName });
    new CfnOutput(this, 'DashboardUrl', { value: this.observability.dashboardUrl });
  }
}
