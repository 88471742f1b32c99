import type { Logger } from 'pino';
import type { VoiceServer } from './app';

/** ECS stops a task with SIGTERM and kills it 120 s later; finish within that. */
const DRAIN_DEADLINE_MS = 110_000;

/**
 * On SIGTERM: report unhealthy and refuse new calls at once, let live calls finish, then close.
 * (Handing calls still running at the deadline to the shop is part of the resilience work.)
 */
export function drainOnSignal(server: VoiceServer, logger: Logger): void {
  let draining = false;
  const drain = async (signal: string) => {
    if (draining) return;
    draining = true;
    server.registry.startDraining();
    logger.info({ signal, activeCalls: server.registry.size }, 'draining');
    const deadline = Date.now() + DRAIN_DEADLINE_MS;
    while (server.registry.size > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    await Promise.all(server.registry.sessions().map((session) => session.stop('server_shutdown')));
    await server.app.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void drain('SIGTERM'));
  process.once('SIGINT', () => void drain('SIGINT'));
}
