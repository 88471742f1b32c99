import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';

export type TransactionOutcome =
  | { committed: true }
  /**
   * One reason per item in request order: 'ConditionalCheckFailed', 'None', …; or, when the token
   * was already used by a different transaction in the last 10 minutes, TOKEN_REUSED for every item.
   */
  | { committed: false; reasons: string[] };

/** The token belonged to another transaction: the items were changed by someone else meanwhile. */
export const TOKEN_REUSED = 'IdempotentParameterMismatch';

const MAX_CONFLICT_RETRIES = 6;

/**
 * Runs a transaction and reports condition failures as data (they are business outcomes, not
 * errors). Conflicts with a concurrent transaction on the same items are transient: retried with
 * jittered backoff under the same ClientRequestToken, so a retry of a commit whose answer was
 * lost cannot apply twice (DAT-04, DAT-05).
 */
export async function transactWrite(
  db: DynamoDBDocumentClient,
  input: TransactWriteCommandInput,
): Promise<TransactionOutcome> {
  for (let attempt = 0; ; attempt++) {
    try {
      await db.send(new TransactWriteCommand(input));
      return { committed: true };
    } catch (error) {
      const conflict =
        (error instanceof TransactionCanceledException &&
          (error.CancellationReasons ?? []).some((r) => r.Code === 'TransactionConflict') &&
          !(error.CancellationReasons ?? []).some((r) => r.Code === 'ConditionalCheckFailed')) ||
        (error as Error).name === 'TransactionConflictException' ||
        (error as Error).name === 'TransactionInProgressException';
      if (conflict && attempt < MAX_CONFLICT_RETRIES) {
        const backoff = Math.min(400, 20 * 2 ** attempt);
        await new Promise((resolve) => setTimeout(resolve, backoff / 2 + Math.random() * backoff));
        continue;
      }
      if ((error as Error).name === 'IdempotentParameterMismatchException') {
        return { committed: false, reasons: (input.TransactItems ?? []).map(() => TOKEN_REUSED) };
      }
      if (error instanceof TransactionCanceledException && !conflict) {
        return { committed: false, reasons: (error.CancellationReasons ?? []).map((r) => r.Code ?? 'None') };
      }
      throw error;
    }
  }
}
