/**
 * The auditor: runs reconciliation audits (core/commands/audits.ts). In AWS it is invoked by the daily schedule (the day's
 * audit) and by the rule on the bus that carries InventoryAuditRequested (an audit requested with POST /audits, its id in
 * the event's detail). A run reads the whole table within the read budget (AUDIT_READ_UNITS_PER_SECOND over
 * AUDIT_SCAN_SEGMENTS segments), confirms its findings AUDIT_CONFIRM_SECONDS later, and stops its scan, failing the
 * audit, in time to finish before the function's timeout rather than be cut off: docs/operations.md says what an audit
 * costs and what to do when one fails.
 */
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { logger as defaultLogger, type InvocationLog, type ServiceLogger } from '../commons/logger';
import { inInvocation } from '../commons/metrics';
import type { HandlerDeps } from '../commons/runtime';
import { runAudit } from '../core/commands/audits';

export interface AuditorSettings {
  /** AUDIT_READ_UNITS_PER_SECOND: the scan's pace over all its segments. @default 4000 */
  readUnitsPerSecond: number;
  /** AUDIT_SCAN_SEGMENTS: parallel scan segments. @default 4 */
  segments: number;
  /**
   * AUDIT_CONFIRM_SECONDS: how long after its scan a run confirms its findings (the stream processor's lag is seconds;
   * StreamIteratorAge alarms at 10 minutes). @default 30
   */
  confirmSeconds: number;
}

/** What a run keeps in hand before the function's timeout (besides the confirmation's wait), to write its findings or record the audit as failed rather than be cut off. */
export const RESERVE_MS = 60_000;

export interface AuditorResult {
  auditId: string;
  status: string;
  checked: number;
  skipped: number;
  findings: number;
  readUnits: number;
}

export interface Auditor {
  /** One run: the audit the event names (detail.auditId), else the day's scheduled one. */
  run(event: unknown, remainingMs?: number, log?: InvocationLog): Promise<AuditorResult>;
  handler: (event: unknown, context: Context) => Promise<AuditorResult>;
}

const auditIdOf = (event: unknown): string | undefined => {
  const detail = (event as { detail?: { auditId?: unknown } } | undefined)?.detail;
  return typeof detail?.auditId === 'string' ? detail.auditId : undefined;
};

export function createAuditor(deps: HandlerDeps, settings: AuditorSettings, logger: ServiceLogger = defaultLogger): Auditor {
  const run = async (event: unknown, remainingMs?: number, log: InvocationLog = logger): Promise<AuditorResult> => {
    const audit = await runAudit(deps, { auditId: auditIdOf(event) }, {
      readUnitsPerSecond: settings.readUnitsPerSecond,
      segments: settings.segments,
      confirmAfterMs: settings.confirmSeconds * 1000,
      // The scan must leave time to confirm and write the findings.
      deadline: remainingMs !== undefined ? Date.now() + remainingMs - RESERVE_MS - settings.confirmSeconds * 1000 : undefined,
    });
    const result = {
      auditId: audit.auditId,
      status: audit.status,
      checked: audit.checked,
      skipped: audit.skipped,
      findings: audit.findingCount,
      readUnits: Math.round(audit.readUnits),
    };
    if (audit.status === 'failed') log.error('Audit failed', { ...result, reason: audit.error });
    else log.info(`Audit ${audit.status}`, result);
    return result;
  };
  const handler = middy<unknown, AuditorResult>();
  if (deps.tracing) handler.use(deps.tracing.middleware());
  handler.handler((event, context) => inInvocation(deps.metrics, () => run(event, context.getRemainingTimeInMillis(), logger.forInvocation(context))));
  return { run, handler };
}
