// HeapLens's version (package.json's): esbuild writes it into each bundle (HEAPLENS_VERSION); code compiled by tsc
// for tests reads it from the repository's package.json. The agent carries the same version, and callers check it.
import * as fs from 'fs';
import * as path from 'path';

declare const HEAPLENS_VERSION: string | undefined;

function fromPackageJson(): string {
  for (let dir = __dirname; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (!fs.existsSync(file)) continue;
    const manifest = JSON.parse(fs.readFileSync(file, 'utf8')) as { name?: string; version?: string };
    if (manifest.name === 'heaplens' && manifest.version) return manifest.version;
  }
  return 'unknown';
}

export const productVersion: string = typeof HEAPLENS_VERSION === 'string' ? HEAPLENS_VERSION : fromPackageJson();
