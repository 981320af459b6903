// Fault injection on the analysis agent, through the AgentHost that the extension, the debug adapter and the CLI all
// use: a real agent process, real dumps of the LongPath fixture (a 100,000-link chain), and real faults: the agent
// killed mid-request, hung in a request (the agent's test hook), crashing on one dump, a dump truncated while it is
// opened, twenty snapshots opened at once under a memory budget, and replies that would be too large.
// Each test ends with: a clear one-line message, no hang, nothing lost (the dumps still open), the next action works.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { AgentErrorCode, RetentionPaths } from '../../src/protocol/agent';
import { AgentHost, SNAPSHOT_OVERHEAD_BYTES } from '../../src/agent/agentHost';
import { CancellationSource } from '../../src/common/async';
import { captureFixture, cleanupDumps, makeDumpDir } from '../support/dumps';
import { fixtureSource, readConstant, RunningFixture } from '../support/fixtures';
import { anonymousBytes, expectFailure, isAlive, startHost, waitFor, WatchedHost } from './faultSupport';

const source = fixtureSource('LongPath');
const Links = readConstant(source, 'Links');
/** agent/HeapLens.Agent/Roots/PathBound.cs */
const MaxLinks = 10_000;

describe('fault: the analysis agent', function () {
  let fixture: RunningFixture | undefined;
  let dump: string;
  const hosts: AgentHost[] = [];
  let dir: string;

  function host(options: Parameters<typeof startHost>[0] = {}): WatchedHost {
    const watched = startHost(options);
    hosts.push(watched.host);
    return watched;
  }

  /** The type statistics of the dump: what every "next action" asks. */
  function stats(h: AgentHost, file = dump) {
    return h.use([file], (c, [id]) => c.stats({ snapshotId: id, filter: 'LongPath.' }));
  }

  function tailPath(h: AgentHost, file = dump): Promise<RetentionPaths> {
    return h.use([file], (c, [id]) => c.roots({ snapshotId: id, type: 'LongPath.Tail', max: 1 }));
  }

  /** The counts the fixture's construction gives. */
  function assertChainCounts(types: Array<{ name: string; count: number }>): void {
    const count = (name: string) => types.find((t) => t.name === name)?.count;
    assert.strictEqual(count('LongPath.Even'), Links / 2);
    assert.strictEqual(count('LongPath.Odd'), Links / 2 - 1);
    assert.strictEqual(count('LongPath.Tail'), 1);
  }

  before(async function () {
    fixture = await RunningFixture.start('LongPath');
    dump = await captureFixture(fixture);
    await fixture.stop();
    fixture = undefined;
    dir = makeDumpDir('heaplens-fault-');
  });

  afterEach(async function () {
    await Promise.all(hosts.splice(0).map((h) => h.dispose()));
  });

  after(async function () {
    await fixture?.stop();
    cleanupDumps();
  });

  it('a path of 100,000 links: the reply keeps its two ends and says how many links it left out', async function () {
    const { host: h } = host();
    const { paths } = await tailPath(h);
    assert.strictEqual(paths.length, 1, 'one stack root: the local `head` of Main');
    const [p] = paths;
    assert.strictEqual(p.links.length, MaxLinks);
    assert.deepStrictEqual(p.omitted, { after: MaxLinks / 2, count: Links - MaxLinks });
    assert.strictEqual(p.links[0].type, 'LongPath.Even', 'the root side: Even#0, which `head` holds');
    assert.strictEqual(p.links[p.links.length - 1].type, 'LongPath.Tail', 'the target side');
    // The links alternate Even, Odd (nothing to fold) on both sides of the gap.
    assert.strictEqual(p.links[1].type, 'LongPath.Odd');
    assert.strictEqual(p.links[MaxLinks / 2 - 1].type, 'LongPath.Odd');
    assert.strictEqual(p.links[p.links.length - 2].type, 'LongPath.Even');
    const bytes = Buffer.byteLength(JSON.stringify(paths));
    // Whole, 100,000 links of about 60 bytes each would be about 6 MB; bounded, a tenth of it.
    assert.ok(bytes < 1.5 * 1024 * 1024, `the reply is ${bytes} bytes`);
    assertChainCounts((await stats(h)).types);
  });

  it('the retention group of that path: its shape sent as the same two ends, the gap said', async function () {
    const { host: h } = host();
    const result = await h.use([dump], (c, [id]) => c.retentionGroups({ snapshotId: id, type: 'LongPath.Tail' }));
    assert.strictEqual(result.instances, 1);
    assert.strictEqual(result.groups.length, 1, 'one Tail, one group');
    const [group] = result.groups;
    // Even and Odd alternate, so no run folds: the shape is as long as the path.
    assert.strictEqual(group.links.length, MaxLinks);
    assert.deepStrictEqual(group.omitted, { after: MaxLinks / 2, count: Links - MaxLinks });
    assert.strictEqual(group.links[0].type, 'LongPath.Even');
    assert.strictEqual(group.links[MaxLinks / 2 - 1].type, 'LongPath.Odd');
    assert.strictEqual(group.links[group.links.length - 1].type, 'LongPath.Tail');
    const bytes = Buffer.byteLength(JSON.stringify(result));
    assert.ok(bytes < 1024 * 1024, `the reply is ${bytes} bytes`);
  });

  it('a reply larger than the reader takes fails with ReplyTooLarge, and the same agent answers the next request', async function () {
    const { host: h, restarts } = host({ agent: { maxReplyBytes: 256 * 1024 } });
    const pid = (await h.open(dump)).snapshotId && h.agentPid;
    await expectFailure(tailPath(h), /more than the 256 KB HeapLens reads at once.*ask for less/, AgentErrorCode.ReplyTooLarge);
    assertChainCounts((await stats(h)).types);
    assert.strictEqual(h.agentPid, pid, 'no restart for a reply that was too large');
    assert.deepStrictEqual(restarts, []);
  });

  it('a reply larger than the agent sends fails with ReplyTooLarge from the agent', async function () {
    process.env.HEAPLENS_AGENT_MAX_REPLY_MB = '1';
    const { host: h } = host();
    try {
      await h.open(dump);
    } finally {
      delete process.env.HEAPLENS_AGENT_MAX_REPLY_MB;
    }
    // 50,000 instances of about 40 bytes each: about 2 MB.
    const all = h.use([dump], (c, [id]) => c.instances({ snapshotId: id, type: 'LongPath.Even', limit: Links / 2 }));
    await expectFailure(all, /larger than the agent's reply limit \(more than 1 MB\).*ask for less/, AgentErrorCode.ReplyTooLarge);
    const page = await h.use([dump], (c, [id]) => c.instances({ snapshotId: id, type: 'LongPath.Even', limit: 10 }));
    assert.strictEqual(page.count, Links / 2);
    assert.strictEqual(page.instances.length, 10);
  });

  it('the agent killed mid-request: restarted, the user told, the request answered by the new agent', async function () {
    let first = 0;
    let killed = false;
    // Killed in the middle of heap/roots: when the agent reports that it is reading the roots (its first step).
    const { host: h, restarts } = host({
      onProgress: (p) => {
        if (!killed && /Reading the roots/.test(p.message)) {
          killed = true;
          process.kill(first, 'SIGKILL');
        }
      },
    });
    await h.open(dump);
    first = h.agentPid!;
    const { paths } = await tailPath(h);
    assert.ok(killed, 'the agent was killed while it answered heap/roots');
    assert.strictEqual(paths[0].links.length, MaxLinks);
    assert.strictEqual(paths[0].omitted?.count, Links - MaxLinks);
    assert.notStrictEqual(h.agentPid, first, 'a new agent answered');
    assert.strictEqual(restarts.length, 1);
    assert.match(restarts[0], /agent stopped unexpectedly \(.*SIGKILL.*\) and was restarted; open snapshots are being reloaded from their dumps/);
    assertChainCounts((await stats(h)).types);
  });

  it('a hung agent (stuck in a request): killed after the timeout, restarted, its snapshots reopened, the next request works', async function () {
    const trigger = path.join(dir, 'hang-armed');
    fs.writeFileSync(trigger, '');
    const { host: h, restarts } = host({ agent: { faultHook: `hang:heap/roots:${trigger}`, requestTimeoutMs: 8_000 } });
    const other = path.join(dir, 'other.dmp');
    fs.linkSync(dump, other);
    // Held, as the views and debug sessions hold what they show: held snapshots are reopened after a restart.
    h.acquire(dump);
    h.acquire(other);
    await h.open(dump);
    await h.open(other);
    const hung = h.agentPid!;
    const started = Date.now();
    const message = await expectFailure(tailPath(h), /did not answer heap\/roots within 8 s\. HeapLens restarted its analysis agent; try again\./);
    assert.ok(Date.now() - started < 60_000, `the failure took ${Date.now() - started} ms`);
    assert.ok(!fs.existsSync(trigger), 'the hook fired');
    await waitFor('the hung agent to be gone', () => (isAlive(hung) ? undefined : true), 10_000);
    assert.strictEqual(restarts.length, 1, message);
    assert.match(restarts[0], /stopped answering \(heap\/roots did not finish, and a cancel did not stop it\) and was restarted; open snapshots are being reopened/);
    // Both snapshots are reopened in the new agent without being asked.
    await waitFor('both snapshots to be reopened', () => (h.openSnapshots.length === 2 ? true : undefined), 120_000);
    assert.notStrictEqual(h.agentPid, hung);
    // The next action works, the same request included (the hook fired once).
    assertChainCounts((await stats(h)).types);
    assert.strictEqual((await tailPath(h)).paths[0].links[MaxLinks - 1].type, 'LongPath.Tail');
  });

  it('a hung request that the user cancels: the caller is released at once, the agent replaced after the grace period', async function () {
    const trigger = path.join(dir, 'hang-armed-2');
    fs.writeFileSync(trigger, '');
    const { host: h, restarts } = host({ agent: { faultHook: `hang:heap/roots:${trigger}`, cancelGraceMs: 3_000 } });
    await h.open(dump);
    const hung = h.agentPid!;
    const cancellation = new CancellationSource();
    const call = h.use([dump], (c, [id]) => c.roots({ snapshotId: id, type: 'LongPath.Tail', max: 1 }, { cancellation }), { cancellation });
    await waitFor('the hook to fire', () => (fs.existsSync(trigger) ? undefined : true), 30_000);
    cancellation.cancel();
    await assert.rejects(call, /cancelled/);
    await waitFor('the hung agent to be replaced', () => (restarts.length === 1 && !isAlive(hung) ? true : undefined), 30_000);
    assertChainCounts((await stats(h)).types);
  });

  it('a dump that crashes the agent twice is refused from then on; other dumps still open', async function () {
    const crashing = path.join(dir, 'crashing.dmp');
    fs.linkSync(dump, crashing);
    const { host: h, restarts } = host({ agent: { faultHook: 'crash:heap/roots' } });
    await h.open(crashing);
    const refusal = /made the HeapLens agent crash or hang twice, so HeapLens no longer opens it.*capture the heap again/;
    await expectFailure(tailPath(h, crashing), refusal, AgentErrorCode.DumpUnreadable);
    assert.strictEqual(restarts.length, 1, 'the first crash was retried once, in a new agent');
    assert.match(restarts[0], /stopped unexpectedly \(.*SIGABRT.*\) and was restarted/);
    // The next clicks on it fail at once, without starting the agent again.
    const started = Date.now();
    await expectFailure(stats(h, crashing), refusal, AgentErrorCode.DumpUnreadable);
    await expectFailure(h.open(crashing), refusal, AgentErrorCode.DumpUnreadable);
    assert.ok(Date.now() - started < 2_000, 'refused without opening the dump');
    assert.strictEqual(restarts.length, 1, 'no agent was started for a refused dump');
    // Nothing else is lost: another dump opens and answers.
    assertChainCounts((await stats(h, dump)).types);
  });

  it('a dump truncated while it is being opened: a clear error, and the next open works', async function () {
    const copy = path.join(dir, 'truncated.dmp');
    fs.copyFileSync(dump, copy);
    const { host: h } = host();
    const opening = h.open(copy);
    // Cut it to a third while the agent reads it (or before it starts: either way the open must fail cleanly).
    fs.truncateSync(copy, Math.floor(fs.statSync(copy).size / 3));
    const message = await expectFailure(opening, /truncated\.dmp is truncated \(.*\): capture it again/);
    console.log(`      truncated: ${message}`);
    assertChainCounts((await stats(h, dump)).types);
  });

  it('twenty snapshots opened at once: opened one at a time, and the indexes stay within the memory budget', async function () {
    const files = Array.from({ length: 20 }, (_, i) => {
      const file = path.join(dir, `many-${i}.dmp`);
      fs.linkSync(dump, file);
      return file;
    });
    // Measure one snapshot first: its index size, as the agent reports it.
    const probe = host();
    const one = await probe.host.open(dump);
    assert.ok(one.indexBytes > 0 && one.indexBytes < 64 * 1024 * 1024, `indexBytes ${one.indexBytes}`);
    const perSnapshot = one.indexBytes + SNAPSHOT_OVERHEAD_BYTES;
    await probe.host.dispose();

    // A budget for three snapshots.
    const budget = 3 * perSnapshot + 1024;
    const { host: h, log } = host({ memoryBudgetBytes: budget });
    await h.open(dump);
    const pid = h.agentPid!;
    const idle = anonymousBytes(pid);
    let peak = idle;
    let mostOpen = 0;
    const sampler = setInterval(() => {
      if (isAlive(pid)) peak = Math.max(peak, anonymousBytes(pid));
      mostOpen = Math.max(mostOpen, h.openSnapshots.length);
    }, 50);
    try {
      const infos = await Promise.all(files.map((f) => h.open(f)));
      assert.strictEqual(infos.length, 20);
      assert.ok(infos.every((i) => i.objects === one.objects), 'every snapshot opened whole');
      assert.ok(h.openSnapshots.length <= 3, `${h.openSnapshots.length} open at the end`);
      assert.ok(mostOpen <= 4, `at most the budget's three and the one being opened were open at once, not ${mostOpen}`);
      // Statistics of the first one (closed by now to save memory) still come: it is reopened from its dump.
      assertChainCounts((await stats(h, files[0])).types);
    } finally {
      clearInterval(sampler);
    }
    assert.strictEqual(h.agentPid, pid, 'no restart');
    assert.ok(log.some((l) => /to stay within the .* memory budget/.test(l)), 'evictions are logged');
    // The agent's own memory: what it had with one snapshot open, plus the budget, plus one index being built and
    // the garbage of the last open (the agent returns it to the system after each close).
    const allowed = idle + budget + 3 * perSnapshot;
    assert.ok(peak <= allowed, `peak anonymous memory ${mb(peak)} > ${mb(allowed)} (idle ${mb(idle)}, budget ${mb(budget)})`);
    console.log(`      indexBytes ${mb(one.indexBytes)}; idle ${mb(idle)}; peak ${mb(peak)} with a budget of ${mb(budget)}; most open at once ${mostOpen}`);
  });
});

function mb(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}
