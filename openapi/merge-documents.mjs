// Merges the curated OpenAPI (swagger 2.0) documents in this folder into one document for a single NSwag run,
// so shared types (V1ObjectMeta, ...) are generated once. Cross-document references of the form
// "<file>.json#/definitions/<Name>" become local references; a dangling reference or a definition name used by
// two documents fails the build with the name at fault.
// Usage: node merge-documents.mjs <output.json> <input.json>...
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { basename, dirname } from 'node:path';

const [output, ...inputs] = process.argv.slice(2);
if (!output || inputs.length === 0) {
  console.error('usage: node merge-documents.mjs <output.json> <input.json>...');
  process.exit(2);
}

const documents = new Map(inputs.map(path => [basename(path), JSON.parse(readFileSync(path, 'utf8'))]));
const definitions = {};
const owner = {};
for (const [file, doc] of documents) {
  if (!doc.info?.version) throw new Error(`${file}: info.version is required`);
  for (const [name, schema] of Object.entries(doc.definitions ?? {})) {
    if (owner[name]) throw new Error(`definition ${name} is defined in both ${owner[name]} and ${file}`);
    owner[name] = file;
    definitions[name] = schema;
  }
}

const rewrite = (node, file) => {
  if (Array.isArray(node)) return node.forEach(item => rewrite(item, file));
  if (node === null || typeof node !== 'object') return;
  for (const [key, value] of Object.entries(node)) {
    if (key === '$ref' && typeof value === 'string') {
      const [target, pointer] = value.split('#');
      const name = pointer?.replace(/^\/definitions\//, '');
      const expectedOwner = target === '' ? file : target;
      if (!name || owner[name] !== expectedOwner) {
        throw new Error(`${file}: reference ${value} does not name a definition of ${expectedOwner}`);
      }
      node[key] = `#/definitions/${name}`;
    } else {
      rewrite(value, file);
    }
  }
};
for (const [name, schema] of Object.entries(definitions)) rewrite(schema, owner[name]);

const merged = {
  swagger: '2.0',
  info: {
    title: 'VmNet Kubernetes models',
    version: [...documents].map(([file, doc]) => `${file}:${doc.info.version}`).join(' '),
  },
  paths: {},
  definitions,
};
mkdirSync(dirname(output), { recursive: true });
writeFileSync(output, JSON.stringify(merged, null, 2) + '\n');
