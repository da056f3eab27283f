--[[
  Accepts a task, all or nothing: the idempotency claim, the budget check and reservation, the record, its indexes
  and its id on the intake list (a worker's intake adds its submission job).

  Input:
    KEYS[1] task record
    KEYS[2] the tenant's task index
    KEYS[3] active set (non-final tasks by deadline)
    KEYS[4] unqueued set (written, submission job not yet seen running)
    KEYS[5] idempotency key (unused when ARGV[4] is '')
    KEYS[6] open reservations (zset)
    KEYS[7] usage hash of the task's UTC day
    KEYS[8] usage hash of the task's month (running totals)
    KEYS[9] intake list

    ARGV[1]  task id
    ARGV[2]  the record (version 1)
    ARGV[3]  deadline (ms epoch)
    ARGV[4]  idempotency value `<taskId>|<bodyHash>` ('' = no idempotency key)
    ARGV[5]  idempotency ttl (s)
    ARGV[6]  record ttl (s): retention past the deadline, a safety net for a record that never turns final
    ARGV[7]  now (ms epoch)
    ARGV[8]  reserved micros ('' = no reservation)
    ARGV[9]  monthly limit in micros ('' = no limit)
    ARGV[10] usage field counting the submit (`sub|<action>`)
    ARGV[11] usage hash ttl (s)
    ARGV[12] when the reconciler looks at the reservation (ms epoch)
    ARGV[13] reservation member

  Output: {0, ''} created (or created already by this very call, run again after a lost answer);
          {1, stored idempotency value} the key was used already; {2, month's spent + reserved} over budget.
]]
-- The record first, only if it is new (one command for the check and the write): a call run again after a lost answer
-- finds it and changes nothing. A refusal below takes it back, so a refused call leaves nothing either.
if not redis.call('SET', KEYS[1], ARGV[2], 'NX', 'EX', ARGV[6]) then return {0, ''} end
local idem = ARGV[4] ~= ''
if idem then
  local existing = redis.call('GET', KEYS[5])
  if existing then
    redis.call('DEL', KEYS[1])
    return {1, existing}
  end
end
local reserve = ARGV[8] ~= ''
if reserve and ARGV[9] ~= '' then
  local m = redis.call('HMGET', KEYS[8], 'res', 'spent')
  local used = (tonumber(m[1]) or 0) + (tonumber(m[2]) or 0)
  if used + tonumber(ARGV[8]) > tonumber(ARGV[9]) then
    redis.call('DEL', KEYS[1])
    return {2, used}
  end
end
if idem then redis.call('SET', KEYS[5], ARGV[4], 'EX', ARGV[5]) end
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
