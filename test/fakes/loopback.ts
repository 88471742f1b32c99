/** Every fake listens the same way: on a free loopback port, failing loudly if it cannot. */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Resolves with the port once `server` listens on 127.0.0.1. */
export function listenOnLoopback(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}
