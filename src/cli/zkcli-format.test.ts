import { describe, expect, it } from 'vitest';
import {
  formatAcl,
  formatStat,
  formatWatchedEvent,
  hexLong,
  javaDate,
  keeperErrorMessage,
  parseAcl,
  permString,
  splitCommandLine,
} from './zkcli-format.js';

describe('zkCli formats', () => {
  it('prints dates like Java Date.toString in UTC and longs like Long.toHexString', () => {
    expect(javaDate(0)).toBe('Thu Jan 01 00:00:00 UTC 1970');
    expect(javaDate(1700000005000)).toBe('Tue Nov 14 22:13:25 UTC 2023');
    expect(hexLong(0n)).toBe('0x0');
    expect(hexLong(0x100017f3a2b0000n)).toBe('0x100017f3a2b0000');
    expect(hexLong(-1n)).toBe('0xffffffffffffffff');
  });

  it('prints a stat block', () => {
    const text = formatStat({
      czxid: 4n,
      mzxid: 13n,
      ctime: 0,
      mtime: 0,
      version: 2,
      cversion: -1,
      aversion: 0,
      ephemeralOwner: 0n,
      dataLength: 2,
      numChildren: 1,
      pzxid: 0x17n,
    });
    expect(text).toBe(
      'cZxid = 0x4\nctime = Thu Jan 01 00:00:00 UTC 1970\nmZxid = 0xd\nmtime = Thu Jan 01 00:00:00 UTC 1970\n' +
        'pZxid = 0x17\ncversion = -1\ndataVersion = 2\naclVersion = 0\nephemeralOwner = 0x0\ndataLength = 2\nnumChildren = 1\n',
    );
  });

  it('prints and parses ACLs', () => {
    expect(permString(31)).toBe('cdrwa');
    expect(permString(1 | 4 | 8)).toBe('cdr');
    const warnings: string[] = [];
    const acl = parseAcl(
      'world:anyone:cdr,digest:u:tpUq/4Pn5A64fVZyQ0gOJ8ZWqkY=:a,bad,ip:1.2.3.4:rx',
      (w) => warnings.push(w),
    );
    expect(acl).toEqual([
      { perms: 13, id: { scheme: 'world', id: 'anyone' } },
      { perms: 16, id: { scheme: 'digest', id: 'u:tpUq/4Pn5A64fVZyQ0gOJ8ZWqkY=' } },
      { perms: 1, id: { scheme: 'ip', id: '1.2.3.4' } },
    ]);
    expect(warnings).toEqual(['bad does not have the form scheme:id:perm', 'Unknown perm type: x']);
    expect(formatAcl(acl.slice(0, 1))).toBe("'world,'anyone\n: cdr\n");
  });

  it('prints watch events and errors as zkCli does', () => {
    expect(formatWatchedEvent(3, 3, '/a')).toBe(
      '\nWATCHER::\n\nWatchedEvent state:SyncConnected type:NodeDataChanged path:/a\n',
    );
    expect(formatWatchedEvent(-1, 7, null)).toBe(
      '\nWATCHER::\n\nWatchedEvent state:Closed type:None path:null\n',
    );
    expect(keeperErrorMessage(-101, '/x')).toBe('Node does not exist: /x');
    expect(keeperErrorMessage(-103, '/x')).toBe('version No is not valid : /x');
    expect(keeperErrorMessage(-121, '/x')).toBe('KeeperErrorCode = No such watcher for /x');
    expect(keeperErrorMessage(-4, null)).toBe('KeeperErrorCode = ConnectionLoss');
  });

  it('splits command lines with quotes', () => {
    expect(splitCommandLine('  create /a "hello world" \'x y\'  ')).toEqual([
      'create',
      '/a',
      'hello world',
      'x y',
    ]);
    expect(splitCommandLine('')).toEqual([]);
    expect(splitCommandLine('set /a {"k":1}')).toEqual(['set', '/a', '{"k":1}']);
  });
});
