import { HttpApi, HttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { routes, type RouteSpec } from '../routes';

export interface InventoryHttpApiProps {
  /** The function that serves every route (functions/http-api.ts). */
  handler: IFunction;
}

/**
 * API Gateway HTTP API (payload 2.0) with one route per entry of lib/routes.ts, all served by the same
 * handler, and a `$default` route so that unknown paths and methods get the service's own 404/405 body.
 */
export class InventoryHttpApi extends Construct {
  readonly api: HttpApi;

  constructor(scope: Construct, id: string, props: InventoryHttpApiProps) {
    super(scope, id);
    const integration = new HttpLambdaIntegration('Handler', props.handler);
    this.api = new HttpApi(this, 'Api', {
      description: 'Inventory service HTTP API (contract: shared/API.md, schema: /openapi.json)',
      defaultIntegration: integration,
    });
    for (const route of Object.values(routes) as RouteSpec[]) {
      this.api.addRoutes({ path: route.path, methods: [HttpMethod[route.method]], integration });
    }
  }
}
