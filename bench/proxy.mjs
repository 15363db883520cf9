// A byte-counting TCP proxy on 127.0.0.1: what crosses the wire in each direction.
import net from 'node:net';

export async function startProxy(targetOrigin) {
  const target = new URL(targetOrigin);
  const counts = { up: 0, down: 0 };
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port), target.hostname);
    client.on('data', (d) => { counts.up += d.length; });
    upstream.on('data', (d) => { counts.down += d.length; });
    client.pipe(upstream).on('error', () => {});
    upstream.pipe(client).on('error', () => {});
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    origin: `http://127.0.0.1:${server.address().port}`,
    reset() { counts.up = 0; counts.down = 0; },
    counts,
    stop: () => new Promise((r) => server.close(r)),
  };
}
