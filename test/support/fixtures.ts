// Builds and runs the leaking programs in test/fixtures/apps, and finds the lines their comments mark.
// Tests take expected figures from the programs' own constants (readConstant), never from captured output.
import { ChildProcessWithoutNullStreams, execFile, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { promisify } from 'util';

const run = promisify(execFile);

/** The repository root: the nearest folder above this file with HeapLens's package.json (tests run from out/). */
export const repoRoot = (() => {
  for (let dir = __dirname; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(dir, 'agent'))) return dir;
  }
  throw new Error(`no repository root above ${__dirname}`);
})();
export const appsDir = path.join(repoRoot, 'test', 'fixtures', 'apps');

const built = new Map<string, Promise<string>>();
const published = new Map<string, Promise<string>>();
let publishRoot: string | undefined;

/** Builds a fixture once per test run (Debug, portable PDB) and returns the path of its .dll. */
export function buildFixture(name: string): Promise<string> {
  let dll = built.get(name);
  if (!dll) {
    dll = (async () => {
      const project = path.join(appsDir, name, `${name}.csproj`);
      await run('dotnet', ['build', project, '-c', 'Debug', '--nologo', '-v', 'q'], { timeout: 180_000 });
      const out = path.join(appsDir, name, 'bin', 'Debug', 'net10.0', `${name}.dll`);
      if (!fs.existsSync(out)) throw new Error(`build of ${name} produced no ${out}`);
      return out;
    })();
    built.set(name, dll);
  }
  return dll;
}

/** A running fixture program, driven through its stdin protocol (FixtureProtocol.cs). */
export class RunningFixture {
  private output = '';
  private readyCount = 0;
  private waiters: Array<() => void> = [];
  private exited = false;

  private constructor(readonly name: string, readonly child: ChildProcessWithoutNullStreams) {
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      this.output += chunk;
      this.readyCount = (this.output.match(/^READY$/gm) ?? []).length;
      this.waiters.splice(0).forEach((w) => w());
    });
    child.stderr.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    child.on('exit', () => {
      this.exited = true;
      this.waiters.splice(0).forEach((w) => w());
    });
  }

  get pid(): number {
    return this.child.pid!;
  }

  static async start(name: string, env: NodeJS.ProcessEnv = {}): Promise<RunningFixture> {
    const dll = await buildFixture(name);
    return RunningFixture.startProgram(name, 'dotnet', [dll], env);
  }

  /** Starts a fixture built some other way (e.g. self-contained for another runtime) and waits for READY. */
  static async startProgram(name: string, command: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<RunningFixture> {
    const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: 'pipe' });
    const fixture = new RunningFixture(name, child);
    await fixture.waitForReady(1);
    return fixture;
  }

  /**
   * Publishes a fixture self-contained for another .NET (e.g. "net8.0"), with that runtime from its NuGet runtime
   * pack, so a machine with only .NET 10 installed can still run and capture it. Built from a copy of the sources
   * in `workDir`, so its obj/ never mixes with the fixture's own build. Returns the executable's path.
   */
  static async publishForRuntime(name: string, tfm: string, workDir: string): Promise<string> {
    const apps = path.join(workDir, 'apps');
    fs.mkdirSync(path.join(apps, name), { recursive: true });
    for (const shared of ['Directory.Build.props', 'FixtureProtocol.cs']) fs.copyFileSync(path.join(appsDir, shared), path.join(apps, shared));
    for (const file of fs.readdirSync(path.join(appsDir, name)).filter((f) => /\.(cs|csproj)$/.test(f))) {
      fs.copyFileSync(path.join(appsDir, name, file), path.join(apps, name, file));
    }
    const out = path.join(workDir, `out-${tfm}`);
    await run('dotnet', ['publish', path.join(apps, name, `${name}.csproj`), '-c', 'Debug', '-r', 'linux-x64', '--self-contained', '-o', out, '--nologo', '-v', 'q'], {
      timeout: 300_000,
      env: { ...process.env, HEAPLENS_FIXTURE_TFM: tfm },
    });
    const exe = path.join(out, name);
    if (!fs.existsSync(exe)) throw new Error(`publishing ${name} for ${tfm} produced no ${exe}`);
    return exe;
  }

  /**
   * publishForRuntime once per test run and fixture/runtime pair, shared by every suite that needs it (publishing is
   * slow); the folder is removed when the test process exits. Suites that damage it work on a copy.
   */
  static publishedForRuntime(name: string, tfm: string): Promise<string> {
    const key = `${name}/${tfm}`;
    let exe = published.get(key);
    if (!exe) {
      if (!publishRoot) {
        const root = fs.mkdtempSync(path.join(os.tmpdir(), 'heaplens-published-'));
        publishRoot = root;
        process.on('exit', () => fs.rmSync(root, { recursive: true, force: true }));
      }
      exe = RunningFixture.publishForRuntime(name, tfm, path.join(publishRoot, name.toLowerCase()));
      published.set(key, exe);
    }
    return exe;
  }

  /** Sends "grow" and waits until the program has built its next step. */
  async grow(): Promise<void> {
    const next = this.readyCount + 1;
    this.child.stdin.write('grow\n');
    await this.waitForReady(next);
  }

  private async waitForReady(count: number, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.readyCount < count) {
      if (this.exited) throw new Error(`${this.name} exited before READY:\n${this.output}`);
      if (Date.now() > deadline) throw new Error(`${this.name} did not print READY in ${timeoutMs} ms:\n${this.output}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 250);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Ends the program (SIGKILL after a grace period) and waits for it to go. */
  async stop(): Promise<void> {
    if (this.exited) return;
    const gone = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    try {
      process.kill(this.pid, 'SIGCONT');
    } catch {
      /* already gone */
    }
    this.child.stdin.end('exit\n');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 3000);
    await gone;
    clearTimeout(timer);
  }
}

/** The 1-based line of a fixture's source file that carries `// heaplens:<marker>`. */
export function markedLine(file: string, marker: string): number {
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const index = lines.findIndex((l) => l.includes(`// heaplens:${marker}`));
  if (index < 0) throw new Error(`no heaplens:${marker} in ${file}`);
  return index + 1;
}

/** Reads `const int Name = 123;` from a fixture's source, so expectations follow from the program. */
export function readConstant(file: string, name: string): number {
  const source = fs.readFileSync(file, 'utf8');
  const match = new RegExp(`const\\s+int\\s+${name}\\s*=\\s*(\\d+)\\s*;`).exec(source);
  if (!match) throw new Error(`no const int ${name} in ${file}`);
  return Number(match[1]);
}

export function fixtureSource(name: string, file = 'Program.cs'): string {
  return path.join(appsDir, name, file);
}
