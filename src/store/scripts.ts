/**
 * Lua scripts: each task write is one atomic call that checks the version and never touches a final task.
 *
 * A task is one Redis string (see task-store.ts): `<version>|<status>|<tenant>|<action>|<reserved micros>`, a
 * newline, the private JSON, a newline, the public JSON. JSON text never holds a raw newline.
 */

/**
 * Accepting a task, all or nothing: the idempotency claim, the budget check and reservation, the record, its indexes
 * and the intake list (the workers' intake adds its submission job).
 * KEYS: task, tenant index, active set, unqueued set, idempotency key ('' when none), open reservations (zset),
 * the usage hash of the task's day, the month's running totals, intake list
 * ARGV: id, value, deadline(ms), idemValue, idemTtlSec, safetyTtlSec, now(ms), reserved micros ('' reserves nothing),
 * monthly limit in micros (-1: none), count field (`sub|<action>`), usage ttlSec, reconcile due (ms), reservation member
 * Returns {0, ''} when created (or already created by this very call, run again after a lost answer), {1, stored
 * idempotency value} when the key was already used, {2, month's spent + reserved} when the budget would be passed.
 */
export const CREATE_TASK = `
-- The record first, only if it is new (one command for the check and the write): a call run again after a lost answer
-- finds it and changes nothing. A refusal below takes it back, so a refused call leaves nothing either.
if not redis.call('SET', KEYS[1], ARGV[2], 'NX', 'EX', ARGV[6]) then return {0, ''} end
if KEYS[5] ~= '' then
  local existing = redis.call('GET', KEYS[5])
  if existing then
    redis.call('DEL', KEYS[1])
    return {1, existing}
  end
end
local reserve = ARGV[8] ~= ''
if reserve and tonumber(ARGV[9]) >= 0 then
  local m = redis.call('HMGET', KEYS[8], 'res', 'spent')
  local used = (tonumber(m[1]) or 0) + (tonumber(m[2]) or 0)
  if used + tonumber(ARGV[8]) > tonumber(ARGV[9]) then
    redis.call('DEL', KEYS[1])
    return {2, used}
  end
end
if KEYS[5] ~= '' then redis.call('SET', KEYS[5], ARGV[4], 'EX', ARGV[5]) end
redis.call('ZADD', KEYS[2], 0, ARGV[1])
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[1])
redis.call('ZADD', KEYS[4], ARGV[7], ARGV[1])
redis.call('LPUSH', KEYS[9], ARGV[1])
if reserve then
  redis.call('HINCRBY', KEYS[7], 'res', ARGV[8])
  redis.call('HINCRBY', KEYS[8], 'res', ARGV[8])
  -- A day hash is new only with the first task of some action that day, and a month hash only when its day hash is:
  -- their expiry is set then, not on every create (usage keys live for a year past their first write).
  if redis.call('HINCRBY', KEYS[7], ARGV[10], 1) == 1 then
    redis.call('EXPIRE', KEYS[7], ARGV[11])
    redis.call('EXPIRE', KEYS[8], ARGV[11])
  end
  redis.call('ZADD', KEYS[6], ARGV[12], ARGV[13])
end
return {0, ''}
`;

/**
 * KEYS: task, active set
 * ARGV: expected version, status, private JSON + newline + public JSON, final('1'|'0'), retentionSec, id,
 * tenant and action (used only to rewrite a record of an older version, a hash, in today's form)
 * Returns the new version, -1 missing, -2 already final, -3 version conflict.
 */
export const UPDATE_TASK = `
local cur = redis.pcall('GET', KEYS[1])
if not cur then return -1 end
local legacy = type(cur) == 'table'
local v, st, fixed
if legacy then
  local h = redis.call('HMGET', KEYS[1], 'v', 'st')
  if not h[1] then return -1 end
  v, st, fixed = h[1], h[2], ARGV[7] .. '|' .. ARGV[8] .. '|'
else
  v, st, fixed = string.match(cur, '^(%d+)|(%a+)|([^\\n]*)\\n')
end
if st == 'succeeded' or st == 'failed' or st == 'canceled' then return -2 end
if v ~= ARGV[1] then return -3 end
local nv = tonumber(v) + 1
local value = nv .. '|' .. ARGV[2] .. '|' .. fixed .. '\\n' .. ARGV[3]
if legacy then
  local ttl = redis.call('PTTL', KEYS[1])
  redis.call('DEL', KEYS[1])
  if ttl > 0 then redis.call('SET', KEYS[1], value, 'PX', ttl) else redis.call('SET', KEYS[1], value) end
else
  redis.call('SET', KEYS[1], value, 'KEEPTTL')
end
if ARGV[4] == '1' then
  redis.call('ZREM', KEYS[2], ARGV[6])
  redis.call('EXPIRE', KEYS[1], ARGV[5])
end
return nv
`;

/**
 * Ends a reservation once. Its member in the open set is the token: removed here, so a second settle finds nothing.
 * KEYS: open reservations (zset), the usage hash of the task's day, that month's running totals, task,
 * the reservation key of an older version
 * ARGV: member ('' = build it from the task's record), task id, day, tenant, action, charged micros,
 * outcome field ('' none), cost field
 * Returns 1 when settled now, 0 when there was nothing (left) to settle.
 */
export const SETTLE = `
local member = ARGV[1]
if member == '' then
  local cur = redis.pcall('GET', KEYS[4])
  if type(cur) == 'string' then
    local micros = string.match(cur, '^%d+|%a+|[^|\\n]*|[^|\\n]*|(%d+)\\n')
    if micros then member = ARGV[2] .. '|' .. ARGV[3] .. '|' .. micros .. '|' .. ARGV[4] .. '|' .. ARGV[5] end
  end
end
local reserved
if member ~= '' then
  if redis.call('ZREM', KEYS[1], member) == 0 then return 0 end
  reserved = tonumber(string.match(member, '^[^|]*|[^|]*|(%d+)|'))
else
  -- Reserved by an older version: a key of its own (day|micros|tenant|action), the bare task id in the open set.
  local old = redis.call('GET', KEYS[5])
  if not old then return 0 end
  reserved = tonumber(string.match(old, '^[^|]*|(%d+)|'))
  redis.call('DEL', KEYS[5])
  redis.call('ZREM', KEYS[1], ARGV[2])
end
local charged = tonumber(ARGV[6])
redis.call('HINCRBY', KEYS[2], 'res', -reserved)
redis.call('HINCRBY', KEYS[2], 'spent', charged)
redis.call('HINCRBY', KEYS[3], 'res', -reserved)
redis.call('HINCRBY', KEYS[3], 'spent', charged)
if ARGV[7] ~= '' then redis.call('HINCRBY', KEYS[2], ARGV[7], 1) end
if charged > 0 then redis.call('HINCRBY', KEYS[2], ARGV[8], charged) end
return 1
`;
