/**
 * ECS task scale-in protection while calls are live (RES-03): a protected task is skipped by
 * service auto scaling and by deployments, so neither ends a call. Uses the ECS agent endpoint the
 * Fargate agent provides in ECS_AGENT_URI (the task role is allowed ecs:UpdateTaskProtection); off
 * ECS there is no endpoint and nothing to do.
 */
import type { Logger } from '../observability/logger';
import type { CallRegistry } from './call-registry';

export interface TaskProtectionOptions {
  agentUri: string | undefined;
  /** Protection lapses on its own after this, so a crashed task never stays protected for long. */
  expiresInMinutes: number;
  fetch?: typeof globalThis.fetch;
}

export function protectTaskWhileBusy(
  registry: CallRegistry,
  logger: Logger,
  options: TaskProtectionOptions,
): void {
  const { agentUri } = options;
  if (!agentUri) return;
  const send = options.fetch ?? globalThis.fetch;
  let protectedNow = false;
  let renew: NodeJS.Timeout | undefined;
  const update = async (enabled: boolean) => {
    try {
      const response = await send(`${agentUri}/task-protection/v1/state`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(
          enabled
            ? { ProtectionEnabled: true, ExpiresInMinutes: options.expiresInMinutes }
            : { ProtectionEnabled: false },
        ),
        signal: AbortSignal.timeout(3000),
      });
      if (!response.ok) logger.warn({ status: response.status, enabled }, 'task protection not updated');
    } catch (error) {
      logger.warn({ err: { name: (error as Error).name }, enabled }, 'task protection not updated');
    }
  };
  registry.onChange((activeCalls) => {
    const busy = activeCalls > 0;
    if (busy === protectedNow) return;
    protectedNow = busy;
    clearInterval(renew);
    void update(busy);
    if (busy) {
      // Renewed well before it lapses, for as long as calls keep coming.
      renew = setInterval(() => void update(true), (options.expiresInMinutes * 60_000) / 2);
      renew.unref();
    }
  });
}
