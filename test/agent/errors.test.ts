// Bad input gets error replies that say what happened, quickly, and the agent keeps serving: missing, truncated
// and garbage dumps, a DAC that is not there, unknown types, addresses and snapshots, and a cancelled request.
import * as assert from 'assert';
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { CancellationTokenSource, createMessageConnection, ResponseError, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import { AgentClient, findAgentPath, findDotnet } from '../../src/agent/agentClient';
import * as wire from '../../src/protocol/agent';
import { captureFixture, cleanupDumps, makeDumpDir } from '../support/dumps';
import { agentLog, dumpAgentLog, expectAgentError, startAgent } from '../support/agentTesting';
import { fixtureSource, readConstant, RunningFixture } from '../support/fixtures';

const QUICK_MS = 10_000;

describe('agent: errors, cancellation and several snapshots', function () {
  let chain: RunningFixture;
  let events: RunningFixture;
  let chainDump: string;
  let eventsDump: string;
  let agent: AgentClient;
  let snapshot: wire.SnapshotInfo;
  let scratch: string;

  before(async function () {
    [chain, events] = await Promise.all([RunningFixture.start('Chain'), RunningFixture.start('Events')]);
    chainDump = await captureFixture(chain);
    eventsDump = await captureFixture(events);
    scratch = makeDumpDir('heaplens-tests-');
    agent = startAgent();
    snapshot = await agent.open({ path: chainDump });
  });

  after(async function () {
    await agent?.dispose();
    await Promise.all([chain?.stop(), events?.stop()]);
    cleanupDumps();
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed') console.log(`agent log:\n${dumpAgentLog()}`);
    agentLog.length = 0;
  });

  it('writes dumps for the owner only', function () {
    assert.strictEqual(fs.statSync(chainDump).mode & 0o777, 0o600);
  });

  it('rejects a dump that is not there', async function () {
    const missing = path.join(scratch, 'no-such.dmp');
    const { error, ms } = await expectAgentError(agent.open({ path: missing }), wire.AgentErrorCode.DumpUnreadable);
    assert.ok(error.message.includes(missing), error.message);
    assert.match(error.message, /no dump/i);
    assert.ok(ms < QUICK_MS, `${ms} ms`);
  });

  it('rejects a truncated dump (the first half of a real one) quickly', async function () {
    const truncated = path.join(scratch, 'truncated.dmp');
    const whole = fs.readFileSync(chainDump);
    fs.writeFileSync(truncated, whole.subarray(0, Math.floor(whole.length / 2)), { mode: 0o600 });
    const { error, ms } = await expectAgentError(agent.open({ path: truncated }), wire.AgentErrorCode.DumpUnreadable);
    assert.match(error.message, /truncated/);
    assert.match(error.message, /capture it again/);
    assert.ok(ms < QUICK_MS, `${ms} ms`);
  });

  it('rejects a file that is not a dump quickly', async function () {
    const garbage = path.join(scratch, 'garbage.dmp');
    fs.writeFileSync(garbage, Buffer.from(Array.from({ length: 1 << 20 }, (_, i) => (i * 7919) & 0xff)), { mode: 0o600 });
    const { error, ms } = await expectAgentError(agent.open({ path: garbage }), wire.AgentErrorCode.DumpUnreadable);
    assert.match(error.message, /not a core dump/);
    assert.ok(ms < QUICK_MS, `${ms} ms`);
  });

  it('rejects a DAC path that does not exist', async function () {
    const dacPath = path.join(scratch, 'libmscordaccore.so');
    const { error } = await expectAgentError(agent.open({ path: chainDump, dacPath }), wire.AgentErrorCode.DumpUnreadable);
    assert.ok(error.message.includes(dacPath), error.message);
  });

  it('rejects a DAC that is not a DAC', async function () {
    const fake = path.join(scratch, 'not-a-dac.so');
    fs.writeFileSync(fake, 'not a library', { mode: 0o600 });
    const { error, ms } = await expectAgentError(agent.open({ path: chainDump, dacPath: fake }), wire.AgentErrorCode.DumpUnreadable);
    assert.ok(error.message.includes(fake), error.message);
    assert.ok(ms < QUICK_MS, `${ms} ms`);
  });

  it('names an unknown type, refuses an unknown address, and says which snapshot is unknown', async function () {
    const { error: type } = await expectAgentError(
      agent.instances({ snapshotId: snapshot.snapshotId, type: 'Chain.NoSuchType' }),
      wire.AgentErrorCode.UnknownType,
    );
    assert.ok(type.message.includes('Chain.NoSuchType'), type.message);
    await expectAgentError(agent.roots({ snapshotId: snapshot.snapshotId, type: 'Chain.NoSuchType' }), wire.AgentErrorCode.UnknownType);
    // A name without its namespace, or in another case, is refused with the full name to type instead.
    for (const short of ['Leak', 'chain.leak']) {
      const { error: hint } = await expectAgentError(agent.roots({ snapshotId: snapshot.snapshotId, type: short }), wire.AgentErrorCode.UnknownType);
      assert.ok(hint.message.includes('Did you mean "Chain.Leak"'), hint.message);
    }
    assert.ok(!type.message.includes('Did you mean'), type.message);

    // An address inside an object (8 bytes past its start) is not an object.
    const { instances } = await agent.instances({ snapshotId: snapshot.snapshotId, type: 'Chain.Leak', limit: 1 });
    const inside = '0x' + (BigInt(instances[0].address) + 8n).toString(16);
    const { error: notAnObject } = await expectAgentError(agent.object({ snapshotId: snapshot.snapshotId, address: inside }), wire.AgentErrorCode.InvalidAddress);
    // The agent's snapshot ids are internal: a command-line user never saw one, so a message does not name it.
    assert.ok(!new RegExp(`\\b${snapshot.snapshotId}\\b`).test(notAnObject.message), notAnObject.message);
    assert.ok(!new RegExp(`\\b${snapshot.snapshotId}\\b`).test(type.message), type.message);
    await expectAgentError(agent.roots({ snapshotId: snapshot.snapshotId, address: '0x10' }), wire.AgentErrorCode.InvalidAddress);
    await expectAgentError(agent.object({ snapshotId: snapshot.snapshotId, address: 'not-hex' }), wire.AgentErrorCode.InvalidParams);
    await expectAgentError(
      agent.roots({ snapshotId: snapshot.snapshotId, address: instances[0].address, type: 'Chain.Leak' }),
      wire.AgentErrorCode.InvalidParams,
    );
    const { error: unknown } = await expectAgentError(agent.stats({ snapshotId: 'nope' }), wire.AgentErrorCode.UnknownSnapshot);
    assert.ok(unknown.message.includes('nope'), unknown.message);
    // Still serving after all that.
    assert.strictEqual((await agent.stats({ snapshotId: snapshot.snapshotId })).objects, snapshot.objects);
  });

  it('keeps two snapshots open at once, and closes one without the other', async function () {
    const other = startAgent();
    try {
      const [a, b] = await Promise.all([other.open({ path: chainDump }), other.open({ path: eventsDump })]);
      assert.notStrictEqual(a.snapshotId, b.snapshotId);
      const [leaks, subscribers] = await Promise.all([
        other.instances({ snapshotId: a.snapshotId, type: 'Chain.Leak', limit: 0 }),
        other.instances({ snapshotId: b.snapshotId, type: 'Events.Subscriber', limit: 0 }),
      ]);
      assert.strictEqual(leaks.count, readConstant(fixtureSource('Chain'), 'InitialCount'));
      assert.strictEqual(subscribers.count, readConstant(fixtureSource('Events'), 'InitialCount'));
      await expectAgentError(other.instances({ snapshotId: a.snapshotId, type: 'Events.Subscriber' }), wire.AgentErrorCode.UnknownType);

      await other.close(a.snapshotId);
      await expectAgentError(other.stats({ snapshotId: a.snapshotId }), wire.AgentErrorCode.UnknownSnapshot);
      const paths = await other.roots({ snapshotId: b.snapshotId, type: 'Events.Subscriber', max: 1 });
      assert.strictEqual(paths.paths[0].root.field, 'Events.Program.Bus');
    } finally {
      await other.dispose();
    }
  });

  it('cancels a running open with -32800 and goes on serving', async function () {
    // The wire itself (not AgentClient), to see the agent's own reply to $/cancelRequest.
    const child = spawn(findDotnet(), [findAgentPath()], { stdio: ['pipe', 'pipe', 'pipe'] });
    child.stderr.on('data', (d: Buffer) => agentLog.push(d.toString()));
    const connection = createMessageConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
    const source = new CancellationTokenSource();
    // Cancel as soon as the agent says it has started: the open is then certainly under way.
    connection.onNotification(wire.Notifications.progress, () => source.cancel());
    connection.listen();
    try {
      const started = Date.now();
      const outcome = await connection.sendRequest(wire.Methods.open, { path: chainDump }, source.token).then(
        (info) => ({ info }),
        (error: unknown) => ({ error }),
      );
      assert.ok('error' in outcome, `the open finished instead of being cancelled: ${JSON.stringify(outcome)}`);
      assert.ok(outcome.error instanceof ResponseError, String(outcome.error));
      assert.strictEqual(outcome.error.code, wire.AgentErrorCode.Cancelled);
      assert.ok(Date.now() - started < QUICK_MS);

      const info = await connection.sendRequest(wire.Methods.open, { path: chainDump });
      assert.strictEqual(info.objects, snapshot.objects);
      await connection.sendRequest(wire.Methods.shutdown);
    } finally {
      connection.dispose();
      child.kill();
    }
  });
});
