--[[
  Where a waiting task stands: its place among its tenant's tasks waiting for its first-choice provider, and an
  estimate of the tasks served before it there (tenants take turns: every other tenant with waiters gets about one
  turn per turn of this tenant).

  Input (keys are built from the roots, see includes/room.lua):
    ARGV[1] slots root     ARGV[2] room root     ARGV[3] circuit root     ARGV[4] task id

  Output: {position (1 = next of its tenant), ahead, provider, waiting since (ms epoch)}; nil when not in line.
]]
--- @include "room"
local k = roomKeys(ARGV[1], ARGV[2], ARGV[3])
local id = ARGV[4]
local w = redis.call('HMGET', k.waiter(id), 'tenant', 'providers', 'at')
if not w[1] then return nil end
local p = split(w[2])[1]
local rank = redis.call('ZRANK', k.queue(p, w[1]), id)
if not rank then return nil end
local ahead = rank
for _, t in ipairs(redis.call('LRANGE', k.tenants(p), 0, -1)) do
  if t ~= w[1] then ahead = ahead + math.min(redis.call('ZCARD', k.queue(p, t)), rank + 1) end
end
return {rank + 1, ahead, p, w[3]}
