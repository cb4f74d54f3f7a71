import { describe, expect, it } from 'vitest';
import { ErrorCode, ZkError } from '../proto/errors.js';
import { configText, parseConfigText, planReconfig, type QuorumConfig } from './reconfig.js';

const three = parseConfigText(
  [1, 2, 3]
    .map((i) => `server.${i}=127.0.0.${i}:2888:3888:participant;127.0.0.${i}:2181`)
    .join('\n') + '\nversion=100000000',
);
const base = {
  zxid: 0x100000005n,
  committed: three,
  lastSeen: three,
  standaloneEnabled: false,
  synced: [1n, 2n, 3n],
};
const req = (r: Partial<Parameters<typeof planReconfig>[0]['request']>) => ({
  joiningServers: null,
  leavingServers: null,
  newMembers: null,
  curConfigId: -1n,
  ...r,
});
function codeOf(f: () => unknown): number | undefined {
  try {
    f();
  } catch (e) {
    if (e instanceof ZkError) return e.code;
    throw e;
  }
  return undefined;
}
const ids = (c: QuorumConfig) => c.servers.map((s) => s.id);

describe('config text', () => {
  it('round-trips QuorumMaj.toString', () => {
    const text = configText(three);
    expect(text).toBe(
      'server.1=127.0.0.1:2888:3888:participant;127.0.0.1:2181\n' +
        'server.2=127.0.0.2:2888:3888:participant;127.0.0.2:2181\n' +
        'server.3=127.0.0.3:2888:3888:participant;127.0.0.3:2181\nversion=100000000',
    );
    expect(parseConfigText(text)).toEqual(three);
  });
});

describe('planReconfig (PrepRequestProcessor case reconfig)', () => {
  it('incremental add takes the txn zxid as version', () => {
    const next = planReconfig({
      ...base,
      request: req({ joiningServers: 'server.4=127.0.0.4:2888:3888:participant;127.0.0.4:2181' }),
    });
    expect(ids(next)).toEqual([1, 2, 3, 4]);
    expect(next.version).toBe(0x100000005n);
    expect(configText(next).split('\n').at(-1)).toBe('version=100000005');
  });
  it('incremental remove and replace', () => {
    expect(ids(planReconfig({ ...base, request: req({ leavingServers: '3' }) }))).toEqual([1, 2]);
    const moved = planReconfig({
      ...base,
      request: req({ joiningServers: 'server.3=127.0.0.3:2888:3888:observer;2181' }),
    });
    expect(moved.servers[2]!.role).toBe('observer');
  });
  it('non-incremental, comma separated', () => {
    const next = planReconfig({
      ...base,
      request: req({
        newMembers:
          'server.1=127.0.0.1:2888:3888;2181,server.2=127.0.0.2:2888:3888;2181,server.3=127.0.0.3:2888:3888;2181',
      }),
    });
    expect(ids(next)).toEqual([1, 2, 3]);
  });
  it('errors as Apache', () => {
    const join = 'server.4=127.0.0.4:2888:3888;2181';
    expect(codeOf(() => planReconfig({ ...base, request: req({ curConfigId: 5n }) }))).toBe(
      ErrorCode.badVersion,
    );
    expect(
      codeOf(() =>
        planReconfig({ ...base, request: req({ curConfigId: 0x100000000n, leavingServers: '3' }) }),
      ),
    ).toBeUndefined();
    expect(
      codeOf(() =>
        planReconfig({
          ...base,
          lastSeen: { ...three, version: 0x100000002n },
          request: req({ joiningServers: join }),
        }),
      ),
    ).toBe(ErrorCode.reconfigInProgress);
    // no client port
    expect(
      codeOf(() =>
        planReconfig({ ...base, request: req({ joiningServers: 'server.4=127.0.0.4:2888:3888' }) }),
      ),
    ).toBe(ErrorCode.badArguments);
    expect(
      codeOf(() => planReconfig({ ...base, request: req({ joiningServers: 'garbage' }) })),
    ).toBe(ErrorCode.badArguments);
    // address clash with server 3
    expect(
      codeOf(() =>
        planReconfig({
          ...base,
          request: req({ joiningServers: 'server.4=127.0.0.3:2888:3999;2181' }),
        }),
      ),
    ).toBe(ErrorCode.badArguments);
    expect(
      codeOf(() =>
        planReconfig({ ...base, standaloneEnabled: true, request: req({ leavingServers: '2,3' }) }),
      ),
    ).toBe(ErrorCode.badArguments);
    expect(codeOf(() => planReconfig({ ...base, request: req({ leavingServers: '1,2,3' }) }))).toBe(
      ErrorCode.badArguments,
    );
    // 5 voters, only 1,2 synced
    expect(
      codeOf(() =>
        planReconfig({
          ...base,
          synced: [1n, 2n],
          request: req({ joiningServers: `${join},server.5=127.0.0.5:2888:3888;2181` }),
        }),
      ),
    ).toBe(ErrorCode.newConfigNoQuorum);
  });
});
