/** Verbatim samples from the Legnext docs, as collected in providers.md §3.4. */

export const L1_PENDING = {
  "job_id": "789320d3-4b20-46d3-a804-6165a079176a",
  "model": "midjourney",
  "task_type": "diffusion",
  "status": "pending",
  "config": {
    "service_mode": "public",
    "webhook_config": {
      "endpoint": "",
      "secret": ""
    }
  },
  "input": null,
  "output": {
    "image_url": "",
    "image_urls": null,
    "seed": ""
  },
  "meta": {
    "created_at": "2025-12-17T11:08:36Z",
    "started_at": "0001-01-01T00:00:00Z",
    "ended_at": "0001-01-01T00:00:00Z",
    "usage": {
      "type": "point",
      "frozen": 80,
      "consume": 0
    }
  },
  "detail": null,
  "logs": [],
  "error": {
    "code": 0,
    "raw_message": "",
    "message": "",
    "detail": null
  }
};

export const L2_COMPLETED = {
  "job_id": "a616de55-6130-4e1f-b8cd-531ed0599353",
  "model": "midjourney",
  "task_type": "diffusion",
  "status": "completed",
  "config": {
    "service_mode": "public",
    "webhook_config": {
      "endpoint": "https://webhook.site/xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx",
      "secret": ""
    }
  },
  "input": null,
  "output": {
    "image_url": "https://cdn.legnext.ai/temp/1760408558306.png",
    "image_urls": [
      "https://cdn.legnext.ai/mj/a616de55-6130-4e1f-b8cd-531ed0599353_0.png",
      "https://cdn.legnext.ai/mj/a616de55-6130-4e1f-b8cd-531ed0599353_1.png",
      "https://cdn.legnext.ai/mj/a616de55-6130-4e1f-b8cd-531ed0599353_2.png",
      "https://cdn.legnext.ai/mj/a616de55-6130-4e1f-b8cd-531ed0599353_3.png"
    ],
    "seed": "1904983176",
    "available_actions": {
      "edit": [
        0,
        1,
        2,
        3
      ],
      "inpaint": [
        0,
        1,
        2,
        3
      ],
      "outpaint": [
        0,
        1,
        2,
        3
      ],
      "pan": [
        0,
        1,
        2,
        3
      ],
      "remix": [
        0,
        1,
        2,
        3
      ],
      "reroll": true,
      "upscale": [
        0,
        1,
        2,
        3
      ],
      "variation": [
        0,
        1,
        2,
        3
      ]
    }
  },
  "meta": {
    "created_at": "2025-10-14T02:22:04Z",
    "started_at": "2025-10-14T02:22:06Z",
    "ended_at": "2025-10-14T02:22:50Z",
    "usage": {
      "type": "point",
      "frozen": 80,
      "consume": 80
    }
  },
  "detail": null,
  "logs": [],
  "error": {
    "code": 0,
    "raw_message": "",
    "message": "",
    "detail": null
  }
};

export const L3_VARIATION_COMPLETED = {
  "job_id": "340721c6-86eb-4620-ba38-8df46fb507b6",
  "model": "midjourney",
  "task_type": "variation",
  "status": "completed",
  "config": {
    "service_mode": "public",
    "webhook_config": {
      "endpoint": "https://webhook.site/xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx",
      "secret": ""
    }
  },
  "input": null,
  "output": {
    "image_url": "https://cdn.legnext.ai/temp/1760409500232.png",
    "image_urls": [
      "https://cdn.legnext.ai/mj/340721c6-86eb-4620-ba38-8df46fb507b6_0.png",
      "https://cdn.legnext.ai/mj/340721c6-86eb-4620-ba38-8df46fb507b6_1.png",
      "https://cdn.legnext.ai/mj/340721c6-86eb-4620-ba38-8df46fb507b6_2.png",
      "https://cdn.legnext.ai/mj/340721c6-86eb-4620-ba38-8df46fb507b6_3.png"
    ],
    "seed": "3546238130",
    "available_actions": {
      "edit": [
        0,
        1,
        2,
        3
      ],
      "inpaint": [
        0,
        1,
        2,
        3
      ],
      "outpaint": [
        0,
        1,
        2,
        3
      ],
      "pan": [
        0,
        1,
        2,
        3
      ],
      "remix": [
        0,
        1,
        2,
        3
      ],
      "reroll": true,
      "upscale": [
        0,
        1,
        2,
        3
      ],
      "variation": [
        0,
        1,
        2,
        3
      ]
    }
  },
  "meta": {
    "created_at": "2025-10-14T02:36:32Z",
    "started_at": "2025-10-14T02:36:32Z",
    "ended_at": "2025-10-14T02:38:34Z",
    "usage": {
      "type": "point",
      "frozen": 120,
      "consume": 120
    }
  },
  "detail": null,
  "logs": [],
  "error": {
    "code": 0,
    "raw_message": "",
    "message": "",
    "detail": null
  }
};

export const L4_DESCRIBE_PENDING = {
  "job_id": "54aeca4b-f443-41f3-8b94-28cbdc2e7e20",
  "model": "midjourney",
  "task_type": "describe",
  "status": "pending",
  "config": {
    "service_mode": "public",
    "webhook_config": {
      "endpoint": "",
      "secret": ""
    }
  },
  "input": null,
  "output": {
    "promptEn": "",
    "description": "",
    "finalPrompt": "",
    "prompts": []
  },
  "meta": {
    "created_at": "",
    "started_at": "",
    "ended_at": "",
    "usage": {
      "type": "point",
      "frozen": 20,
      "consume": 0
    }
  },
  "detail": null,
  "logs": [],
  "error": {
    "code": 0,
    "raw_message": "",
    "message": "",
    "detail": null
  }
};

export const L5_VIDEO_PENDING = {
  "job_id": "d55cb628-3f71-4be8-bea1-4e01319b6589",
  "model": "midjourney",
  "task_type": "video_diffusion",
  "status": "pending",
  "config": {
    "service_mode": "public",
    "webhook_config": {
      "endpoint": "https://webhook.site/xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx",
      "secret": ""
    }
  },
  "input": null,
  "output": {
    "video_urls": null,
    "seed": ""
  },
  "meta": {
    "created_at": "",
    "started_at": "",
    "ended_at": "",
    "usage": {
      "type": "point",
      "frozen": 480,
      "consume": 0
    }
  },
  "detail": null,
  "logs": [],
  "error": {
    "code": 0,
    "raw_message": "",
    "message": "",
    "detail": null
  }
};

export const L7_FAILED = {
  "job_id": "uuid",
  "status": "failed",
  "error": {
    "code": 400,
    "message": "Error description"
  }
};

export const L6_400 = {
  "code": 400,
  "message": "Invalid request parameters",
  "raw_message": "Invalid request parameters",
  "detail": null
};

export const L6_401 = {
  "code": 401,
  "message": "Failed to verify api key",
  "raw_message": "",
  "detail": null
};
