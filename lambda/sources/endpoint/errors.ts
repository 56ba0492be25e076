/**
 * Why a probe could not read a certificate. Each class carries the stable `code` that results,
 * events and the CLI report; `classifyError` maps Node/OpenSSL errors onto them.
 */
import { NotTlsError, StarttlsRefusedError } from './starttls';

export type ProbeErrorCode =
  | 'DNS_FAILURE'
  | 'CONNECTION_REFUSED'
  | 'CONNECTION_FAILED'
  | 'TIMEOUT'
  | 'HANDSHAKE_FAILED'
  | 'NOT_TLS'
  | 'STARTTLS_REFUSED'
  | 'ADDRESS_REFUSED';

export abstract class ProbeError extends Error {
  abstract readonly code: ProbeErrorCode;
}

export class DnsFailureError extends ProbeError {
  override readonly name = 'DnsFailureError';
  readonly code = 'DNS_FAILURE';
}
export class ConnectionRefusedError extends ProbeError {
  override readonly name = 'ConnectionRefusedError';
  readonly code = 'CONNECTION_REFUSED';
}
/** Unreachable host or network, reset before the TLS handshake started, and other socket failures. */
export class ConnectionFailedError extends ProbeError {
  override readonly name = 'ConnectionFailedError';
  readonly code = 'CONNECTION_FAILED';
}
export class ProbeTimeoutError extends ProbeError {
  override readonly name = 'ProbeTimeoutError';
  readonly code = 'TIMEOUT';
}
export class HandshakeFailedError extends ProbeError {
  override readonly name = 'HandshakeFailedError';
  readonly code = 'HANDSHAKE_FAILED';
}
export class NotTlsProbeError extends ProbeError {
  override readonly name = 'NotTlsProbeError';
  readonly code = 'NOT_TLS';
}
export class StarttlsRefusedProbeError extends ProbeError {
  override readonly name = 'StarttlsRefusedProbeError';
  readonly code = 'STARTTLS_REFUSED';
}

/** The name resolved to a link-local or metadata address, refused unless allowLinkLocal: nothing was sent there. */
export class AddressRefusedError extends ProbeError {
  override readonly name = 'AddressRefusedError';
  readonly code = 'ADDRESS_REFUSED';
}

/** OpenSSL's verdicts on bytes that are not a TLS record at all. */
const NOT_TLS_SSL_CODES = new Set([
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'ERR_SSL_PACKET_LENGTH_TOO_LONG',
  'ERR_SSL_RECORD_LENGTH_MISMATCH',
  'ERR_SSL_UNEXPECTED_RECORD',
  'ERR_SSL_UNKNOWN_PROTOCOL',
  'ERR_SSL_HTTP_REQUEST',
  'ERR_SSL_HTTPS_PROXY_REQUEST',
  'ERR_SSL_RECORD_LAYER_FAILURE',
]);

/**
 * Maps whatever a socket, resolver or STARTTLS dialogue threw onto a ProbeError.
 * `handshakeStarted` separates a reset before TLS (connection) from one during it (handshake).
 */
export const classifyError = (err: unknown, handshakeStarted: boolean): ProbeError => {
  if (err instanceof ProbeError) return err;
  if (err instanceof StarttlsRefusedError) return new StarttlsRefusedProbeError(err.message, { cause: err });
  if (err instanceof NotTlsError) return new NotTlsProbeError(err.message, { cause: err });
  const e = err as NodeJS.ErrnoException & { reason?: string };
  const message = e?.message ?? String(err);
  const code = typeof e?.code === 'string' ? e.code : '';
  if (code === 'ECONNREFUSED') return new ConnectionRefusedError(message, { cause: err });
  if (code === 'ETIMEDOUT') return new ProbeTimeoutError(message, { cause: err });
  if (NOT_TLS_SSL_CODES.has(code)) {
    // OpenSSL's message is its internals (error queue, source file and line); its reason is enough.
    const reason = e.reason ? ` (OpenSSL: ${e.reason})` : '';
    return new NotTlsProbeError(
      `the peer answered with something other than TLS${reason}: a plain-text port (e.g. HTTP), or a protocol that needs STARTTLS first`,
      { cause: err },
    );
  }
  if (code.startsWith('ERR_SSL_') || code.startsWith('ERR_OSSL_') || code === 'EPROTO') {
    return new HandshakeFailedError(message, { cause: err });
  }
  if (handshakeStarted) return new HandshakeFailedError(message, { cause: err });
  return new ConnectionFailedError(message, { cause: err });
};
