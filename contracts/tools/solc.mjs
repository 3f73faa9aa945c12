// A `solc` executable for forge, backed by solc-js (the `solc` npm package, wasm): no native compiler can be
// downloaded offline. forge calls it as `solc --version` and as `solc --standard-json [--allow-paths ..]
// [--base-path ..] [--include-path ..]` with the standard-JSON input on stdin.
import { readFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isAbsolute, join, resolve } from 'node:path';

const require = createRequire(import.meta.url);
const solc = require('solc');
const args = process.argv.slice(2);

if (args.includes('--version')) {
	// Native solc's format, which forge parses: "Version: 0.8.30+commit.73712a01.Linux.g++".
	const v = solc.version().replace(/\.Emscripten\.clang$/, '');
	process.stdout.write(`solc, the solidity compiler commandline interface\nVersion: ${v}.Linux.g++\n`);
	process.exit(0);
}

const roots = [];
for (let i = 0; i < args.length; i++) {
	if (['--allow-paths', '--base-path', '--include-path'].includes(args[i])) roots.push(...args[++i].split(','));
}
if (!roots.length) roots.push(process.cwd());

/** Import callback: resolves a source path against the base, include and allowed paths forge passes. */
function findImports(path) {
	const candidates = isAbsolute(path) ? [path] : roots.map((r) => resolve(r, path));
	for (const c of candidates) if (existsSync(c)) return { contents: readFileSync(c, 'utf8') };
	return { error: `File not found: ${path} (searched ${roots.join(', ')})` };
}

const input = readFileSync(0, 'utf8');
process.stdout.write(solc.compile(input, { import: findImports }));
