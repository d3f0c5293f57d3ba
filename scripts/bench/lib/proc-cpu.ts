/**
 * CPU time (ms) of this process and every process under it, by role: the named children, the
 * Temporal server, PostgreSQL (its backends), this process. A process that exited (a pooled
 * connection closed) keeps the ticks it was last seen with.
 */
import fs from 'node:fs';

const seen = new Map<number, { label: string; ticks: number }>();

export function cpuByProcess(named: Record<string, number>): Record<string, number> {
  const labels = new Map(Object.entries(named).map(([label, pid]) => [pid, label]));
  labels.set(process.pid, 'bench (stand-ins)');
  const procs = new Map<number, { ppid: number; ticks: number; name: string }>();
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      procs.set(Number(d), { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]), name });
    } catch {
      // gone meanwhile
    }
  }
  for (const [pid, p] of procs) {
    for (let q: number | undefined = pid; q; q = procs.get(q)?.ppid) {
      if (q === process.pid) {
        const label = labels.get(pid) ?? (p.name.startsWith('temporal') ? 'temporal' : 'postgres');
        seen.set(pid, { label, ticks: p.ticks });
        break;
      }
    }
  }
  const ms: Record<string, number> = {};
  for (const { label, ticks } of seen.values()) ms[label] = (ms[label] ?? 0) + ticks * 10; // USER_HZ = 100
  return ms;
}

/** The peak resident memory of a process, in MB (VmHWM). */
export function peakRssMb(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : NaN;
  } catch {
    return NaN;
  }
}
