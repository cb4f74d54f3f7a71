/** Help text of `zkts ensemble up`, apart so that `zkts --help` does not load the command. */
import { maxEnsembleSize } from './ensemble-up-config.js';

export const maxExitsPerMinute = 3;

export const ensembleUpHelp = `Usage: zkts ensemble up [--size N] [--dir <dir>] [--host-prefix 127.0.0.]

Starts a local ensemble of N zkts servers (default 3) and keeps it in the foreground.
Server N listens on <host-prefix>N: clients on 2181, quorum on 2888, election on 3888,
admin HTTP on 8080 and Prometheus metrics on 7000, so each member looks like its own
machine. Data, zoo.cfg and myid live under <dir>/server.N (default ./zkts-ensemble; kept
between runs). Every line a member prints is prefixed with its name ([server.2] ...).

Once a leader is elected the connect string is printed:
  127.0.0.1:2181,127.0.0.2:2181,127.0.0.3:2181
Ctrl-C (SIGINT) or SIGTERM stops every member and exits 0.

A member that exits on its own is reported and restarted after 1 s. If one rejects its
configuration (exit code 2) or exits more than ${maxExitsPerMinute} times within a minute, every member is
stopped and the command exits 1.

Options:
  --size N             servers, 1 to ${maxEnsembleSize} (default 3)
  --dir <dir>          where the members' files go (default ./zkts-ensemble)
  --host-prefix <p>    loopback prefix the sid is appended to (default 127.0.0.)
  --help               this text

On Linux all of 127.0.0.0/8 is loopback; elsewhere add the addresses as loopback aliases.
`;
