/**
 * The back office's page: stock levels, alerts, a variant's configuration, levels, chart and movements, purchase orders
 * and transfers, stock counts and audits, and the actions on them. It calls the HTTP API through the project's typed client with a back-office
 * token: `npm start` puts one in config.json; in AWS the operator signs in through Cognito (./sign-in.ts); elsewhere one
 * is pasted. It refreshes what it shows every few seconds, so a cart hold placed by the storefront appears without a
 * reload, and says when it last did.
 */
import { api, connect, ok } from './api';
import type { DashboardConfig } from './config';
import { beginSignIn, claimsOf, completeSignIn, forgetToken, signOut, storedToken, storeToken } from './sign-in';
import { $, app, esc, failure, say, setLocations, view } from './ui';
import { alertsView } from './views/alerts';
import { auditsView, auditView } from './views/audits';
import { stockCountsView, stockCountView } from './views/stock-counts';
import { channelsView } from './views/channels';
import { purchaseOrdersView } from './views/purchase-orders';
import { stockView } from './views/stock';
import { transfersView } from './views/transfers';
import { variantView } from './views/variant';

const REFRESH_MS = 2000;
/** How many pages of open alerts the navigation counts (100 each) before it says "500+". */
const ALERT_COUNT_PAGES = 5;
const RESTARTED = 'inventory-sign-in-restarted';

let config: DashboardConfig = { apiBase: '' };
let token: string | undefined;

// ------------------------------------------------------------------ the header: who is signed in, open alerts, last refreshed

function renderAccount(): void {
  const signIn = config.signIn;
  $<HTMLFormElement>('#token-form').hidden = Boolean(signIn);
  $<HTMLButtonElement>('#sign-in').hidden = !signIn || Boolean(token);
  $<HTMLButtonElement>('#sign-out').hidden = !signIn || !token;
  const who = $<HTMLElement>('#who');
  const claims = token && signIn ? claimsOf(token) : {};
  who.hidden = !(token && signIn);
  who.textContent = token && signIn ? `Signed in as ${String(claims.username ?? claims['cognito:username'] ?? claims.sub ?? 'operator')}` : '';
}

async function updateAlertCount(): Promise<void> {
  let count = 0;
  let cursor: string | null = null;
  let pages = 0;
  do {
    const page: { alerts: unknown[]; cursor: string | null } = await ok(
      api().GET('/alerts', { params: { query: { status: 'open', limit: 100, ...(cursor ? { cursor } : {}) } } }),
    );
    count += page.alerts.length;
    cursor = page.cursor;
    pages += 1;
  } while (cursor && pages < ALERT_COUNT_PAGES);
  const badge = $<HTMLElement>('#alert-count');
  const shown = `${count}${cursor ? '+' : ''}`;
  badge.hidden = count === 0 && !cursor;
  badge.innerHTML = `${esc(shown)}<span class="visually-hidden"> open</span>`;
}

let lastGood: Date | undefined;
function markRefreshed(okay: boolean): void {
  const now = new Date();
  if (okay) lastGood = now;
  const at = (d: Date) => `<time datetime="${d.toISOString()}">${esc(d.toLocaleTimeString())}</time>`;
  $<HTMLElement>('#refreshed').innerHTML = okay
    ? `Last refreshed ${at(now)}`
    : `<span class="error">Refresh failed at ${at(now)}</span>${lastGood ? `; showing data from ${at(lastGood)}` : ''}`;
}

// ------------------------------------------------------------------ refreshing

let refreshing = false;

/** Refreshes the current view and the alert count. The periodic tick skips a run while one is going. */
async function refreshNow(fromTick = false): Promise<void> {
  if (!token || (fromTick && refreshing)) return;
  const current = view.refresh;
  refreshing = true;
  try {
    await Promise.all([current?.(), updateAlertCount()]);
    if (view.refresh === current) markRefreshed(true);
  } catch (err) {
    // A refresh of a view the operator has just left may find its table gone: that is not a failure to show.
    if (view.refresh === current) {
      markRefreshed(false);
      say(failure(err), true);
    }
  } finally {
    refreshing = false;
  }
}

// ------------------------------------------------------------------ routing

async function route(): Promise<void> {
  view.refresh = undefined;
  const [path, query] = (window.location.hash.slice(1) || '/stock').split('?');
  const params = new URLSearchParams(query ?? '');
  for (const a of document.querySelectorAll('header nav a')) {
    if ((a as HTMLAnchorElement).hash.split('?')[0] === `#${path}`) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  if (!token) {
    app().innerHTML = config.signIn
      ? '<p>Sign in with your back-office account to see the inventory.</p><p><button type="button" id="sign-in-main">Sign in</button></p>'
      : '<p>Enter a back-office token above to begin.</p>';
    $<HTMLButtonElement>('#sign-in-main')?.addEventListener('click', () => void beginSignIn(config.signIn!));
    return;
  }
  try {
    setLocations((await ok(api().GET('/locations'))).locations);
    if (path.startsWith('/variant/')) await variantView(decodeURIComponent(path.slice('/variant/'.length)));
    else if (path === '/alerts') await alertsView(params);
    else if (path === '/purchase-orders') await purchaseOrdersView(params);
    else if (path === '/transfers') await transfersView();
    else if (path === '/channels') await channelsView(params);
    else if (path === '/stock-counts') await stockCountsView();
    else if (path.startsWith('/stock-counts/')) await stockCountView(decodeURIComponent(path.slice('/stock-counts/'.length)));
    else if (path === '/audits') await auditsView();
    else if (path.startsWith('/audits/')) await auditView(decodeURIComponent(path.slice('/audits/'.length)));
    else await stockView(params);
    await refreshNow();
  } catch (err) {
    say(failure(err), true);
  }
}

/** A token the API refused (401): in AWS the session has ended, so the operator signs in again. */
function unauthorized(): void {
  if (!config.signIn) return;
  forgetToken();
  token = undefined;
  renderAccount();
  say('Your session has ended: sign in again.', true);
  void route();
}

async function start(): Promise<void> {
  try {
    config = { ...config, ...((await (await fetch('config.json')).json()) as DashboardConfig) };
  } catch {
    // No config: the API is on the same origin and the token is asked for.
  }
  connect(config.apiBase, () => token, unauthorized);
  if (config.signIn) {
    const signIn = config.signIn;
    const result = await completeSignIn(signIn).catch((err: Error) => ({ kind: 'failed' as const, message: err.message }));
    if (result.kind === 'restart') {
      // A code this tab did not ask for: sign in again from here, once.
      if (!sessionStorage.getItem(RESTARTED)) {
        sessionStorage.setItem(RESTARTED, '1');
        return beginSignIn(signIn);
      }
      say('Signing in could not be completed: choose Sign in again.', true);
    } else if (result.kind === 'failed') {
      say(`Signing in failed: ${result.message}`, true);
    }
    if (result.kind !== 'restart') sessionStorage.removeItem(RESTARTED);
    token = storedToken();
    $<HTMLButtonElement>('#sign-in').addEventListener('click', () => void beginSignIn(signIn));
    $<HTMLButtonElement>('#sign-out').addEventListener('click', () => signOut(signIn));
  } else {
    token = storedToken() ?? config.token;
    $<HTMLInputElement>('#token').value = token ?? '';
    $<HTMLFormElement>('#token-form').addEventListener('submit', (e) => {
      e.preventDefault();
      token = $<HTMLInputElement>('#token').value.trim() || undefined;
      if (token) storeToken(token);
      else forgetToken();
      void route();
    });
  }
  renderAccount();
  window.addEventListener('hashchange', () => void route());
  setInterval(() => void refreshNow(true), REFRESH_MS);
  await route();
}

void start();
