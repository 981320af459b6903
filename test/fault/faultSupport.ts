// Helpers for the fault-injection suite: an AgentHost on the built agent whose log and restart messages are kept,
// the agent's anonymous memory read from /proc, and waits that fail with a message instead of hanging.
import * as assert from 'assert';
import * as fs from 'fs';
import { AgentError } from '../../src/agent/agentClient';
import { AgentHost, AgentHostOptions } from '../../src/agent/agentHost';
import { Logger } from '../../src/common/logger';

export interface WatchedHost {
  host: AgentHost;
  log: string[];
  /** What onRestart told the user, in order. */
  restarts: string[];
}

/** An AgentHost on the built agent; every request has a 2-minute limit unless the test gives a shorter one. */
export function startHost(options: AgentHostOptions = {}): WatchedHost {
  const log: string[] = [];
  const restarts: string[] = [];
  const logger: Logger = { info: (m) => log.push(m), warn: (m) => log.push(m), error: (m) => log.push(m), trace: (m) => log.push(m) };
  const host = new AgentHost({
    ...options,
    agent: { requestTimeoutMs: 120_000, ...options.agent },
    logger,
    onRestart: (m) => restarts.push(m),
  });
  return { host, log, restarts };
}

/** Anonymous (private) resident memory of a process in bytes: what its heaps cost, without mapped dump pages. */
export function anonymousBytes(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /^RssAnon:\s+(\d+) kB/m.exec(status);
  if (!kb) throw new Error(`no RssAnon in /proc/${pid}/status`);
  return Number(kb[1]) * 1024;
}

/** Polls `probe` until it returns a value, failing after `timeoutMs` with what it waited for. */
export async function waitFor<T>(what: string, probe: () => T | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Awaits a call that must fail with an AgentError whose one-line message matches; returns the message. */
export async function expectFailure(call: Promise<unknown>, pattern: RegExp, code?: number): Promise<string> {
  try {
    await call;
  } catch (err) {
    assert.ok(err instanceof AgentError, `expected an AgentError, got ${String(err)}`);
    assert.match(err.message, pattern);
    assert.ok(!/\n/.test(err.message), `error messages are one line: ${JSON.stringify(err.message)}`);
    if (code !== undefined) assert.strictEqual(err.code, code, `error code of: ${err.message}`);
    return err.message;
  }
  assert.fail(`expected a failure matching ${pattern}, but the call succeeded`);
}

/** True while the process exists and is not a zombie. */
export function isAlive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/\) Z /.test(stat);
  } catch {
    return false;
  }
}
