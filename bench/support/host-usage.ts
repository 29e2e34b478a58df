// What a host process used, read from /proc (Linux): CPU time, for the CPU each payment costs the
// host (a figure a shared machine disturbs far less than a rate), and peak resident memory. Null
// where /proc is not there.
import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/PID/stat times: 100 on every Linux Node runs on (USER_HZ). */
const ticksPerSecond = 100;

/**
 * User + system CPU time of a process so far (all its threads: the thread pool's fsyncs, the
 * SQLite checkpointer), or of its main thread alone (the event loop, the one that limits the
 * rate), in ms.
 */
export function cpuMs(pid: number, thread: 'all' | 'main' = 'all'): number | null {
  try {
    // Fields after the command name (which may hold spaces), counted from field 3: utime is 14, stime 15.
    const stat = readFileSync(
      thread === 'all' ? `/proc/${pid}/stat` : `/proc/${pid}/task/${pid}/stat`,
      'utf8',
    );
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSecond;
  } catch {
    return null;
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
