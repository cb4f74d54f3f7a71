/** Sends one four-letter word and returns the whole reply (Apache's FourLetterWordMain). */
import { connect } from 'node:net';

export function sendFourLetterWord(
  host: string,
  port: number,
  word: string,
  timeoutMs = 5_000,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect({ host, port });
    socket.setTimeout(timeoutMs, () =>
      socket.destroy(new Error(`${word}: no reply within ${timeoutMs} ms`)),
    );
    socket.once('connect', () => socket.end(word));
    socket.on('data', (d: Buffer) => chunks.push(d));
    socket.once('error', reject);
    socket.once('close', (hadError) => {
      if (!hadError) resolve(Buffer.concat(chunks).toString('utf8'));
    });
  });
}
