// Gets the programs the benchmark runs: the agent as `npm run build` publishes it (built only when missing, so the
// benchmark measures the agent you have), and the heap programs (bench/HeapShapes, bench/ManyTypes), built in
// Release every time.
import { execFile } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { promisify } from 'util';

const run = promisify(execFile);

export async function ensureAgent(root: string): Promise<string> {
  const agent = path.join(root, 'dist', 'agent', 'HeapLens.Agent.dll');
  if (!fs.existsSync(agent)) {
    console.log('dist/agent is missing: running `npm run build` (a few minutes on a busy machine)…');
    await withRetries('npm run build', () => run('npm', ['run', 'build'], { cwd: root, timeout: 900_000, maxBuffer: 64 << 20 }));
    if (!fs.existsSync(agent)) throw new Error(`\`npm run build\` produced no ${agent}; run it yourself and look at its errors.`);
  }
  return agent;
}

export function buildGenerator(root: string): Promise<string> {
  return buildProgram(root, 'HeapShapes');
}

/** Builds bench/<name>/<name>.csproj in Release and returns its .dll. */
export async function buildProgram(root: string, name: string): Promise<string> {
  const project = path.join(root, 'bench', name, `${name}.csproj`);
  await withRetries(`the build of bench/${name}`, () =>
    run('dotnet', ['build', project, '-c', 'Release', '--nologo', '-v', 'q'], {
      timeout: 300_000,
      maxBuffer: 64 << 20,
      env: { ...process.env, DOTNET_CLI_TELEMETRY_OPTOUT: '1', DOTNET_NOLOGO: '1' },
    }),
  );
  const dll = path.join(root, 'bench', name, 'bin', 'Release', 'net10.0', `${name}.dll`);
  if (!fs.existsSync(dll)) throw new Error(`The build of bench/${name} produced no ${dll}.`);
  return dll;
}

/** Other builds may hold the same output files for a moment: retry twice on a file-in-use error, then fail. */
async function withRetries(what: string, build: () => Promise<unknown>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await build();
      return;
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string; message: string };
      const output = `${e.stdout ?? ''}\n${e.stderr ?? ''}`;
      if (attempt < 3 && /being used by another process|file is locked|MSB3026|MSB3027|MSB3021/i.test(output)) continue;
      const firstError = output.split('\n').find((l) => /error/i.test(l))?.trim();
      throw new Error(`${what} failed: ${firstError ?? e.message.split('\n')[0]}`);
    }
  }
}
