// The diagnostics IPC wire format, checked byte by byte against the spec (dotnet/diagnostics ipc-protocol.md):
// the expected bytes here are written out from the spec's field list, not produced by the code under test.
import * as assert from 'assert';
import {
  decodeDumpResult,
  decodeHeader,
  decodeProcessInfo,
  decodeReply,
  DumpCommand,
  DumpTypeCode,
  encodeDumpRequest,
  encodeMessage,
  encodeProcessInfoRequest,
  encodeString,
  hresultText,
  IpcFormatError,
  PayloadReader,
  ProcessCommand,
  trimRuntimeVersion,
} from '../../src/diagnostics/ipcMessage';

/** "DOTNET_IPC_V1\0" as the spec lists it, character by character. */
const MAGIC = [0x44, 0x4f, 0x54, 0x4e, 0x45, 0x54, 0x5f, 0x49, 0x50, 0x43, 0x5f, 0x56, 0x31, 0x00];

function u16(n: number): number[] {
  return [n & 0xff, (n >> 8) & 0xff];
}
function u32(n: number): number[] {
  return [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
}
/** A spec string: u32 count of UTF-16 units including the NUL, then each unit little-endian. */
function str(s: string): number[] {
  if (s === '') return u32(0);
  const units = [...s].flatMap((ch) => {
    const code = ch.codePointAt(0)!;
    if (code <= 0xffff) return [code];
    const v = code - 0x10000;
    return [0xd800 + (v >> 10), 0xdc00 + (v & 0x3ff)];
  });
  return [...u32(units.length + 1), ...units.flatMap(u16), 0, 0];
}
function header(size: number, set: number, id: number): number[] {
  return [...MAGIC, ...u16(size), set, id, 0, 0];
}
const bytes = (...parts: number[][]) => Buffer.from(parts.flat());

describe('IPC message encoding', () => {
  it('writes the 20-byte header: magic, total size, command set, command id, reserved zero', () => {
    assert.deepStrictEqual(encodeMessage(0x04, 0x00), bytes(header(20, 0x04, 0x00)));
    assert.deepStrictEqual(encodeMessage(0x01, 0x03, Buffer.from([1, 2, 3])), bytes(header(23, 0x01, 0x03), [1, 2, 3]));
  });

  it('encodes strings as u32 unit count including NUL, then UTF-16LE; the empty string is a zero count', () => {
    assert.deepStrictEqual(encodeString(''), bytes(u32(0)));
    assert.deepStrictEqual(encodeString('/a'), bytes([3, 0, 0, 0, 0x2f, 0, 0x61, 0, 0, 0]));
    assert.deepStrictEqual(encodeString('/tmp/é😀'), bytes(str('/tmp/é😀')));
  });

  it('encodes GenerateCoreDump3 as set 0x01, id 0x03, payload path + u32 type + u32 flags', () => {
    const path = '/tmp/d.dmp';
    const expected = bytes(header(20 + str(path).length + 8, 0x01, 0x03), str(path), u32(2), u32(0));
    assert.deepStrictEqual(encodeDumpRequest(DumpCommand.GenerateCoreDump3, path, DumpTypeCode.WithHeap), expected);
  });

  it('uses the spec numbers for the dump commands and types', () => {
    assert.strictEqual(encodeDumpRequest(DumpCommand.GenerateCoreDump, '/x', DumpTypeCode.Full).readUInt8(17), 0x01);
    assert.strictEqual(encodeDumpRequest(DumpCommand.GenerateCoreDump2, '/x', DumpTypeCode.Full).readUInt8(17), 0x02);
    const full = encodeDumpRequest(DumpCommand.GenerateCoreDump2, '/x', DumpTypeCode.Full, 1);
    assert.deepStrictEqual([...full.subarray(full.length - 8)], [...u32(4), ...u32(1)]);
  });

  it('encodes ProcessInfo2 as set 0x04, id 0x04, no payload', () => {
    assert.deepStrictEqual(encodeProcessInfoRequest(ProcessCommand.ProcessInfo2), bytes(header(20, 0x04, 0x04)));
    assert.deepStrictEqual(encodeProcessInfoRequest(ProcessCommand.ProcessInfo), bytes(header(20, 0x04, 0x00)));
  });

  it('refuses a message longer than the u16 size field can express', () => {
    assert.throws(() => encodeDumpRequest(DumpCommand.GenerateCoreDump3, '/' + 'a'.repeat(40_000), DumpTypeCode.WithHeap), IpcFormatError);
  });
});

describe('IPC reply decoding', () => {
  it('reads an OK reply and its payload', () => {
    const reply = decodeReply(bytes(header(24, 0xff, 0x00), u32(0)));
    assert.strictEqual(reply.kind, 'ok');
    assert.strictEqual(reply.kind === 'ok' && decodeDumpResult(reply.payload), 0);
  });

  it('reads an error reply with only an HRESULT (UNKNOWN_COMMAND)', () => {
    assert.deepStrictEqual(decodeReply(bytes(header(24, 0xff, 0xff), u32(0x80131385))), { kind: 'error', hresult: 0x80131385, message: undefined });
  });

  it("reads GenerateCoreDump3's error reply: HRESULT then the runtime's message", () => {
    const text = "[createdump] Could not create output file '/x/y': No such file or directory (2)\n";
    const payload = [...u32(0x80004005), ...str(text)];
    assert.deepStrictEqual(decodeReply(bytes(header(20 + payload.length, 0xff, 0xff), payload)), { kind: 'error', hresult: 0x80004005, message: text });
  });

  it('treats an empty error message as none', () => {
    const payload = [...u32(0x80004005), ...u32(0)];
    assert.deepStrictEqual(decodeReply(bytes(header(20 + payload.length, 0xff, 0xff), payload)), { kind: 'error', hresult: 0x80004005, message: undefined });
  });

  it('reads ProcessInfo2: pid, cookie, command line, OS, arch, entry assembly, runtime version', () => {
    const cookie = [0x33, 0x22, 0x11, 0x00, 0x55, 0x44, 0x77, 0x66, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff];
    const payload = bytes(
      [...u32(4242), ...u32(0)],
      cookie,
      str('dotnet app.dll --flag'),
      str('Linux'),
      str('x64'),
      str('app'),
      str('10.0.12+abcdef'),
    );
    const reply = decodeReply(Buffer.concat([bytes(header(20 + payload.length, 0xff, 0x00)), payload]));
    assert.ok(reply.kind === 'ok');
    assert.deepStrictEqual(decodeProcessInfo(reply.payload, 2), {
      pid: 4242,
      runtimeCookie: '00112233-4455-6677-8899-aabbccddeeff',
      commandLine: 'dotnet app.dll --flag',
      os: 'Linux',
      arch: 'x64',
      entryAssembly: 'app',
      clrProductVersion: '10.0.12+abcdef',
    });
  });

  it('round-trips every string it encodes', () => {
    for (const s of ['', 'a', '/tmp/dotnet dump.dmp', 'Ünïcødé 😀', 'x'.repeat(1000)]) {
      assert.strictEqual(new PayloadReader(encodeString(s)).string(), s);
    }
  });

  it('round-trips a request header', () => {
    const msg = encodeDumpRequest(DumpCommand.GenerateCoreDump3, '/tmp/a.dmp', DumpTypeCode.Full);
    assert.deepStrictEqual(decodeHeader(msg), { size: msg.length, commandSet: 0x01, commandId: 0x03 });
    const r = new PayloadReader(msg.subarray(20));
    assert.deepStrictEqual([r.string(), r.uint32(), r.uint32(), r.remaining], ['/tmp/a.dmp', 4, 0, 0]);
  });
});

describe('malformed IPC replies', () => {
  const expectFormatError = (buf: Buffer, pattern: RegExp) =>
    assert.throws(
      () => decodeReply(buf),
      (err: Error) => err instanceof IpcFormatError && pattern.test(err.message) && !err.message.includes('\n'),
    );

  it('rejects a reply shorter than a header', () => expectFormatError(Buffer.from(MAGIC), /too short: 14 bytes/));
  it('rejects a wrong magic', () => expectFormatError(bytes([...MAGIC.slice(0, 12), 0x32, 0], u16(20), [0xff, 0, 0, 0]), /DOTNET_IPC_V1/));
  it('rejects a size smaller than the header', () => expectFormatError(bytes(header(19, 0xff, 0)), /declares 19 bytes/));
  it('rejects a reply cut short of its declared size', () => expectFormatError(bytes(header(24, 0xff, 0), [0, 0]), /truncated: the header declares 24 bytes, 22 arrived/));
  it('rejects a reply that is not from the server command set', () => expectFormatError(bytes(header(20, 0x01, 0)), /command set 0x1/));
  it('rejects an unknown response id', () => expectFormatError(bytes(header(20, 0xff, 0x42)), /unknown response id 0x42/));
  it('rejects an error reply without its HRESULT', () => expectFormatError(bytes(header(22, 0xff, 0xff), [1, 0]), /the error HRESULT needs 4 bytes/));

  it('rejects a string longer than the payload', () => {
    assert.throws(() => new PayloadReader(bytes(u32(10), [0x41, 0])).string('the command line'), /the command line needs 20 bytes at offset 4, 2 left/);
  });
  it('rejects a string without its NUL', () => {
    assert.throws(() => new PayloadReader(bytes(u32(1), [0x41, 0])).string('the OS name'), /the OS name is not NUL-terminated/);
  });
  it('rejects a ProcessInfo2 reply that stops after the architecture', () => {
    const payload = bytes([...u32(1), ...u32(0)], new Array(16).fill(0), str('cmd'), str('Linux'), str('x64'));
    assert.throws(() => decodeProcessInfo(payload, 2), /the length of the entry assembly needs 4 bytes/);
    assert.strictEqual(decodeProcessInfo(payload, 1).arch, 'x64');
  });
});

describe('runtime version and HRESULT text', () => {
  it('trims clrProductVersion to the release, keeping a prerelease tag and the raw text elsewhere', () => {
    assert.strictEqual(trimRuntimeVersion('10.0.12+4a5b6c7d8e'), '10.0.12');
    assert.strictEqual(trimRuntimeVersion('10.0.12'), '10.0.12');
    assert.strictEqual(trimRuntimeVersion('10.0.0-rc.1.25451.107+abc'), '10.0.0-rc.1.25451.107');
    assert.strictEqual(trimRuntimeVersion('unexpected'), 'unexpected');
  });
  it('names the HRESULTs of the diagnostics server', () => {
    assert.strictEqual(hresultText(0x80131385), '0x80131385 (unknown command)');
    assert.strictEqual(hresultText(-2147467259), '0x80004005 (failed)');
    assert.strictEqual(hresultText(0x8007000e), '0x8007000E');
  });
});
