/** Clamps a requested session timeout into [minMs, maxMs] (ZooKeeperServer.processConnectRequest). */
export function negotiateTimeoutMs(requestedMs: number, minMs: number, maxMs: number): number {
  if (requestedMs < minMs) return minMs;
  if (requestedMs > maxMs) return maxMs;
  return requestedMs;
}
