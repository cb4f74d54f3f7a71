/**
 * The `disk_fault` gauge: 1 while a txn log in this process refuses writes after the disk
 * failed a write (ENOSPC, EIO, ...; the server probes the disk every second), 0 once it
 * takes writes again. Apache has no such metric (its server stops on a failed log write);
 * the name follows its style: lower snake case, `zk_disk_fault` in mntr-style listings.
 * Process-wide because the metrics endpoint is: with several stores in one process (tests),
 * it is 1 while any of them is faulted.
 */
export const DISK_FAULT_METRIC = 'disk_fault';

const faulted = new Set<object>();

/** `store` (any identity) entered (true) or left (false) the disk-fault state. */
export function reportDiskFault(store: object, fault: boolean): void {
  if (fault) faulted.add(store);
  else faulted.delete(store);
}

/** 1 while some store is faulted, else 0. */
export function diskFaultValue(): 0 | 1 {
  return faulted.size > 0 ? 1 : 0;
}
