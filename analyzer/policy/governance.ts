/**
 * Governance (docs/judging.md): release classes with their failure action,
 * approvals and backup rule; freeze windows; and the rule that turns an engine verdict into the
 * verdict the gate reports. Pure: no clock, no I/O — the caller passes the time and the records.
 */
import { ConfigError, firstIssuePath, formatFieldPath, type FieldPath } from '../configError.ts';
import { formatIssues } from '../validation.ts';
import type { Release, Verdict } from '../types.ts';
import { RELEASE_CLASSES, UnknownReleaseClassError, type ReleaseClassPolicy } from './releaseClasses.ts';
import { governanceConfigSchema } from './governanceFormat.ts';

export interface ReleaseClassDefinition extends ReleaseClassPolicy {
  name: string;
  /**
   * The first response to a failing release. `reduce-traffic`: as the engine decides (halve the
   * canary first, roll back when the evidence or the window says so). `rollback`: a
   * `reduce-traffic` verdict is escalated to `rollback` — for changes where a partial exposure
   * means nothing (a schema change has no traffic split) or costs too much (peak season).
   */
  failureAction: 'rollback' | 'reduce-traffic';
  /** distinct approvers (other than the registrant) needed before `promote` is reported */
  approvalsRequired: number;
  /** a pre-release backup must be recorded, taken at most `maxAgeMs` before the release started */
  requiresBackup?: { maxAgeMs: number };
  /**
   * After `promote`, the pipeline keeps watching this long and raises `rollback` if a regression
   * appears late (0: stop at promotion). The gate only reports it; the pipeline does the watching.
   */
  postReleaseWatchMs: number;
  /** a release of this class may pass a freeze window with a recorded justification */
  mayOverrideFreeze: boolean;
}

export interface FreezeWindow {
  name: string;
  /** epoch ms, inclusive */
  from: number;
  /** epoch ms, exclusive */
  to: number;
  /** undefined: every class */
  classes?: string[];
  /** undefined: every environment */
  environments?: string[];
  reason: string;
}

export interface GovernanceConfig {
  classes: Readonly<Record<string, ReleaseClassDefinition>>;
  freezes: readonly FreezeWindow[];
}

const MINUTE = 60_000;
type Extras = Omit<ReleaseClassDefinition, keyof ReleaseClassPolicy | 'name'>;
/** Governance defaults of the built-in classes; their statistics stay in `releaseClasses.ts`. */
const BUILT_IN_EXTRAS: Readonly<Record<string, Extras>> = {
  standard: {
    failureAction: 'reduce-traffic',
    approvalsRequired: 0,
    postReleaseWatchMs: 60 * MINUTE,
    mayOverrideFreeze: false,
  },
  'emergency-fix': {
    failureAction: 'reduce-traffic',
    approvalsRequired: 0,
    postReleaseWatchMs: 30 * MINUTE,
    mayOverrideFreeze: true,
  },
  'infra-patch': {
    failureAction: 'reduce-traffic',
    approvalsRequired: 0,
    postReleaseWatchMs: 30 * MINUTE,
    mayOverrideFreeze: false,
  },
  // irreversible data changes: no traffic split to reduce, a human signs off, a backup must exist
  'schema-change': {
    failureAction: 'rollback',
    approvalsRequired: 1,
    requiresBackup: { maxAgeMs: 24 * 60 * MINUTE },
    postReleaseWatchMs: 120 * MINUTE,
    mayOverrideFreeze: false,
  },
  'peak-season-restricted': {
    failureAction: 'rollback',
    approvalsRequired: 1,
    postReleaseWatchMs: 120 * MINUTE,
    mayOverrideFreeze: false,
  },
};

export class GovernanceConfigError extends ConfigError {
  override readonly name = 'GovernanceConfigError';
}
/** `path`: the first issue's field, for a reader that knows the file to place it */
const governanceConfigError = (issues: string[], path?: FieldPath) =>
  GovernanceConfigError.fromIssues('governance config', issues, path);

/** The built-in classes only, no freezes: what `serve` uses without a policy file. */
export function defaultGovernance(): GovernanceConfig {
  return parseGovernance({});
}

/**
 * Validates a parsed YAML/JSON document and resolves every class (built-in overrides, then
 * user-defined classes in file order, each from its `extends`). Throws `GovernanceConfigError`
 * listing every problem, each naming its field.
 */
export function parseGovernance(raw: unknown): GovernanceConfig {
  const parsed = governanceConfigSchema.safeParse(raw ?? {});
  if (!parsed.success) throw governanceConfigError(formatIssues(parsed.error), firstIssuePath(parsed.error));
  const issues: string[] = [];
  const paths: FieldPath[] = [];
  const problem = (path: FieldPath, message: string): void => {
    issues.push(`${formatFieldPath(path)}: ${message}`);
    paths.push(path);
  };
  const classes: Record<string, ReleaseClassDefinition> = {};
  for (const [name, policy] of Object.entries(RELEASE_CLASSES))
    classes[name] = { ...policy, ...BUILT_IN_EXTRAS[name], name };

  for (const [name, cfg] of Object.entries(parsed.data.classes)) {
    const baseName = cfg.extends ?? (classes[name] ? name : 'standard');
    const base = classes[baseName];
    if (!base) {
      problem(['classes', name, 'extends'], `unknown class "${baseName}" (define it earlier in the file)`);
      continue;
    }
    const { extends: _ext, requiresBackup, ...fields } = cfg;
    const def: ReleaseClassDefinition = { ...base, name };
    for (const [key, value] of Object.entries(fields))
      if (value !== undefined) (def as unknown as Record<string, unknown>)[key] = value;
    if (requiresBackup === false) delete def.requiresBackup;
    else if (requiresBackup) def.requiresBackup = { maxAgeMs: requiresBackup.maxAge };
    // as in resolvePolicy: a shorter window without its own minimum gets half the window
    if (cfg.observeMs !== undefined && cfg.minObserveMs === undefined)
      def.minObserveMs = Math.min(def.minObserveMs, Math.round(cfg.observeMs / 2));
    if (def.marginalScore > def.passScore)
      problem(
        ['classes', name, 'marginalScore'],
        `must not exceed passScore (${def.passScore}), got ${def.marginalScore}`,
      );
    if (def.minObserveMs > def.observeMs) problem(['classes', name, 'minObserveMs'], 'must not exceed observeMs');
    classes[name] = def;
  }

  const freezes: FreezeWindow[] = [];
  const names = new Set<string>();
  parsed.data.freezes.forEach((f, i) => {
    if (names.has(f.name)) problem(['freezes', i, 'name'], `duplicate freeze window "${f.name}"`);
    names.add(f.name);
    for (const c of f.classes ?? []) if (!classes[c]) problem(['freezes', i, 'classes'], `unknown class "${c}"`);
    const window: FreezeWindow = { name: f.name, from: Date.parse(f.from), to: Date.parse(f.to), reason: f.reason };
    if (f.classes) window.classes = [...f.classes];
    if (f.environments) window.environments = [...f.environments];
    freezes.push(window);
  });
  if (issues.length > 0) throw governanceConfigError(issues, paths[0]);
  return { classes, freezes };
}

/** The class a release names; unknown names are rejected, never treated as standard. */
export function resolveReleaseClass(config: GovernanceConfig, name: string): ReleaseClassDefinition {
  const def = config.classes[name];
  if (!def)
    throw new UnknownReleaseClassError(
      `unknown release class "${name}"; known: ${Object.keys(config.classes).join(', ')}`,
    );
  return def;
}

export type FreezeCheck =
  | { outcome: 'open' }
  | { outcome: 'locked'; window: FreezeWindow; reason: string }
  | { outcome: 'override'; window: FreezeWindow; justification: string };

/**
 * May this release be registered at `at`? A window applies when `at` lies in [from, to) and it
 * names the release's class and environment (or names none). A class with `mayOverrideFreeze`
 * passes with a non-blank justification, which the caller records (audit `freeze.override`).
 */
export function checkFreeze(
  config: GovernanceConfig,
  release: Pick<Release, 'class' | 'environment'>,
  at: number,
  justification?: string,
): FreezeCheck {
  const window = config.freezes.find(
    (w) =>
      at >= w.from &&
      at < w.to &&
      (!w.classes || w.classes.includes(release.class)) &&
      (!w.environments || w.environments.includes(release.environment)),
  );
  if (!window) return { outcome: 'open' };
  const def = config.classes[release.class];
  const why = justification?.trim();
  if (def?.mayOverrideFreeze && why) return { outcome: 'override', window, justification: why };
  const hint = def?.mayOverrideFreeze ? ' (an emergency fix may pass with a `justification`)' : '';
  return {
    outcome: 'locked',
    window,
    reason: `freeze window "${window.name}" until ${new Date(window.to).toISOString()}: ${window.reason}${hint}`,
  };
}

export interface GovernanceContext {
  releaseClass: ReleaseClassDefinition;
  /** the release's start (ms): a backup must be at most `maxAgeMs` older */
  startedAt: number;
  /** recorded backup checkpoints of the release */
  checkpoints: readonly { backupId: string; takenAt: number }[];
  /** distinct approvers recorded (the registrant excluded) */
  approvals?: number;
  /** the freeze window the release was let through, if any */
  frozen?: string;
}

export const BACKUP_REQUIRED_REASON = 'backup checkpoint required';

/**
 * The verdict the gate reports, from the engine's: (1) a class that fails straight to rollback
 * escalates `reduce-traffic`; (2) a class that requires a backup reports `inconclusive` until a
 * fresh-enough backup checkpoint is recorded — whatever the engine said, because a schema change
 * rolled back or promoted without a backup is the one mistake that cannot be undone, and
 * `inconclusive` pauses Argo Rollouts for a human; (3) `promote` waits for the approvals the class
 * requires (also as `inconclusive`). Never mutates its input.
 */
export function applyGovernance(verdict: Verdict, context: GovernanceContext): Verdict {
  const def = context.releaseClass;
  const out: Verdict = { ...verdict, reasons: [...verdict.reasons], policy: { ...verdict.policy } };
  if (context.frozen) out.policy.frozen = context.frozen;
  if (out.decision === 'reduce-traffic' && def.failureAction === 'rollback') {
    out.decision = 'rollback';
    out.reasons.unshift(`class ${def.name} fails straight to rollback (failureAction) instead of reducing traffic`);
  }
  if (def.requiresBackup) {
    const oldest = context.startedAt - def.requiresBackup.maxAgeMs;
    const fresh = context.checkpoints.some((c) => c.takenAt >= oldest && c.takenAt <= verdict.at);
    if (!fresh) {
      const what = context.checkpoints.length === 0 ? 'none recorded' : 'none recorded is recent enough';
      const held = out.decision === 'inconclusive' ? [] : [`withheld engine decision: ${out.decision}`];
      out.reasons = [
        BACKUP_REQUIRED_REASON,
        `class ${def.name} needs a backup taken at most ${Math.round(def.requiresBackup.maxAgeMs / MINUTE)} min before the release started (${what}); POST it to /api/v1/releases/{id}/checkpoints`,
        ...held,
        ...out.reasons,
      ];
      out.decision = 'inconclusive';
      return out;
    }
  }
  const approvals = context.approvals ?? 0;
  if (out.decision === 'promote' && approvals < def.approvalsRequired) {
    out.decision = 'inconclusive';
    out.reasons.unshift(`awaiting approval (${approvals} of ${def.approvalsRequired}) before promotion`);
  }
  return out;
}
