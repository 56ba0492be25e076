/**
 * Internationalised domain names: resolution, SNI (RFC 6066 §3: "HostName" is the A-label form)
 * and certificate matching (RFC 6125 §6.4.2: compare A-labels) use the ASCII form; people read the
 * Unicode one. Conversion is UTS-46 processing as WHATWG URL does it (`url.domainToASCII`).
 */
import { isIP } from 'node:net';
import { domainToASCII, domainToUnicode } from 'node:url';

const NON_ASCII = /[\u0080-\u{10FFFF}]/u;
const A_LABEL = /(^|\.)xn--/i;
const HOST_CHARS = /^[A-Za-z0-9._\-\u0080-\u{10FFFF}]+$/u;

export class InvalidDomainNameError extends Error {
  override readonly name = 'InvalidDomainNameError';
}

/** `bücher.example` → `xn--bcher-kva.example`; ASCII names and IP literals unchanged. Throws InvalidDomainNameError. */
export const toALabels = (name: string): string => {
  if (isIP(name) || !(NON_ASCII.test(name) || A_LABEL.test(name))) return name;
  // domainToASCII parses a URL host: 'ü/x' would silently become 'xn--tda'. Only name characters pass.
  const ascii = HOST_CHARS.test(name) ? domainToASCII(name) : '';
  if (!ascii)
    throw new InvalidDomainNameError(`'${name}' is not a valid internationalised domain name (UTS-46)`);
  return ascii;
};

/** The Unicode form of a name holding A-labels (`xn--bcher-kva.example` → `bücher.example`), else undefined. */
export const unicodeForm = (asciiName: string): string | undefined => {
  if (!A_LABEL.test(asciiName)) return undefined;
  const unicode = domainToUnicode(asciiName);
  return unicode && unicode !== asciiName ? unicode : undefined;
};
