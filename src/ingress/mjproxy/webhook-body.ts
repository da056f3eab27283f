/** notifyHook posts: a task submitted with a notifyHook gets the midjourney-proxy VO as its webhook body. */
import type { TaskRecord } from '../../domain/task.js';
import type { ProviderRegistry } from '../../services/providers.js';
import { canRunOn } from './reads.js';
import { taskVo } from './vo.js';

export function mjProxyWebhookBody(providers: ProviderRegistry): (rec: TaskRecord) => string | undefined {
  return (rec) => (rec.priv.mjProxy?.hook ? JSON.stringify(taskVo(rec.task, rec.priv.mjProxy, canRunOn({ providers }, rec.task.provider))) : undefined);
}
