--[[
  Admits a task to a provider: the slot it was handed, or a free slot of the first candidate that has one (waiters
  are served first), its tenant's cap permitting; else, when asked, puts it in line for every candidate.

  Input (keys are built from the roots, see includes/room.lua):
    ARGV[1]  slots root          ARGV[2] room root          ARGV[3] circuit root
    ARGV[4]  now (ms epoch)      ARGV[5] hand-off marker ttl (s)
    ARGV[6]  task id             ARGV[7] tenant             ARGV[8] the tenant's cap ('' = none)
    ARGV[9]  lease end of a slot taken (ms epoch)           ARGV[10] the task's submission job id
    ARGV[11] its place in line (arrival, ms)
    ARGV[12] candidate providers, in order of preference (comma-separated)
    ARGV[13] their slot maxima, in the same order
    ARGV[14] '1': wait in line when no slot is free
    ARGV[15] '1': take a free slot; '0': only a slot already held, else wait (the candidates take no traffic now)

  Output: {1, provider} the task holds that provider's slot (and its tenant's);
          {0, 'tenant' | 'provider'} no slot: the tenant is at its cap, or every candidate is full (in line if asked).
]]
--- @include "room"
local k = roomKeys(ARGV[1], ARGV[2], ARGV[3])
local now, ttl = tonumber(ARGV[4]), tonumber(ARGV[5])
local id, tenant, cap, lease = ARGV[6], ARGV[7], ARGV[8], ARGV[9]
local cands, maxes = split(ARGV[12]), split(ARGV[13])
local ts = k.tenantSlots(tenant)

-- A slot handed to it while it waited (or taken by an earlier run of its job) is kept, on a candidate.
local handedBy = redis.call('GETDEL', k.handoff(id))
redis.call('ZREM', k.handed, id)
for _, p in ipairs(cands) do
  if redis.call('ZSCORE', k.providerSlots(p), id) then
    redis.call('ZADD', k.providerSlots(p), lease, id)
    if cap ~= '' then redis.call('ZADD', ts, lease, id) end
    return {1, p}
  end
end
-- Handed by a provider it may no longer use (its circuit opened meanwhile): that slot goes back.
if handedBy and redis.call('ZREM', k.providerSlots(handedBy), id) == 1 then redis.call('ZREM', ts, id) end

local blocked = nil
if ARGV[15] ~= '1' then blocked = 'provider' end
if not blocked and cap ~= '' then
  redis.call('ZREMRANGEBYSCORE', ts, '-inf', now)
  if redis.call('ZCARD', ts) >= tonumber(cap) then blocked = 'tenant' end
end
if not blocked then
  for i, p in ipairs(cands) do
    local max = tonumber(maxes[i])
    -- Waiters first: a slot freed by a lapsed lease, or a circuit that may take traffic again, is theirs.
    dispatch(k, p, max, now, ttl)
    local holders = k.providerSlots(p)
    if redis.call('ZCARD', holders) < max then
      redis.call('ZADD', holders, lease, id)
      if cap ~= '' then redis.call('ZADD', ts, lease, id) end
      return {1, p}
    end
  end
  blocked = 'provider'
end

if ARGV[14] == '1' then
  redis.call('HSET', k.waiter(id), 'tenant', tenant, 'cap', cap, 'lease', lease, 'providers', ARGV[12], 'job', ARGV[10], 'at', now)
  for _, p in ipairs(cands) do
    redis.call('ZADD', k.queue(p, tenant), 'NX', ARGV[11], id)
    local rr = k.tenants(p)
    if not redis.call('LPOS', rr, tenant) then redis.call('RPUSH', rr, tenant) end
  end
end
return {0, blocked}
