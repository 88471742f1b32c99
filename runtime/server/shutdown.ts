import type { Logger } from '../observability/logger';
import type { VoiceServer } from './app';

/** ECS stops a task with SIGTERM and kills it 120 s later; the hand-offs must be done before that. */
export const DRAIN_DEADLINE_MS = 105_000;

export interface DrainOptions {
  /** How long live calls may go on before they are handed to the shop. */
  deadlineMs: number;
  pollMs?: number;
}

/**
 * Graceful shutdown (RES-03): report unhealthy and refuse new calls at once, let live calls finish,
 * and hand every call still running at the deadline to the shop by REST update, so none is cut.
 */
export async function drain(server: VoiceServer, logger: Logger, options: DrainOptions): Promise<void> {
  server.registry.startDraining();
  logger.info({ activeCalls: server.registry.size }, 'draining');
  const deadline = Date.now() + options.deadlineMs;
  while (server.registry.size > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 500));
  }
  const remaining = server.registry.sessions();
  if (remaining.length > 0)
    logger.warn({ calls: remaining.length }, 'handing the remaining calls to the shop');
  await Promise.all(remaining.map((session) => session.handOff('server_shutdown')));
  await Promise.all(server.registry.sessions().map((session) => session.stop('server_shutdown')));
  await server.app.close();
}

export function drainOnSignal(server: VoiceServer, logger: Logger): void {
  let draining = false;
  const onSignal = (signal: string) => {
    if (draining) return;
    draining = true;
    logger.info({ signal }, 'shutdown requested');
    void drain(server, logger, { deadlineMs: DRAIN_DEADLINE_MS }).finally(() => process.exit(0));
  };
  process.once('SIGTERM', () => onSignal('SIGTERM'));
  process.once('SIGINT', () => onSignal('SIGINT'));
}
