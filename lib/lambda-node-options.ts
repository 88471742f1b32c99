/**
 * NODE_OPTIONS of every Lambda function (lib/constructs/node-function.ts), and of the cold starts
 * `npm run bench` times (bench/bundles.ts), so the measured load is the deployed one. Source maps
 * stay on here: the tool bundles load no slower with them (measured), and a Lambda's error reaches
 * CloudWatch with its stack.
 */
export const LAMBDA_NODE_OPTIONS = '--enable-source-maps';
