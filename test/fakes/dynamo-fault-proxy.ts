/**
 * A pass-through proxy in front of DynamoDB Local that can answer a request with the errors the
 * real service gives under load: throttling, or a transaction cancelled by a conflicting one. The
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
  const server = createServer((req, res) => {
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
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
