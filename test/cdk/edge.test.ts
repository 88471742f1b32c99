import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { ORIGIN_VERIFY_HEADER } from '../../lib/constructs/edge';
import { resourceNamed, resourcesOf, shopWith, synthExample, synthShop } from './synth';

/** CloudFront's managed policy ids (stable, documented by AWS). */
const CACHING_DISABLED = '4135ea2d-6df8-44a3-9df3-4b5a84be39ad';
const ALL_VIEWER_EXCEPT_HOST_HEADER = 'b689b0a8-53d0-40ab-baf2-68738e2966ac';

describe('edge without a custom domain (CloudFront)', () => {
  const { template } = synthExample();
  const distribution = () => resourceNamed(template, 'AWS::CloudFront::Distribution', 'EdgeDistribution');
  const originSecret = () => resourceNamed(template, 'AWS::SecretsManager::Secret', 'EdgeOriginVerifySecret');
  const originVerifyValue = () => ({
    'Fn::Join': ['', ['{{resolve:secretsmanager:', { Ref: originSecret().logicalId }, ':SecretString:::}}']],
  });

  it('serves HTTPS on the default certificate without caching and without the viewer Host header', () => {
    const config = distribution().Properties.DistributionConfig;
    expect(config.ViewerCertificate).toBeUndefined();
    expect(config.HttpVersion).toBe('http1.1');
    expect(config.DefaultCacheBehavior).toMatchObject({
      ViewerProtocolPolicy: 'https-only',
      CachePolicyId: CACHING_DISABLED,
      OriginRequestPolicyId: ALL_VIEWER_EXCEPT_HOST_HEADER,
      AllowedMethods: ['GET', 'HEAD', 'OPTIONS', 'PUT', 'PATCH', 'POST', 'DELETE'],
    });
  });

  it('reaches the ALB over HTTP with the secret origin header resolved from Secrets Manager', () => {
    const alb = resourceNamed(template, 'AWS::ElasticLoadBalancingV2::LoadBalancer', 'VoiceLoadBalancer');
    const [origin] = distribution().Properties.DistributionConfig.Origins;
    expect(origin.DomainName).toEqual({ 'Fn::GetAtt': [alb.logicalId, 'DNSName'] });
    expect(origin.CustomOriginConfig.OriginProtocolPolicy).toBe('http-only');
    expect(origin.OriginCustomHeaders).toEqual([
      { HeaderName: ORIGIN_VERIFY_HEADER, HeaderValue: originVerifyValue() },
    ]);
  });

  it('generates the header value (letters and digits only, so ALB wildcards cannot match it)', () => {
    expect(originSecret().Properties.GenerateSecretString).toMatchObject({
      ExcludePunctuation: true,
      PasswordLength: 48,
    });
  });

  it('answers 403 on the ALB unless the request carries the origin header', () => {
    const listener = resourceNamed(
      template,
      'AWS::ElasticLoadBalancingV2::Listener',
      'VoiceLoadBalancerHttp',
    );
    expect(listener.Properties).toMatchObject({
      Port: 80,
      Protocol: 'HTTP',
      DefaultActions: [
        { Type: 'fixed-response', FixedResponseConfig: expect.objectContaining({ StatusCode: '403' }) },
      ],
    });
    const targetGroup = resourceNamed(
      template,
      'AWS::ElasticLoadBalancingV2::TargetGroup',
      'VoiceTargetGroup',
    );
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::ListenerRule', {
      ListenerArn: { Ref: listener.logicalId },
      Priority: 1,
      Conditions: [
        {
          Field: 'http-header',
          HttpHeaderConfig: { HttpHeaderName: ORIGIN_VERIFY_HEADER, Values: [originVerifyValue()] },
        },
      ],
      Actions: [{ Type: 'forward', TargetGroupArn: { Ref: targetGroup.logicalId } }],
    });
    template.resourceCountIs('AWS::ElasticLoadBalancingV2::ListenerRule', 1);
  });

  it('opens only port 80 on the ALB security group', () => {
    const group = resourceNamed(template, 'AWS::EC2::SecurityGroup', 'VoiceLoadBalancerSecurityGroup');
    expect(group.Properties.SecurityGroupIngress).toEqual([
      expect.objectContaining({ CidrIp: '0.0.0.0/0', FromPort: 80, ToPort: 80, IpProtocol: 'tcp' }),
    ]);
  });

  it('keeps the origin secret out of the synthesized template', () => {
    expect(JSON.stringify(template.toJSON())).not.toMatch(/"X-Origin-Verify","HeaderValue":"[A-Za-z0-9]/);
  });
});

describe('edge with a custom domain and an existing certificate', () => {
  const certificateArn =
    'arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555';
  const { template } = synthShop(
    shopWith({ customDomain: { domainName: 'voice.bartsauto.com', certificateArn } }),
  );

  it('has no CloudFront distribution and no origin secret', () => {
    template.resourceCountIs('AWS::CloudFront::Distribution', 0);
    expect(Object.keys(resourcesOf(template, 'AWS::SecretsManager::Secret'))).toEqual([
      expect.stringMatching(/^SecretsApiKeys/),
    ]);
  });

  it('terminates TLS on the ALB with the given certificate and a TLS 1.2+ policy', () => {
    const targetGroup = resourceNamed(
      template,
      'AWS::ElasticLoadBalancingV2::TargetGroup',
      'VoiceTargetGroup',
    );
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 443,
      Protocol: 'HTTPS',
      Certificates: [{ CertificateArn: certificateArn }],
      SslPolicy: 'ELBSecurityPolicy-TLS13-1-2-2021-06',
      DefaultActions: [{ Type: 'forward', TargetGroupArn: { Ref: targetGroup.logicalId } }],
    });
  });

  it('redirects HTTP to HTTPS', () => {
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 80,
      DefaultActions: [
        {
          Type: 'redirect',
          RedirectConfig: Match.objectLike({ Protocol: 'HTTPS', Port: '443', StatusCode: 'HTTP_301' }),
        },
      ],
    });
  });

  it('points Twilio at the custom domain', () => {
    const outputs = template.toJSON().Outputs;
    expect(outputs.VoiceWebhookUrl.Value).toBe('https://voice.bartsauto.com/twilio/voice');
    expect(outputs.StatusCallbackUrl.Value).toBe('https://voice.bartsauto.com/twilio/status');
  });

  it('creates no DNS record without a hosted zone, but outputs the name to point a CNAME at', () => {
    template.resourceCountIs('AWS::Route53::RecordSet', 0);
    template.resourceCountIs('AWS::CertificateManager::Certificate', 0);
    const alb = resourceNamed(template, 'AWS::ElasticLoadBalancingV2::LoadBalancer', 'VoiceLoadBalancer');
    expect(template.toJSON().Outputs.LoadBalancerDnsName.Value).toEqual({
      'Fn::GetAtt': [alb.logicalId, 'DNSName'],
    });
  });
});

describe('edge with a custom domain in a Route 53 hosted zone', () => {
  const { template } = synthShop(
    shopWith({
      customDomain: {
        domainName: 'voice.bartsauto.com',
        hostedZoneId: 'Z0123456789ABCDEFGHIJ',
        hostedZoneName: 'bartsauto.com',
      },
    }),
  );

  it('issues a DNS-validated certificate and adds an alias record for the ALB', () => {
    template.hasResourceProperties('AWS::CertificateManager::Certificate', {
      DomainName: 'voice.bartsauto.com',
      ValidationMethod: 'DNS',
      DomainValidationOptions: [{ DomainName: 'voice.bartsauto.com', HostedZoneId: 'Z0123456789ABCDEFGHIJ' }],
    });
    template.hasResourceProperties('AWS::Route53::RecordSet', {
      Name: 'voice.bartsauto.com.',
      Type: 'A',
      HostedZoneId: 'Z0123456789ABCDEFGHIJ',
      AliasTarget: Match.objectLike({ DNSName: Match.anyValue() }),
    });
    template.resourceCountIs('AWS::CloudFront::Distribution', 0);
  });
});
