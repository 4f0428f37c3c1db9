// Bundles the Action (src/action/run.ts) into dist/index.js with esbuild, and
// lists the licenses of the bundled packages in dist/licenses.txt.
// Deterministic: the same sources and node_modules always give the same bytes
// (no timestamps, no absolute paths, inputs sorted).
//   node src/action/bundle.mjs [outdir]   (default: dist)
import { build } from 'esbuild';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const outdir = resolve(root, process.argv[2] ?? 'dist');
mkdirSync(outdir, { recursive: true });

const result = await build({
  absWorkingDir: root,
  entryPoints: ['src/action/run.ts'],
  outfile: join(outdir, 'index.js'),
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  // Bundled CommonJS modules call require() for Node's built-ins.
  banner: { js: "import { createRequire as __sdlcCreateRequire } from 'node:module';\nconst require = __sdlcCreateRequire(import.meta.url);" },
  minify: false,
  sourcemap: false,
  legalComments: 'none',
  charset: 'utf8',
  metafile: true,
  // Paths as seen from the repository (a symlinked node_modules keeps its name).
  preserveSymlinks: true,
  logLevel: 'warning',
});

// Licenses: one section per bundled package, sorted by name and version.
const packages = new Map();
for (const input of Object.keys(result.metafile.inputs)) {
  const m = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input);
  if (!m) continue;
  const dir = resolve(root, m[1]);
  if (packages.has(dir)) continue;
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const licenseFile = readdirSync(dir)
    .sort()
    .find((f) => /^(licen[cs]e|copying)(\.(md|txt))?$/i.test(f));
  packages.set(dir, {
    name: pkg.name,
    version: pkg.version,
    license: typeof pkg.license === 'string' ? pkg.license : (pkg.license?.type ?? 'UNKNOWN'),
    text: licenseFile ? readFileSync(join(dir, licenseFile), 'utf8').replace(/\r\n?/g, '\n').trim() : undefined,
    where: relative(root, dir).split('\\').join('/'),
  });
}
const sections = [...packages.values()]
  .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.version < b.version ? -1 : a.version > b.version ? 1 : 0))
  .map((p) => `${p.name} ${p.version} (${p.license})\n\n${p.text ?? `No license file in ${p.where}; package.json declares ${p.license}.`}\n`);
const header = 'Third-party packages bundled into dist/index.js, with their licenses.\n';
writeFileSync(join(outdir, 'licenses.txt'), [header, ...sections].join(`\n${'-'.repeat(72)}\n\n`));

if (!existsSync(join(outdir, 'index.js'))) throw new Error('esbuild wrote no dist/index.js');
