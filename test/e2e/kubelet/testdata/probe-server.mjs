// A pod's program for the test kubelet's own test: an HTTP server on PORT (listening on
// "all addresses", as servers in pods do) that reports what the pod sees: its hostname,
// what a name resolves to, a mounted config file, and a value kept in its data volume.
import { readFileSync, writeFileSync } from 'node:fs';
import { lookup } from 'node:dns/promises';
import { createServer } from 'node:http';
import { hostname } from 'node:os';
import process from 'node:process';
import { URL } from 'node:url';

const dataFile = `${process.env.DATA_DIR}/value`;
const configFile = `${process.env.CONFIG_DIR}/greeting`;

const server = createServer(async (req, res) => {
  const url = new URL(req.url ?? '/', 'http://pod');
  try {
    let body;
    if (url.pathname === '/healthz') body = { ok: true };
    else if (url.pathname === '/info') {
      body = {
        hostname: hostname(),
        pid: process.pid,
        podName: process.env.POD_NAME,
        greeting: readFileSync(configFile, 'utf8'),
        myid: readFileSync(`${process.env.DATA_DIR}/myid`, 'utf8').trim(),
        address: server.address(),
      };
    } else if (url.pathname === '/lookup') {
      body = await lookup(url.searchParams.get('name') ?? '', { family: 4 });
    } else if (url.pathname === '/write') {
      writeFileSync(dataFile, url.searchParams.get('value') ?? '');
      body = { written: true };
    } else if (url.pathname === '/read') {
      body = { value: readFileSync(dataFile, 'utf8') };
    } else {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  } catch (err) {
    res.writeHead(500).end(String(err));
  }
});
server.listen(Number(process.env.PORT));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
