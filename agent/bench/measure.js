// Measures the agent on a heap of about a million objects (BigHeap): dump size and capture time, open (index
// build), heap/stats, the first retention path, and the agent's peak RSS. Prints each run and the medians.
// Needs `npm run build` and `npm run compile-tests` first. Usage: node agent/bench/measure.js [runs] [customers]
const { execFileSync, spawn } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const root = path.resolve(__dirname, '..', '..');
const { writeDump } = require(path.join(root, 'out', 'src', 'diagnostics', 'dump.js'));
const { AgentClient } = require(path.join(root, 'out', 'src', 'agent', 'agentClient.js'));

const runs = Number(process.argv[2] ?? 3);
const customers = process.argv[3] ?? '150000';
const project = path.join(__dirname, 'BigHeap', 'BigHeap.csproj');

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Peak RSS, and what is resident now split into the agent's own memory and the memory-mapped dump. */
function memoryMb(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name) => Number(new RegExp(`${name}:\\s+(\\d+) kB`).exec(status)[1]) / 1024;
  return { peak: kb('VmHWM'), anon: kb('RssAnon'), file: kb('RssFile') };
}

async function main() {
  execFileSync('dotnet', ['build', project, '-c', 'Release', '--nologo', '-v', 'q'], { stdio: 'inherit' });
  const dll = path.join(__dirname, 'BigHeap', 'bin', 'Release', 'net10.0', 'BigHeap.dll');
  const program = spawn('dotnet', [dll, customers], { stdio: ['pipe', 'pipe', 'inherit'] });
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('BigHeap did not print READY in 120 s')), 120_000);
    program.stdout.on('data', (d) => d.toString().includes('READY') && (clearTimeout(timer), resolve()));
  });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'heaplens-bench-'));
  fs.chmodSync(dir, 0o700);
  const results = [];
  try {
    for (let run = 1; run <= runs; run++) {
      const dump = await writeDump(program.pid, { path: path.join(dir, `bigheap-${run}.dmp`) });
      const agent = AgentClient.start({
        requestTimeoutMs: 600_000,
        // The agent's own timings (walk, references, roots) go to its stderr.
        logger: { info() {}, warn() {}, error: (m) => console.error(m), trace: (m) => /Indexed|Roots of|answered/.test(m) && console.error(m) },
      });
      try {
        let t = Date.now();
        const info = await agent.open({ path: dump.path });
        const openMs = Date.now() - t;
        t = Date.now();
        const stats = await agent.stats({ snapshotId: info.snapshotId });
        const statsMs = Date.now() - t;
        const orders = await agent.instances({ snapshotId: info.snapshotId, type: 'BigHeap.Order', limit: 1 });
        t = Date.now();
        const paths = await agent.roots({ snapshotId: info.snapshotId, address: orders.instances[0].address });
        const rootsMs = Date.now() - t;
        t = Date.now();
        await agent.roots({ snapshotId: info.snapshotId, type: 'BigHeap.Order', max: 10 });
        const roots10Ms = Date.now() - t;
        const memory = memoryMb(agent.pid);
        const row = {
          run,
          objects: info.objects,
          dumpMb: +(dump.bytes / 1048576).toFixed(1),
          captureMs: dump.ms,
          openMs,
          indexMs: info.indexMs,
          statsMs,
          firstPathMs: rootsMs,
          tenPathsMs: roots10Ms,
          peakRssMb: Math.round(memory.peak),
          anonRssMb: Math.round(memory.anon),
          fileRssMb: Math.round(memory.file),
          path: paths.paths.map((p) => `${p.root.kind}:${p.root.field ?? p.root.handleKind ?? p.root.method}/${p.links.length}`).join(' '),
          types: stats.types.length,
        };
        console.log(JSON.stringify(row));
        results.push(row);
      } finally {
        await agent.dispose();
        fs.rmSync(dump.path, { force: true });
      }
    }
  } finally {
    program.kill();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const keys = ['objects', 'dumpMb', 'captureMs', 'openMs', 'indexMs', 'statsMs', 'firstPathMs', 'tenPathsMs', 'peakRssMb', 'anonRssMb', 'fileRssMb'];
  console.log('median ' + JSON.stringify(Object.fromEntries(keys.map((k) => [k, median(results.map((r) => r[k]))]))));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
