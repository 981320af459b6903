// Finding a runtime's diagnostics socket: the name pattern, several sockets for one pid (the one whose key is the
// process's start time, else the newest), and only real sockets count.
import * as assert from 'assert';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { DiagnosticSocket, parseSocketName, pickSocket, processStartTime, scanSocketDirs } from '../../src/diagnostics/diagnosticSockets';

const socket = (key: string, mtimeMs: number): DiagnosticSocket => ({ pid: 7, key, path: `/tmp/dotnet-diagnostic-7-${key}-socket`, mtimeMs, uid: 0 });

describe('diagnostics sockets', () => {
  it('parses dotnet-diagnostic-<pid>-<key>-socket and nothing else', () => {
    assert.deepStrictEqual(parseSocketName('dotnet-diagnostic-4242-1234567-socket'), { pid: 4242, key: '1234567' });
    for (const name of ['dotnet-diagnostic-4242-socket', 'dotnet-diagnostic-a-1-socket', 'dotnet-diagnostic-1-2-socket.lock', 'clr-debug-pipe-1-2-in']) {
      assert.strictEqual(parseSocketName(name), undefined, name);
    }
  });

  it("picks the socket whose key is the process's start time, even when an older one is newer on disk", () => {
    assert.strictEqual(pickSocket([socket('100', 5), socket('200', 1)], '200')?.key, '200');
  });

  it('picks the newest when no key matches or the start time is unknown', () => {
    assert.strictEqual(pickSocket([socket('100', 1), socket('200', 5), socket('150', 3)], '999')?.key, '200');
    assert.strictEqual(pickSocket([socket('100', 5), socket('200', 5)])?.key, '200');
    assert.strictEqual(pickSocket([]), undefined);
  });

  it('reads the start time the runtime uses as key (field 22 of /proc/<pid>/stat)', () => {
    const stat = fs.readFileSync('/proc/self/stat', 'utf8');
    // Independent reading: split everything after the command name, whose parentheses close last.
    const fields = stat.slice(stat.lastIndexOf(')') + 1).trim().split(/\s+/);
    assert.strictEqual(processStartTime(process.pid), fields[19]);
    assert.match(processStartTime(process.pid)!, /^\d+$/);
  });

  it('scans folders for real sockets only, and skips folders it cannot read', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'heaplens-unit-'));
    const server = net.createServer();
    try {
      await new Promise<void>((resolve) => server.listen(path.join(dir, 'dotnet-diagnostic-11-22-socket'), resolve));
      fs.writeFileSync(path.join(dir, 'dotnet-diagnostic-12-22-socket'), 'a plain file with a socket name');
      const found = scanSocketDirs([dir, path.join(dir, 'missing'), dir]);
      assert.deepStrictEqual(
        found.map((s) => [s.pid, s.key, s.path]),
        [[11, '22', path.join(dir, 'dotnet-diagnostic-11-22-socket')]],
      );
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
