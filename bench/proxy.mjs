// A byte-counting TCP proxy on 127.0.0.1: what crosses the wire in each direction, and the longest
// time the client waited for a byte from the server (`maxGap`, ms): at each byte the server sends,
// the time since the later of the previous byte it sent and the last byte the client sent, so the
// client's own work between requests (git's pack-objects before a push) is not counted.
import net from 'node:net';

export async function startProxy(targetOrigin) {
  const target = new URL(targetOrigin);
  const counts = { up: 0, down: 0, maxGap: 0 };
  let lastUp = Date.now();
  let lastDown = lastUp;
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port), target.hostname);
    client.on('data', (d) => { counts.up += d.length; lastUp = Date.now(); });
    upstream.on('data', (d) => {
      const now = Date.now();
      counts.maxGap = Math.max(counts.maxGap, now - Math.max(lastUp, lastDown));
      lastDown = now;
      counts.down += d.length;
    });
    client.pipe(upstream).on('error', () => {});
    upstream.pipe(client).on('error', () => {});
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    origin: `http://127.0.0.1:${server.address().port}`,
    reset() { counts.up = 0; counts.down = 0; counts.maxGap = 0; lastUp = lastDown = Date.now(); },
    counts,
    stop: () => new Promise((r) => server.close(r)),
  };
}
