// Encoding and decoding of the .NET runtime's diagnostics IPC messages (dotnet/diagnostics ipc-protocol.md).
// Pure byte work, no sockets: every rule of the wire format lives here so unit tests can check it byte by byte.

/** "DOTNET_IPC_V1" plus its terminating NUL: 14 bytes that open every message in both directions. */
export const IPC_MAGIC = Buffer.from('DOTNET_IPC_V1\0', 'ascii');
export const HEADER_SIZE = 20;

export const enum CommandSet {
  Dump = 0x01,
  EventPipe = 0x02,
  Profiler = 0x03,
  Process = 0x04,
  Server = 0xff,
}

export const enum DumpCommand {
  GenerateCoreDump = 0x01,
  GenerateCoreDump2 = 0x02,
  GenerateCoreDump3 = 0x03,
}

export const enum ProcessCommand {
  ProcessInfo = 0x00,
  ProcessInfo2 = 0x04,
}

/** Reply command ids within the Server set. */
export const enum ServerResponse {
  OK = 0x00,
  Error = 0xff,
}

/** HRESULTs the diagnostics server answers with (ds-protocol.h). */
export const IpcHResult = {
  UNKNOWN_COMMAND: 0x80131385,
  NOTSUPPORTED: 0x80131515,
  FAIL: 0x80004005,
  RUNTIME_UNINITIALIZED: 0x80131371,
  INVALIDARG: 0x80070057,
  BAD_ENCODING: 0x80131384,
} as const;

/** The dump types of GenerateCoreDump*: Normal 1, WithHeap 2, Triage 3, Full 4. */
export const enum DumpTypeCode {
  Normal = 1,
  WithHeap = 2,
  Triage = 3,
  Full = 4,
}

/** A reply (or any message) that does not follow the protocol; the message says what was wrong. */
export class IpcFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IpcFormatError';
  }
}

// ---- encoding -----------------------------------------------------------------------------------

/** A protocol string: u32 count of UTF-16 code units including the NUL, then UTF-16LE; empty = count 0. */
export function encodeString(value: string): Buffer {
  if (value.length === 0) return Buffer.alloc(4);
  const text = Buffer.from(value + '\0', 'utf16le');
  const length = Buffer.alloc(4);
  length.writeUInt32LE(value.length + 1, 0);
  return Buffer.concat([length, text]);
}

export function encodeUInt32(value: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(value >>> 0, 0);
  return b;
}

/** A whole message: 20-byte header (magic, u16 total size, command set, command id, u16 reserved 0) + payload. */
export function encodeMessage(commandSet: number, commandId: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  const size = HEADER_SIZE + payload.length;
  // The size field is a u16: a longer message cannot be expressed (a dump path of ~32k characters).
  if (size > 0xffff) throw new IpcFormatError(`IPC message too large (${size} bytes; the protocol allows 65535).`);
  const header = Buffer.alloc(HEADER_SIZE);
  IPC_MAGIC.copy(header, 0);
  header.writeUInt16LE(size, 14);
  header.writeUInt8(commandSet, 16);
  header.writeUInt8(commandId, 17);
  header.writeUInt16LE(0, 18);
  return Buffer.concat([header, payload]);
}

/** GenerateCoreDump 1/2/3 share one payload: string path, u32 dump type, u32 flags (a bool for version 1). */
export function encodeDumpRequest(command: DumpCommand, path: string, dumpType: DumpTypeCode, flags = 0): Buffer {
  return encodeMessage(CommandSet.Dump, command, Buffer.concat([encodeString(path), encodeUInt32(dumpType), encodeUInt32(flags)]));
}

export function encodeProcessInfoRequest(command: ProcessCommand): Buffer {
  return encodeMessage(CommandSet.Process, command);
}

// ---- decoding -----------------------------------------------------------------------------------

export interface IpcHeader {
  size: number;
  commandSet: number;
  commandId: number;
}

/** Checks the magic and reads the header; throws IpcFormatError on anything else. */
export function decodeHeader(bytes: Buffer): IpcHeader {
  if (bytes.length < HEADER_SIZE) throw new IpcFormatError(`IPC reply too short: ${bytes.length} bytes, a header needs ${HEADER_SIZE}.`);
  if (!bytes.subarray(0, IPC_MAGIC.length).equals(IPC_MAGIC)) {
    throw new IpcFormatError('IPC reply does not start with DOTNET_IPC_V1: the socket is not a .NET diagnostics server.');
  }
  const size = bytes.readUInt16LE(14);
  if (size < HEADER_SIZE) throw new IpcFormatError(`IPC reply declares ${size} bytes, less than its own ${HEADER_SIZE}-byte header.`);
  return { size, commandSet: bytes.readUInt8(16), commandId: bytes.readUInt8(17) };
}

/** Sequential reader over a payload; every read checks the bounds so a truncated reply fails clearly. */
export class PayloadReader {
  private offset = 0;
  constructor(private readonly bytes: Buffer) {}

  get remaining(): number {
    return this.bytes.length - this.offset;
  }

  private need(count: number, what: string): void {
    if (this.remaining < count) {
      throw new IpcFormatError(`IPC reply truncated: ${what} needs ${count} bytes at offset ${this.offset}, ${this.remaining} left.`);
    }
  }

  uint32(what = 'a u32'): number {
    this.need(4, what);
    const v = this.bytes.readUInt32LE(this.offset);
    this.offset += 4;
    return v;
  }

  int32(what = 'an i32'): number {
    this.need(4, what);
    const v = this.bytes.readInt32LE(this.offset);
    this.offset += 4;
    return v;
  }

  uint64(what = 'a u64'): bigint {
    this.need(8, what);
    const v = this.bytes.readBigUInt64LE(this.offset);
    this.offset += 8;
    return v;
  }

  guid(what = 'a GUID'): string {
    this.need(16, what);
    const b = this.bytes.subarray(this.offset, this.offset + 16);
    this.offset += 16;
    // Windows GUID layout: the first three groups are little-endian.
    const hex = (buf: Buffer) => buf.toString('hex');
    const le = (start: number, len: number) => hex(Buffer.from(b.subarray(start, start + len)).reverse());
    return `${le(0, 4)}-${le(4, 2)}-${le(6, 2)}-${hex(b.subarray(8, 10))}-${hex(b.subarray(10, 16))}`;
  }

  string(what = 'a string'): string {
    const units = this.uint32(`the length of ${what}`);
    if (units === 0) return '';
    this.need(units * 2, what);
    const text = this.bytes.toString('utf16le', this.offset, this.offset + units * 2);
    this.offset += units * 2;
    if (!text.endsWith('\0')) throw new IpcFormatError(`IPC reply malformed: ${what} is not NUL-terminated.`);
    return text.slice(0, -1);
  }
}

/** A complete reply: OK carries its payload, Error carries the HRESULT (and for GenerateCoreDump3 a message). */
export type IpcReply =
  | { kind: 'ok'; payload: Buffer }
  | { kind: 'error'; hresult: number; message?: string };

/** Decodes one complete reply message (header + payload of the declared size). */
export function decodeReply(bytes: Buffer): IpcReply {
  const header = decodeHeader(bytes);
  if (bytes.length < header.size) {
    throw new IpcFormatError(`IPC reply truncated: the header declares ${header.size} bytes, ${bytes.length} arrived.`);
  }
  if (header.commandSet !== CommandSet.Server) {
    throw new IpcFormatError(`IPC reply has command set 0x${header.commandSet.toString(16)}, expected the server's 0xff.`);
  }
  const payload = bytes.subarray(HEADER_SIZE, header.size);
  if (header.commandId === ServerResponse.OK) return { kind: 'ok', payload };
  if (header.commandId === ServerResponse.Error) {
    const reader = new PayloadReader(payload);
    const hresult = reader.uint32('the error HRESULT');
    // GenerateCoreDump3 appends the runtime's own explanation; other commands end after the HRESULT.
    const message = reader.remaining >= 4 ? reader.string('the error message') : undefined;
    return { kind: 'error', hresult, message: message || undefined };
  }
  throw new IpcFormatError(`IPC reply has unknown response id 0x${header.commandId.toString(16)}.`);
}

/** The fields of ProcessInfo (0x0400) and ProcessInfo2 (0x0404); the last two only from ProcessInfo2. */
export interface ProcessInfoPayload {
  pid: number;
  runtimeCookie: string;
  commandLine: string;
  os: string;
  arch: string;
  entryAssembly?: string;
  clrProductVersion?: string;
}

export function decodeProcessInfo(payload: Buffer, version: 1 | 2): ProcessInfoPayload {
  const r = new PayloadReader(payload);
  const info: ProcessInfoPayload = {
    pid: Number(r.uint64('the process id')),
    runtimeCookie: r.guid('the runtime cookie'),
    commandLine: r.string('the command line'),
    os: r.string('the OS name'),
    arch: r.string('the architecture'),
  };
  if (version === 2) {
    info.entryAssembly = r.string('the entry assembly');
    info.clrProductVersion = r.string('the runtime version');
  }
  return info;
}

/** Success reply of GenerateCoreDump*: an i32 HRESULT (0 when the dump was written). */
export function decodeDumpResult(payload: Buffer): number {
  return new PayloadReader(payload).uint32('the dump result');
}

/**
 * clrProductVersion looks like "10.0.12+abc123…" or "10.0.0-rc.1.25451.107+…": keep the numeric
 * release and any prerelease tag, drop the build metadata after "+".
 */
export function trimRuntimeVersion(raw: string): string {
  const match = /^\s*(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?)/.exec(raw);
  return match ? match[1] : raw.trim();
}

export function hresultText(hresult: number): string {
  const hex = `0x${(hresult >>> 0).toString(16).toUpperCase().padStart(8, '0')}`;
  const names: Record<number, string> = {
    [IpcHResult.UNKNOWN_COMMAND]: 'unknown command',
    [IpcHResult.NOTSUPPORTED]: 'not supported',
    [IpcHResult.FAIL]: 'failed',
    [IpcHResult.RUNTIME_UNINITIALIZED]: 'runtime not yet initialized',
    [IpcHResult.INVALIDARG]: 'invalid argument',
    [IpcHResult.BAD_ENCODING]: 'bad encoding',
  };
  const name = names[hresult >>> 0];
  return name ? `${hex} (${name})` : hex;
}
