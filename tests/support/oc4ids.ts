/**
 * The OC4IDS 0.9 project package schema (JSON Schema draft-04) from the shared data, compiled with
 * `ajv-draft-04`: what the open-data tests validate packages against.
 */
import fs from 'node:fs';
import path from 'node:path';
import ajvDraft04 from 'ajv-draft-04';
import ajvFormats from 'ajv-formats';

export function oc4idsPackageValidator() {
  const dir = '/work/shared/data/oc4ids';
  const shared = fs.existsSync(dir) ? dir : path.resolve('shared/data/oc4ids');
  // CommonJS packages: their classes and functions are the `default` of what the import gives.
  const ajv = new ajvDraft04.default({ allErrors: true, strict: false });
  ajvFormats.default(ajv);
  ajv.addSchema(JSON.parse(fs.readFileSync(path.join(shared, 'project-schema.json'), 'utf8')));
  return ajv.compile(JSON.parse(fs.readFileSync(path.join(shared, 'project-package-schema.json'), 'utf8')));
}
