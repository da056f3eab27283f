/**
 * APIMart's multi-step actions, advanced by polls (the gateway already retries polls and hands `state` back):
 * - pan / zoom / inpaint, and an upscale with a mode, on a grid parent: the submit upscaled (cropped) the image; once
 *   that succeeds the action is sent on the upscaled task, whose id becomes `state.currentTaskId`;
 * - inpaint stops in MODAL: the mask is sent once with `/modal` and the same task runs on.
 * Each step is sent by the poll that first sees its trigger, so a step whose answer is lost may be sent twice.
 */
import type { CanonicalRequest, JobSnapshot } from '../types.js';
import type { ApimartButton, ApimartState } from './api.js';
import { modalCall, onUpscaled, type WireCall } from './submit.js';

/** One reading of the upstream task the client task currently waits on. */
export interface TaskReading { taskId: string; wireStatus: string; snapshot: JobSnapshot }

/** A call to send now, and the state it leaves behind once the upstream accepted it with a task id. */
export interface Step { call: WireCall; state: (acceptedTaskId: string) => ApimartState }

export function nextStep(req: CanonicalRequest, state: ApimartState, reading: TaskReading): Step | undefined {
  if (state.step === 'upscale') {
    if (reading.snapshot.status !== 'succeeded') return undefined;
    if (req.action !== 'pan' && req.action !== 'zoom' && req.action !== 'inpaint' && req.action !== 'upscale') return undefined;
    const buttons = Array.isArray(reading.snapshot.state?.buttons) ? (reading.snapshot.state.buttons as ApimartButton[]) : [];
    return {
      call: onUpscaled(req, reading.taskId, buttons),
      state: (id) => ({ step: 'action', currentTaskId: id, upscaleTaskId: reading.taskId, upscaleCostUsd: reading.snapshot.cost?.amountUsd }),
    };
  }
  if (req.action === 'inpaint' && reading.wireStatus === 'MODAL' && !state.modalSent) {
    // The docs keep the task id through the modal step; a different one in the answer is followed all the same.
    return { call: modalCall(req, reading.taskId), state: (id) => ({ modalSent: true, currentTaskId: id }) };
  }
  return undefined;
}

/** While the pre-step upscale runs the client task is still waiting: that upscale's success is not the result. */
export function preStepSnapshot(snap: JobSnapshot): JobSnapshot {
  if (snap.status === 'failed') return snap;
  const waiting: JobSnapshot = { status: snap.status === 'queued' ? 'queued' : 'running', progress: 0 };
  return snap.state?.query ? { ...waiting, state: { query: snap.state.query } } : waiting;
}

/** The client pays for the pre-step upscale too: its reported cost is added once the action's own is known. */
export function withStepCost(snap: JobSnapshot, state: ApimartState): JobSnapshot {
  if (snap.status !== 'succeeded' || !snap.cost || state.upscaleCostUsd === undefined) return snap;
  return { ...snap, cost: { amountUsd: Math.round((snap.cost.amountUsd + state.upscaleCostUsd) * 1e6) / 1e6, reported: snap.cost.reported } };
}
