/**
 * Compiles a Java source against Debian's ZooKeeper jars once per source content (cached in
 * os.tmpdir) and runs its main class with the same classpath.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { apacheClasspath, log4jProperties } from './apache-zk.js';

export interface JavaRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Returns the directory holding the compiled classes (and a log4j config logging to a file). */
export function compileJava(source: string): Promise<string> {
  const text = readFileSync(source);
  const hash = createHash('sha256').update(text).digest('hex').slice(0, 16);
  const dir = join(tmpdir(), `zkts-java-${basename(source, '.java')}-${hash}`);
  if (existsSync(join(dir, '.done'))) return Promise.resolve(dir);
  const work = `${dir}.${process.pid}`;
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  writeFileSync(
    join(work, 'log4j.properties'),
    log4jProperties(join(tmpdir(), 'zkts-java-client.log'), 'WARN'),
  );
  return new Promise((resolve, reject) => {
    execFile(
      'javac',
      ['-d', work, '-cp', apacheClasspath(work), source],
      { timeout: 120_000 },
      (err, _stdout, stderr) => {
        if (err) {
          rmSync(work, { recursive: true, force: true });
          reject(new Error(`javac ${source} failed:\n${stderr}`));
          return;
        }
        writeFileSync(join(work, '.done'), '');
        rmSync(dir, { recursive: true, force: true });
        renameSync(work, dir);
        resolve(dir);
      },
    );
  });
}

export function runJava(
  classDir: string,
  mainClass: string,
  args: string[],
  opts: { timeoutMs?: number; input?: string } = {},
): Promise<JavaRun> {
  return new Promise((resolve) => {
    const child = execFile(
      'java',
      ['-Xmx256m', '-XX:+UseSerialGC', '-cp', apacheClasspath(classDir), mainClass, ...args],
      { timeout: opts.timeoutMs ?? 120_000, maxBuffer: 16 << 20 },
      (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, stdout, stderr }),
    );
    if (opts.input !== undefined) child.stdin?.end(opts.input);
    else child.stdin?.end();
  });
}
