/** CPU accounting from /proc (Linux): the machine, a process by pid, and this process. */
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';

const ticksPerSec = 100; // USER_HZ on Linux

export interface MachineCpu {
  busyTicks: number;
  totalTicks: number;
}

export function machineCpu(): MachineCpu {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
  const f = line.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal
  const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
  const idle = f[3]! + f[4]!;
  return { busyTicks: total - idle, totalTicks: total };
}

/** CPU seconds (user + system, all threads) used so far by pid; NaN if it is gone. */
export function processCpuSec(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields 14 and 15 of stat (utime, stime) are at 11 and 12 after the comm field
    return (Number(f[11]) + Number(f[12])) / ticksPerSec;
  } catch {
    return NaN;
  }
}

export const selfCpuSec = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

export interface CpuWindow {
  /** CPU used over the window as a share of one core (1.0 = one core busy). */
  generatorCores: number;
  serverCores: number | null;
  /** Busy share of the whole machine (all cores, all processes), 0..1. */
  machineBusy: number;
  cores: number;
  loadavg1: number;
}

export class CpuSampler {
  private readonly t0 = performance.now();
  private readonly m0 = machineCpu();
  private readonly g0 = selfCpuSec();
  private readonly s0: number;
  private readonly serverPids: readonly number[] | null;

  /** Several pids (an ensemble) count as one server: their CPU is summed. */
  constructor(serverPid: number | readonly number[] | null) {
    this.serverPids =
      serverPid === null ? null : typeof serverPid === 'number' ? [serverPid] : serverPid;
    this.s0 = this.serverCpuSec();
  }

  private serverCpuSec(): number {
    if (this.serverPids === null || this.serverPids.length === 0) return NaN;
    return this.serverPids.reduce((a, pid) => a + processCpuSec(pid), 0);
  }

  finish(): CpuWindow {
    const secs = (performance.now() - this.t0) / 1000;
    const m1 = machineCpu();
    const s1 = this.serverCpuSec();
    const server = (s1 - this.s0) / secs;
    return {
      generatorCores: (selfCpuSec() - this.g0) / secs,
      serverCores: Number.isFinite(server) ? server : null,
      machineBusy:
        (m1.busyTicks - this.m0.busyTicks) / Math.max(1, m1.totalTicks - this.m0.totalTicks),
      cores: cpus().length,
      loadavg1: loadavg()[0]!,
    };
  }
}
