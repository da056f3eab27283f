/**
 * Vtrix samples from providers.md §2. V1 and the V3 table are verbatim; no submit, in-progress or failed JSON of a
 * Midjourney task is documented, so the others are derived from the CLI's TaskStatus struct and the doc field lists.
 */

/** V1 — task status, completed (CLI full JSON): `task_id`, not `id`, and content type `video_url`. */
export const V1_COMPLETED = {
  "task_id": "task_abc001",
  "status": "completed",
  "model": "spark_dance_v2_0",
  "created_at": "2026-04-10T14:32:05Z",
  "completed_at": "2026-04-10T14:32:51Z",
  "output": [
    {
      "content": [
        {
          "type": "video_url",
          "url": "https://cdn.vtrix.ai/outputs/task_abc001/output.mp4"
        }
      ]
    }
  ]
};

/** Derived submit answer (CLI struct; not a doc sample). */
export const SUBMIT_DERIVED = { id: 'task_01hx9variation', status: 'pending', model: 'midjourney_variation', created_at: 1710000000 };

/** Derived in-progress task: `progress` is a 0.0–1.0 float, present only while in_progress (Veo page). */
export const IN_PROGRESS_DERIVED = { id: 'task_01hx9diffusion', status: 'in_progress', model: 'midjourney_diffusion', created_at: 1710000000, progress: 0.42 };

/** Derived completed Midjourney task: one content item per image, each with the remote `jobId` (Veo page field). */
export const COMPLETED_DERIVED = {
  id: 'task_01hx9diffusion',
  status: 'completed',
  model: 'midjourney_diffusion',
  created_at: 1710000000,
  output: [{ content: [0, 1, 2, 3].map((n) => ({ type: 'image', url: `https://cdn.vtrix.ai/mj/f00d_${n}.png`, jobId: 'a616de55-6130-4e1f-b8cd-531ed0599353' })) }],
  usage: { cost: '0.0800', discount: 0 },
  metadata: {},
};

/** The three documented shapes of a failed task's `error`. */
export const FAILED_MJ_PAGE = { id: 'task_f1', status: 'failed', model: 'midjourney_variation', created_at: 1710000000, error: { code: 8004004098, error_message: 'Generation process failed' } };
export const FAILED_VEO_PAGE = { id: 'task_f2', status: 'failed', model: 'midjourney_variation', created_at: 1710000000, error: { code: '8004004003', message: 'Invalid image number' } };
export const FAILED_CLI_STRING = { id: 'task_f3', status: 'failed', model: 'midjourney_diffusion', created_at: 1710000000, error: 'Banned Prompt: the prompt was refused by moderation' };

/** V3 — the `midjourney_variation` error code table (seed 004_*), with two fragments from other pages. */
export const V3_CODES: Array<[number | string, string]> = [
  [8004004001, 'Job ID missing'],
  [8004004002, 'Image number missing'],
  [8004004003, 'Invalid image number'],
  [8004004004, 'Type missing'],
  [8004004005, 'Invalid type'],
  [8004004006, 'Invalid callback URL'],
  [8004004007, 'Invalid remix prompt length'],
  [8004004098, 'Generation process failed'],
  [8004004099, 'Provider unavailable'],
  [8004001001, 'Missing text'],
  ['004011001', 'Task ID missing'],
];
