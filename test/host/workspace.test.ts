// Host test: the runner opened a copy of a fixture app as the workspace, which later host tests (views over a real
// program's snapshots) rely on. scripts/host/run-host-tests.js copies test/fixtures/apps/<HOST_WORKSPACE_APP>.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { fixtureSource } from '../support/fixtures';

/** The fixture app the host runner opens; keep in step with WORKSPACE_APP in scripts/host/run-host-tests.js. */
const HOST_WORKSPACE_APP = 'Chain';

describe('the host test workspace', () => {
  it('is a copy of the fixture app, opened as the only folder', async () => {
    const folders = vscode.workspace.workspaceFolders ?? [];
    assert.strictEqual(folders.length, 1, `expected one workspace folder, got ${folders.map((f) => f.uri.toString()).join(', ') || 'none'}`);
    const program = vscode.Uri.joinPath(folders[0].uri, 'Program.cs');
    const opened = Buffer.from(await vscode.workspace.fs.readFile(program)).toString('utf8');
    assert.strictEqual(opened, fs.readFileSync(fixtureSource(HOST_WORKSPACE_APP), 'utf8'));
    const project = await vscode.workspace.findFiles(`${HOST_WORKSPACE_APP}.csproj`);
    assert.deepStrictEqual(project.map((u) => path.basename(u.fsPath)), [`${HOST_WORKSPACE_APP}.csproj`]);
  });
});
