/** `npm run openapi`: writes docs/openapi.json from the route table and its zod schemas. */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { openApiDocument } from '../functions/http/openapi';

const file = path.join(__dirname, '..', 'docs', 'openapi.json');
writeFileSync(file, `${JSON.stringify(openApiDocument(), null, 2)}\n`);
console.log(`wrote ${path.relative(process.cwd(), file)}`);
