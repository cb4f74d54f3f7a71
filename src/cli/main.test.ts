import { describe, expect, it } from 'vitest';
import { commands, runMain } from './main.js';
import { readZooCfgBasics } from './server-control.js';

async function run(...argv: string[]) {
  let out = '';
  let err = '';
  const code = await runMain(argv, { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

describe('zkts dispatch', () => {
  it('top-level help lists every command', async () => {
    for (const flag of ['--help', '-h', 'help']) {
      const r = await run(flag);
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/^zkts 3\.8\.0-zkts-\d+\.\d+\.\d+, built on /);
      for (const c of commands) expect(r.out).toContain(`  ${c.name} `);
    }
    const bare = await run();
    expect(bare.code).toBe(2);
    expect(bare.err).toContain('Usage: zkts <command>');
  });

  it('every command answers --help with its own text', async () => {
    for (const c of commands) {
      const r = await run(...c.name.split(' '), '--help');
      expect(r.code, c.name).toBe(0);
      expect(r.out, c.name).toBe(c.help);
      expect(r.out, c.name).toMatch(/^Usage:/);
      expect((await run('help', ...c.name.split(' '))).out).toBe(c.help);
    }
  });

  it('server actions have their own help', async () => {
    for (const action of ['start', 'stop', 'status', 'restart']) {
      const r = await run('server', action, '--help');
      expect(r.code).toBe(0);
      expect(r.out).toMatch(new RegExp(`^Usage: zkts server ${action} `));
    }
    const s = await run('server', '--help');
    expect(s.out).toContain('zkts server start');
    expect(s.out).toContain('zookeeper_server.pid');
    const s2 = await run('server', '--config', 'x.cfg', '--help');
    expect(s2.code).toBe(0);
    expect(s2.out).toBe(s.out);
  });

  it('ensemble up rejects bad arguments with its usage and exit 2', async () => {
    for (const args of [['arg'], ['--size', '0'], ['--host-prefix', '10.0.0.']]) {
      const r = await run('ensemble', 'up', ...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err, args.join(' ')).toContain('Usage: zkts ensemble up');
    }
  });

  it('operator is dispatched to the controller and answers --help', async () => {
    const r = await run('operator', '--help');
    expect(r.code).toBe(0);
    expect(r.out).toContain('Usage: zkts operator');
    expect(r.out).toContain('--kubeconfig');
  });

  it('storage tools are dispatched to their modules', async () => {
    const r = await run('snapshot', 'dump', '/nonexistent/snapshot.0');
    expect(r.code).not.toBe(0);
    expect(r.err).not.toContain('not implemented yet');
    expect(r.err).toContain('/nonexistent/snapshot.0');
  });

  it('groups list their subcommands; unknown words exit 2', async () => {
    const g = await run('txnlog', '--help');
    expect(g.code).toBe(0);
    expect(g.out).toContain('zkts txnlog dump');
    expect(g.out).toContain('zkts txnlog truncate');
    const bad = await run('txnlog', 'frobnicate');
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('unknown subcommand frobnicate');
    const unknown = await run('frobnicate');
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/^zkts: unknown command frobnicate/);
    const badAction = await run('server', 'launch');
    expect(badAction.code).toBe(2);
    expect(badAction.err).toContain('unknown action launch');
  });

  it('version', async () => {
    const r = await run('version');
    expect(r.out).toMatch(/^3\.8\.0-zkts-0\.1\.0, built on \d{4}-\d\d-\d\d \d\d:\d\d UTC\n$/);
    expect((await run('--version')).out).toBe(r.out);
  });

  it('server control reports a missing config clearly', async () => {
    const r = await run('server', 'status', '--config', '/nonexistent/zoo.cfg');
    expect(r.code).toBe(1);
    expect(r.err).toContain('cannot read config /nonexistent/zoo.cfg');
    const m = await run('server', 'stop', '--pid-file');
    expect(m.code).toBe(2);
    expect(m.err).toContain('--pid-file needs a value');
  });

  it('reads zoo.cfg like zkServer.sh', () => {
    expect(
      readZooCfgBasics(
        '# c\ntickTime=2000\n dataDir = /var/zk \nclientPort=2181\nclientPortAddress=127.0.0.2\n',
      ),
    ).toEqual({
      dataDir: '/var/zk',
      clientPort: 2181,
      clientPortAddress: '127.0.0.2',
      secureClientPort: undefined,
    });
    expect(readZooCfgBasics('clientPort=abc\nsecureClientPort=2281').clientPort).toBeUndefined();
  });
});
