// Host test: the extension from this repository loads into a real VS Code extension host, activates, and hands
// back its test API. Expected values come from package.json on disk, not from what the host reports.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { HeapLensApi } from '../../src/extension';
import { repoRoot } from '../support/fixtures';

interface PackageJson {
  publisher: string;
  name: string;
  version: string;
  engines: { vscode: string; node: string };
}

const manifest = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as PackageJson;
const extensionId = `${manifest.publisher}.${manifest.name}`;

/** The lowest version a range such as "^1.90.0" or ">=20" allows, as numbers [major, minor, patch]. */
function lowestAllowed(range: string): number[] {
  const match = /(\d+)(?:\.(\d+))?(?:\.(\d+))?/.exec(range);
  assert.ok(match, `cannot read a version from "${range}"`);
  return [Number(match[1]), Number(match[2] ?? 0), Number(match[3] ?? 0)];
}

function atLeast(version: string, minimum: number[]): boolean {
  const actual = lowestAllowed(version);
  for (let i = 0; i < 3; i++) {
    if (actual[i] !== minimum[i]) return actual[i] > minimum[i];
  }
  return true;
}

function heapLens(): vscode.Extension<HeapLensApi> {
  const extension = vscode.extensions.getExtension<HeapLensApi>(extensionId);
  assert.ok(extension, `extension ${extensionId} is not loaded in this host`);
  return extension;
}

describe('HeapLens in a VS Code extension host', () => {
  it('is loaded from this repository', () => {
    const extension = heapLens();
    assert.strictEqual(fs.realpathSync(extension.extensionPath), fs.realpathSync(repoRoot));
    assert.strictEqual(extension.packageJSON.version, manifest.version);
  });

  it('activates and returns its test API', async () => {
    const extension = heapLens();
    const api = await extension.activate();
    assert.strictEqual(extension.isActive, true);
    assert.ok(api, 'activate() returned no API object');
    assert.strictEqual(api.version, manifest.version);
    assert.strictEqual(extension.exports, api);
  });

  it('runs on the VS Code and Node versions package.json asks for', () => {
    const vscodeMinimum = lowestAllowed(manifest.engines.vscode);
    assert.ok(atLeast(vscode.version, vscodeMinimum), `VS Code ${vscode.version} is older than ${manifest.engines.vscode}`);
    const nodeMinimum = lowestAllowed(manifest.engines.node);
    assert.ok(atLeast(process.versions.node, nodeMinimum), `Node ${process.versions.node} is older than ${manifest.engines.node}`);
  });
});
