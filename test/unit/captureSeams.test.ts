// writeDump and listDotnetProcesses against a scripted diagnostics server on a real socket (see
// fakeDiagnosticServer.ts): command fallback, the runtime's error text, a process that dies mid-capture, a server
// that never answers, cancellation. The real runtime is exercised by test/cli; these cover what it rarely does.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { CancellationSource } from '../../src/common/async';
import { CaptureError } from '../../src/diagnostics/captureError';
import { writeDump } from '../../src/diagnostics/dump';
import { listDotnetProcesses } from '../../src/diagnostics/processes';
import { FakeDiagnosticServer, reply, utf16String } from './fakeDiagnosticServer';

const UNKNOWN_COMMAND = 0x80131385;
const E_FAIL = 0x80004005;

async function captureError(work: Promise<unknown>): Promise<CaptureError> {
  try {
    await work;
  } catch (err) {
    assert.ok(err instanceof CaptureError, `expected a CaptureError, got ${String(err)}`);
    assert.ok(!err.message.includes('\n'), `message is one line: ${err.message}`);
    return err;
  }
  assert.fail('expected the capture to fail');
}

/** Nothing but the files a test expects may remain beside the dump: no staging folder, no partial dump. */
function entries(dir: string): string[] {
  return fs.readdirSync(dir).filter((n) => !n.startsWith('dotnet-diagnostic-'));
}

describe('capture through a scripted diagnostics server', function () {
  this.timeout(20_000);
  let server: FakeDiagnosticServer | undefined;
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  it('steps down GenerateCoreDump3 → 2 → 1 on UNKNOWN_COMMAND and keeps the dump 0600', async () => {
    const content = Buffer.from('\x7fELF fake core');
    server = await FakeDiagnosticServer.start((request, socket) => {
      if (request.commandId !== 0x01) return void socket.end(reply.error(UNKNOWN_COMMAND));
      fs.writeFileSync(request.dumpPath!, content, { mode: 0o644 });
      socket.end(reply.dumpOk());
    });
    const file = path.join(server.dir, 'snap.dmp');
    const result = await writeDump(server.pid, { path: file });
    assert.deepStrictEqual(
      server.requests.map((r) => [r.commandSet, r.commandId, r.dumpType, r.flags]),
      [
        [1, 3, 2, 0],
        [1, 2, 2, 0],
        [1, 1, 2, 0],
      ],
    );
    // The runtime is told an absolute path in a private staging folder beside the destination.
    assert.ok(path.isAbsolute(server.requests[0].dumpPath!));
    assert.strictEqual(path.dirname(path.dirname(server.requests[0].dumpPath!)), server.dir);
    assert.strictEqual(result.path, file);
    assert.strictEqual(result.bytes, content.length);
    assert.strictEqual(fs.statSync(file).mode & 0o777, 0o600);
    assert.deepStrictEqual(entries(server.dir), ['snap.dmp']);
  });

  it('asks for dump type Full (4) with kind "full" and resolves a relative path', async () => {
    server = await FakeDiagnosticServer.start((request, socket) => {
      fs.writeFileSync(request.dumpPath!, 'x');
      socket.end(reply.dumpOk());
    });
    const cwd = process.cwd();
    process.chdir(server.dir);
    try {
      const result = await writeDump(server.pid, { path: 'rel.dmp', kind: 'full' });
      assert.strictEqual(result.path, path.join(fs.realpathSync(server.dir), 'rel.dmp'));
    } finally {
      process.chdir(cwd);
    }
    assert.strictEqual(server.requests[0].dumpType, 4);
  });

  it("relays the runtime's own error message from GenerateCoreDump3", async () => {
    const text = "[createdump] Could not write to '/x/y.dmp': No space left on device (28)\n[createdump] Failure took 5ms\n";
    server = await FakeDiagnosticServer.start((_request, socket) => void socket.end(reply.error(E_FAIL, text)));
    const err = await captureError(writeDump(server.pid, { path: path.join(server.dir, 'a.dmp') }));
    assert.strictEqual(err.code, 'runtime-error');
    assert.match(err.message, /could not write the dump \(0x80004005 \(failed\)\): Could not write to '\/x\/y\.dmp': No space left on device \(28\)\./);
    assert.doesNotMatch(err.message, /Failure took|\[createdump\]/);
    assert.deepStrictEqual(entries(server.dir), []);
  });

  it('says the process exited when it dies while the dump is written', async () => {
    server = await FakeDiagnosticServer.start(async (_request, socket, s) => {
      await s.killTarget();
      socket.destroy();
    });
    const err = await captureError(writeDump(server.pid, { path: path.join(server.dir, 'a.dmp') }));
    assert.strictEqual(err.code, 'process-exited');
    assert.match(err.message, new RegExp(`^Process ${server.pid} exited while it was asked to write a dump; nothing was kept\\.$`));
    assert.deepStrictEqual(entries(server.dir), []);
  });

  it('says the connection closed without an answer when the process lives on', async () => {
    server = await FakeDiagnosticServer.start((_request, socket) => void socket.destroy());
    const err = await captureError(writeDump(server.pid, { path: path.join(server.dir, 'a.dmp') }));
    assert.strictEqual(err.code, 'protocol-error');
    assert.match(err.message, /closed the diagnostics connection without answering/);
  });

  it('times out on a server that never answers, and closes its connection', async () => {
    server = await FakeDiagnosticServer.start(() => undefined);
    const started = Date.now();
    const err = await captureError(writeDump(server.pid, { path: path.join(server.dir, 'a.dmp'), timeoutMs: 400 }));
    const took = Date.now() - started;
    assert.strictEqual(err.code, 'timeout');
    assert.match(err.message, new RegExp(`^Process ${server.pid} did not write a dump within 400 ms\\.`));
    // Far below the 120 s default: the 400 ms limit was honoured (generous for a loaded machine).
    assert.ok(took >= 400 && took < 15_000, `took ${took} ms`);
    await server.clientClosed; // the socket was closed by the client (this would hang otherwise)
    assert.deepStrictEqual(entries(server.dir), []);
  });

  it('stops when cancelled, closes the connection and keeps nothing', async () => {
    const source = new CancellationSource();
    server = await FakeDiagnosticServer.start((request) => {
      fs.writeFileSync(request.dumpPath!, 'partial');
      source.cancel();
    });
    const err = await captureError(writeDump(server.pid, { path: path.join(server.dir, 'a.dmp'), cancellation: source }));
    assert.strictEqual(err.code, 'cancelled');
    await server.clientClosed;
    assert.deepStrictEqual(entries(server.dir), []);
  });

  it('reports a reply that is not the diagnostics protocol', async () => {
    server = await FakeDiagnosticServer.start((_request, socket) => void socket.end(Buffer.from('HTTP/1.1 400 Bad Request\r\n\r\n')));
    const err = await captureError(writeDump(server.pid, { path: path.join(server.dir, 'a.dmp') }));
    assert.strictEqual(err.code, 'protocol-error');
    assert.match(err.message, /not a diagnostics reply: IPC reply does not start with DOTNET_IPC_V1/);
  });

  it('lists a process through ProcessInfo when ProcessInfo2 is unknown', async () => {
    server = await FakeDiagnosticServer.start((request, socket, s) => {
      if (request.commandId === 0x04) return void socket.end(reply.error(UNKNOWN_COMMAND));
      const pid = Buffer.alloc(8);
      pid.writeBigUInt64LE(BigInt(s.pid));
      socket.end(reply.ok(Buffer.concat([pid, Buffer.alloc(16), utf16String('dotnet old.dll'), utf16String('Linux'), utf16String('x64')])));
    });
    const found = await listDotnetProcesses({ socketDirs: [server.dir] });
    assert.deepStrictEqual(
      found.map((p) => [p.pid, p.commandLine, p.runtimeVersion, p.responding]),
      [[server.pid, 'dotnet old.dll', '', true]],
    );
    assert.deepStrictEqual(
      server.requests.map((r) => [r.commandSet, r.commandId]),
      [
        [4, 4],
        [4, 0],
      ],
    );
  });

  it('lists a process that does not answer as not responding, within its time limit', async () => {
    server = await FakeDiagnosticServer.start(() => undefined);
    const started = Date.now();
    const found = await listDotnetProcesses({ socketDirs: [server.dir], timeoutMs: 300 });
    assert.ok(Date.now() - started < 15_000);
    assert.deepStrictEqual(
      found.map((p) => [p.pid, p.responding, p.commandLine]),
      [[server.pid, false, 'sleep 60']],
    );
  });

  it('skips the socket of a process that has exited without connecting to it', async () => {
    server = await FakeDiagnosticServer.start(() => assert.fail('a dead process must not be asked'));
    await server.killTarget();
    assert.deepStrictEqual(await listDotnetProcesses({ socketDirs: [server.dir] }), []);
    assert.strictEqual(server.requests.length, 0);
  });
});
