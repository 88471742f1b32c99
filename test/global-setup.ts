/**
 * One DynamoDB Local for the whole run; each test file creates its own tables under a unique
 * prefix, so files stay independent while paying the JVM start-up once.
 */
import type { TestProject } from 'vitest/node';
import { startLocalDynamo } from '../dev/dynamodb-local';

declare module 'vitest' {
  export interface ProvidedContext {
    dynamoEndpoint: string;
  }
}

export default async function setup(project: TestProject) {
  const dynamo = await startLocalDynamo();
  project.provide('dynamoEndpoint', dynamo.endpoint);
  return async () => {
    await dynamo.stop();
  };
}
