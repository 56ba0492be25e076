/** Validates events against the JSON Schemas committed in schemas/events (the published contract). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';

const dir = join(__dirname, '..', '..', 'schemas', 'events');
const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as Record<string, string>;
const ajv = new Ajv2020({ allErrors: true, strict: true });
addFormats(ajv);
const validators = new Map<string, ValidateFunction>();

export const schemaFor = (detailType: string): ValidateFunction => {
  const file = index[detailType];
  if (!file)
    throw new Error(`no JSON Schema registered for detail-type "${detailType}" in schemas/events/index.json`);
  let v = validators.get(file);
  if (!v) {
    v = ajv.compile(JSON.parse(readFileSync(join(dir, file), 'utf8')));
    validators.set(file, v);
  }
  return v;
};

/** Throws with every schema error listed when the detail does not match. */
export const assertValidEvent = (detailType: string, detail: unknown): void => {
  const validate = schemaFor(detailType);
  if (!validate(detail)) {
    throw new Error(
      `"${detailType}" detail violates its schema: ${ajv.errorsText(validate.errors, { separator: '; ' })}`,
    );
  }
};
