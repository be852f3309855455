/**
 * Calls the HTTP handler as Lambda does: the same factory the Lambda entry and the local server use
 * (createHttpHandler: middy, the logger's context, the error responses), with the test's dependencies.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { ServiceLogger } from '../../functions/commons/logger';
import type { Deps } from '../../functions/core/deps';
import type { TokenVerifier } from '../../functions/http/auth';
import { createHttpHandler } from '../../functions/http/handler';
import { lambdaContext } from '../../lib/local/http-server';

/** Unexpected errors are logged as in Lambda, but below the level a test run prints. */
const quiet = new ServiceLogger({ serviceName: 'inventory-test', logLevel: 'SILENT' });

export function invokeHttp(deps: Deps, verifier: TokenVerifier, event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
  return createHttpHandler(deps, verifier, quiet)(event, lambdaContext(event.requestContext?.requestId ?? 'test-request'));
}
