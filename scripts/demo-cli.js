// `npm run demo:cli`: a guided run of the heaplens CLI on a leaking program. Builds if needed, starts the Chain fixture,
// snapshots it, lets it leak some more, snapshots again, shows what grew and what keeps it alive (down to the
// source line), then stops the program and deletes the dumps (they hold its memory).
const { spawn, spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const root = path.resolve(__dirname, '..');
const cli = path.join(root, 'dist', 'cli.js');
const agent = path.join(root, 'dist', 'agent', 'HeapLens.Agent.dll');
const fixture = 'Chain';

function heading(text) {
  console.log(`\n=== ${text} ${'='.repeat(Math.max(0, 72 - text.length))}`);
}

function fail(message) {
  console.error(`demo: ${message}`);
  process.exitCode = 1;
}

/** Runs the CLI and shows what it printed; returns stdout. */
function heaplens(args, { show = true } = {}) {
  if (show) console.log(`$ heaplens ${args.map((a) => (a.includes(' ') ? JSON.stringify(a) : a)).join(' ')}`);
  const result = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 600_000 });
  if (result.status !== 0) throw new Error(`heaplens ${args[0]} failed: ${(result.stderr || '').trim() || `exit ${result.status}`}`);
  if (show) process.stdout.write(result.stdout);
  return result.stdout;
}

/** The fixture program, driven through its stdin protocol (READY, then "grow"/"exit"). */
function startFixture(dll) {
  const child = spawn('dotnet', [dll], { stdio: ['pipe', 'pipe', 'inherit'] });
  let output = '';
  const waiters = [];
  child.stdout.setEncoding('utf8').on('data', (s) => {
    output += s;
    waiters.splice(0).forEach((w) => w());
  });
  child.on('exit', () => waiters.splice(0).forEach((w) => w()));
  const readyCount = () => (output.match(/^READY$/gm) || []).length;
  async function waitReady(count, timeoutMs = 60_000) {
    const deadline = Date.now() + timeoutMs;
    while (readyCount() < count) {
      if (child.exitCode !== null) throw new Error(`${fixture} exited early:\n${output}`);
      if (Date.now() > deadline) throw new Error(`${fixture} did not print READY within ${timeoutMs / 1000} s`);
      await new Promise((r) => {
        const t = setTimeout(r, 250);
        waiters.push(() => (clearTimeout(t), r()));
      });
    }
  }
  return {
    child,
    ready: () => waitReady(1),
    async grow() {
      const next = readyCount() + 1;
      child.stdin.write('grow\n');
      await waitReady(next);
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const gone = new Promise((r) => child.once('exit', r));
      child.stdin.end('exit\n');
      const t = setTimeout(() => child.kill('SIGKILL'), 3000);
      await gone;
      clearTimeout(t);
    },
  };
}

async function main() {
  heading('1. Build');
  if (!fs.existsSync(cli) || !fs.existsSync(agent)) {
    console.log('dist/ is incomplete: running `npm run build` (the agent build takes a minute)…');
    const build = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
    if (build.status !== 0) throw new Error('`npm run build` failed; see above.');
  } else {
    console.log('dist/cli.js and the agent are built.');
  }
  const project = path.join(root, 'test', 'fixtures', 'apps', fixture, `${fixture}.csproj`);
  console.log(`Building the ${fixture} fixture…`);
  const built = spawnSync('dotnet', ['build', project, '-c', 'Debug', '--nologo', '-v', 'q'], { encoding: 'utf8', timeout: 300_000 });
  if (built.status !== 0) throw new Error(`dotnet build of ${fixture} failed:\n${built.stdout}${built.stderr}`);
  const dll = path.join(root, 'test', 'fixtures', 'apps', fixture, 'bin', 'Debug', 'net10.0', `${fixture}.dll`);

  const dumps = fs.mkdtempSync(path.join(os.tmpdir(), 'heaplens-demo-'));
  fs.chmodSync(dumps, 0o700);
  const program = startFixture(dll);
  const cleanup = async () => {
    await program.stop();
    fs.rmSync(dumps, { recursive: true, force: true });
  };
  const onSignal = () => {
    cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  try {
    await program.ready();
    heading(`2. The leaking program (pid ${program.child.pid})`);
    console.log(`${fixture} keeps a chain of objects alive from a local variable of Main (see test/fixtures/apps/${fixture}/Program.cs).`);
    heaplens(['ps']);

    heading('3. First snapshot');
    const before = path.join(dumps, 'before.dmp');
    heaplens(['capture', String(program.child.pid), '--out', before]);

    heading('4. Let it leak, then a second snapshot');
    console.log('Sending "grow" to the program…');
    await program.grow();
    const after = path.join(dumps, 'after.dmp');
    heaplens(['capture', String(program.child.pid), '--out', after]);

    heading('5. What grew between the snapshots (top 10)');
    heaplens(['diff', before, after, '--top', '10']);

    // The type to follow: the application's own type that grew most (System types are usually its payload).
    const diff = JSON.parse(heaplens(['diff', before, after, '--json'], { show: false }));
    const grew = diff.types.filter((t) => t.after.bytes > t.before.bytes);
    if (grew.length === 0) throw new Error('nothing grew between the snapshots');
    const target = grew.find((t) => !/^(System|Microsoft|Internal)\./.test(t.name)) || grew[0];

    heading(`6. Why ${target.name} (the application type that grew most) stays alive`);
    heaplens(['roots', after, '--type', target.name, '--max', '1']);
    const roots = JSON.parse(heaplens(['roots', after, '--type', target.name, '--max', '1', '--json'], { show: false }));
    const stack = roots.paths.map((p) => p.root).find((r) => r.kind === 'stack' && r.file);
    if (stack) {
      const line = fs.existsSync(stack.file) ? fs.readFileSync(stack.file, 'utf8').split('\n')[stack.line - 1] : undefined;
      console.log(`\nHeld on the stack of ${stack.method}, at ${path.relative(root, stack.file)}:${stack.line}`);
      if (line !== undefined) console.log(`  ${stack.line} | ${line.trim()}`);
    }

    heading('7. Clean up');
  } finally {
    await cleanup();
    process.off('SIGINT', onSignal);
  }
  console.log('Stopped the program and deleted its dumps.');
}

main().catch((err) => fail(err.message));
