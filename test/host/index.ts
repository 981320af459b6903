// The mocha runner that runs inside a VS Code extension host: code-server's (scripts/host/run-host-tests.js, through
// the smoke-test driver) or a desktop VS Code's (@vscode/test-electron). Both call `run()` from extensionTestsPath.
// It loads every *.test.js beside it, so a new host test is just a new test/host/**/*.test.ts file.
// The report goes to the console (the web host forwards it to the browser), ending with `N passed, N failed`.
import * as fs from 'fs';
import Mocha from 'mocha';
import * as path from 'path';

/** Compiled host tests under this folder (out/test/host/), sorted so runs are in a stable order. */
function findTests(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.test.js'))
    .sort()
    .map((f) => path.join(dir, f));
}

export function run(): Promise<void> {
  // No colours: the report travels as plain text through the browser to a log.
  // HEAPLENS_HOST_GREP: only the tests whose titles match (a contributor rerunning one suite; the host inherits it).
  const grep = process.env.HEAPLENS_HOST_GREP;
  const mocha = new Mocha({ ui: 'bdd', reporter: 'spec', color: false, timeout: 60_000, ...(grep ? { grep } : {}) });
  const files = findTests(__dirname);
  files.forEach((f) => mocha.addFile(f));
  // The first line: scripts/host/run-host-tests.js echoes the host's log from here on (keep the two in step).
  console.log(`HeapLens host tests: ${files.length} file(s) in ${__dirname}`);
  return new Promise((resolve, reject) => {
    if (files.length === 0) {
      console.log(`no *.test.js under ${__dirname}: run \`npm run compile-tests\` first`);
      console.log('0 passed, 1 failed');
      reject(new Error('no host tests found'));
      return;
    }
    try {
      const runner = mocha.run(() => {
        const passed = runner.stats?.passes ?? 0;
        const failed = runner.stats?.failures ?? 0;
        console.log(`${passed} passed, ${failed} failed`);
        if (failed > 0 || passed === 0) reject(new Error(`${failed} host test(s) failed, ${passed} passed`));
        else resolve();
      });
    } catch (err) {
      // A test file that throws while loading never reaches the run callback.
      console.log(`host tests could not load: ${err instanceof Error ? err.stack : String(err)}`);
      console.log('0 passed, 1 failed');
      reject(err);
    }
  });
}
