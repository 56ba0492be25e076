/** JSON shape guards for the contracts' parsers (pure; shared by construct and Lambdas). */

/** A plain JSON object (not null, not an array). */
export const isJsonObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
