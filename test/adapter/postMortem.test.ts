// The heaplens adapter on a crash dump: the Crash fixture dies of an unhandled exception with the runtime's
// crash-dump settings on, and the session opens the dump stopped on that exception (type, message, throwing line).
import * as assert from 'assert';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { cleanupDumps, makeDumpDir } from '../support/dumps';
import { buildFixture, fixtureSource, markedLine, readConstant } from '../support/fixtures';
import { AdapterSession, framesWithSource, readStringConstant } from './adapterSession';

/** Runs the Crash fixture to its unhandled exception; the runtime writes a WithHeap dump to `dumpPath`. */
async function crashWithDump(dumpPath: string): Promise<void> {
  const dll = await buildFixture('Crash');
  const child = spawn('dotnet', [dll], {
    env: { ...process.env, DOTNET_DbgEnableMiniDump: '1', DOTNET_DbgMiniDumpType: '2', DOTNET_DbgMiniDumpName: dumpPath },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  child.stdin.end('grow\n');
  const status = await new Promise<{ code: number | null; signal: string | null }>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`Crash did not crash within 60 s:\n${output}`));
    }, 60_000);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal });
    });
  });
  assert.ok(status.code !== 0, `Crash should die of its exception, it exited with ${JSON.stringify(status)}`);
  assert.ok(fs.existsSync(dumpPath), `the runtime wrote no crash dump at ${dumpPath}:\n${output}`);
}

describe('adapter: open a crash dump', function () {
  let session: AdapterSession;
  let dumpPath: string;
  const source = fixtureSource('Crash');

  before(async () => {
    dumpPath = path.join(makeDumpDir(), 'crash.dmp');
    await crashWithDump(dumpPath);
  });

  after(() => cleanupDumps());

  afterEach(async () => {
    await session?.stop();
  });

  it('stops on the unhandled exception with its type, message and throwing line, and shows the heap', async () => {
    session = new AdapterSession();
    await session.start();
    const stopped = session.dc.waitForEvent('stopped');
    await Promise.all([session.dc.launchRequest({ dumpPath } as DebugProtocol.LaunchRequestArguments), session.configurationDone()]);
    const stop = (await stopped) as DebugProtocol.StoppedEvent;
    assert.strictEqual(stop.body.reason, 'exception');
    const threadId = stop.body.threadId!;

    const message = readStringConstant(source, 'RejectedMessage') + readConstant(source, 'RejectedIndex');
    const info = (await session.dc.exceptionInfoRequest({ threadId })).body;
    assert.strictEqual(info.exceptionId, 'Crash.OrderRejectedException');
    assert.strictEqual(info.description, message);
    assert.match(info.details?.stackTrace ?? '', /Crash\.Checkout\.Validate/);

    // The throwing thread's stack: Validate at the throw, called from Submit, called from Main.
    const { stackFrames } = (await session.dc.stackTraceRequest({ threadId })).body;
    const user = framesWithSource(stackFrames);
    const names = JSON.stringify(stackFrames.map((f) => `${f.name} ${f.line}`));
    assert.ok(user.length >= 3, `expected Validate, Submit and Main with source in ${names}`);
    assert.match(user[0].name, /Crash\.Checkout\.Validate/, names);
    assert.strictEqual(user[0].line, markedLine(source, 'throw'));
    assert.match(user[1].name, /Crash\.Checkout\.Submit/, names);
    assert.strictEqual(user[1].line, markedLine(source, 'validate'));
    assert.match(user[2].name, /Crash\.Program\.Main/, names);
    assert.strictEqual(user[2].line, markedLine(source, 'submit'));

    const heap = (await session.dc.scopesRequest({ frameId: user[0].id })).body.scopes.find((s) => s.name === 'Heap')!;
    const types = (await session.dc.variablesRequest({ variablesReference: heap.variablesReference })).body.variables;
    assert.strictEqual(types.find((t) => t.name === 'Crash.Order')?.indexedVariables, readConstant(source, 'OrderCount'));

    const captured = (await session.dc.customRequest('heaplens.captureHeap')).body as { dumpPath: string };
    assert.strictEqual(captured.dumpPath, dumpPath, 'on a dump, captureHeap answers with the dump itself');
    const refused = await session.expectError('continue', { threadId });
    assert.match(refused.error.format, /dump cannot run/);

    const terminated = session.dc.waitForEvent('terminated');
    await session.dc.terminateRequest();
    await terminated;
    assert.ok(fs.existsSync(dumpPath), 'the session never deletes a dump it was given');
  });
});
