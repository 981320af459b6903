// The dump folder: made private (0700) only when HeapLens creates it; an existing folder (a workspace root, a home)
// keeps its permissions and gets a warning when others can list it. The setting is machine-scoped, so a workspace's
// .vscode/settings.json cannot choose where a program's memory is written.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { prepareDumpFolder } from '../../src/diagnostics/dumpFolder';
import { repoRoot } from '../support/fixtures';

describe('dump folder', () => {
  let scratch: string;
  beforeEach(() => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'heaplens-dumpfolder-'));
  });
  afterEach(() => fs.rmSync(scratch, { recursive: true, force: true }));

  it('creates a missing folder, with its missing parents, owner-only', () => {
    const folder = path.join(scratch, 'a', 'dumps');
    const umask = process.umask(0o002); // a permissive umask must not leak into the folder's mode
    try {
      assert.deepStrictEqual(prepareDumpFolder(folder), { created: true });
    } finally {
      process.umask(umask);
    }
    assert.strictEqual(fs.statSync(folder).mode & 0o777, 0o700);
  });

  it('leaves an existing folder it did not create as it is (the workspace root), with a warning', () => {
    const workspace = path.join(scratch, 'workspace');
    fs.mkdirSync(workspace);
    fs.chmodSync(workspace, 0o755);
    const prepared = prepareDumpFolder(workspace);
    assert.strictEqual(fs.statSync(workspace).mode & 0o777, 0o755, 'not chmod’ed');
    assert.strictEqual(prepared.created, false);
    assert.strictEqual(
      prepared.warning,
      `The dump folder ${workspace} is not private (mode 755): HeapLens did not create it and leaves its permissions alone. Each dump is written 0600; to hide even their names, make the folder 0700 or choose another.`,
    );
  });

  it('says nothing about an existing private folder', () => {
    fs.chmodSync(scratch, 0o700);
    assert.deepStrictEqual(prepareDumpFolder(scratch), { created: false });
  });

  it('refuses a file in the folder’s place, and a folder it cannot create', () => {
    const file = path.join(scratch, 'file');
    fs.writeFileSync(file, '');
    assert.throws(() => prepareDumpFolder(file), { message: `the dump folder ${file} is a file, not a folder` });
    assert.throws(() => prepareDumpFolder(path.join(file, 'below')), { message: `the dump folder ${path.join(file, 'below')} cannot be created (ENOTDIR)` });
  });

  it('is a machine setting: workspace settings cannot move it', () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as {
      contributes: { configuration: { properties: Record<string, { scope?: string }> } };
    };
    assert.strictEqual(manifest.contributes.configuration.properties['heaplens.dumpFolder'].scope, 'machine');
  });
});
