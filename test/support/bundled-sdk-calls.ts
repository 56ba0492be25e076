/**
 * A handler bundled by test/integration/lambda-bundles.test.ts and run against moto: one call or
 * two in each protocol our clients speak (REST-JSON, AWS query, REST-XML, JSON 1.1), through the
 * schemas the bundler rewrites and the Lambda credential chain, plus a modeled error, and the
 * older Private CA client (3.523, not schema-based) on the same credential chain.
 */
import { ACMPCAClient, ListCertificateAuthoritiesCommand } from '@aws-sdk/client-acm-pca';
import { CloudFrontClient, ListDistributionsCommand } from '@aws-sdk/client-cloudfront';
import { IAMClient, ListServerCertificatesCommand } from '@aws-sdk/client-iam';
import {
  CreateKeysAndCertificateCommand,
  DescribeCertificateCommand,
  IoTClient,
  ListCertificatesCommand,
} from '@aws-sdk/client-iot';
import { GetParametersCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';

const region = 'eu-west-1';

export const handler = async () => {
  const iot = new IoTClient({ region });
  const created = await iot.send(new CreateKeysAndCertificateCommand({ setAsActive: true }));
  const listed = await iot.send(new ListCertificatesCommand({ pageSize: 250 }));
  const missing = await iot.send(new DescribeCertificateCommand({ certificateId: 'f'.repeat(64) })).then(
    () => 'found',
    (error: Error) => error.name,
  );
  const iam = await new IAMClient({ region: 'us-east-1' }).send(new ListServerCertificatesCommand({}));
  const cloudFront = await new CloudFrontClient({ region: 'us-east-1' }).send(
    new ListDistributionsCommand({}),
  );
  const pca = await new ACMPCAClient({ region }).send(new ListCertificateAuthoritiesCommand({}));
  const ssm = new SSMClient({ region });
  await ssm.send(
    new PutParameterCommand({ Name: '/bundle/test', Value: 'v1', Type: 'String', Overwrite: true }),
  );
  const parameters = await ssm.send(new GetParametersCommand({ Names: ['/bundle/test', '/bundle/none'] }));
  return {
    iotListed: listed.certificates?.some((c) => c.certificateId === created.certificateId) ?? false,
    iotPem: created.certificatePem?.startsWith('-----BEGIN CERTIFICATE-----') ?? false,
    iotMissing: missing,
    iamCertificates: iam.ServerCertificateMetadataList?.length,
    cloudFrontQuantity: cloudFront.DistributionList?.Quantity,
    pcaAuthorities: pca.CertificateAuthorities?.length,
    ssmValues: parameters.Parameters?.map((p) => p.Value),
    ssmInvalid: parameters.InvalidParameters,
  };
};
