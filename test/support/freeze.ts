/**
 * Freezes a server process with SIGSTOP and waits until every one of its threads has stopped:
 * kill() only queues the signal, and on a loaded machine a thread may still run (read a
 * socket, write its log) for a while after it returns.
 */
import { readdirSync, readFileSync } from 'node:fs';

function threadStates(pid: number): string[] {
  const states: string[] = [];
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      // The state follows the parenthesised command name, which may itself hold spaces.
      states.push(stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3));
    } catch {
      // the thread ended meanwhile
    }
  }
  return states;
}

export async function freezeProcess(pid: number, timeoutMs = 10_000): Promise<void> {
  process.kill(pid, 'SIGSTOP');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const states = threadStates(pid);
    if (states.every((s) => s === 'T' || s === 't' || s === 'Z' || s === 'X')) return;
    if (Date.now() > deadline)
      throw new Error(`process ${pid} not stopped after ${timeoutMs} ms: ${states.join('')}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
