"""Writes znodes of every kind (mode "write") or dumps the whole tree as JSON (mode "read")
for the storage interop test. Usage: kazoo-tree.py write|read host:port"""
import base64, json, os, sys
from kazoo.client import KazooClient
from kazoo.security import make_digest_acl, make_acl, OPEN_ACL_UNSAFE

mode, hosts = sys.argv[1], sys.argv[2]
zk = KazooClient(hosts=hosts, timeout=30.0)
zk.start(timeout=30)
zk.add_auth('digest', 'alice:secret')

if mode == 'write':
    zk.create('/p', b'hello')
    zk.create('/p/child1', b'')
    zk.create('/p/gone', b'x')
    zk.delete('/p/gone')
    for _ in range(3):
        zk.create('/p/seq-', b's', sequence=True)
    zk.create('/e', b'ephemeral data', ephemeral=True)
    zk.create('/e-seq-', b'', ephemeral=True, sequence=True)
    zk.create('/acl', b'secret', acl=[make_digest_acl('alice', 'secret', all=True), make_acl('world', 'anyone', read=True)])
    zk.create('/big', os.urandom(100 * 1024))
    zk.create('/v', b'0')
    for i in range(3):
        zk.set('/v', str(i + 1).encode())
    zk.create('/a', b'')
    zk.set_acls('/a', [make_acl('world', 'anyone', read=True, write=True)])
    t = zk.transaction()
    t.create('/m1', b'multi1')
    t.create('/m2', b'multi2')
    t.commit()
    zk.create('/\u00fcn\u00efcode', b'\xff\x00binary')
    sys.stdout.flush()
    # Exit without closing the session: its ephemerals stay in the log and snapshot.
    os._exit(0)

out = []
def walk(path):
    data, stat = zk.get(path)
    acls, _ = zk.get_acls(path)
    out.append({
        'path': path,
        'data': base64.b64encode(data).decode() if data is not None else None,
        'stat': {k: getattr(stat, k) for k in ('czxid', 'mzxid', 'ctime', 'mtime', 'version', 'cversion', 'aversion', 'ephemeralOwner', 'dataLength', 'numChildren', 'pzxid')},
        'acl': [{'perms': a.perms, 'scheme': a.id.scheme, 'id': a.id.id} for a in acls],
    })
    for c in sorted(zk.get_children(path)):
        walk(path.rstrip('/') + '/' + c)
walk('/')
print(json.dumps(out))
zk.stop()
