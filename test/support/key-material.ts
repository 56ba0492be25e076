/**
 * Finds private key material in serialized output (events, log lines, records, errors, table
 * items): the key's PEM, its base64 body whole or any line of it, and its DER as hex.
 */
export const keyMaterialIn = (text: string, keyPem: string): string[] => {
  const lines = keyPem
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('-----'));
  const body = lines.join('');
  const fragments = [
    keyPem.trim(),
    body,
    Buffer.from(body, 'base64').toString('hex'),
    // Every full line; the short last line could match by chance.
    ...lines.filter((l) => l.length >= 32),
  ];
  // JSON escapes '/' and '+' never, but escapes line breaks: look in the unescaped text too.
  const haystacks = [text, text.replace(/\\n/g, '\n')];
  return fragments.filter((f) => haystacks.some((h) => h.includes(f))).map((f) => f.slice(0, 24));
};
