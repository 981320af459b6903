// A process's memory as Linux reports it in /proc/<pid>/status: VmHWM is the peak resident set since it started.
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
