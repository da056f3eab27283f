--[[
  Takes a slot in each scope in order (tenant, then provider), all or none. Holders are scored by lease end (a crashed
  holder frees its slot when its lease runs out); while nobody waits a free slot is taken at once, otherwise waiters
  queue by arrival and only the first `free` of them may take one. A waiter that stops asking drops out after staleMs.

  Input (the key count varies: three keys per scope):
    KEYS[3i-2], KEYS[3i-1], KEYS[3i] holders, waiters, heartbeats of scope i
    ARGV[1] member
    ARGV[2] now (ms epoch)
    ARGV[3] lease until (ms epoch)
    ARGV[4] order (places a new waiter, e.g. task creation time)
    ARGV[5] staleMs
    ARGV[5+i] the max of scope i

  Output: 0 when every slot is held, else the 1-based index of the scope that is full.
]]
local member, now, lease, order, staleMs = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local function take(h, w, hb, max)
  redis.call('ZREMRANGEBYSCORE', h, '-inf', now)
  if redis.call('ZSCORE', h, member) then
    redis.call('ZADD', h, lease, member)
    return true
  end
  local free = max - redis.call('ZCARD', h)
  if free > 0 and redis.call('ZCARD', w) == 0 then
    redis.call('ZADD', h, lease, member)
    return true
  end
  local stale = redis.call('ZRANGEBYSCORE', hb, '-inf', now - staleMs)
  for _, m in ipairs(stale) do
    redis.call('ZREM', w, m)
    redis.call('ZREM', hb, m)
  end
  redis.call('ZADD', w, 'NX', order, member)
  redis.call('ZADD', hb, now, member)
  if free > 0 and redis.call('ZRANK', w, member) < free then
    redis.call('ZADD', h, lease, member)
    redis.call('ZREM', w, member)
    redis.call('ZREM', hb, member)
    return true
  end
  return false
end
local n = #KEYS / 3
for i = 1, n do
  if not take(KEYS[i * 3 - 2], KEYS[i * 3 - 1], KEYS[i * 3], tonumber(ARGV[5 + i])) then
    for j = 1, i - 1 do redis.call('ZREM', KEYS[j * 3 - 2], member) end
    return i
  end
end
return 0
