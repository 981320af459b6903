// Which file Go to Source opens for a stack frame: a PDB can name any path on the machine, so the workspace's files
// come first, a path outside it is only offered, and a file name never becomes glob syntax.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { chooseFrameFile, fileNameGlob, insideFolders, sameName } from '../../src/sourceIndex/frameFiles';

describe('Go to Source: the file of a frame', () => {
  let scratch: string;
  let workspace: string;
  let outside: string;
  const write = (file: string) => {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, '// source\n');
    return file;
  };
  beforeEach(() => {
    scratch = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'heaplens-frames-')));
    workspace = path.join(scratch, 'workspace');
    outside = path.join(scratch, 'elsewhere');
  });
  afterEach(() => fs.rmSync(scratch, { recursive: true, force: true }));

  it('turns glob characters of a file name into single-character wildcards, and compares names exactly', () => {
    const name = 'Report[1]{a,b}*?!.cs';
    assert.strictEqual(fileNameGlob(name), '**/Report?1??a?b????.cs');
    assert.strictEqual(fileNameGlob('Program.cs'), '**/Program.cs');
    assert.ok(sameName(`/w/src/${name}`, name));
    assert.ok(!sameName('/w/src/Report_1__a_b___!.cs', name), 'what the wildcards also match is filtered out');
  });

  it('uses the PDB’s path when it is in the workspace', () => {
    const file = write(path.join(workspace, 'src', 'Program.cs'));
    assert.deepStrictEqual(chooseFrameFile(file, [workspace], [file]), { file, inWorkspace: true });
  });

  it('prefers the workspace file with the longest common tail to a PDB path from another machine', () => {
    const app = write(path.join(workspace, 'src', 'App', 'Program.cs'));
    const tool = write(path.join(workspace, 'tools', 'Program.cs'));
    assert.deepStrictEqual(chooseFrameFile('/build/agent/_work/src/App/Program.cs', [workspace], [tool, app]), { file: app, inWorkspace: true });
  });

  it('prefers a workspace copy of the project (same folder and name) to an existing file outside the workspace', () => {
    const theirs = write(path.join(outside, 'App', 'Secrets.cs'));
    const ours = write(path.join(workspace, 'src', 'App', 'Secrets.cs'));
    assert.deepStrictEqual(chooseFrameFile(theirs, [workspace], [ours]), { file: ours, inWorkspace: true });
  });

  it('does not take another project’s file of the same name for the PDB’s (every project has a Program.cs)', () => {
    // Seen: a dump of a service built in /tmp/…/OrderService, in a workspace holding another program's Program.cs.
    const service = write(path.join(outside, 'OrderService', 'Program.cs'));
    const other = write(path.join(workspace, 'Chain', 'Program.cs'));
    assert.deepStrictEqual(chooseFrameFile(service, [workspace], [other]), { file: service, inWorkspace: false }, 'the PDB’s file, offered');
    // Not on this machine: the only Program.cs of the workspace is the best guess; of two, neither is.
    const remote = '/build/agent/_work/src/OrderService/Program.cs';
    assert.deepStrictEqual(chooseFrameFile(remote, [workspace], [other]), { file: other, inWorkspace: true });
    const tool = write(path.join(workspace, 'tools', 'Program.cs'));
    assert.strictEqual(chooseFrameFile(remote, [workspace], [other, tool]), undefined);
  });

  it('offers a file outside the workspace only as outside (the user is asked), and nothing that does not exist', () => {
    const theirs = write(path.join(outside, 'Secrets.cs'));
    assert.deepStrictEqual(chooseFrameFile(theirs, [workspace], []), { file: theirs, inWorkspace: false });
    assert.strictEqual(chooseFrameFile(path.join(outside, 'Missing.cs'), [workspace], []), undefined);
    assert.strictEqual(chooseFrameFile(outside, [workspace], []), undefined, 'a folder is not a source file');
  });

  it('does not count a path that leaves the workspace through .. or a link as inside', () => {
    const theirs = write(path.join(outside, 'Secrets.cs'));
    fs.mkdirSync(workspace, { recursive: true });
    fs.symlinkSync(outside, path.join(workspace, 'link'));
    assert.ok(!insideFolders(path.join(workspace, '..', 'elsewhere', 'Secrets.cs'), [workspace]));
    assert.ok(!insideFolders(path.join(workspace, 'link', 'Secrets.cs'), [workspace]));
    assert.ok(insideFolders(write(path.join(workspace, 'a.cs')), [workspace]));
    assert.deepStrictEqual(chooseFrameFile(path.join(workspace, 'link', 'Secrets.cs'), [workspace], []), { file: path.join(workspace, 'link', 'Secrets.cs'), inWorkspace: false });
    assert.ok(fs.existsSync(theirs));
  });
});
