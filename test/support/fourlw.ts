/** Sends a four-letter word and returns the whole reply, or '' if the server is not answering. */
import { connect } from 'node:net';

export function fourLetterWord(
  host: string,
  port: number,
  word: string,
  timeoutMs = 2_000,
): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const socket = connect({ host, port });
    socket.setTimeout(timeoutMs, () => socket.destroy());
    socket.once('connect', () => socket.end(word));
    socket.on('data', (d: Buffer) => chunks.push(d));
    socket.once('error', () => resolve(''));
    socket.once('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}
