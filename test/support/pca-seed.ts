/**
 * Seeds moto's Private CA with CAs holding real certificates of chosen validity. moto ignores the
 * validity a CA asks for, so each CA is created, its CSR read, and a CA certificate for the CSR's
 * key signed here with the notBefore/notAfter the test needs, then imported: the same steps as
 * installing an externally signed CA certificate in AWS. moto never reveals a CA's private key,
 * so a root CA's certificate is signed by a stand-in key under its own name (moto does not check
 * self-signatures); subordinates are signed by a real parent and carry it as their chain.
 */
import {
  type ACMPCAClient,
  CreateCertificateAuthorityCommand,
  GetCertificateAuthorityCsrCommand,
  ImportCertificateAuthorityCertificateCommand,
} from '@aws-sdk/client-acm-pca';
import * as x509 from '@peculiar/x509';
import { createCertificate, type GeneratedCert } from './certs';

export interface CaSpec {
  readonly commonName: string;
  readonly type: 'ROOT' | 'SUBORDINATE';
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** Who signs the CA certificate; a ROOT defaults to a stand-in key under its own name. */
  readonly signer?: GeneratedCert;
}

export interface SeededCa {
  readonly arn: string;
  readonly commonName: string;
  readonly certPem: string;
  readonly chainPem?: string;
  /** X.509 validity has second precision. */
  readonly notAfter: Date;
  readonly fingerprintSha256: string;
  /** Signs subordinates of this CA (the stand-in key for a root). */
  readonly signer: GeneratedCert;
}

const wholeSecond = (d: Date) => new Date(Math.floor(d.getTime() / 1000) * 1000);

/** A CA that waits for its certificate (status PENDING_CERTIFICATE). */
export const createPendingCa = async (
  pca: ACMPCAClient,
  commonName: string,
  type: 'ROOT' | 'SUBORDINATE' = 'ROOT',
): Promise<string> => {
  const out = await pca.send(
    new CreateCertificateAuthorityCommand({
      CertificateAuthorityType: type,
      CertificateAuthorityConfiguration: {
        KeyAlgorithm: 'RSA_2048',
        SigningAlgorithm: 'SHA256WITHRSA',
        Subject: { CommonName: commonName },
      },
      UsageMode: 'GENERAL_PURPOSE',
    }),
  );
  if (!out.CertificateAuthorityArn)
    throw new Error(`CreateCertificateAuthority returned no ARN for ${commonName}`);
  return out.CertificateAuthorityArn;
};

/** A CA with an imported certificate of exactly the validity asked for (status ACTIVE). */
export const seedCa = async (pca: ACMPCAClient, spec: CaSpec): Promise<SeededCa> => {
  const arn = await createPendingCa(pca, spec.commonName, spec.type);
  const csrOut = await pca.send(new GetCertificateAuthorityCsrCommand({ CertificateAuthorityArn: arn }));
  const csr = new x509.Pkcs10CertificateRequest(csrOut.Csr ?? '');
  const signer =
    spec.signer ??
    (await createCertificate({
      commonName: spec.commonName,
      isCa: true,
      notBefore: spec.notBefore,
      notAfter: spec.notAfter,
    }));
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: Buffer.from(crypto.getRandomValues(new Uint8Array(12)))
      .toString('hex')
      .replace(/^./, '4'),
    subject: csr.subject,
    issuer: spec.signer ? signer.subject : csr.subject,
    notBefore: spec.notBefore,
    notAfter: spec.notAfter,
    publicKey: csr.publicKey,
    signingKey: signer.keys.privateKey,
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(csr.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(signer.keys.publicKey),
    ],
  });
  const certPem = `${cert.toString('pem').trimEnd()}\n`;
  const chainPem = spec.signer ? signer.certPem : undefined;
  await pca.send(
    new ImportCertificateAuthorityCertificateCommand({
      CertificateAuthorityArn: arn,
      Certificate: Buffer.from(certPem),
      CertificateChain: chainPem ? Buffer.from(chainPem) : undefined,
    }),
  );
  const thumbprint = Buffer.from(await cert.getThumbprint('SHA-256'))
    .toString('hex')
    .toUpperCase();
  return {
    arn,
    commonName: spec.commonName,
    certPem,
    chainPem,
    notAfter: wholeSecond(spec.notAfter),
    fingerprintSha256: thumbprint.match(/../g)?.join(':') ?? thumbprint,
    signer,
  };
};
