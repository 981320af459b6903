// Drives a benchmark heap program (bench/HeapShapes, bench/ManyTypes): starts it, reads the PLAN it prints before
// each READY, asks it to grow, and stops it. Every wait has a limit that grows with the heap (building ten million
// objects takes a while).
import { ChildProcessWithoutNullStreams, spawn } from 'child_process';
import { trackProcess, untrackProcess } from './cleanup';
import { HeapPlan } from './results';

export class HeapGenerator<P = HeapPlan> {
  private output = '';
  private readonly plans: P[] = [];
  private waiters: Array<() => void> = [];
  private exited = false;

  private constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    private readonly limitMs: number,
  ) {
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      this.output += chunk;
      this.wake();
    });
    child.stderr.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    child.on('exit', () => {
      this.exited = true;
      untrackProcess(child.pid);
      this.wake();
    });
  }

  /** Starts HeapShapes for N objects and waits for its first plan and READY. */
  static start(dll: string, objects: number): Promise<{ generator: HeapGenerator; plan: HeapPlan }> {
    return HeapGenerator.run<HeapPlan>(dll, [String(objects)], objects);
  }

  /** Starts a heap program with these arguments (about `objects` objects) and waits for its first plan and READY. */
  static async run<P>(dll: string, args: string[], objects: number): Promise<{ generator: HeapGenerator<P>; plan: P }> {
    const child = spawn('dotnet', [dll, ...args], { stdio: 'pipe', env: { ...process.env, DOTNET_CLI_TELEMETRY_OPTOUT: '1' } });
    trackProcess(child.pid);
    const generator = new HeapGenerator<P>(child, 120_000 + (objects / 1_000_000) * 30_000);
    return { generator, plan: await generator.nextPlan() };
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Sends "grow" and returns the plan printed after the growth. */
  grow(): Promise<P> {
    this.child.stdin.write('grow\n');
    return this.nextPlan();
  }

  async stop(): Promise<void> {
    if (this.exited) return;
    const gone = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.stdin.end('exit\n');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await gone;
    clearTimeout(timer);
  }

  private async nextPlan(): Promise<P> {
    const wanted = this.plans.length + 1;
    const deadline = Date.now() + this.limitMs;
    for (;;) {
      this.parse();
      if (this.plans.length >= wanted && this.readyCount() >= wanted) return this.plans[wanted - 1];
      if (this.exited) throw new Error(`HeapShapes exited before READY:\n${this.output.trim()}`);
      if (Date.now() > deadline) throw new Error(`HeapShapes did not print READY within ${Math.round(this.limitMs / 1000)} s; its output:\n${this.output.trim()}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 500);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  private parse(): void {
    // Only whole lines: a long plan may arrive in two chunks.
    const complete = this.output.slice(0, this.output.lastIndexOf('\n') + 1);
    const lines = complete.split('\n').filter((l) => l.startsWith('PLAN '));
    for (const line of lines.slice(this.plans.length)) this.plans.push(JSON.parse(line.slice(5)) as P);
  }

  private readyCount(): number {
    return (this.output.match(/^READY$/gm) ?? []).length;
  }

  private wake(): void {
    this.waiters.splice(0).forEach((w) => w());
  }
}
