/**
 * The caller, not the model, approves bookings, cancellations and reschedules (SEC-13), enforced
 * here in code: the first call of such a tool does not act; it answers with a summary to read back
 * and a single-use confirmation token. Only a later call with that token and the same arguments,
 * after the caller has spoken again, goes through. A model talked into acting ("cancel everything")
 * therefore cannot act within one response, and never more than the per-call limits allow.
 *
 * The tools themselves stay unaware of this: the gate adds `confirmation_token` (and, where the
 * identity came from another phone number, `last_name`) to what the model sees, and strips them
 * before the tool is invoked.
 */
import { randomBytes } from 'node:crypto';
import type { Temporal } from 'temporal-polyfill';
import type { ShopConfig } from '../config/shop-config';
import type { ConfirmationGateState } from '../data/calls-repo';
import { parseRequestedStart, spokenDateTime } from '../domain/schedule';
import type { ChatToolSpec } from '../providers/interfaces';

export const GATED_TOOLS = ['book_appointment', 'cancel_appointment', 'reschedule_appointment'] as const;
export type GatedTool = (typeof GATED_TOOLS)[number];

export interface GateLimits {
  cancellations: number;
  reschedules: number;
}

export const DEFAULT_GATE_LIMITS: GateLimits = { cancellations: 1, reschedules: 2 };

export function isGatedTool(name: string): name is GatedTool {
  return (GATED_TOOLS as readonly string[]).includes(name);
}

/** The upcoming appointment a cancel or reschedule is about, as get_upcoming_appointments shows it. */
export interface AppointmentSummary {
  appointment_id: string;
  spoken?: string;
  service?: string;
  vehicle?: string;
}

export interface GateContext {
  /** How many caller utterances the conversation has had so far. */
  callerTurns: number;
  shop: ShopConfig;
  now: Temporal.Instant;
  /** The bound customer's upcoming appointments (read under the call's identity). */
  upcoming(): Promise<AppointmentSummary[]>;
}

export type GateDecision =
  | { action: 'execute'; arguments: Record<string, unknown> }
  | {
      action: 'answer';
      result: { ok: false; error: { code: string; message: string }; confirmation?: object };
    };

/**
 * What a resumed stream must not forget (RES-02): the call's cancellations and reschedules so far,
 * or a stream drop would give a caller a fresh allowance, and whether the identity needs a last
 * name. Pending confirmations are not kept: a token from before the drop is refused, and the model
 * reads the summary back again.
 */
export type GateState = ConfirmationGateState;

interface Pending {
  tool: GatedTool;
  argumentsKey: string;
  callerTurn: number;
}

const refuse = (code: string, message: string): GateDecision => ({
  action: 'answer',
  result: { ok: false, error: { code, message } },
});

export class ConfirmationGate {
  private readonly pending = new Map<string, Pending>();
  private cancellations = 0;
  private reschedules = 0;

  constructor(private readonly limits: GateLimits = DEFAULT_GATE_LIMITS) {}

  /** The model's view of the tools: gated ones take a confirmation token. */
  static decorate(specs: readonly ChatToolSpec[]): ChatToolSpec[] {
    return specs.map((spec) => {
      if (!isGatedTool(spec.function.name)) return spec;
      const parameters = spec.function.parameters as { properties?: Record<string, unknown> };
      const extra: Record<string, unknown> = {
        confirmation_token: {
          type: 'string',
          description:
            'Leave out at first: the answer is a summary to read back and a token. After the caller says yes, call again with the same arguments and this token.',
        },
      };
      return {
        ...spec,
        function: {
          ...spec.function,
          parameters: { ...parameters, properties: { ...parameters.properties, ...extra } },
        },
      };
    });
  }

  snapshot(): GateState {
    return { cancellations: this.cancellations, reschedules: this.reschedules };
  }

  /** The state a dropped stream's session saved; the call goes on under the same limits. */
  restore(state: GateState): void {
    this.cancellations = state.cancellations;
    this.reschedules = state.reschedules;
  }

  async check(tool: GatedTool, raw: Record<string, unknown>, context: GateContext): Promise<GateDecision> {
    const { confirmation_token: token, ...args } = raw;
    if (tool === 'cancel_appointment' && this.cancellations >= this.limits.cancellations) {
      return refuse(
        'LIMIT_REACHED',
        'Only one appointment can be cancelled per call; the shop can help with more.',
      );
    }
    if (tool === 'reschedule_appointment' && this.reschedules >= this.limits.reschedules) {
      return refuse('LIMIT_REACHED', 'No more reschedules on this call; the shop can help with more.');
    }
    const argumentsKey = stableKey(tool, args);
    if (typeof token === 'string' && token) {
      const pending = this.pending.get(token);
      if (!pending || pending.tool !== tool || pending.argumentsKey !== argumentsKey) {
        return refuse(
          'CONFIRMATION_INVALID',
          'That confirmation does not match these details. Call again without a token to get a new summary.',
        );
      }
      if (context.callerTurns <= pending.callerTurn) {
        return refuse(
          'CONFIRMATION_NOT_HEARD',
          'Read the summary to the caller and wait for their answer before confirming.',
        );
      }
      this.pending.delete(token);
      return { action: 'execute', arguments: args };
    }
    const summary = await this.summarize(tool, args, context);
    // Nothing to confirm (an unknown appointment, an unreadable time): the tool's own answer says why.
    if (summary === null) return { action: 'execute', arguments: args };
    const newToken = randomBytes(6).toString('base64url');
    this.pending.set(newToken, { tool, argumentsKey, callerTurn: context.callerTurns });
    return {
      action: 'answer',
      result: {
        ok: false,
        error: {
          code: 'CONFIRMATION_REQUIRED',
          message:
            'Not done yet. Read the summary back to the caller and ask for a clear yes; if they agree, call again with the same arguments and confirmation_token.',
        },
        confirmation: { summary, confirmation_token: newToken },
      },
    };
  }

  /** A gated tool acted: count it against the call's limits. */
  executed(tool: GatedTool): void {
    if (tool === 'cancel_appointment') this.cancellations++;
    if (tool === 'reschedule_appointment') this.reschedules++;
  }

  private async summarize(
    tool: GatedTool,
    args: Record<string, unknown>,
    context: GateContext,
  ): Promise<string | null> {
    const time = (field: string) => {
      const parsed =
        typeof args[field] === 'string' ? parseRequestedStart(context.shop, args[field], context.now) : null;
      return parsed?.ok ? spokenDateTime(parsed.start, context.now) : null;
    };
    if (tool === 'book_appointment') {
      const service = context.shop.services.find((s) => s.id === args.service_type);
      const when = time('start_time');
      return service && when ? `Book ${service.name} on ${when}.` : null;
    }
    const appointment = (await context.upcoming()).find((a) => a.appointment_id === args.appointment_id);
    if (!appointment) return null;
    const what = [
      appointment.service,
      appointment.vehicle && `for the ${appointment.vehicle}`,
      appointment.spoken && `on ${appointment.spoken}`,
    ]
      .filter(Boolean)
      .join(' ');
    if (tool === 'cancel_appointment') return `Cancel the ${what}.`;
    const when = time('new_start_time');
    return when ? `Move the ${what} to ${when}.` : null;
  }
}

function stableKey(tool: string, args: Record<string, unknown>): string {
  const sorted = Object.keys(args)
    .sort()
    .map((key) => [key, typeof args[key] === 'string' ? (args[key] as string).trim() : args[key]]);
  return JSON.stringify([tool, sorted]);
}
