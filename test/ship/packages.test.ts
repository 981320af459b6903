// What a user installs, installed the way the README's "Install" section says:
//   - `npm run package` (here `-- --no-build`: the suites run on what `npm test` built) writes heaplens-<version>.vsix
//     with the bundles, the built agent and media, and no tests, sources or maps, within the README's size budget, and
//     a marketplace-ready manifest; code-server's `--install-extension` (what `code --install-extension` is) installs
//     it into an empty extensions folder. (Capturing a heap through the installed .vsix in the real UI is the browser
//     suite's test/browser/captureHeap.test.ts, which installs the same package into a fresh code-server.)
//   - `npm pack` writes heaplens-<version>.tgz, which `npm install -g` (into an empty prefix) turns into a working
//     `heaplens`: `--version` says package.json's version and `heaplens stats` reads a real fixture dump with the agent
//     that came inside the package.
import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { captureFixture, cleanupDumps } from '../support/dumps';
import { fixtureSource, readConstant, repoRoot, RunningFixture } from '../support/fixtures';
import { zipEntries } from '../support/zipEntries';

/* eslint-disable @typescript-eslint/no-require-imports -- the packaging and host helpers are plain CommonJS scripts */
const { ensureHost } = require(path.join(repoRoot, 'scripts', 'host', 'setup.js'));
const { installExtension } = require(path.join(repoRoot, 'scripts', 'host', 'codeServer.js'));
/* eslint-enable @typescript-eslint/no-require-imports */

const manifest = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));
const version: string = manifest.version;
const readme = fs.readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
const installSection = readme.slice(readme.indexOf('## Install'), readme.indexOf('\n## ', readme.indexOf('## Install') + 1));
/** An environment for npm without an outer npm's variables (they would redirect its prefix or cache). */
const npmEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));

/** The commands of the install section's code blocks, one per line, without their comments. */
function readmeCommands(): string[] {
  const blocks = [...installSection.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]);
  return blocks.flatMap((b) => b.split('\n')).map((l) => l.replace(/#.*$/, '').trim()).filter(Boolean);
}

describe('ship: the .vsix and the npm package, installed as the README says', function () {
  this.timeout(600_000);
  let scratch: string;

  before(() => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'heaplens-ship-'));
  });
  after(() => {
    fs.rmSync(scratch, { recursive: true, force: true });
    cleanupDumps();
  });

  describe('the .vsix', function () {
    let vsix: string;

    before(() => {
      execFileSync('npm', ['run', 'package', '--', '--no-build', '--out', scratch], { cwd: repoRoot, env: npmEnv, stdio: 'pipe', timeout: 300_000 });
      vsix = path.join(scratch, `heaplens-${version}.vsix`);
    });

    it('is named as the README says and installs with the README’s command', () => {
      assert.ok(fs.existsSync(vsix), `npm run package wrote no ${vsix}`);
      const commands = readmeCommands();
      assert.ok(commands.includes('npm ci && npm run package'), commands.join(' | '));
      assert.ok(commands.includes(`code --install-extension heaplens-${version}.vsix`), commands.join(' | '));
    });

    it('holds the bundles, the built agent and media; no tests, sources or maps; within the README’s budget', () => {
      const names = zipEntries(vsix).map((e) => e.name);
      const lower = names.map((n) => n.toLowerCase());
      // vsce stores README.md as readme.md, CHANGELOG.md as changelog.md and LICENSE as LICENSE.txt.
      for (const file of ['dist/extension.js', 'dist/cli.js', 'dist/debugAdapter.js', 'dist/webview/summary.js', 'dist/webview/memory.js', 'dist/agent/HeapLens.Agent.dll', 'dist/tree-sitter-c_sharp.wasm', 'media/heaplens.png', 'package.json', 'readme.md', 'changelog.md', 'license.txt']) {
        assert.ok(lower.includes(`extension/${file.toLowerCase()}`), `the .vsix lacks ${file}: ${names.join(', ')}`);
      }
      const unwanted = names.filter((n) => /\.map$|\.ts$|\.cs$|\.csproj$|^extension\/(test|src|agent|scripts|node_modules|out|bench|docs)\/|^extension\/dist\/agent\/.*\//.test(n));
      assert.deepStrictEqual(unwanted, []);
      const budget = /The \.vsix is at most (\d+) MB/.exec(installSection);
      assert.ok(budget, 'the README states the size budget in its install section');
      const size = fs.statSync(vsix).size;
      assert.ok(size <= Number(budget[1]) * 1024 * 1024, `${size} bytes, budget ${budget[1]} MB`);
      console.log(`    .vsix: ${(size / 1048576).toFixed(1)} MB, ${names.length} files`);
    });

    it('has a marketplace-ready manifest, a workspace extension', () => {
      assert.deepStrictEqual(manifest.extensionKind, ['workspace']);
      assert.ok(manifest.icon && fs.existsSync(path.join(repoRoot, manifest.icon)) && manifest.icon.endsWith('.png'), manifest.icon);
      assert.ok(manifest.repository?.url, 'a repository');
      assert.ok(manifest.keywords?.length >= 3 && manifest.categories?.includes('Debuggers'));
      assert.ok(manifest.description.length <= 200, 'a short description');
    });

    it('installs into an empty extensions folder with the agent inside', async function () {
      const host = ensureHost();
      const installed = await installExtension({ host, vsix });
      try {
        assert.match(installed.listed, new RegExp(`^heaplens\\.heaplens@${version.replace(/\./g, '\\.')}$`, 'm'));
        const folder = path.join(installed.extensionsDir, `heaplens.heaplens-${version}`);
        assert.ok(fs.existsSync(path.join(folder, 'dist', 'agent', 'HeapLens.Agent.dll')), `no agent in ${folder}`);
      } finally {
        installed.remove();
      }
    });
  });

  describe('the npm package', function () {
    let prefix: string;
    let heaplens: string;

    before(() => {
      const commands = readmeCommands();
      assert.ok(commands.includes('npm ci && npm run build && npm pack'), commands.join(' | '));
      assert.ok(commands.includes(`npm install -g ./heaplens-${version}.tgz`), commands.join(' | '));
      execFileSync('npm', ['pack', '--pack-destination', scratch], { cwd: repoRoot, env: npmEnv, stdio: 'pipe', timeout: 300_000 });
      prefix = path.join(scratch, 'prefix');
      fs.mkdirSync(prefix);
      // The README's `npm install -g`, into an empty prefix instead of the user's global one; nothing to download.
      execFileSync('npm', ['install', '-g', '--prefix', prefix, '--offline', '--no-audit', '--no-fund', `./heaplens-${version}.tgz`], {
        cwd: scratch,
        env: npmEnv,
        stdio: 'pipe',
        timeout: 300_000,
      });
      heaplens = path.join(prefix, 'bin', 'heaplens');
    });

    it('holds the command and the agent, and nothing else of the repository', () => {
      const listed = execFileSync('tar', ['-tzf', path.join(scratch, `heaplens-${version}.tgz`)], { encoding: 'utf8' }).split('\n').filter(Boolean);
      assert.ok(listed.includes('package/dist/cli.js') && listed.includes('package/dist/agent/HeapLens.Agent.dll'), listed.join(', '));
      const unwanted = listed.filter((n) => /\.map$|\.ts$|\.cs$|^package\/(test|src|agent|scripts|media|out)\/|^package\/dist\/(extension|debugAdapter)\.js$|^package\/dist\/agent\/.*\//.test(n));
      assert.deepStrictEqual(unwanted, []);
    });

    it('`heaplens --version` says package.json’s version', () => {
      assert.strictEqual(execFileSync(heaplens, ['--version'], { encoding: 'utf8', timeout: 60_000 }).trim(), `heaplens ${version}`);
    });

    it('`heaplens stats` reads a fixture dump with the agent from the package', async function () {
      const fixture = await RunningFixture.start('Chain');
      let dump: string;
      try {
        dump = await captureFixture(fixture);
      } finally {
        await fixture.stop();
      }
      // Run from the scratch folder: the command looks for its agent upwards from its own file, and nothing above the
      // prefix leads back to this repository's dist/, so the agent that answers is the one the package brought.
      const out = execFileSync(heaplens, ['stats', dump, '--json'], { cwd: scratch, encoding: 'utf8', timeout: 180_000, stdio: ['ignore', 'pipe', 'pipe'] });
      const stats = JSON.parse(out) as { types: Array<{ name: string; count: number }> };
      assert.strictEqual(stats.types.find((t) => t.name === 'Chain.Leak')?.count, readConstant(fixtureSource('Chain'), 'InitialCount'));
    });
  });
});
