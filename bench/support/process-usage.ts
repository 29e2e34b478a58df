// What a process used, read from /proc (Linux): CPU time, write and read system calls, peak
// resident memory, and PostgreSQL's CPU across its postmaster and backends. Per-payment CPU and
// system calls are figures a shared machine disturbs far less than a rate. Zero (or null for
// memory) where /proc is not there.
import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/PID/stat times: 100 on every Linux Node runs on (USER_HZ). */
const ticksPerSecond = 100;

/**
 * CPU seconds of a process: all its threads (the thread pool's fsyncs, the SQLite checkpointer),
 * and the children it has waited for when `children`; or its main thread alone (`'main'`: the event
 * loop, the one that limits a host's rate).
 */
export function cpuSeconds(pid: number, children: boolean | 'main' = false): number {
  try {
    // Fields after the command name (which may hold spaces); utime is field 14, stime 15,
    // cutime 16, cstime 17.
    const stat = readFileSync(
      children === 'main' ? `/proc/${pid}/task/${pid}/stat` : `/proc/${pid}/stat`,
      'utf8',
    );
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const at = (field: number): number => Number(fields[field - 3]);
    return (at(14) + at(15) + (children === true ? at(16) + at(17) : 0)) / ticksPerSecond;
  } catch {
    return 0;
  }
}

/** Write and read system calls a process has made so far (socket writes and reads included). */
export function syscalls(pid: number): { writes: number; reads: number } {
  try {
    const io = readFileSync(`/proc/${pid}/io`, 'utf8');
    const count = (name: string): number => Number(new RegExp(`${name}: (\\d+)`).exec(io)?.[1] ?? 0);
    return { writes: count('syscw'), reads: count('syscr') };
  } catch {
    return { writes: 0, reads: 0 };
  }
}

/** The most resident memory a process has held so far (VmHWM), in MB. */
export function peakRssMb(pid: number): number | null {
  try {
    const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match?.[1] === undefined ? null : Math.round(Number(match[1]) / 1024);
  } catch {
    return null;
  }
}

/** PostgreSQL's CPU seconds: the postmaster, the backends it has reaped, and the live ones. */
export function postgresCpuSeconds(postmaster: number): number {
  let total = cpuSeconds(postmaster, true);
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === postmaster) total += cpuSeconds(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return total;
}

/** The postmaster's pid of a server whose data folder is `dataDir`. */
export function postmasterPid(dataDir: string): number {
  return Number(readFileSync(`${dataDir}/postmaster.pid`, 'utf8').split('\n')[0]);
}
