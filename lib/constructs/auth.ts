import { CfnOutput, Duration, Lazy, Names, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import {
  AccountRecovery,
  CfnManagedLoginBranding,
  FeaturePlan,
  ManagedLoginVersion,
  Mfa,
  OAuthScope,
  ResourceServerScope,
  UserPool,
  UserPoolClient,
  UserPoolClientIdentityProvider,
  UserPoolDomain,
  UserPoolResourceServer,
} from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';
import { ROLES, scopeOf, type Role } from '../../functions/http/routes';
import type { SignInConfig as OperatorSignIn } from '../../dashboard/src/config';

export interface InventoryAuthProps {
  /** An existing identity provider's issuer (CDK context `jwtIssuer`). @default a Cognito user pool made here */
  issuer?: string;
  /** The audiences it issues tokens for (context `jwtAudience`, comma-separated). */
  audience?: string[];
  /** Its JWKS URL. @default `<issuer>/.well-known/jwks.json` */
  jwksUri?: string;
  /** The Cognito domain prefix of the token endpoint and the sign-in pages (context `cognitoDomainPrefix`). @default derived from the stack */
  domainPrefix?: string;
}


/** The scopes an operator's token carries: the back office's, and `openid` for the ID token. */
const OPERATOR_SCOPES = ['openid', scopeOf('backoffice')];

/**
 * Who can call the API. With an issuer given, its JWTs; otherwise a Cognito user pool whose resource server `inventory` has
 * one scope per role, one machine-to-machine app client per role (client credentials), so the storefront, the order
 * service and the back office each get only their own scope, and, once the dashboard's address is known
 * (`addOperatorClient`), an app client for people: authorization code with PKCE through Cognito's managed login,
 * public (no secret), granting the back-office scope only.
 *
 * The pool is on the Essentials plan: managed login, MFA and the authorization-code flow are all in it. Plus would add
 * threat protection (adaptive authentication, compromised-credential checks) for a handful of operators whom an
 * administrator creates and who must use MFA; that is not worth its price per user here (docs/operations.md).
 */
export class InventoryAuth extends Construct {
  readonly authorizer: HttpJwtAuthorizer;
  /** What the handler needs to verify a token itself (JWT_ISSUER, JWT_AUDIENCE, JWT_JWKS_URI). */
  readonly handlerEnvironment: Record<string, string>;
  readonly userPool?: UserPool;
  /** The Cognito domain: token endpoint and hosted sign-in pages. */
  readonly domain?: UserPoolDomain;
  /** The machine-to-machine clients, one per role. */
  readonly clients: Record<string, UserPoolClient> = {};
  /** The operators' client (people signing in to the dashboard), once added. */
  operatorClient?: UserPoolClient;
  private resourceServer?: UserPoolResourceServer;

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
      // Operators are created by an administrator (docs/operations.md), never by themselves.
      selfSignUpEnabled: false,
      passwordPolicy: { minLength: 12, requireDigits: true, requireLowercase: true, requireUppercase: true, requireSymbols: true },
      featurePlan: FeaturePlan.ESSENTIALS,
      // Every operator signs in with an authenticator app's code too (MFA does not apply to the client-credentials clients).
      mfa: Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false },
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      userInvitation: {
        emailSubject: 'Your inventory back-office account',
        emailBody:
          'An account was made for you on the inventory back office. Your username is {username} and your temporary password is {####}. Open the dashboard, choose Sign in, and set your own password and an authenticator app.',
      },
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.userPool = pool;
    const essentials =
      'Essentials, not Plus: Plus adds threat protection (adaptive authentication, compromised-credential checks) at a higher price per user. The pool’s people are a few operators an administrator creates, each with a 12-character password and required MFA; the machine clients use client credentials, which threat protection does not cover.';
    Validations.of(pool).acknowledge({ id: 'AwsSolutions-COG3', reason: essentials }, { id: 'AwsSolutions-COG8', reason: essentials });
    const server = new UserPoolResourceServer(this, 'ResourceServer', {
      userPool: pool,
      identifier: 'inventory',
      scopes: ROLES.map((r) => new ResourceServerScope({ scopeName: r, scopeDescription: `The ${r} role` })),
    });
    this.resourceServer = server;
    // https://<prefix>.auth.<region>.amazoncognito.com: the token endpoint and the sign-in pages. Prefixes are global: override with context.
    const prefix = props.domainPrefix ?? `inventory-${Names.uniqueId(this).toLowerCase().replace(/[^a-z0-9]/g, '').slice(-16)}`;
    this.domain = pool.addDomain('Domain', { cognitoDomain: { domainPrefix: prefix }, managedLoginVersion: ManagedLoginVersion.NEWER_MANAGED_LOGIN });
    for (const role of ROLES) {
      const client = pool.addClient(`${role}Client`, {
        userPoolClientName: `inventory-${role}`,
        generateSecret: true,
        accessTokenValidity: Duration.hours(1),
        oAuth: {
          flows: { clientCredentials: true },
          scopes: [this.scopeFor(role)],
        },
      });
      this.clients[role] = client;
    }
    const issuer = `https://cognito-idp.${Stack.of(this).region}.amazonaws.com/${pool.userPoolId}`;
    // The audience is every client of the pool, the operators' included, which is added later (it needs the dashboard's URL).
    const audience = Lazy.list({ produce: () => [...Object.values(this.clients), ...(this.operatorClient ? [this.operatorClient] : [])].map((c) => c.userPoolClientId) });
    this.authorizer = new HttpJwtAuthorizer('Jwt', issuer, { jwtAudience: audience });
    this.handlerEnvironment = { JWT_ISSUER: issuer, JWT_JWKS_URI: `${issuer}/.well-known/jwks.json` };
  }

  private scopeFor(role: Role): OAuthScope {
    return OAuthScope.resourceServer(this.resourceServer!, new ResourceServerScope({ scopeName: role, scopeDescription: `The ${role} role` }));
  }

  /** The token endpoint, for every client. */
  get tokenUrl(): string | undefined {
    return this.domain ? `${this.domain.baseUrl()}/oauth2/token` : undefined;
  }

  /**
   * The app client for people: operators sign in on Cognito's managed login page and come back to `dashboardUrl` with a
   * code the dashboard exchanges with PKCE (a public client: a browser cannot keep a secret). Its tokens carry the
   * back-office scope only. Outputs its id, the token endpoint and the sign-in URL. Nothing without a Cognito pool.
   */
  addOperatorClient(dashboardUrl: string): OperatorSignIn | undefined {
    if (!this.userPool || !this.domain) return undefined;
    const client = this.userPool.addClient('operatorClient', {
      userPoolClientName: 'inventory-operators',
      generateSecret: false,
      // The managed login page signs people in; the app never sees a password (no SRP or password flows on the client).
      authFlows: { user: false, userSrp: false, userPassword: false, adminUserPassword: false, custom: false },
      supportedIdentityProviders: [UserPoolClientIdentityProvider.COGNITO],
      oAuth: {
        flows: { authorizationCodeGrant: true },
        scopes: [OAuthScope.OPENID, this.scopeFor('backoffice')],
        callbackUrls: [dashboardUrl],
        logoutUrls: [dashboardUrl],
      },
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.hours(12),
    });
    this.operatorClient = client;
    // Managed login shows a client's pages once it has a style; Cognito's own is enough.
    new CfnManagedLoginBranding(this, 'OperatorSignInStyle', {
      userPoolId: this.userPool.userPoolId,
      clientId: client.userPoolClientId,
      useCognitoProvidedValues: true,
    });
    const stack = Stack.of(this);
    new CfnOutput(stack, 'OperatorClientId', { value: client.userPoolClientId, description: 'App client for operators signing in to the dashboard (authorization code with PKCE, no secret)' });
    new CfnOutput(stack, 'OperatorSignInUrl', {
      value: this.domain.signInUrl(client, { redirectUri: dashboardUrl }),
      description: 'Cognito’s sign-in page for operators; it returns to the dashboard (docs/operations.md, “How an operator signs in”)',
    });
    return { authUrl: this.domain.baseUrl(), clientId: client.userPoolClientId, scope: OPERATOR_SCOPES.join(' '), redirectUri: dashboardUrl };
  }
}
