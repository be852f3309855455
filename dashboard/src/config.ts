/**
 * The page's config.json, written by whoever serves it: `npm start` (the API on the same origin and the local back-office
 * token) or the stack (the API's URL and Cognito's sign-in for operators). No DOM here: lib/ imports these types.
 */

/** Cognito's sign-in for operators: authorization code with PKCE, as a public client (lib/constructs/auth.ts). */
export interface SignInConfig {
  /** The Cognito domain: `<authUrl>/oauth2/authorize`, `<authUrl>/oauth2/token`, `<authUrl>/logout`. */
  authUrl: string;
  clientId: string;
  /** Space-separated scopes to ask for. */
  scope: string;
  /** The page's own address, registered as the client's callback and sign-out URL. */
  redirectUri: string;
}

export interface DashboardConfig {
  /** The API's base URL ('' for the page's own origin). */
  apiBase: string;
  /** A ready token (`npm start`'s back-office token). */
  token?: string;
  /** How operators sign in (AWS); without it, and without a token, the page asks for one to be pasted. */
  signIn?: SignInConfig;
}
