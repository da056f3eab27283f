/** Verbatim samples from the APIMart docs, as collected in providers.md §1.6 (A1–A7). */

/** A1 — Submit (imagine); the same envelope on every MJ page. */
export const A1_SUBMIT = {
  "code": 200,
  "data": [
    {
      "status": "submitted",
      "task_id": "task_01KV52C0TEJSYZMCG0NCS4YWKK"
    }
  ]
};

/** A2 — MJ-style query, SUCCESS (imagine). */
export const A2_MJ_SUCCESS = {
  "id": "task_01KV52C0TEJSYZMCG0NCS4YWKK",
  "status": "SUCCESS",
  "action": "IMAGINE",
  "progress": "100%",
  "grid_image_url": "https://cdn.apimart.ai/mj_xxxx.png",
  "image_urls": [
    "https://cdn.apimart.ai/mj_xxxx_0.png",
    "https://cdn.apimart.ai/mj_xxxx_1.png",
    "https://cdn.apimart.ai/mj_xxxx_2.png",
    "https://cdn.apimart.ai/mj_xxxx_3.png"
  ],
  "buttons": [
    {"customId": "MJ::JOB::upsample::1::abc123def456", "label": "U1"},
    {"customId": "MJ::JOB::variation::1::abc123def456", "label": "V1"}
  ],
  "prompt": "a beautiful sunset over mountains"
};

/** A3a — Unified task query, completed: `url` is a string[]. */
export const A3A_UNIFIED_COMPLETED = {
  "code": 200,
  "data": {
    "id": "task_01KA040M0HP1GJWBJYZMKX1XS1",
    "status": "completed",
    "progress": 100,
    "result": {
      "images": [
        {
          "url": [
            "https://upload.apimart.ai/f/image/9998236911693428-e8d7441f-f7b4-4130-97ad-9ef8a0dde2ce-image_task_01KA0413RT2GGNZJ9GWQ4PXF2F_0.png"
          ],
          "expires_at": 1763174708
        }
      ]
    },
    "created": 1763088289,
    "completed": 1763088308,
    "estimated_time": 60,
    "actual_time": 19
  }
};

/** A3b — Unified task query, completed (other doc version): `url` is a string. */
export const A3B_UNIFIED_COMPLETED = {
  "code": 200,
  "data": {
    "id": "task-unified-1757156493-k9m2xpvw",
    "status": "completed",
    "progress": 100,
    "result": {
      "images": [
        {
          "url": "https://example.com/generated-image.png",
          "expires_at": 1757242893
        }
      ]
    },
    "created": 1757156493,
    "completed": 1757156593,
    "estimated_time": 100,
    "actual_time": 100
  }
};

/** A4 — Inpaint step-1 result ("modal" state). */
export const A4_INPAINT_MODAL = {
  "task_id": "task_03_inpaint...",
  "status": "modal",
  "model": "midjourney"
};

/** A5 — Variation SUCCESS (abridged by the docs themselves). */
export const A5_VARIATION_SUCCESS = {
  "id": "task_xxx",
  "status": "SUCCESS",
  "action": "VARIATION",
  "grid_image_url": "...",
  "image_urls": ["...", "...", "...", "..."]
};

/** A6 — Describe SUCCESS: the source copy is cut after `"description": "1`, so it is kept as text. */
export const A6_DESCRIBE_VERBATIM = "{\n  \"id\": \"task_xxx\",\n  \"status\": \"SUCCESS\",\n  \"action\": \"DESCRIBE\",\n  \"mode\": \"DESCRIBE\",\n  \"prompt\": \"1️⃣ a serene mountain lake at sunrise --ar 3:2\\n2️⃣ mountain landscape with reflections --v 6.1\\n3️⃣ panoramic view of alpine lake --ar 16:9\\n4️⃣ dawn light over still water --s 250\",\n  \"description\": \"1…   <- truncated in source copy\n";

/** A6 up to the cut: every complete field, unchanged. */
export const A6_DESCRIBE = {
  "id": "task_xxx",
  "status": "SUCCESS",
  "action": "DESCRIBE",
  "mode": "DESCRIBE",
  "prompt": "1️⃣ a serene mountain lake at sunrise --ar 3:2\n2️⃣ mountain landscape with reflections --v 6.1\n3️⃣ panoramic view of alpine lake --ar 16:9\n4️⃣ dawn light over still water --s 250"
};

/** A7 — the reroll page's error table (a table in the docs, so HTTP status, code and text as rows). */
export const A7_ERRORS = [
  { http: 400, code: 4, description: 'task_id is required for reroll' },
  { http: 400, code: 4, description: 'task ... is not in SUCCESS state' },
  { http: 404, code: 3, description: 'task ... not found' },
  { http: 502, code: 9, description: 'Service rejected' },
] as const;
