/** JSON shape guards for the contracts' parsers (pure; shared by construct and Lambdas). */
import { ConfigurationError } from './errors';

/** A plain JSON object (not null, not an array). */
export const isJsonObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The value of a JSON configuration variable, or a ConfigurationError naming the variable. */
export const parseJsonVariable = (raw: string, variable: string): unknown => {
  try {
    return JSON.parse(raw);
  } catch (error) {
    throw new ConfigurationError(
      `environment variable ${variable} is not valid JSON: ${(error as Error).message}`,
    );
  }
};
