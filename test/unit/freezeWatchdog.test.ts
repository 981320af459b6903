// The freeze watchdog and the freezer, with real processes (`sleep`): when whoever froze a process dies without
// running any hook (SIGKILL), the watchdog thaws what it froze, kills what it launched, and leaves alone a process
// whose start time is not the recorded one (its pid was reused), so a SIGCONT never reaches the wrong process.
import * as assert from 'assert';
import { ChildProcess, spawn } from 'child_process';
import * as path from 'path';
import { processStartTime, processState } from '../../src/diagnostics/diagnosticSockets';
import { repoRoot } from '../support/fixtures';

const compiled = path.join(repoRoot, 'out', 'src', 'debugAdapter');
const RELEASE_WITHIN_MS = 10_000;

async function startSleep(): Promise<ChildProcess> {
  const child = spawn('sleep', ['120'], { stdio: 'ignore' });
  await new Promise((resolve, reject) => child.once('spawn', resolve).once('error', reject));
  return child;
}

/** Polls until the process's state satisfies `ok` (undefined: gone); returns the last state seen. */
async function waitForState(pid: number, ok: (state: string | undefined) => boolean): Promise<string | undefined> {
  const deadline = Date.now() + RELEASE_WITHIN_MS;
  let state = processState(pid);
  while (!ok(state) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    state = processState(pid);
  }
  return state;
}

const gone = (s: string | undefined) => s === undefined || s === 'Z';
const running = (s: string | undefined) => s === 'S' || s === 'R';

describe('freeze watchdog', function () {
  this.timeout(30_000);
  const started: ChildProcess[] = [];
  afterEach(() => {
    for (const child of started.splice(0)) child.kill('SIGKILL');
  });

  it('thaws what was frozen and kills what was launched when its owner goes; a reused pid gets nothing', async () => {
    const [attached, launched, reused] = await Promise.all([startSleep(), startSleep(), startSleep()]);
    started.push(attached, launched, reused);
    for (const child of [attached, launched, reused]) child.kill('SIGSTOP');
    for (const child of [attached, launched, reused]) assert.strictEqual(await waitForState(child.pid!, (s) => s === 'T'), 'T');

    const watchdog = spawn(process.execPath, [path.join(compiled, 'freezeWatchdogMain.js')], { stdio: ['pipe', 'ignore', 'inherit'] });
    const exited = new Promise((resolve) => watchdog.once('exit', resolve));
    watchdog.stdin!.write(`freeze ${attached.pid} ${processStartTime(attached.pid!)} attached\n`);
    watchdog.stdin!.write(`freeze ${launched.pid} ${processStartTime(launched.pid!)} launched\n`);
    // The start time the watchdog was told is not this process's: the frozen one ended and its pid went to another.
    watchdog.stdin!.write(`freeze ${reused.pid} ${Number(processStartTime(reused.pid!)) - 1} attached\n`);
    watchdog.stdin!.end(); // the owner is gone
    await exited;

    assert.ok(running(await waitForState(attached.pid!, running)), 'the attached process runs again');
    assert.ok(gone(await waitForState(launched.pid!, gone)), 'the launched process is killed');
    assert.strictEqual(processState(reused.pid!), 'T', 'the process with a reused pid got no SIGCONT');
  });

  it('a process frozen by an owner that is SIGKILLed runs again (freezer → watchdog)', async () => {
    const target = await startSleep();
    started.push(target);
    // The owner stands in for the extension host: it freezes through the real freezer, then is killed outright.
    const script = `const f = require(${JSON.stringify(path.join(compiled, 'freezer.js'))}); if (!f.freeze(${target.pid}, 'attached')) process.exit(3); console.log('frozen ' + f.watchdogPid()); setInterval(() => {}, 1000);`;
    const owner = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    started.push(owner);
    const line = await new Promise<string>((resolve, reject) => {
      owner.stdout!.setEncoding('utf8').once('data', (d: string) => resolve(d.trim()));
      owner.once('exit', (code) => reject(new Error(`the owner exited (${code}) before freezing`)));
    });
    const watchdogPid = Number(/^frozen (\d+)$/.exec(line)?.[1]);
    assert.ok(watchdogPid > 0, line);
    assert.strictEqual(processState(target.pid!), 'T');

    owner.kill('SIGKILL');
    assert.ok(running(await waitForState(target.pid!, running)), `process ${target.pid} runs again`);
    assert.ok(gone(await waitForState(watchdogPid, gone)), 'and the watchdog has ended');
  });
});
