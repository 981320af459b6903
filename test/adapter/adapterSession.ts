// Drives the built debug adapter (dist/debugAdapter.js) with @vscode/debugadapter-testsupport's DebugClient, and adds
// what DebugClient lacks: whole error responses (to see showUser and the error id), the Debug Console text so far,
// and answers to the adapter's reverse requests (runInTerminal).
import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import * as fs from 'fs';
import * as path from 'path';
import { repoRoot } from '../support/fixtures';

export const adapterPath = path.join(repoRoot, 'dist', 'debugAdapter.js');

/** Requests and events wait this long by default: a pause writes a dump and opens it in the agent. */
const DEFAULT_TIMEOUT_MS = 90_000;

type ReverseHandler = (args: unknown) => Promise<unknown>;

export class AdapterSession {
  readonly dc: DebugClient;
  private output = '';
  private outputWaiters: Array<() => void> = [];
  private readonly reverse = new Map<string, ReverseHandler>();
  readonly snapshots: DebugProtocol.Event[] = [];

  constructor() {
    if (!fs.existsSync(adapterPath)) throw new Error(`${adapterPath} is missing: run \`npm run build\` first.`);
    this.dc = new DebugClient('node', adapterPath, 'heaplens', { env: { ...process.env } });
    this.dc.defaultTimeout = DEFAULT_TIMEOUT_MS;
    this.dc.on('output', (e: DebugProtocol.OutputEvent) => {
      this.output += e.body.output;
      this.outputWaiters.splice(0).forEach((w) => w());
    });
    this.dc.on('heaplens.snapshot', (e: DebugProtocol.Event) => this.snapshots.push(e));
    // DebugClient drops requests that come from the adapter; route them to our handlers instead.
    const client = this.dc as unknown as { dispatch(body: string): void; outputStream: NodeJS.WritableStream };
    const original = client.dispatch.bind(client);
    client.dispatch = (body: string) => {
      const message = JSON.parse(body) as DebugProtocol.ProtocolMessage;
      if (message.type !== 'request') return original(body);
      const request = message as DebugProtocol.Request;
      const handler = this.reverse.get(request.command);
      const reply = (success: boolean, bodyOrMessage: unknown) => {
        const response = {
          type: 'response',
          seq: 0,
          request_seq: request.seq,
          command: request.command,
          success,
          ...(success ? { body: bodyOrMessage } : { message: String(bodyOrMessage) }),
        };
        const json = JSON.stringify(response);
        client.outputStream.write(`Content-Length: ${Buffer.byteLength(json, 'utf8')}\r\n\r\n${json}`, 'utf8');
      };
      if (!handler) return reply(false, `the test client does not handle ${request.command}`);
      handler(request.arguments).then(
        (result) => reply(true, result),
        (err: Error) => reply(false, err.message),
      );
    };
  }

  onReverseRequest(command: string, handler: ReverseHandler): void {
    this.reverse.set(command, handler);
  }

  async start(initialize: Partial<DebugProtocol.InitializeRequestArguments> = {}): Promise<DebugProtocol.Capabilities> {
    await this.dc.start();
    const response = await this.dc.initializeRequest({
      adapterID: 'heaplens',
      linesStartAt1: true,
      columnsStartAt1: true,
      pathFormat: 'path',
      ...initialize,
    });
    return response.body ?? {};
  }

  /** Sends a request and returns the whole response, failed or not (DebugClient keeps only the message of a failure). */
  request(command: string, args?: unknown, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<DebugProtocol.Response> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no response to ${command} within ${timeoutMs} ms`)), timeoutMs);
      (this.dc as unknown as { doSend(c: string, a: unknown, cb: (r: DebugProtocol.Response) => void): void }).doSend(command, args, (r) => {
        clearTimeout(timer);
        resolve(r);
      });
    });
  }

  /** Like request, but the response must be an error; returns its message object. */
  async expectError(command: string, args?: unknown): Promise<{ response: DebugProtocol.Response; error: DebugProtocol.Message }> {
    const response = await this.request(command, args);
    if (response.success) throw new Error(`${command} succeeded where it should have failed: ${JSON.stringify(response.body)}`);
    const error = (response as DebugProtocol.ErrorResponse).body?.error;
    if (!error) throw new Error(`${command} failed without an error body: ${response.message}`);
    return { response, error };
  }

  get consoleText(): string {
    return this.output;
  }

  /** Waits until the Debug Console has shown text matching `pattern`. */
  async waitForOutput(pattern: RegExp, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!pattern.test(this.output)) {
      if (Date.now() > deadline) throw new Error(`the Debug Console never showed ${pattern} within ${timeoutMs} ms; it showed:\n${this.output}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 250);
        this.outputWaiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Sends configurationDone once the adapter says it is initialized, as VS Code does. */
  async configurationDone(): Promise<void> {
    await this.dc.configurationDoneRequest();
  }

  /** Ends the session (disconnect) and the adapter process. */
  async stop(): Promise<void> {
    await Promise.race([this.dc.stop(), new Promise((resolve) => setTimeout(resolve, 15_000))]);
  }
}

/** The frames of a thread's stack that have a source file (what the editor can show). */
export function framesWithSource(frames: DebugProtocol.StackFrame[]): DebugProtocol.StackFrame[] {
  return frames.filter((f) => f.source?.path && f.line > 0);
}

/** The process state letter from /proc (R, S, T stopped, Z zombie), undefined when it is gone. */
export function processState(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
  } catch {
    return undefined;
  }
}

/** Waits until a process is gone (or a zombie nobody reaped yet). */
export async function waitForExit(pid: number, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const state = processState(pid);
    if (state === undefined || state === 'Z' || state === 'X') return;
    if (Date.now() > deadline) throw new Error(`process ${pid} is still running (state ${state}) after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The 1-based line of the first line of `file` that contains `text` (for shared code that carries no marker). */
export function lineContaining(file: string, text: string): number {
  const index = fs.readFileSync(file, 'utf8').split('\n').findIndex((l) => l.includes(text));
  if (index < 0) throw new Error(`no line with ${JSON.stringify(text)} in ${file}`);
  return index + 1;
}

/** Reads `const string Name = "…";` from a fixture's source, so expectations follow from the program. */
export function readStringConstant(file: string, name: string): string {
  const match = new RegExp(`const\\s+string\\s+${name}\\s*=\\s*"((?:[^"\\\\]|\\\\.)*)"\\s*;`).exec(fs.readFileSync(file, 'utf8'));
  if (!match) throw new Error(`no const string ${name} in ${file}`);
  return JSON.parse(`"${match[1]}"`) as string;
}
