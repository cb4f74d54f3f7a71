// Loaded into every Node.js pod process by the test kubelet (NODE_OPTIONS=--import).
// Pods here share the host's network namespace, so two pods that both listen on
// 0.0.0.0:2181 would collide. In a real pod, "all addresses" and loopback mean the pod's
// own addresses; this maps them to the pod's one address, ZKTS_TEST_POD_IP, which is
// what a pod network namespace with a single interface would give the process.
import net from 'node:net';
import process from 'node:process';

const podIp = process.env.ZKTS_TEST_POD_IP;
const podLocal = new Set([undefined, null, '', '0.0.0.0', '::', '127.0.0.1', '::1', 'localhost']);
const listen = net.Server.prototype.listen;

net.Server.prototype.listen = function (...args) {
  const [first, second] = args;
  if (podIp) {
    if (
      first !== null &&
      typeof first === 'object' &&
      'port' in first &&
      podLocal.has(first.host)
    ) {
      args[0] = { ...first, host: podIp };
    } else if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) {
      if (typeof second === 'string' || second === undefined || second === null) {
        if (podLocal.has(second)) args[1] = podIp;
      } else {
        args.splice(1, 0, podIp);
      }
    }
  }
  return listen.apply(this, args);
};
