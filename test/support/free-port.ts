import { createServer } from 'node:net';

/** A TCP port on the loopback interface that nothing listens on right now, for a server started in a
 * child process (which must be told its port before it starts, so it cannot pick port 0 itself). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}
