/**
 * Servers that demand a client certificate (mutual TLS): which alerts say so, and the note that
 * replaces "could not check" once the certificate they sent has been read.
 */
import type { Problem } from './types';

/**
 * Alerts a server sends when the client offers no certificate (RFC 5246 §7.4.6: handshake_failure
 * 40 or bad_certificate 42 in TLS 1.2; RFC 8446 §4.4.2.4: certificate_required 116; access_denied 49).
 * Node names them ERR_SSL_<version>_ALERT_<description>.
 */
const CLIENT_CERT_ALERTS =
  /^ERR_SSL_(SSLV3|TLSV1|TLSV13)_ALERT_(HANDSHAKE_FAILURE|BAD_CERTIFICATE|CERTIFICATE_REQUIRED|ACCESS_DENIED)$/;

export const clientCertAlert = (err: unknown): string | undefined => {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' && CLIENT_CERT_ALERTS.test(code) ? code : undefined;
};

/** Information, not a failure: the certificate was read and judged; only clients without a certificate are refused. */
export const clientCertProblem = (alert: string, tlsVersion: string | null): Problem => ({
  code: 'CLIENT_CERT_REQUIRED',
  severity: 'info',
  message: `the server requires a client certificate (mutual TLS): after sending its own certificate it ended the ${tlsVersion ?? 'TLS'} handshake with ${alert.replace(/^ERR_SSL_[A-Z0-9]+_ALERT_/, '').toLowerCase()}, as it does for clients without one`,
});
