// The agent's wire at the byte level: Content-Length framing and JSON-RPC 2.0 errors, with raw frames written to the
// real agent process (no vscode-jsonrpc in between), so a framing bug cannot hide behind the client library.
import * as assert from 'assert';
import { ChildProcessWithoutNullStreams, spawn } from 'child_process';
import { findAgentPath, findDotnet } from '../../src/agent/agentClient';
import { AgentErrorCode, Methods } from '../../src/protocol/agent';

interface Reply {
  jsonrpc: string;
  id: number | string | null;
  result?: unknown;
  error?: { code: number; message: string };
}

/** The real agent, spoken to in raw bytes; replies are parsed from its stdout frame by frame. */
class RawAgent {
  readonly child: ChildProcessWithoutNullStreams;
  private buffer = Buffer.alloc(0);
  private replies: Reply[] = [];
  private waiters: Array<() => void> = [];

  constructor() {
    this.child = spawn(findDotnet(), [findAgentPath()], { env: { ...process.env, DOTNET_EnableDiagnostics: '0' } });
    this.child.stdout.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.parse();
    });
    this.child.on('exit', () => this.waiters.splice(0).forEach((w) => w()));
  }

  private parse(): void {
    for (;;) {
      const headerEnd = this.buffer.indexOf('\r\n\r\n');
      if (headerEnd < 0) return;
      const header = this.buffer.subarray(0, headerEnd).toString('ascii');
      const match = /^Content-Length: (\d+)$/im.exec(header);
      assert.ok(match, `the agent wrote a frame without Content-Length: ${JSON.stringify(header)}`);
      const length = Number(match[1]);
      if (this.buffer.length < headerEnd + 4 + length) return;
      const body = this.buffer.subarray(headerEnd + 4, headerEnd + 4 + length).toString('utf8');
      this.buffer = this.buffer.subarray(headerEnd + 4 + length);
      const message = JSON.parse(body);
      if (message.id !== undefined) this.replies.push(message as Reply);
      this.waiters.splice(0).forEach((w) => w());
    }
  }

  write(bytes: string | Buffer): void {
    this.child.stdin.write(bytes);
  }

  frame(message: object): Buffer {
    const body = Buffer.from(JSON.stringify(message), 'utf8');
    return Buffer.concat([Buffer.from(`Content-Length: ${body.length}\r\n\r\n`, 'ascii'), body]);
  }

  /** Waits for the reply with this id (null: the reply to a message that had none the agent could read). */
  async reply(id: number | string | null, timeoutMs = 20_000): Promise<Reply> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.replies.find((r) => r.id === id);
      if (found) return found;
      if (this.child.exitCode !== null) throw new Error(`the agent exited (${this.child.exitCode}) before replying to ${id}`);
      if (Date.now() > deadline) throw new Error(`no reply to ${id} within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 200);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  async exit(): Promise<number | null> {
    if (this.child.exitCode !== null) return this.child.exitCode;
    return new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
  }
}

describe('agent wire: framing and JSON-RPC errors', function () {
  let agent: RawAgent;

  beforeEach(() => {
    agent = new RawAgent();
  });

  afterEach(() => {
    agent.child.kill('SIGKILL');
  });

  it('answers a request split into single bytes, and two requests in one write, each by its id', async () => {
    const unknownSnapshot = { snapshotId: 'no-such-snapshot' };
    const first = agent.frame({ jsonrpc: '2.0', id: 1, method: Methods.stats.method, params: unknownSnapshot });
    for (const byte of first) agent.write(Buffer.from([byte]));
    const two = Buffer.concat([
      agent.frame({ jsonrpc: '2.0', id: 'b', method: Methods.layout.method, params: unknownSnapshot }),
      agent.frame({ jsonrpc: '2.0', id: 3, method: Methods.stats.method, params: unknownSnapshot }),
    ]);
    agent.write(two);
    for (const id of [1, 'b', 3]) {
      const reply = await agent.reply(id);
      assert.strictEqual(reply.jsonrpc, '2.0');
      assert.strictEqual(reply.error?.code, AgentErrorCode.UnknownSnapshot, JSON.stringify(reply));
      assert.match(reply.error!.message, /no-such-snapshot/);
    }
  });

  it('counts Content-Length in bytes, not characters (a path with multi-byte UTF-8)', async () => {
    const path = '/tmp/heaplens-wire-ünïcödé-快照.dmp';
    agent.write(agent.frame({ jsonrpc: '2.0', id: 7, method: Methods.open.method, params: { path } }));
    const reply = await agent.reply(7);
    assert.strictEqual(reply.error?.code, AgentErrorCode.DumpUnreadable);
    assert.ok(reply.error!.message.includes(path), `the message names the path exactly: ${reply.error!.message}`);
  });

  it('says which method is unknown (-32601) and rejects bad params (-32602) without dying', async () => {
    agent.write(agent.frame({ jsonrpc: '2.0', id: 10, method: 'heap/nonsense', params: {} }));
    const unknown = await agent.reply(10);
    assert.strictEqual(unknown.error?.code, -32601);
    assert.match(unknown.error!.message, /heap\/nonsense/);

    agent.write(agent.frame({ jsonrpc: '2.0', id: 11, method: Methods.open.method, params: {} }));
    const noPath = await agent.reply(11);
    assert.strictEqual(noPath.error?.code, AgentErrorCode.InvalidParams);
    assert.match(noPath.error!.message, /path/);

    agent.write(agent.frame({ jsonrpc: '2.0', id: 12, method: Methods.stats.method, params: { snapshotId: 'still-alive' } }));
    assert.strictEqual((await agent.reply(12)).error?.code, AgentErrorCode.UnknownSnapshot);
  });

  it('answers a frame of broken JSON with a parse error (-32700) and keeps serving', async () => {
    const body = Buffer.from('{"jsonrpc": "2.0", "id": 20, "method": ', 'utf8');
    agent.write(Buffer.concat([Buffer.from(`Content-Length: ${body.length}\r\n\r\n`), body]));
    const parse = await agent.reply(null);
    assert.strictEqual(parse.error?.code, -32700);
    agent.write(agent.frame({ jsonrpc: '2.0', id: 21, method: Methods.stats.method, params: { snapshotId: 'x' } }));
    assert.strictEqual((await agent.reply(21)).error?.code, AgentErrorCode.UnknownSnapshot);
  });

  it('exits on agent/shutdown after replying, and on the end of its input', async () => {
    agent.write(agent.frame({ jsonrpc: '2.0', id: 30, method: Methods.shutdown.method }));
    const reply = await agent.reply(30);
    assert.ok(!reply.error, JSON.stringify(reply));
    assert.strictEqual(await agent.exit(), 0);

    const second = new RawAgent();
    try {
      second.child.stdin.end();
      const code = await Promise.race([second.exit(), new Promise<string>((r) => setTimeout(() => r('still running'), 15_000))]);
      assert.strictEqual(code, 0);
    } finally {
      second.child.kill('SIGKILL');
    }
  });
});
