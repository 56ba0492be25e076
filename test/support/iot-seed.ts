/**
 * Seeds AWS IoT Core on the local AWS with real generated certificates: a CA registered with
 * RegisterCACertificate, device certificates it signed registered with RegisterCertificateWithoutCA
 * (so each carries exactly the notAfter a test needs; moto's own `validity` is invented).
 *
 * moto does not implement ListCACertificates (HTTP 500). `withCaListing` answers that one call from
 * the CA certificates the test registered, in AWS's shape (`cacert/` ARNs); DescribeCACertificate
 * still goes to moto, so the CA's PEM is moto's copy of the certificate that was registered.
 */
import {
  AttachThingPrincipalCommand,
  CreateThingCommand,
  type IoTClient,
  RegisterCACertificateCommand,
  RegisterCertificateWithoutCACommand,
} from '@aws-sdk/client-iot';
import { mapLimit } from '../../lambda/core/scan';
import { createCertificate, daysFrom, type GeneratedCert } from './certs';

export interface IotDeviceSpec {
  readonly name: string;
  /** Days from now to notAfter (negative: expired). */
  readonly days: number;
  readonly status?: 'ACTIVE' | 'INACTIVE' | 'REVOKED';
  /** Things to attach the certificate to. */
  readonly things?: readonly string[];
  /** Use IoT's generic CN ("AWS IoT Certificate") instead of the name. */
  readonly genericCn?: boolean;
}

export interface SeededIotCertificate {
  readonly name: string;
  readonly days: number;
  readonly arn: string;
  readonly id: string;
  readonly status: string;
  readonly generated: GeneratedCert;
}

export interface RegisteredCa {
  readonly id: string;
  /** The ARN AWS gives a CA certificate (moto answers with a `cert/` ARN). */
  readonly arn: string;
  readonly generated: GeneratedCert;
}

/** A fleet CA (EC P-256): every device certificate signed by it reuses one cached key pair. */
export const createFleetCa = (now: Date, days: number, commonName = 'Fleet Device CA') =>
  createCertificate({
    commonName,
    organization: 'Example Devices',
    notBefore: daysFrom(now, -365),
    notAfter: daysFrom(now, days),
    isCa: true,
  });

export const registerCa = async (iot: IoTClient, ca: GeneratedCert): Promise<RegisteredCa> => {
  const out = await iot.send(
    new RegisterCACertificateCommand({ caCertificate: ca.certPem, setAsActive: true }),
  );
  const id = out.certificateId ?? '';
  return { id, arn: (out.certificateArn ?? '').replace(/:cert\//, ':cacert/'), generated: ca };
};

/** Device certificates signed by `ca`, registered with their status, attached to their things. */
export const seedIotDevices = async (
  iot: IoTClient,
  ca: GeneratedCert,
  specs: readonly IotDeviceSpec[],
  now = new Date(),
  concurrency = 16,
): Promise<SeededIotCertificate[]> =>
  mapLimit(specs, concurrency, async (spec) => {
    const generated = await createCertificate({
      commonName: spec.genericCn ? 'AWS IoT Certificate' : spec.name,
      dnsNames: [],
      // Years of validity, as device certificates have (a short lifetime would scale the tiers).
      notBefore: daysFrom(now, -730),
      notAfter: daysFrom(now, spec.days),
      issuer: ca,
    });
    const status = spec.status ?? 'ACTIVE';
    const out = await iot.send(
      new RegisterCertificateWithoutCACommand({ certificatePem: generated.certPem, status }),
    );
    const arn = out.certificateArn ?? '';
    for (const thing of spec.things ?? []) {
      await iot.send(new CreateThingCommand({ thingName: thing }));
      await iot.send(new AttachThingPrincipalCommand({ thingName: thing, principal: arn }));
    }
    return { name: spec.name, days: spec.days, arn, id: out.certificateId ?? '', status, generated };
  });

/** Registers a value IoT itself would refuse (moto accepts it): a certificate that cannot be read. */
export const registerUnreadable = async (iot: IoTClient, value: string): Promise<string> =>
  (await iot.send(new RegisterCertificateWithoutCACommand({ certificatePem: value, status: 'ACTIVE' })))
    .certificateArn ?? '';

/**
 * `iot` with ListCACertificates answered from `cas` (moto does not implement it); every other
 * call goes to moto unchanged.
 */
export const withCaListing = (iot: IoTClient, cas: () => readonly RegisteredCa[]): IoTClient => {
  iot.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== 'ListCACertificatesCommand') return next(args);
      return {
        output: {
          $metadata: {},
          certificates: cas().map((c) => ({ certificateArn: c.arn, certificateId: c.id, status: 'ACTIVE' })),
        },
        response: {},
      } as unknown as Awaited<ReturnType<typeof next>>;
    },
    { step: 'initialize', name: 'motoListCaCertificates' },
  );
  return iot;
};
