/** Lambda entry for every HTTP route: API Gateway HTTP API (payload 2.0) → dispatch by the route table. */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { loadConfig } from './commons/config';
import { createDeps } from './commons/deps';
import { logger } from './commons/logger';
import { authConfigFromEnv, createTokenVerifier } from './http/auth';
import { dispatch } from './http/dispatch';
import { errorResponse } from './http/respond';

const deps = createDeps(loadConfig());
const verifier = createTokenVerifier(authConfigFromEnv());

export const handler = middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
  .use(injectLambdaContext(logger))
  .use({
    onError: (request) => {
      request.response = errorResponse(request.error, logger);
    },
  })
  .handler((event) => dispatch(deps, event, verifier));
