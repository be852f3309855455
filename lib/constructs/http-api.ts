import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import { CfnApi, CorsHttpMethod, HttpApi, HttpMethod, HttpNoneAuthorizer, HttpStage, LogGroupLogDestination, type IHttpRouteAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { routes, scopeOf, type Role, type RouteSpec } from '../../functions/http/routes';

/**
 * One JSON object per request in the stage's access log (the field names are what Logs Insights queries use; docs/operations.md).
 * Every value is quoted: a variable with no value (no integration on a 401, no claims on a public route) is logged as "-",
 * which unquoted would break the line's JSON. The caller is who the JWT authorizer says it is: its scope (the role,
 * `inventory/<role>`; `scp` for identity providers that name the claim so), its app client and subject.
 */
export const ACCESS_LOG_FIELDS = {
  requestId: '$context.requestId',
  integrationRequestId: '$context.integration.requestId',
  requestTime: '$context.requestTime',
  status: '$context.status',
  responseLatency: '$context.responseLatency',
  integrationLatency: '$context.integrationLatency',
  integrationError: '$context.integration.error',
  routeKey: '$context.routeKey',
  method: '$context.httpMethod',
  path: '$context.path',
  sourceIp: '$context.identity.sourceIp',
  userAgent: '$context.identity.userAgent',
  scope: '$context.authorizer.claims.scope',
  scp: '$context.authorizer.claims.scp',
  clientId: '$context.authorizer.claims.client_id',
  subject: '$context.authorizer.claims.sub',
  authorizerError: '$context.authorizer.error',
  errorMessage: '$context.error.message',
} as const;

export interface InventoryHttpApiProps {
  /** The function that serves every route (functions/http-api.ts). */
  handler: IFunction;
  /** Verifies the JWT of every non-public route; each such route also requires its role's scope. */
  authorizer: IHttpRouteAuthorizer;
  /** The dashboard's origin, the only one CORS allows. @default no CORS */
  corsOrigin?: string;
  /** Steady-state requests per second across the API. @default 1000 */
  throttleRate?: number;
  /** Burst capacity. @default 2000 */
  throttleBurst?: number;
}

/**
 * API Gateway HTTP API (payload 2.0) with one route per entry of functions/http/routes.ts, all served by the same
 * handler; every non-public route behind the JWT authorizer and its role's scope (a route without a role
 * does not compile); a `$default` route so unknown paths and methods get the service's own 404/405 body;
 * stage throttling and access logs.
 */
export class InventoryHttpApi extends Construct {
  readonly api: HttpApi;
  readonly stage: HttpStage;
  /** The stage's access log (JSON lines, ACCESS_LOG_FIELDS). */
  readonly accessLogs: LogGroup;

  /** Lets one origin (the dashboard's) call the API from a browser; no other origin is allowed. */
  allowOrigin(origin: string): void {
    (this.api.node.defaultChild as CfnApi).corsConfiguration = {
      allowOrigins: [origin],
      allowMethods: [CorsHttpMethod.GET, CorsHttpMethod.PUT, CorsHttpMethod.POST, CorsHttpMethod.DELETE],
      allowHeaders: ['authorization', 'content-type', 'idempotency-key'],
      maxAge: Duration.hours(1).toSeconds(),
    };
  }

  constructor(scope: Construct, id: string, props: InventoryHttpApiProps) {
    super(scope, id);
    const integration = new HttpLambdaIntegration('Handler', props.handler);
    this.api = new HttpApi(this, 'Api', {
      description: 'Inventory service HTTP API (contract: shared/API.md, schema: /openapi.json)',
      defaultIntegration: integration,
      createDefaultStage: false,
    });
    if (props.corsOrigin) this.allowOrigin(props.corsOrigin);
    this.accessLogs = new LogGroup(this, 'AccessLogs', { retention: RetentionDays.THREE_MONTHS, removalPolicy: RemovalPolicy.DESTROY });
    this.stage = new HttpStage(this, 'Stage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: props.throttleRate ?? 1000, burstLimit: props.throttleBurst ?? 2000 },
      accessLogSettings: { destination: new LogGroupLogDestination(this.accessLogs), format: AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FIELDS)) },
    });
    const publicReason = {
      id: 'AwsSolutions-APIG4',
      reason: 'Public by the API contract (shared/API.md): /health and /openapi.json; $default only answers 404/405 for unknown routes and reaches no data.',
    };
    Validations.of(this.api.node.findChild('DefaultRoute')).acknowledge(publicReason);
    for (const route of Object.values(routes) as RouteSpec[]) {
      const guarded = route.role !== 'public';
      const [added] = this.api.addRoutes({
        path: route.path,
        methods: [HttpMethod[route.method]],
        integration,
        authorizer: guarded ? props.authorizer : new HttpNoneAuthorizer(),
        ...(guarded ? { authorizationScopes: [scopeOf(route.role as Role)] } : {}),
      });
      if (!guarded) Validations.of(added).acknowledge(publicReason);
    }
  }
}
