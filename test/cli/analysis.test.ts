// The analysis commands (stats, diff, heap, instances, object, roots) through the built CLI and the real agent,
// on dumps of the Chain fixture. Expected figures come from Chain/Program.cs (its constants and marked line).
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { Dominators, HeapDiff, HeapLayout, HeapObject, HeapStats, Instances, RetentionGroups, RetentionPaths } from '../../src/protocol/agent';
import { captureFixture, cleanupDumps, makeDumpDir } from '../support/dumps';
import { fixtureSource, markedLine, readConstant, RunningFixture } from '../support/fixtures';
import { childPids, commandLine, isRunning, runCli, runJson, startCli, waitFor } from './runCli';

const source = fixtureSource('Chain');
const initialCount = readConstant(source, 'InitialCount');
const growBy = readConstant(source, 'GrowBy');
const payloadBytes = readConstant(source, 'PayloadBytes');
const blockedLine = markedLine(source, 'blocked');
const LEAK = 'Chain.Leak';

describe('heaplens analysis commands on the Chain fixture', function () {
  this.timeout(180_000);
  let chain: RunningFixture;
  let beforeDump: string;
  let afterDump: string;

  before(async () => {
    chain = await RunningFixture.start('Chain');
    beforeDump = await captureFixture(chain);
    await chain.grow();
    afterDump = await captureFixture(chain);
  });
  after(async () => {
    await chain?.stop();
    cleanupDumps();
  });

  it('stats --json counts InitialCount Chain.Leak objects and a byte[] payload for each', async () => {
    const stats = await runJson<HeapStats>(['stats', beforeDump]);
    assert.deepStrictEqual(Object.keys(stats).sort(), ['bytes', 'free', 'objects', 'types', 'unreachable']);
    const leak = stats.types.find((t) => t.name === LEAK);
    assert.strictEqual(leak?.count, initialCount);
    const bytes = stats.types.find((t) => t.name === 'System.Byte[]');
    assert.ok(bytes && bytes.count >= initialCount && bytes.bytes >= initialCount * payloadBytes, JSON.stringify(bytes));
    assert.strictEqual(stats.objects, stats.types.reduce((s, t) => s + t.count, 0));
    // --sort bytes (the default): largest first.
    for (let i = 1; i < stats.types.length; i++) assert.ok(stats.types[i - 1].bytes >= stats.types[i].bytes);
  });

  it('stats --json: Chain.Leak retains every link and payload (the newest holds the rest), --all adds the unreachable', async () => {
    const stats = await runJson<HeapStats>(['stats', beforeDump, '--sort', 'retained']);
    const [oldest] = (await runJson<Instances>(['instances', beforeDump, '--type', LEAK, '--limit', '1'])).instances;
    const leak = await runJson<HeapObject>(['object', beforeDump, '--address', oldest.address]);
    const payload = await runJson<HeapObject>(['object', beforeDump, '--address', leak.fields.find((f) => f.name === 'payload')!.address!]);
    const one = leak.size + payload.size;
    assert.strictEqual(oldest.retainedBytes, one, 'the oldest link holds only its payload');
    assert.strictEqual(stats.types.find((t) => t.name === LEAK)?.retainedBytes, initialCount * one);
    for (let i = 1; i < stats.types.length; i++) assert.ok(stats.types[i - 1].retainedBytes >= stats.types[i].retainedBytes, 'sorted by retained bytes');
    const all = await runJson<HeapStats>(['stats', beforeDump, '--all']);
    assert.strictEqual(all.objects, stats.objects + stats.unreachable.count);
    assert.strictEqual(all.bytes, stats.bytes + stats.unreachable.bytes);
  });

  it('dominators --json: the newest link a local of Main holds retains the whole chain', async () => {
    const top = await runJson<Dominators>(['dominators', beforeDump, '--top', '3']);
    assert.deepStrictEqual(Object.keys(top).sort(), ['items', 'liveBytes', 'liveObjects']);
    const head = top.items.find((d) => d.type === LEAK);
    assert.ok(head, JSON.stringify(top.items));
    assert.strictEqual(head.retainedObjects, 2 * initialCount, 'every link and its payload');
    assert.strictEqual(head.children, 2, 'the next link and its own payload');
    assert.strictEqual(head.root?.kind, 'stack');
    assert.strictEqual(head.root?.line, blockedLine);
    const children = await runJson<Dominators>(['dominators', beforeDump, '--address', head.address]);
    assert.deepStrictEqual(children.items.map((d) => d.type).sort(), [LEAK, 'System.Byte[]']);
    assert.strictEqual(children.items.find((d) => d.type === LEAK)?.retainedObjects, 2 * initialCount - 2);
    const run = await runCli(['dominators', beforeDump, '--top', '3']);
    assert.strictEqual(run.code, 0, run.stderr);
    assert.match(run.stdout, new RegExp(`^${head.address}\\s+[\\d,]+\\s+[\\d.]+%\\s+${(2 * initialCount).toLocaleString('en-US')}\\s+\\d+\\s+Chain\\.Leak\\s+stack root: .*Chain\\.Program\\.Main`, 'm'));
  });

  it('roots --type --group: the newest link, and every other one behind a folded run of m_prevLeak', async () => {
    const groups = await runJson<RetentionGroups>(['roots', beforeDump, '--type', LEAK, '--group']);
    assert.strictEqual(groups.instances, initialCount);
    assert.deepStrictEqual(groups.groups.map((g) => g.count), [1, initialCount - 1]);
    assert.strictEqual(groups.groups[0].root.kind, 'stack');
    assert.deepStrictEqual(groups.groups[1].links.map((l) => [l.type, l.field]), [[LEAK, null], [LEAK, 'm_prevLeak']]);
    const run = await runCli(['roots', beforeDump, '--type', LEAK, '--group']);
    assert.strictEqual(run.code, 0, run.stderr);
    assert.match(run.stdout, new RegExp(`^Group 2: ${(initialCount - 1).toLocaleString('en-US')} of ${initialCount.toLocaleString('en-US')} · `, 'm'));
    assert.match(run.stdout, /^ {2}stack root: .*Chain\.Program\.Main.* -> Chain\.Leak \.m_prevLeak -> Chain\.Leak$/m);
  });

  it('stats --top 3 --sort count returns the three most numerous types', async () => {
    const stats = await runJson<HeapStats>(['stats', beforeDump, '--top', '3', '--sort', 'count']);
    assert.strictEqual(stats.types.length, 3);
    for (let i = 1; i < 3; i++) assert.ok(stats.types[i - 1].count >= stats.types[i].count);
    assert.ok(stats.types.some((t) => t.name === LEAK));
  });

  it('stats prints an SOS-like table with thousands separators and a total', async () => {
    const run = await runCli(['stats', beforeDump]);
    assert.strictEqual(run.code, 0, run.stderr);
    assert.match(run.stdout, /^\s*Count\s+TotalSize\s+Retained\s+Class Name$/m);
    assert.match(run.stdout, new RegExp(`^\\s*${initialCount.toLocaleString('en-US')}\\s+[\\d,]+\\s+[\\d,]+\\s+Chain\\.Leak$`, 'm'));
    assert.match(run.stdout, /^Total [\d,]+ live objects, [\d,]+ bytes$/m);
    assert.match(run.stdout, /^Unreachable [\d,]+ objects, [\d,]+ bytes not counted/m);
  });

  it('diff --json after one grow: Chain.Leak +GrowBy, sorted by growth in bytes', async () => {
    const diff = await runJson<HeapDiff>(['diff', beforeDump, afterDump]);
    const leak = diff.types.find((t) => t.name === LEAK);
    assert.ok(leak);
    assert.strictEqual(leak.before.count, initialCount);
    assert.strictEqual(leak.after.count - leak.before.count, growBy);
    assert.ok('unreachable' in diff, 'diff --json gives the unreachable objects of each side');
    // The newest link retains the chain: the type's retained bytes grow by GrowBy links and their payloads.
    const perLink = leak.before.retainedBytes / initialCount;
    assert.strictEqual(leak.after.retainedBytes, (initialCount + growBy) * perLink);
    const growth = diff.types.map((t) => t.after.bytes - t.before.bytes);
    for (let i = 1; i < growth.length; i++) assert.ok(growth[i - 1] >= growth[i], `row ${i} grows more than row ${i - 1}`);
  });

  it('diff prints signed changes', async () => {
    const run = await runCli(['diff', beforeDump, afterDump, '--top', '5']);
    assert.strictEqual(run.code, 0, run.stderr);
    assert.match(run.stdout, new RegExp(`^\\s*${(initialCount + growBy).toLocaleString('en-US')}\\s+\\+${growBy}\\s+[\\d,]+\\s+\\+[\\d,]+\\s+[\\d,]+\\s+\\+[\\d,]+\\s+Chain\\.Leak$`, 'm'));
  });

  it('roots --json --type Chain.Leak: a stack root in Main on the blocked line, then m_prevLeak links', async () => {
    const result = await runJson<RetentionPaths>(['roots', beforeDump, '--type', LEAK, '--max', '3']);
    assert.ok(result.paths.length > 0);
    const fromMain = result.paths.filter((p) => p.root.kind === 'stack' && p.root.line === blockedLine);
    assert.ok(fromMain.length > 0, `no stack root on line ${blockedLine}: ${JSON.stringify(result.paths.map((p) => p.root))}`);
    for (const p of fromMain) {
      assert.match(p.root.method ?? '', /Chain\.Program\.Main/);
      assert.match(p.root.file ?? '', /Program\.cs$/);
      assert.ok(p.links.every((l) => l.type === LEAK));
      assert.strictEqual(p.links[0].field, null);
      assert.ok(p.links.slice(1).every((l) => l.field === 'm_prevLeak'));
    }
  });

  it('roots prints the root and folds the m_prevLeak run (never in --json)', async () => {
    // The lowest address is the oldest Leak (index 0, made first): its path holds every link, InitialCount of them;
    // all but the first and last are folded.
    const [first] = (await runJson<Instances>(['instances', beforeDump, '--type', LEAK, '--limit', '1'])).instances;
    const json = await runJson<RetentionPaths>(['roots', beforeDump, '--address', first.address]);
    const run = await runCli(['roots', beforeDump, '--address', first.address]);
    assert.strictEqual(run.code, 0, run.stderr);
    assert.match(run.stdout, new RegExp(`^stack root: .*Chain\\.Program\\.Main at .*Program\\.cs:${blockedLine}$`, 'm'));
    assert.match(run.stdout, /^-> 0x[0-9a-f]+ Chain\.Leak$/m);
    const links = json.paths[0].links;
    const target = await runJson<HeapObject>(['object', beforeDump, '--address', links[links.length - 1].address]);
    assert.strictEqual(target.fields.find((f) => f.name === 'index')?.value, '0');
    assert.strictEqual(links.length, initialCount);
    assert.match(run.stdout, new RegExp(`^  … m_prevLeak × ${(initialCount - 2).toLocaleString('en-US')}$`, 'm'));
    assert.ok(!JSON.stringify(json).includes('…'));
  });

  it('heap --json: the generations hold at least the payload bytes the program made', async () => {
    const layout = await runJson<HeapLayout>(['heap', beforeDump]);
    // Chain runs workstation GC (fixtures set no ServerGarbageCollection), which has exactly one heap.
    assert.strictEqual(layout.gcMode, 'workstation');
    assert.strictEqual(layout.heaps.length, 1);
    assert.deepStrictEqual(layout.heaps.map((h) => h.index), layout.heaps.map((_, i) => i));
    const total = layout.heaps.reduce((s, h) => s + h.gen0 + h.gen1 + h.gen2 + h.loh + h.poh, 0);
    assert.ok(total >= initialCount * payloadBytes, `${total} bytes`);
  });

  it('instances and object: a Chain.Leak with its fields', async () => {
    const found = await runJson<Instances>(['instances', beforeDump, '--type', LEAK, '--limit', '3']);
    assert.strictEqual(found.type, LEAK);
    assert.strictEqual(found.count, initialCount);
    assert.strictEqual(found.instances.length, 3);
    const obj = await runJson<HeapObject>(['object', beforeDump, '--address', found.instances[0].address]);
    assert.strictEqual(obj.address, found.instances[0].address);
    assert.strictEqual(obj.type, LEAK);
    assert.strictEqual(obj.size, found.instances[0].size);
    assert.deepStrictEqual(obj.fields.map((f) => f.name).sort(), ['index', 'm_prevLeak', 'payload']);
    const payload = obj.fields.find((f) => f.name === 'payload')!;
    assert.strictEqual(payload.type, 'System.Byte[]');
    const array = await runJson<HeapObject>(['object', beforeDump, '--address', payload.address!]);
    assert.strictEqual(array.length, payloadBytes);
  });

  it('a pid as <dump> is captured to a private temp file, used, and deleted', async () => {
    const tmp = makeDumpDir();
    const stats = await runJson<HeapStats>(['stats', String(chain.pid)], { env: { TMPDIR: tmp } });
    assert.strictEqual(stats.types.find((t) => t.name === LEAK)?.count, initialCount + growBy);
    assert.deepStrictEqual(fs.readdirSync(tmp), []);
  });

  it('Ctrl-C while analysing a pid: exit 130, the agent is killed and the temporary dump deleted', async () => {
    const tmp = makeDumpDir();
    const cli = startCli(['stats', String(chain.pid)], { env: { TMPDIR: tmp } });
    // The agent runs the GC before the capture, then opens the temporary dump once it is written. Freeze it then,
    // so the interrupt surely lands while the CLI waits on it (a real heap walk can take minutes; this one would
    // otherwise finish in a blink).
    const agent = await waitFor('the agent to start', () => childPids(cli.child.pid!).find((pid) => commandLine(pid).includes('HeapLens.Agent')));
    const dumpFile = () => fs.readdirSync(tmp).filter((n) => n.startsWith('heaplens-cli-')).map((n) => path.join(tmp, n, `dump-${chain.pid}.dmp`)).find((f) => fs.existsSync(f));
    await waitFor('the temporary dump', dumpFile, 60_000);
    process.kill(agent, 'SIGSTOP');
    assert.ok(dumpFile(), 'the temporary dump exists before the interrupt');
    const interrupted = Date.now();
    cli.child.kill('SIGINT');
    const run = await cli.done;
    const afterInterrupt = Date.now() - interrupted;
    assert.strictEqual(run.code, 130, run.stderr);
    assert.match(run.stderr, /^heaplens: Interrupted: nothing was kept\.\n$/);
    // Ended by the CLI's own cleanup, not its 5 s last-resort timer (counted from the interrupt, not from the start,
    // whose capture and agent start take a loaded machine many seconds).
    assert.ok(afterInterrupt < 5_000, `took ${afterInterrupt} ms after the interrupt`);
    assert.deepStrictEqual(fs.readdirSync(tmp), []);
    assert.ok(!isRunning(agent), `agent ${agent} still runs`);
  });
});
