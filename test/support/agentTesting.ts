// Helpers for the agent suite: a real agent process (the built dist/agent) whose stderr is kept for failure
// reports, and assertions on the agent's error replies.
import * as assert from 'assert';
import { AgentClient, AgentError } from '../../src/agent/agentClient';
import { Logger } from '../../src/common/logger';
import { cleanupDumps } from './dumps';

/** The agent's log lines, printed by a test that fails (see dumpAgentLog). */
export const agentLog: string[] = [];

const keepLog: Logger = {
  info: (m) => agentLog.push(m),
  warn: (m) => agentLog.push(m),
  error: (m) => agentLog.push(m),
  trace: (m) => agentLog.push(m),
};

/** Starts the built agent; every request has a 2-minute limit so a stuck agent fails the test instead of hanging it. */
export function startAgent(): AgentClient {
  return AgentClient.start({ logger: keepLog, requestTimeoutMs: 120_000 });
}

/** Awaits a call that must fail with this agent error code; returns the error and how long the failure took. */
export async function expectAgentError(call: Promise<unknown>, code: number): Promise<{ error: AgentError; ms: number }> {
  const started = Date.now();
  try {
    await call;
  } catch (err) {
    const ms = Date.now() - started;
    assert.ok(err instanceof AgentError, `expected an AgentError with code ${code}, got ${String(err)}`);
    assert.strictEqual(err.code, code, `expected error code ${code}, got ${err.code}: ${err.message}`);
    assert.ok(!/\n/.test(err.message), `error messages are one line: ${JSON.stringify(err.message)}`);
    assert.ok(!/ at [\w.]+\(/.test(err.message), `no .NET stack trace in the message: ${err.message}`);
    return { error: err, ms };
  }
  assert.fail(`expected error ${code}, but the call succeeded`);
}

/** The last lines of the agent's log, for a failing test's message. */
export function dumpAgentLog(lines = 40): string {
  return agentLog.slice(-lines).join('\n');
}

/**
 * The hooks every agent suite on a running fixture needs: after the suite, stop the agent and the program and delete
 * the dumps; after a failing test, print the agent's log. `parts` is read when the hooks run.
 */
export function stopAfterSuite(parts: () => { agent?: AgentClient; fixture?: { stop(): Promise<void> } }): void {
  after(async function () {
    const { agent, fixture } = parts();
    await agent?.dispose();
    await fixture?.stop();
    cleanupDumps();
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed') console.log(`agent log:\n${dumpAgentLog()}`);
    agentLog.length = 0;
  });
}
