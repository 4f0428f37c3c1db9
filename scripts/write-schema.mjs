// Writes schemas/sdlc.schema.json from the zod schema (run through `npm run schemas`).
import { writeFileSync } from 'node:fs';
import { configJsonSchema } from '../build/core/config/schema.js';

const out = new URL('../schemas/sdlc.schema.json', import.meta.url);
writeFileSync(out, `${JSON.stringify(configJsonSchema(), null, 2)}\n`);
console.log(`wrote ${out.pathname}`);
