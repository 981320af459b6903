// Capturing another user's process as root, against a scripted diagnostics server whose process runs as `nobody`
// (see fakeDiagnosticServer.ts). The responder plays the hostile target: with the folder lent to its user it
// swaps the dump for a symbolic or hard link to a file of ours, as that user could. Nothing it points to may be
// followed (no chmod, no chown, no rename onto it). Also: a socket made by another user is never written to.
// Root only (CI and this machine run tests as root); skipped otherwise.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { CaptureError } from '../../src/diagnostics/captureError';
import { writeDump } from '../../src/diagnostics/dump';
import { listDotnetProcesses } from '../../src/diagnostics/processes';
import { FakeDiagnosticServer, reply } from './fakeDiagnosticServer';

const NOBODY = { uid: 65534, gid: 65534 };

async function captureError(work: Promise<unknown>): Promise<CaptureError> {
  try {
    await work;
  } catch (err) {
    assert.ok(err instanceof CaptureError, `expected a CaptureError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected the capture to fail');
}

function entries(dir: string): string[] {
  return fs
    .readdirSync(dir)
    .filter((n) => !n.startsWith('dotnet-diagnostic-'))
    .sort();
}

/** A file of root's the hostile target would like changed: mode 0644, fixed content. */
function plantVictim(dir: string): string {
  const victim = path.join(dir, 'victim');
  fs.writeFileSync(victim, 'root secret', { mode: 0o644 });
  fs.chmodSync(victim, 0o644);
  return victim;
}

function assertUntouched(victim: string): void {
  const st = fs.statSync(victim);
  assert.strictEqual(st.mode & 0o777, 0o644, 'the file the link named keeps its mode');
  assert.strictEqual(st.uid, 0, 'and its owner');
  assert.strictEqual(st.nlink, 1, 'and has no name left in the destination');
  assert.strictEqual(fs.readFileSync(victim, 'utf8'), 'root secret');
}

describe('capture as root of another user’s process', function () {
  this.timeout(20_000);
  let server: FakeDiagnosticServer | undefined;
  before(function () {
    if (process.getuid?.() !== 0) this.skip();
  });
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  it('lends the runtime a folder of its user inside one of ours, and keeps a 0600 dump owned by root', async () => {
    const seen: { folderUid?: number; folderMode?: number; parentUid?: number; parentMode?: number } = {};
    server = await FakeDiagnosticServer.start(
      (request, socket) => {
        const folder = fs.lstatSync(path.dirname(request.dumpPath!));
        const parent = fs.lstatSync(path.dirname(path.dirname(request.dumpPath!)));
        Object.assign(seen, { folderUid: folder.uid, folderMode: folder.mode & 0o7777, parentUid: parent.uid, parentMode: parent.mode & 0o7777 });
        fs.writeFileSync(request.dumpPath!, 'core', { mode: 0o644 });
        fs.lchownSync(request.dumpPath!, NOBODY.uid, NOBODY.gid);
        socket.end(reply.dumpOk());
      },
      { user: NOBODY },
    );
    const file = path.join(server.dir, 'snap.dmp');
    const result = await writeDump(server.pid, { path: file });
    assert.deepStrictEqual(seen, { folderUid: NOBODY.uid, folderMode: 0o700, parentUid: 0, parentMode: 0o711 });
    assert.strictEqual(result.bytes, 4);
    const st = fs.lstatSync(file);
    assert.ok(st.isFile());
    assert.strictEqual(st.mode & 0o777, 0o600);
    assert.strictEqual(st.uid, 0, 'the dump is ours now, not the target user’s');
    assert.deepStrictEqual(entries(server.dir), ['snap.dmp']);
  });

  /** The target answers "written" after putting `plant(dumpPath, victim)` where the dump should be. */
  async function hostileCapture(plant: (dumpPath: string, victim: string) => void): Promise<{ err: CaptureError; victim: string }> {
    let victim = '';
    server = await FakeDiagnosticServer.start(
      (request, socket) => {
        plant(request.dumpPath!, victim);
        socket.end(reply.dumpOk());
      },
      { user: NOBODY },
    );
    victim = plantVictim(server.dir);
    const err = await captureError(writeDump(server.pid, { path: path.join(server.dir, 'snap.dmp') }));
    assert.strictEqual(err.code, 'unsafe-path');
    assertUntouched(victim);
    assert.deepStrictEqual(entries(server.dir), ['victim']);
    return { err, victim };
  }

  it('refuses a dump the target swapped for a symbolic link, and follows nothing', async () => {
    const { err } = await hostileCapture((dumpPath, victim) => {
      fs.symlinkSync(victim, dumpPath);
      fs.lchownSync(dumpPath, NOBODY.uid, NOBODY.gid);
    });
    assert.match(err.message, new RegExp(`^What process ${server!.pid} left as its dump is a symbolic link, not a plain file: HeapLens neither followed nor kept it\\.`));
  });

  it('refuses a dump the target swapped for a hard link to a file of ours', async () => {
    const { err } = await hostileCapture((dumpPath, victim) => fs.linkSync(victim, dumpPath));
    assert.match(err.message, /is a file with 2 names \(hard links\), not a plain file/);
  });

  it('refuses a destination folder the target’s user can change, before asking the runtime', async () => {
    server = await FakeDiagnosticServer.start(() => assert.fail('the runtime must not be asked'), { user: NOBODY });
    const theirs = path.join(server.dir, 'theirs');
    fs.mkdirSync(theirs);
    fs.chownSync(theirs, NOBODY.uid, NOBODY.gid);
    const inside = path.join(theirs, 'sub');
    fs.mkdirSync(inside); // root's, but inside a folder the target's user may rename
    for (const dir of [theirs, inside]) {
      const err = await captureError(writeDump(server.pid, { path: path.join(dir, 'snap.dmp') }));
      assert.strictEqual(err.code, 'unsafe-path');
      assert.match(err.message, new RegExp(`the user of process ${server.pid} \\(uid 65534\\) cannot change the folders: ${theirs} can be changed by that user\\.`));
    }
    assert.strictEqual(server.requests.length, 0);
    assert.deepStrictEqual(entries(inside), []);
  });

  it('never writes to a diagnostics socket another user made', async () => {
    server = await FakeDiagnosticServer.start(() => assert.fail('a planted socket must not be written to'), { user: NOBODY, socketUid: 0 });
    const err = await captureError(writeDump(server.pid, { path: path.join(server.dir, 'snap.dmp') }));
    assert.strictEqual(err.code, 'unsafe-path');
    assert.match(err.message, new RegExp(`^The diagnostics socket ${server.socketPath} was made by user 0, not by the user process ${server.pid} runs as`));
    assert.deepStrictEqual(await listDotnetProcesses({ socketDirs: [server.dir] }), []);
    assert.strictEqual(server.requests.length, 0);
  });
});
