// A process's memory as Linux reports it in /proc/<pid>/status. VmHWM is the peak resident set since it started,
// mapped files included: the agent maps the whole dump, and every page of it that the heap walk reads counts,
// although the kernel can drop those pages at any time (they are the page cache, not the agent's own memory).
// The agent's own memory is its anonymous memory (RssAnon); Linux keeps no peak of that, so MemoryWatch samples it.
import * as fs from 'fs';

export interface ProcessMemory {
  peakRssBytes: number;
  rssBytes: number;
  /** Resident anonymous memory (the heap) and resident file pages (mapped files, e.g. a memory-mapped dump). */
  anonBytes: number;
  fileBytes: number;
}

export function readMemory(pid: number): ProcessMemory {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string): number => {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
    if (!match) throw new Error(`/proc/${pid}/status has no ${field} line.`);
    return Number(match[1]) * 1024;
  };
  return { peakRssBytes: kb('VmHWM'), rssBytes: kb('VmRSS'), anonBytes: kb('RssAnon'), fileBytes: kb('RssFile') };
}

/** Samples a process's anonymous memory every few milliseconds and keeps the largest value seen. */
export class MemoryWatch {
  private peak = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly pid: number,
    everyMs = 5,
  ) {
    this.sample();
    this.timer = setInterval(() => this.sample(), everyMs);
  }

  /** The largest RssAnon seen so far (one more sample is taken now). */
  get peakAnonBytes(): number {
    this.sample();
    return this.peak;
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private sample(): void {
    try {
      this.peak = Math.max(this.peak, readMemory(this.pid).anonBytes);
    } catch {
      // The process has gone; its last samples stand.
    }
  }
}
