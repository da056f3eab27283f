/** APIMart wire basics: base URL, auth header, one path per action, the two task query paths. */

export const APIMART_DEFAULT_BASE_URL = 'https://api.apimart.ai';

export const apimartHeaders = (apiKey: string): Record<string, string> => ({ authorization: `Bearer ${apiKey}` });

const GEN = '/v1/midjourney/generations';

/**
 * Every APIMart endpoint the adapter calls. Variation strength and remix strength are separate endpoints;
 * `variation` (not its billing twin `low-variation`) is the one sent for subtle.
 */
export const APIMART_PATHS = {
  imagine: `${GEN}/imagine`,
  upscale: `${GEN}/upscale`,
  variation: `${GEN}/variation`,
  highVariation: `${GEN}/high-variation`,
  reroll: `${GEN}/reroll`,
  remixStrong: `${GEN}/remix-strong`,
  remixSubtle: `${GEN}/remix-subtle`,
  pan: `${GEN}/pan`,
  zoom: `${GEN}/zoom`,
  inpaint: `${GEN}/inpaint`,
  modal: `${GEN}/modal`,
  blend: `${GEN}/blend`,
  describe: `${GEN}/describe`,
  edits: `${GEN}/edits`,
  video: `${GEN}/video`,
} as const;

/** The MJ-style query: the only one that carries `buttons` and the MODAL status. */
export const mjTaskPath = (taskId: string) => `/v1/midjourney/${encodeURIComponent(taskId)}`;
/** The unified query, used when the MJ-style one answers 404. */
export const unifiedTaskPath = (taskId: string) => `/v1/tasks/${encodeURIComponent(taskId)}`;

/** A button of a finished MJ task, as the MJ-style query returns it. */
export interface ApimartButton { customId: string; label?: string }

/**
 * What the adapter keeps with the task (`UpstreamState`, JSON-safe). A multi-step task is keyed by the id of its
 * first upstream task; the one that carries the result is `currentTaskId`.
 */
export interface ApimartState {
  /** `upscale`: a pre-step upscale is running and the requested action is sent when it succeeds. */
  step?: 'upscale' | 'action';
  /** The upstream task the client task waits on now (absent: the submitted one). */
  currentTaskId?: string;
  /** The pre-step upscale's task id, kept for the record. */
  upscaleTaskId?: string;
  /** What the pre-step upscale cost (USD, as reported): added to the action's own cost. */
  upscaleCostUsd?: number;
  /** Inpaint: `/modal` with the mask was accepted. */
  modalSent?: boolean;
  /** The finished task's buttons, so a child can send a `custom_id`. */
  buttons?: ApimartButton[];
  /** Set once the MJ-style query answered 404 for this task: later polls go to the unified one. */
  query?: 'unified';
}
