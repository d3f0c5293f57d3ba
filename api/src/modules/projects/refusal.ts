/**
 * A step refused because the project's stage no longer allows it, explained from the project's own
 * history: who moved it, when, by which step, and to which stage. The common case is two people on
 * the same project, the second submitting a step the first has just taken; "not allowed in this
 * stage" alone leaves the second wondering what happened.
 */
import { ACTIONS, ACTION_LABELS, STAGE_LABELS, type Action } from '#domain/lifecycle.js';
import { AppError } from '#domain/errors.js';
import type { HistoryEntry, ProjectDetailDto } from '#domain/schemas.js';

/** 2026-12-01 20:15 on the county's clock. */
function chinaTime(iso: string): string {
  return new Intl.DateTimeFormat('sv-SE', {
    timeZone: 'Asia/Shanghai',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
  }).format(new Date(iso));
}

const isStep = (h: HistoryEntry): h is HistoryEntry & { action: Action } =>
  (ACTIONS as readonly string[]).includes(h.action);

/**
 * The refusal of `action` on `project` as it stands now: the stage it is in and the last step that
 * changed its stage (a ladder's alert, written by the system, changes none and is passed over).
 * `details` carries the same facts for the console, which reloads the project on this answer.
 */
export function stageMovedRefusal(project: ProjectDetailDto, action: Action): AppError {
  const stage = project.stage;
  const moved = [...project.history].reverse().find((h) => isStep(h) && h.fromStage !== h.toStage);
  const step = ACTION_LABELS[action];
  const now = STAGE_LABELS[stage];
  const base = `当前阶段「${now.zh}」不能执行「${step.zh}」`;
  const english = `action ${action} is not allowed in stage ${stage}`;
  if (!moved || !isStep(moved) || !moved.fromStage)
    return new AppError('TRANSITION_NOT_ALLOWED', `${base} (${english})`, { stage, lastStep: null });
  const when = chinaTime(moved.at);
  const by = ACTION_LABELS[moved.action];
  return new AppError(
    'TRANSITION_NOT_ALLOWED',
    {
      zh: `${base}：${moved.actorName}已于 ${when} 办理「${by.zh}」，阶段由「${STAGE_LABELS[moved.fromStage].zh}」变为「${now.zh}」`,
      // The account's name is data, in whatever script it was registered: quoted, as user input is.
      en: `${english}: “${moved.actorName}” took "${by.en}" at ${when}, moving it from "${STAGE_LABELS[moved.fromStage].en}" to "${now.en}"`,
    },
    {
      stage,
      lastStep: {
        action: moved.action,
        actorName: moved.actorName,
        at: moved.at,
        fromStage: moved.fromStage,
        toStage: moved.toStage,
      },
    },
  );
}
