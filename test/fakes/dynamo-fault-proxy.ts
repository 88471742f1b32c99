/**
 * A pass-through proxy in front of DynamoDB Local that can answer a request with the errors the
 * real service gives under load: throttling, or a transaction cancelled by a conflicting one; or
 * hold a request back, for a tool that is still running when something else happens. The
 * server under test points `AWS_ENDPOINT_URL_DYNAMODB` here and meets the faults through the real
 * AWS SDK, with its real retry behaviour.
 */
import { createServer, request } from 'node:http';
import { listenOnLoopback } from './loopback';

export type DynamoFault = 'throttling' | 'transaction_conflict';

export interface DynamoFaultProxy {
  endpoint: string;
  /** The next `count` requests for `operation` (e.g. 'TransactWriteItems') fail with `fault`. */
  failNext(operation: string, fault: DynamoFault, count?: number): void;
  /** The next request for `operation` waits until the returned function is called. */
  holdNext(operation: string): () => void;
  /** Operations seen (X-Amz-Target without the service prefix), in order; faults included. */
  operations: string[];
  close(): Promise<void>;
}

const FAULT_BODIES: Record<DynamoFault, object> = {
  throttling: {
    __type: 'com.amazonaws.dynamodb.v20120810#ThrottlingException',
    message: 'Rate of requests exceeds the allowed throughput.',
  },
  transaction_conflict: {
    __type: 'com.amazonaws.dynamodb.v20120810#TransactionCanceledException',
    message:
      'Transaction cancelled, please refer cancellation reasons for specific reasons [TransactionConflict]',
    CancellationReasons: [{ Code: 'TransactionConflict', Message: 'Transaction is ongoing for the item' }],
  },
};

export async function startDynamoFaultProxy(target: string): Promise<DynamoFaultProxy> {
  const upstream = new URL(target);
  const faults: { operation: string; fault: DynamoFault }[] = [];
  const operations: string[] = [];
  const holds: { operation: string; released: Promise<void> }[] = [];
  const server = createServer(async (req, res) => {
    const operation =
      String(req.headers['x-amz-target'] ?? '')
        .split('.')
        .pop() ?? '';
    operations.push(operation);
    const index = faults.findIndex((f) => f.operation === operation);
    if (index !== -1) {
      const { fault } = faults.splice(index, 1)[0]!;
      req.resume();
      req.on('end', () => {
        res.writeHead(400, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': 'fault' });
        res.end(JSON.stringify(FAULT_BODIES[fault]));
      });
      return;
    }
    const hold = holds.findIndex((h) => h.operation === operation);
    if (hold !== -1) {
      req.pause();
      await holds.splice(hold, 1)[0]!.released;
    }
    const forward = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        path: req.url,
        method: req.method,
        headers: req.headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  const port = await listenOnLoopback(server);
  return {
    endpoint: `http://127.0.0.1:${port}`,
    operations,
    failNext(operation, fault, count = 1) {
      for (let i = 0; i < count; i++) faults.push({ operation, fault });
    },
    holdNext(operation) {
      let release!: () => void;
      holds.push({ operation, released: new Promise<void>((resolve) => (release = resolve)) });
      return release;
    },
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
