// Crafted dumps: ELF headers whose sizes overflow 64-bit arithmetic, and a real dump of Chain whose last GC region
// is made to claim 16 GB of objects (the address map would reserve a bit per pointer of it, 256 MB, from a 70 MB
// file). Each must be "not a readable dump" (error 1001), and the agent must keep serving afterwards.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { AgentClient } from '../../src/agent/agentClient';
import * as wire from '../../src/protocol/agent';
import { captureFixture, makeDumpDir } from '../support/dumps';
import { expectAgentError, startAgent, stopAfterSuite } from '../support/agentTesting';
import { RunningFixture } from '../support/fixtures';

const ELF_HEADER = 64;
const PROGRAM_HEADER = 56;

/** A 64-bit little-endian ELF core header with the given claims, followed by 4 KB of zeros. */
function elfCore(claims: { phoff: bigint; phnum: number; phentsize: number; shoff?: bigint; shInfo?: number }): Buffer {
  const file = Buffer.alloc(ELF_HEADER + 4096);
  file.write('\x7fELF', 0, 'latin1');
  file[4] = 2; // ELFCLASS64
  file[5] = 1; // little-endian
  file[6] = 1; // EV_CURRENT
  file.writeUInt16LE(4, 0x10); // ET_CORE
  file.writeUInt16LE(62, 0x12); // x86-64
  file.writeBigUInt64LE(claims.phoff, 0x20);
  file.writeBigUInt64LE(claims.shoff ?? 0n, 0x28);
  file.writeUInt16LE(ELF_HEADER, 0x34);
  file.writeUInt16LE(claims.phentsize, 0x36);
  file.writeUInt16LE(claims.phnum, 0x38);
  // Section header 0 at shoff carries the real program header count in sh_info (offset 0x2c) when phnum is 0xffff.
  if (claims.shInfo !== undefined) file.writeUInt32LE(claims.shInfo, Number(claims.shoff) + 0x2c);
  return file;
}

/**
 * A copy of a real dump in which the GC region with the highest address claims 16 GB of objects. A region's
 * heap_segment starts allocated, committed, reserved, used, mem (gcpriv.h); it is found by shape: mem a few bytes
 * past a 4 MB boundary, reserved on one, mem ≤ allocated ≤ committed ≤ reserved.
 */
function claimHugeRegion(dump: string, out: string): { mem: bigint; claimed: bigint } {
  const file = fs.readFileSync(dump);
  const phoff = Number(file.readBigUInt64LE(0x20));
  const phnum = file.readUInt16LE(0x38);
  let best: { at: number; mem: bigint } | undefined;
  for (let i = 0; i < phnum; i++) {
    const entry = phoff + i * PROGRAM_HEADER;
    if (file.readUInt32LE(entry) !== 1) continue; // PT_LOAD
    const offset = Number(file.readBigUInt64LE(entry + 8));
    const size = Number(file.readBigUInt64LE(entry + 32));
    for (let at = offset; at + 40 <= offset + size; at += 8) {
      const [allocated, committed, reserved, , mem] = [0, 8, 16, 24, 32].map((d) => file.readBigUInt64LE(at + d));
      const past = mem & 0x3fffffn;
      if (past === 0n || past > 0x100n || (reserved & 0x3fffffn) !== 0n) continue;
      if (!(mem <= allocated && allocated <= committed && committed <= reserved && reserved - mem < 1n << 30n)) continue;
      if (!best || mem > best.mem) best = { at, mem };
    }
  }
  assert.ok(best, 'no GC region found in the dump');
  const claimed = 16n << 30n;
  for (const d of [0, 8, 16, 24]) file.writeBigUInt64LE(best.mem + claimed, best.at + d);
  fs.writeFileSync(out, file, { mode: 0o600 });
  return { mem: best.mem, claimed };
}

describe('agent: crafted dumps are not readable dumps', function () {
  let chain: RunningFixture;
  let dump: string;
  let agent: AgentClient;
  let scratch: string;

  before(async function () {
    chain = await RunningFixture.start('Chain');
    dump = await captureFixture(chain);
    await chain.stop();
    scratch = makeDumpDir('heaplens-crafted-');
    agent = startAgent();
  });
  stopAfterSuite(() => ({ agent, fixture: chain }));

  async function expectDamaged(name: string, content: Buffer, why: RegExp): Promise<void> {
    const file = path.join(scratch, name);
    fs.writeFileSync(file, content, { mode: 0o600 });
    const { error } = await expectAgentError(agent.open({ path: file }), wire.AgentErrorCode.DumpUnreadable);
    assert.ok(error.message.startsWith(`${file} has a damaged core dump header (`), error.message);
    assert.match(error.message, why);
    assert.match(error.message, /it is not a readable dump; capture it again\.$/);
  }

  it('a program header table whose end overflows 64 bits', async () => {
    // phoff + 8 × 56 passes 2^63: as a signed sum it wrapped to a negative end that "fit" the file.
    await expectDamaged('overflow.dmp', elfCore({ phoff: 0x7fffffffffffff00n, phnum: 8, phentsize: PROGRAM_HEADER }), /program header table lies beyond any file/);
  });

  it('a count from section header 0 (PN_XNUM) that makes the table overflow', async () => {
    const content = elfCore({ phoff: 0x7fffff0000000000n, phnum: 0xffff, phentsize: 0xffff, shoff: 128n, shInfo: 0xffffffff });
    await expectDamaged('xnum.dmp', content, /program header table lies beyond any file/);
  });

  it('a section header for the count that lies outside the file', async () => {
    await expectDamaged('shoff.dmp', elfCore({ phoff: 64n, phnum: 0xffff, phentsize: PROGRAM_HEADER, shoff: 0xfffffffffffffff0n }), /section header lies outside the file/);
  });

  it('GC regions that claim more objects than the whole file holds', async () => {
    const crafted = path.join(scratch, 'huge-region.dmp');
    const { claimed } = claimHugeRegion(dump, crafted);
    const bytes = fs.statSync(crafted).size;
    const { error } = await expectAgentError(agent.open({ path: crafted }), wire.AgentErrorCode.DumpUnreadable);
    const match = /^The GC heap's segments claim ([\d,]+) bytes of objects, more than the whole dump \(([\d,]+) bytes\): it is not a readable dump; capture it again\.$/.exec(error.message);
    assert.ok(match, error.message);
    assert.ok(BigInt(match[1].replace(/,/g, '')) >= claimed, `${match[1]} bytes claimed, at least the ${claimed} crafted`);
    assert.strictEqual(Number(match[2].replace(/,/g, '')), bytes);
  });

  it('keeps serving: the real dump still opens', async () => {
    const snapshot = await agent.open({ path: dump });
    assert.ok(snapshot.objects > 0);
    await agent.close(snapshot.snapshotId);
  });
});
