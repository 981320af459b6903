// A stand-in diagnostics server for seam tests: a real Unix socket, named as a runtime would name it, beside a
// real process (`sleep`) whose pid it claims. It parses requests by the spec on its own (not with the code under
// test) and answers as each test scripts it, so failures a real runtime rarely shows can be produced on demand.
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';

export interface ReceivedRequest {
  commandSet: number;
  commandId: number;
  /** For dump commands: path, dump type, flags. */
  dumpPath?: string;
  dumpType?: number;
  flags?: number;
}

export type Responder = (request: ReceivedRequest, socket: net.Socket, server: FakeDiagnosticServer) => void | Promise<void>;

const MAGIC = Buffer.from('DOTNET_IPC_V1\0', 'latin1');

function frame(commandId: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(20);
  MAGIC.copy(head);
  head.writeUInt16LE(20 + payload.length, 14);
  head[16] = 0xff;
  head[17] = commandId;
  return Buffer.concat([head, payload]);
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0);
  return b;
}

export function utf16String(s: string): Buffer {
  return s === '' ? u32(0) : Buffer.concat([u32(s.length + 1), Buffer.from(`${s}\0`, 'utf16le')]);
}

export const reply = {
  ok: (payload: Buffer) => frame(0x00, payload),
  error: (hresult: number, message?: string) => frame(0xff, message === undefined ? u32(hresult) : Buffer.concat([u32(hresult), utf16String(message)])),
  dumpOk: () => frame(0x00, u32(0)),
};

export class FakeDiagnosticServer {
  readonly requests: ReceivedRequest[] = [];
  /** Resolves when a client closes its end (after the test's responder ran). */
  clientClosed: Promise<void> = Promise.resolve();
  private constructor(
    readonly dir: string,
    readonly socketPath: string,
    readonly target: ChildProcess,
    private readonly server: net.Server,
  ) {}

  get pid(): number {
    return this.target.pid!;
  }

  /**
   * Starts `sleep 60` with TMPDIR = a private folder, and listens where that process's runtime would. With `user`
   * (root only) the process runs as that user, and the socket is that user's unless `socketUid` says otherwise.
   */
  static async start(respond: Responder, options: { user?: { uid: number; gid: number }; socketUid?: number } = {}): Promise<FakeDiagnosticServer> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'heaplens-seam-'));
    const target = spawn('sleep', ['60'], { env: { ...process.env, TMPDIR: dir }, stdio: 'ignore', uid: options.user?.uid, gid: options.user?.gid });
    await new Promise<void>((resolve, reject) => {
      target.once('spawn', resolve);
      target.once('error', reject);
    });
    const stat = fs.readFileSync(`/proc/${target.pid}/stat`, 'utf8');
    const startTime = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
    const socketPath = path.join(dir, `dotnet-diagnostic-${target.pid}-${startTime}-socket`);
    const holder: { instance?: FakeDiagnosticServer } = {};
    const server = net.createServer((socket) => {
      let buffered = Buffer.alloc(0);
      holder.instance!.clientClosed = new Promise((resolve) => socket.once('close', () => resolve()));
      socket.on('error', () => undefined);
      socket.on('data', (chunk) => {
        buffered = Buffer.concat([buffered, chunk]);
        if (buffered.length < 20 || buffered.length < buffered.readUInt16LE(14)) return;
        const request = parseRequest(buffered.subarray(0, buffered.readUInt16LE(14)));
        buffered = Buffer.alloc(0);
        holder.instance!.requests.push(request);
        void respond(request, socket, holder.instance!);
      });
    });
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
    const socketUid = options.socketUid ?? options.user?.uid;
    if (socketUid !== undefined) fs.lchownSync(socketPath, socketUid, options.user?.gid ?? 0);
    holder.instance = new FakeDiagnosticServer(dir, socketPath, target, server);
    return holder.instance;
  }

  killTarget(): Promise<void> {
    if (this.target.exitCode !== null || this.target.signalCode !== null) return Promise.resolve();
    const gone = new Promise<void>((resolve) => this.target.once('exit', () => resolve()));
    this.target.kill('SIGKILL');
    return gone;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await this.killTarget();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Reads a request the way the spec describes it: header, then for dump commands string + u32 + u32. */
function parseRequest(message: Buffer): ReceivedRequest {
  if (!message.subarray(0, 14).equals(MAGIC)) throw new Error('fake server: bad magic from client');
  const request: ReceivedRequest = { commandSet: message[16], commandId: message[17] };
  if (request.commandSet === 0x01) {
    const units = message.readUInt32LE(20);
    const end = 24 + units * 2;
    request.dumpPath = message.toString('utf16le', 24, end - 2);
    request.dumpType = message.readUInt32LE(end);
    request.flags = message.readUInt32LE(end + 4);
  }
  return request;
}
