/** Lua scripts: each task write is one atomic call that checks the version and never touches a final task. */

/**
 * KEYS: task, tenant index, active set, unqueued set, idempotency key ('' when none)
 * ARGV: id, doc, status, priv, tenant, action, deadline(ms), idemValue, idemTtlSec, safetyTtlSec, now(ms)
 * Returns '' when created, or the stored idempotency value when the key was already used.
 */
export const CREATE_TASK = `
if KEYS[5] ~= '' then
  local existing = redis.call('GET', KEYS[5])
  if existing then return existing end
  redis.call('SET', KEYS[5], ARGV[8], 'EX', tonumber(ARGV[9]))
end
redis.call('HSET', KEYS[1], 'doc', ARGV[2], 'st', ARGV[3], 'pv', ARGV[4], 'tn', ARGV[5], 'ac', ARGV[6], 'v', 1)
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[10]))
redis.call('ZADD', KEYS[2], 0, ARGV[1])
redis.call('ZADD', KEYS[3], tonumber(ARGV[7]), ARGV[1])
redis.call('ZADD', KEYS[4], tonumber(ARGV[11]), ARGV[1])
return ''
`;

/**
 * KEYS: task, active set
 * ARGV: expected version, doc, status, priv, final('1'|'0'), retentionSec, id
 * Returns the new version, -1 missing, -2 already final, -3 version conflict.
 */
export const UPDATE_TASK = `
local cur = redis.call('HMGET', KEYS[1], 'v', 'st')
if not cur[1] then return -1 end
if cur[2] == 'succeeded' or cur[2] == 'failed' or cur[2] == 'canceled' then return -2 end
if cur[1] ~= ARGV[1] then return -3 end
local v = tonumber(cur[1]) + 1
redis.call('HSET', KEYS[1], 'doc', ARGV[2], 'st', ARGV[3], 'pv', ARGV[4], 'v', v)
if ARGV[5] == '1' then
  redis.call('ZREM', KEYS[2], ARGV[7])
  redis.call('EXPIRE', KEYS[1], tonumber(ARGV[6]))
end
return v
`;
