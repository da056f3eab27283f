--[[
  Frees the slots of tasks that are final or gone (their holder died between the write and the release, or before
  it could give a slot back): each holder of a provider's or a tenant's slots is looked up, and a final or missing
  task loses every slot and place it holds. A live holder is left alone (its lease still bounds it). A canceled task
  whose upstream job still runs (in the draining set, until its deadline) loses only its tenant slot: its provider slot
  goes when the job ends (room-release) or here, once its deadline has passed.

  Input (keys are built from the roots, see includes/room.lua):
    ARGV[1] slots root     ARGV[2] room root     ARGV[3] circuit root
    ARGV[4] now (ms epoch) ARGV[5] hand-off marker ttl (s)
    ARGV[6] task key root (a task's record is root .. id)
    ARGV[7] every configured provider (comma-separated)     ARGV[8] their slot maxima, in the same order
    ARGV[9] every tenant (comma-separated)
    ARGV[10] the draining set (zset: task -> when its drain ends at the latest, ms)

  Output: the number of tasks whose slots were freed.
]]
--- @include "record"
--- @include "room"
local k = roomKeys(ARGV[1], ARGV[2], ARGV[3])
local now, ttl = tonumber(ARGV[4]), tonumber(ARGV[5])
local providers, maxes = split(ARGV[7]), split(ARGV[8])
local freed, seen = 0, {}
redis.call('ZREMRANGEBYSCORE', ARGV[10], '-inf', now)

local function reclaimFrom(holders, fallbackTenant)
  for _, id in ipairs(redis.call('ZRANGE', holders, 0, -1)) do
    local rec = redis.call('GET', ARGV[6] .. id)
    local st, tenant = nil, fallbackTenant
    if rec then
      local _, s, t = recordHeader(rec)
      st, tenant = s, t or fallbackTenant
    end
    if rec and st and isFinalStatus(st) and redis.call('ZSCORE', ARGV[10], id) then
      if tenant and redis.call('ZREM', k.tenantSlots(tenant), id) == 1 and not seen[id] then freed, seen[id] = freed + 1, true end
    elseif not rec or (st and isFinalStatus(st)) then
      redis.call('ZREM', holders, id)
      if tenant then releaseAll(k, id, tenant, providers) end
      if not seen[id] then freed, seen[id] = freed + 1, true end
    end
  end
end

for _, p in ipairs(providers) do reclaimFrom(k.providerSlots(p), nil) end
for _, t in ipairs(split(ARGV[9])) do reclaimFrom(k.tenantSlots(t), t) end
if freed > 0 then
  for i, p in ipairs(providers) do dispatch(k, p, tonumber(maxes[i]), now, ttl) end
end
return freed
