import { Duration, Names, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { FeaturePlan, StandardThreatProtectionMode, OAuthScope, ResourceServerScope, UserPool, UserPoolClient, UserPoolResourceServer } from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';
import { ROLES } from '../../functions/http/routes';

export interface InventoryAuthProps {
  /** An existing identity provider's issuer (CDK context `jwtIssuer`). @default a Cognito user pool made here */
  issuer?: string;
  /** The audiences it issues tokens for (context `jwtAudience`, comma-separated). */
  audience?: string[];
  /** Its JWKS URL. @default `<issuer>/.well-known/jwks.json` */
  jwksUri?: string;
  /** The Cognito domain prefix of the token endpoint (context `cognitoDomainPrefix`). @default derived from the stack */
  domainPrefix?: string;
}

/**
 * Who can call the API. With an issuer given, its JWTs; otherwise a Cognito user pool whose resource
 * server `inventory` has one scope per role, and one machine-to-machine app client per role (client
 * credentials), so the storefront, the order service and the back office each get only their own scope.
 */
export class InventoryAuth extends Construct {
  readonly authorizer: HttpJwtAuthorizer;
  /** What the handler needs to verify a token itself (JWT_ISSUER, JWT_AUDIENCE, JWT_JWKS_URI). */
  readonly handlerEnvironment: Record<string, string>;
  readonly userPool?: UserPool;
  readonly clients: Record<string, UserPoolClient> = {};

  constructor(scope: Construct, id: string, props: InventoryAuthProps = {}) {
    super(scope, id);
    if (props.issuer) {
      const audience = props.audience ?? [];
      this.authorizer = new HttpJwtAuthorizer('Jwt', props.issuer, { jwtAudience: audience });
      this.handlerEnvironment = {
        JWT_ISSUER: props.issuer,
        ...(audience.length === 1 ? { JWT_AUDIENCE: audience[0] } : {}),
        JWT_JWKS_URI: props.jwksUri ?? `${props.issuer.replace(/\/$/, '')}/.well-known/jwks.json`,
      };
      return;
    }
    const pool = new UserPool(this, 'Pool', {
      selfSignUpEnabled: false,
      passwordPolicy: { minLength: 12, requireDigits: true, requireLowercase: true, requireUppercase: true, requireSymbols: true },
      featurePlan: FeaturePlan.PLUS,
      standardThreatProtectionMode: StandardThreatProtectionMode.FULL_FUNCTION,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.userPool = pool;
    Validations.of(pool).acknowledge({
      id: 'AwsSolutions-COG2',
      reason: 'The pool has no human users (self sign-up is off): only the three machine-to-machine clients, which use the client-credentials flow where MFA does not apply.',
    });
    const server = new UserPoolResourceServer(this, 'ResourceServer', {
      userPool: pool,
      identifier: 'inventory',
      scopes: ROLES.map((r) => new ResourceServerScope({ scopeName: r, scopeDescription: `The ${r} role` })),
    });
    // The token endpoint: https://<prefix>.auth.<region>.amazoncognito.com/oauth2/token. Prefixes are global: override with context.
    const prefix = props.domainPrefix ?? `inventory-${Names.uniqueId(this).toLowerCase().replace(/[^a-z0-9]/g, '').slice(-16)}`;
    pool.addDomain('Domain', { cognitoDomain: { domainPrefix: prefix } });
    for (const role of ROLES) {
      const client = pool.addClient(`${role}Client`, {
        userPoolClientName: `inventory-${role}`,
        generateSecret: true,
        accessTokenValidity: Duration.hours(1),
        oAuth: {
          flows: { clientCredentials: true },
          scopes: [OAuthScope.resourceServer(server, new ResourceServerScope({ scopeName: role, scopeDescription: `The ${role} role` }))],
        },
      });
      this.clients[role] = client;
    }
    const issuer = `https://cognito-idp.${Stack.of(this).region}.amazonaws.com/${pool.userPoolId}`;
    this.authorizer = new HttpJwtAuthorizer('Jwt', issuer, { jwtAudience: Object.values(this.clients).map((c) => c.userPoolClientId) });
    this.handlerEnvironment = { JWT_ISSUER: issuer, JWT_JWKS_URI: `${issuer}/.well-known/jwks.json` };
  }
}
