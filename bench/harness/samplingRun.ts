// What allocation sampling costs the target: bench/AllocationLoad does rounds of the same allocating work and
// prints each round's time; the median round without a session is compared with the median round while
// `heaplens allocations` would sample it (an agent trace session with allocations on). Same process, same run,
// alternating phases, so machine load moves both sides alike.
import { spawn } from 'child_process';
import { AgentClient } from '../../src/agent/agentClient';
import { LiveTrace } from '../../src/agent/liveTrace';

export interface SamplingResult {
  roundsPerPhase: number;
  baselineMsPerRound: number;
  sampledMsPerRound: number;
  /** sampled / baseline: 1.05 = 5 % slower. */
  slowdown: number;
  samples: number;
  sampling: string;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

export async function benchSampling(options: { agentPath: string; dll: string; rounds?: number; phases?: number }): Promise<SamplingResult> {
  const rounds = options.rounds ?? 8;
  const phases = options.phases ?? 2;
  const child = spawn('dotnet', [options.dll], { stdio: ['pipe', 'pipe', 'inherit'] });
  const times: number[] = [];
  let waiters: Array<() => void> = [];
  let buffer = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    buffer += chunk;
    for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
      const m = /^ROUND ([\d.]+)/.exec(buffer.slice(0, nl));
      buffer = buffer.slice(nl + 1);
      if (m) times.push(Number(m[1]));
      waiters.splice(0).forEach((w) => w());
    }
  });
  const roundsFrom = async (count: number): Promise<number[]> => {
    const start = times.length + 1; // the round under way when the phase starts is mixed: skip it
    const deadline = Date.now() + 300_000;
    while (times.length < start + count) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error('bench/AllocationLoad stopped reporting rounds');
      await new Promise<void>((r) => {
        waiters.push(r);
        setTimeout(r, 1000);
      });
    }
    return times.slice(start, start + count);
  };
  const agent = AgentClient.start({ agentPath: options.agentPath });
  try {
    await roundsFrom(3); // warm-up: tiering, first GCs
    const baseline: number[] = [];
    const sampled: number[] = [];
    let samples = 0;
    let sampling = '';
    for (let phase = 0; phase < phases; phase++) {
      baseline.push(...(await roundsFrom(rounds)));
      const trace = await LiveTrace.start(agent, child.pid!, { counters: false, allocations: true });
      await roundsFrom(1); // the rundown at the session's start is not part of the steady cost
      sampled.push(...(await roundsFrom(rounds)));
      const report = await trace.allocations({ topTypes: 1, topSites: 1 });
      samples += report.samples;
      sampling = report.sampling;
      await trace.stop();
    }
    const baselineMs = Math.round(median(baseline) * 10) / 10;
    const sampledMs = Math.round(median(sampled) * 10) / 10;
    return { roundsPerPhase: rounds, baselineMsPerRound: baselineMs, sampledMsPerRound: sampledMs, slowdown: Math.round((sampledMs / baselineMs) * 1000) / 1000, samples, sampling };
  } finally {
    waiters = [];
    await agent.dispose();
    child.stdin.end();
    child.kill('SIGKILL');
  }
}
