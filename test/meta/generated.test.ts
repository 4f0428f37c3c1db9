import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { configJsonSchema } from '../../src/core/config/schema.js';
import { repoRoot } from '../helpers/fixtures.js';

describe('generated files', () => {
  it('schemas/sdlc.schema.json is what `npm run schemas` writes from the zod schema', () => {
    const committed = readFileSync(join(repoRoot, 'schemas/sdlc.schema.json'), 'utf8');
    expect(committed).toBe(`${JSON.stringify(configJsonSchema(), null, 2)}\n`);
  });

  it('the schema leaves defaulted settings optional and lists the gates', () => {
    const schema = configJsonSchema() as { properties: Record<string, { properties?: Record<string, unknown> }>; required?: string[] };
    expect(schema.required ?? []).toEqual([]);
    expect(Object.keys(schema.properties.gates!.properties!)).toEqual(['coverage', 'patch_coverage', 'lint', 'security', 'tests']);
  });
});
