/** The operator's --help text, kept apart so `zkts --help` does not load the Kubernetes client. */
import { DEFAULT_MEMBER_ADDRESS_TEMPLATE } from './members.js';

export const OPERATOR_USAGE = `Usage: zkts operator [options]

  --kubeconfig <file>               kubeconfig (default: in-cluster, then $KUBECONFIG, ~/.kube/config)
  --namespace <ns>                  watch only this namespace (default: all)
  --metrics-port <port>             /metrics, /healthz, /readyz (default 8383; 0 picks a free port)
  --metrics-host <addr>             address to listen on (default 0.0.0.0 in a cluster,
                                    127.0.0.1 with --kubeconfig)
  --leader-elect                    compete for a Lease; only the holder reconciles
  --leader-election-namespace <ns>  namespace of the Lease (default: $POD_NAMESPACE, --namespace, or default)
  --leader-election-id <name>       name of the Lease (default zkts-operator)
  --member-address-template <t>     where to reach a member: {pod} {ensemble} {namespace} {podIP} {port}
                                    (default ${DEFAULT_MEMBER_ADDRESS_TEMPLATE};
                                     env ZKTS_OPERATOR_MEMBER_ADDRESS_TEMPLATE)
  --workers <n>                     ensembles reconciled at once (default 2)
  --zk-auth <scheme:auth>           auth sent before reconfig, e.g. digest:super:secret
                                    (env ZKTS_OPERATOR_ZK_AUTH)
  --log-level <level>               pino level (default info; env LOG_LEVEL)
`;
