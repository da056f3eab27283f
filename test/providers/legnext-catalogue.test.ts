import { describe, expect, it } from 'vitest';
import { givenOptions } from '../../providers/capabilities.js';
import { unsupportedByLegnext } from '../../providers/legnext/capabilities.js';
import { legnextOutput } from '../../providers/legnext/job.js';
import { legnextRequest } from '../../providers/legnext/submit.js';

// The documented examples of the later endpoints (seed 003: edit ~2047, upload-paint ~2230, Topaz ~3165, video ~2730).
const parent = { upstreamId: 'c6821434-5e41-408f-b42b-2562306b109c', action: 'imagine' as const, state: {}, output: null };
const canvas = { width: 1024, height: 1024 };
const imagePosition = { width: 512, height: 512, x: 256, y: 256 };

describe('Legnext translation of the later endpoints', () => {
  it('sends an edit of a grid image to /v1/edit with imgPos and remixPrompt', () => {
    const out = legnextRequest({ request: { action: 'edit', taskId: 't', index: 2, prompt: 'add a red hat', canvas, imagePosition }, parent });
    expect(out).toEqual({ path: '/v1/edit', body: { jobId: parent.upstreamId, imageNo: 1, canvas, imgPos: imagePosition, remixPrompt: 'add a red hat' } });
  });

  it('sends an edit of an image URL to /v1/upload-paint with imgUrl and the mask', () => {
    const mask = { areas: [{ width: 1024, height: 1024, points: [10, 10, 500, 10, 500, 500] }] };
    const out = legnextRequest({ request: { action: 'edit', imageUrl: 'https://cdn.example/a.png', prompt: 'a garden', canvas, imagePosition, mask } });
    expect(out).toEqual({ path: '/v1/upload-paint', body: { imgUrl: 'https://cdn.example/a.png', canvas, imgPos: imagePosition, remixPrompt: 'a garden', mask } });
  });

  it('sends retexture and remove-background with imgUrl', () => {
    expect(legnextRequest({ request: { action: 'retexture', imageUrl: 'https://x/a.png', prompt: 'marble' } }))
      .toEqual({ path: '/v1/retexture', body: { imgUrl: 'https://x/a.png', remixPrompt: 'marble' } });
    expect(legnextRequest({ request: { action: 'remove_background', imageUrl: 'https://x/a.png' }, callbackUrl: 'https://gw/cb' }))
      .toEqual({ path: '/v1/remove-background', body: { imgUrl: 'https://x/a.png', callback: 'https://gw/cb' } });
  });

  it('sends enhance with jobId and imageNo', () => {
    expect(legnextRequest({ request: { action: 'enhance', taskId: 't', index: 4 }, parent })).toEqual({ path: '/v1/enhance', body: { jobId: parent.upstreamId, imageNo: 3 } });
  });

  it("sends upscale_hd as Topaz's snake_case fields, from an image URL or a grid image", () => {
    expect(legnextRequest({ request: { action: 'upscale_hd', imageUrl: 'https://example.com/photo.jpg', resolution: '4K', contentType: 'photo' } }))
      .toEqual({ path: '/v1/enhance-upscale', body: { image_url: 'https://example.com/photo.jpg', target_resolution: '4K', content_type: 'photo' } });
    const all = legnextRequest({
      request: { action: 'upscale_hd', taskId: 't', index: 1, resolution: '8K', contentType: 'illustration', aspectRatio: '16:9', cropMode: 'crop', format: 'png', faceEnhancement: 'off' },
      parent,
    });
    expect(all.body).toEqual({
      jobId: parent.upstreamId, imageNo: 0, target_resolution: '8K', content_type: 'illustration', aspect_ratio: '16:9', crop_mode: 'crop', output_format: 'png', face_enhancement_level: 'off',
    });
  });

  it('sends the video follow-ups with videoNo 0-3', () => {
    const video = { ...parent, action: 'video' as const };
    expect(legnextRequest({ request: { action: 'video_extend', taskId: 't', index: 2, prompt: 'keep flying' }, parent: video }))
      .toEqual({ path: '/v1/extend-video', body: { jobId: parent.upstreamId, videoNo: 1, prompt: 'keep flying' } });
    expect(legnextRequest({ request: { action: 'video_upscale', taskId: 't', index: 1 }, parent: video })).toEqual({ path: '/v1/video-upscale', body: { jobId: parent.upstreamId, videoNo: 0 } });
  });

  it('writes the video options as the documented prompt flags', () => {
    const fromUrl = legnextRequest({
      request: { action: 'video', imageUrl: 'https://example.com/start.jpg', prompt: 'Epic camera movement', motion: 'high', raw: true, loop: true, batchSize: 1, endImageUrl: 'https://example.com/end.jpg' },
    });
    expect(fromUrl.body).toEqual({ prompt: 'https://example.com/start.jpg Epic camera movement --motion high --raw --end https://example.com/end.jpg --loop --bs 1', videoType: 0 });
    const fromGrid = legnextRequest({ request: { action: 'video', taskId: 't', index: 1, batchSize: 2 }, parent });
    expect(fromGrid.body).toEqual({ jobId: parent.upstreamId, imageNo: 0, prompt: '--bs 2', videoType: 0 });
  });
});

describe('Legnext capabilities', () => {
  it('names the options a request gives, mask by kind', () => {
    expect(givenOptions({ action: 'inpaint', taskId: 't', index: 1, mask: { url: 'https://x/m.png' }, speed: 'fast' })).toEqual(['mask.url']);
    expect(givenOptions({ action: 'zoom', taskId: 't', index: 1, scale: 1.5, prompt: undefined })).toEqual(['scale']);
  });

  it('refuses turbo on V8 and V8.1 prompts, not on V7', () => {
    expect(unsupportedByLegnext({ action: 'imagine', prompt: 'a fox --v 8.1', speed: 'turbo' })).toMatch(/turbo on Midjourney V8/);
    expect(unsupportedByLegnext({ action: 'imagine', prompt: 'a fox --version 8', speed: 'turbo' })).toMatch(/V8/);
    expect(unsupportedByLegnext({ action: 'imagine', prompt: 'a fox --v 7', speed: 'turbo' })).toBeNull();
    expect(unsupportedByLegnext({ action: 'imagine', prompt: 'a fox --v 8', speed: 'fast' })).toBeNull();
  });

  it('runs every new action at the default speed only', () => {
    expect(unsupportedByLegnext({ action: 'remove_background', imageUrl: 'https://x/a.png' })).toBeNull();
    expect(unsupportedByLegnext({ action: 'enhance', taskId: 't', index: 1, speed: 'turbo' })).toMatch(/fast only/);
  });
});

describe('Legnext one-image results', () => {
  it('reads a Topaz result that fills both image_url and image_urls as one image', () => {
    const url = 'https://cdn.legnext.ai/mj/f3efd852_up.jpeg';
    expect(legnextOutput({ image_url: url, image_urls: [url], seed: '' }, 'enhance_upscale')).toMatchObject({ gridImageUrl: null, imageUrls: [url] });
  });

  it('reads a background removal from image_url alone', () => {
    expect(legnextOutput({ image_url: 'https://cdn/x.png', image_urls: null }, 'remove_background').imageUrls).toEqual(['https://cdn/x.png']);
  });

  it('keeps a grid result of an edit as a grid', () => {
    const out = legnextOutput({ image_url: 'https://cdn/grid.png', image_urls: ['a', 'b', 'c', 'd'] }, 'edit');
    expect(out).toMatchObject({ gridImageUrl: 'https://cdn/grid.png', imageUrls: ['a', 'b', 'c', 'd'] });
  });
});
