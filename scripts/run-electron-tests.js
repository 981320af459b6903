// `npm run test:electron`: the host suite (out/test/host/index.js, the same one scripts/host/run-host-tests.js runs in
// code-server) inside a desktop VS Code, through @vscode/test-electron's runTests. For contributors and CI machines that
// have a desktop VS Code: HEAPLENS_VSCODE_PATH names its executable; HEAPLENS_VSCODE_DOWNLOAD=1 lets test-electron
// download one instead. With neither it ends at once and says so: desktop VS Code cannot be had on every machine (not
// on the project's own, which runs the host suite in code-server: `npm test -- host`).
const fs = require('fs');
const path = require('path');
const { makeWorkspace } = require('./host/workspace');

const root = path.resolve(__dirname, '..');
const suiteIndex = path.join(root, 'out', 'test', 'host', 'index.js');
/** The same workspace the code-server runner opens (scripts/host/run-host-tests.js; keep the two in step). */
const WORKSPACE_APP = 'Chain';

async function main() {
  const executable = process.env.HEAPLENS_VSCODE_PATH;
  const download = process.env.HEAPLENS_VSCODE_DOWNLOAD === '1';
  if (!executable && !download) {
    console.error(
      'test:electron needs a desktop VS Code: set HEAPLENS_VSCODE_PATH to its executable (e.g. /usr/share/code/code), ' +
        'or HEAPLENS_VSCODE_DOWNLOAD=1 to let @vscode/test-electron download one. Without either, run the host suite in ' +
        'code-server: npm test -- host.',
    );
    process.exit(2);
  }
  if (executable && !fs.existsSync(executable)) {
    console.error(`HEAPLENS_VSCODE_PATH is ${executable}, which does not exist: point it at a desktop VS Code executable.`);
    process.exit(2);
  }
  if (!fs.existsSync(suiteIndex)) {
    console.error(`No ${path.relative(root, suiteIndex)}: run \`npm run build && npm run compile-tests\` first.`);
    process.exit(2);
  }
  const { runTests } = require('@vscode/test-electron');
  const workspace = makeWorkspace(WORKSPACE_APP);
  let code = 1;
  try {
    code = await runTests({
      ...(executable ? { vscodeExecutablePath: executable } : {}),
      extensionDevelopmentPath: root,
      extensionTestsPath: suiteIndex,
      launchArgs: [workspace.folder, '--disable-workspace-trust', '--skip-welcome', '--skip-release-notes'],
    });
  } catch (err) {
    console.error(`The host suite failed in desktop VS Code: ${err instanceof Error ? err.message : String(err)}`);
    console.log('0 passed, 1 failed');
  } finally {
    workspace.remove();
  }
  process.exit(code);
}

void main();
