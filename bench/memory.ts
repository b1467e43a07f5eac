import { readFileSync } from 'node:fs';

// Resident memory of a process, for the memory figures of bench/case-view.ts and its children.

export interface Memory {
  /** Resident set size, MB. */
  rssMb: number;
  /** The process's high-water mark of resident memory, MB. */
  hwmMb: number;
}

/** Resident memory of a process (Linux: /proc/PID/status). */
export function memoryOf(pid: number): Memory {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
  return { rssMb: Math.round(kb('VmRSS') / 1024), hwmMb: Math.round(kb('VmHWM') / 1024) };
}
