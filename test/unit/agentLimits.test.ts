// The TypeScript side's limits on the agent: the reply size filter between the agent's stdout and the JSON-RPC
// reader, the open queue, and how a path the agent sent in part (RetentionPath.omitted) reads in the view and the CLI.
import * as assert from 'assert';
import { PassThrough } from 'stream';
import { OpenQueue } from '../../src/agent/openQueue';
import { ReplySizeLimit } from '../../src/agent/replyLimit';
import { renderPath } from '../../src/cli/retentionText';
import { CancellationSource } from '../../src/common/async';
import { AgentErrorCode, PathLink, RetentionPath } from '../../src/protocol/agent';
import { pathSteps } from '../../src/snapshots/retentionWords';

function frame(body: object): Buffer {
  const text = Buffer.from(JSON.stringify(body), 'utf8');
  return Buffer.concat([Buffer.from(`Content-Length: ${text.length}\r\n\r\n`, 'ascii'), text]);
}

/** Feeds `input` through the filter in chunks of `chunk` bytes and returns what came out. */
async function filter(input: Buffer, maxBytes: number, chunk: number): Promise<{ out: Buffer; dropped: number[] }> {
  const dropped: number[] = [];
  const limit = new ReplySizeLimit(maxBytes, (bytes) => dropped.push(bytes));
  const source = new PassThrough();
  const parts: Buffer[] = [];
  limit.on('data', (b: Buffer) => parts.push(b));
  const done = new Promise<void>((resolve, reject) => {
    limit.on('end', () => resolve());
    limit.on('error', reject);
  });
  source.pipe(limit);
  for (let i = 0; i < input.length; i += chunk) source.write(input.subarray(i, i + chunk));
  source.end();
  await done;
  return { out: Buffer.concat(parts), dropped };
}

/** Splits framed output back into messages. */
function messages(out: Buffer): Array<Record<string, unknown>> {
  const found: Array<Record<string, unknown>> = [];
  let rest = out;
  while (rest.length) {
    const end = rest.indexOf('\r\n\r\n');
    const length = Number(/Content-Length: (\d+)/.exec(rest.subarray(0, end).toString())![1]);
    found.push(JSON.parse(rest.subarray(end + 4, end + 4 + length).toString('utf8')) as Record<string, unknown>);
    rest = rest.subarray(end + 4 + length);
  }
  return found;
}

describe('agent limits (TypeScript side)', function () {
  it('passes frames within the limit through unchanged, however the stream is cut', async function () {
    const input = Buffer.concat([frame({ jsonrpc: '2.0', id: 1, result: { a: 'x'.repeat(500) } }), frame({ jsonrpc: '2.0', method: 'agent/progress', params: {} })]);
    for (const chunk of [1, 7, 64, input.length]) {
      const { out, dropped } = await filter(input, 1024, chunk);
      assert.ok(out.equals(input), `chunks of ${chunk}`);
      assert.deepStrictEqual(dropped, []);
    }
  });

  it('replaces a frame over the limit by an error reply to the same request, and keeps reading after it', async function () {
    const big = frame({ jsonrpc: '2.0', id: 7, result: { links: 'y'.repeat(5000) } });
    const after = frame({ jsonrpc: '2.0', id: 8, result: null });
    const { out, dropped } = await filter(Buffer.concat([big, after]), 2048, 100);
    const [error, next] = messages(out);
    assert.strictEqual(error.id, 7);
    const { code, message } = error.error as { code: number; message: string };
    assert.strictEqual(code, AgentErrorCode.ReplyTooLarge);
    assert.match(message, /answer was 5 KB, more than the 2 KB HeapLens reads at once.*ask for less/);
    assert.deepStrictEqual(next, { jsonrpc: '2.0', id: 8, result: null });
    assert.deepStrictEqual(dropped, [big.length - big.indexOf('\r\n\r\n') - 4]);
  });

  it('drops an oversized notification without a reply (nothing waits for it)', async function () {
    const { out } = await filter(frame({ jsonrpc: '2.0', method: 'agent/progress', params: { message: 'z'.repeat(3000) } }), 1024, 50);
    assert.strictEqual(out.length, 0);
  });

  it('runs opens one at a time, in order, and a cancelled waiter leaves the queue without running', async function () {
    const queue = new OpenQueue();
    const events: string[] = [];
    let release!: () => void;
    const first = queue.run(async () => {
      events.push('first starts');
      await new Promise<void>((r) => (release = r));
      events.push('first ends');
    });
    const cancel = new CancellationSource();
    const second = queue.run(async () => events.push('second runs'), cancel);
    const third = queue.run(async () => events.push('third runs'));
    assert.strictEqual(queue.length, 3);
    await new Promise((r) => setImmediate(r));
    cancel.cancel();
    await assert.rejects(second, /cancelled/);
    assert.deepStrictEqual(events, ['first starts'], 'nothing starts while the first runs');
    release();
    await Promise.all([first, third]);
    assert.deepStrictEqual(events, ['first starts', 'first ends', 'third runs']);
    assert.strictEqual(queue.length, 0);
  });

  describe('a path sent in part', function () {
    // 6 links sent of 106: links[0..2] from the root side, links[3..5] on the target side, 100 left out between.
    const link = (i: number, type: string): PathLink => ({ address: `0x${(0x1000 + i * 16).toString(16)}`, type, field: i === 0 ? null : 'next' });
    const path: RetentionPath = {
      root: { kind: 'stack', description: 'Local variable head in Program.Main' } as RetentionPath['root'],
      links: [link(0, 'A'), link(1, 'B'), link(2, 'A'), link(3, 'B'), link(4, 'A'), link(5, 'Tail')],
      omitted: { after: 3, count: 100 },
    };

    it('shows a gap step between the two ends in the view', function () {
      const steps = pathSteps(path.links, path.omitted);
      assert.deepStrictEqual(
        steps.map((s) => [s.kind, s.index]),
        [
          ['object', 0],
          ['link', 1],
          ['link', 2],
          ['gap', 3],
          ['object', 3],
          ['link', 4],
          ['link', 5],
        ],
      );
      assert.match(steps[3].label, /^… 100 links not sent/);
    });

    it('prints a line for the gap in the CLI', function () {
      const lines = renderPath(path);
      assert.strictEqual(lines.length, 1 + 6 + 1);
      assert.match(lines[4], /^ {2}… 100 links not sent/);
      assert.match(lines[7], /Tail$/);
    });
  });
});
