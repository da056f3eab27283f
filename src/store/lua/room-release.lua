--[[
  Frees every slot a task holds and its place in any line; then, when asked, hands the freed slots to the next
  waiters in the same call (a slot never sits free while an eligible task waits for it).

  Input (keys are built from the roots, see includes/room.lua):
    ARGV[1] slots root     ARGV[2] room root     ARGV[3] circuit root
    ARGV[4] now (ms epoch) ARGV[5] hand-off marker ttl (s)
    ARGV[6] task id        ARGV[7] tenant
    ARGV[8] every configured provider (comma-separated)     ARGV[9] their slot maxima, in the same order
    ARGV[10] '1': hand the freed slots over now; '0': leave them to the next admission or sweep
    ARGV[11] the draining set, when the release ends a canceled task's drain ('' = none): the task leaves it

  Output: the number of waiters handed a slot.
]]
--- @include "room"
local k = roomKeys(ARGV[1], ARGV[2], ARGV[3])
local now, ttl = tonumber(ARGV[4]), tonumber(ARGV[5])
local providers, maxes = split(ARGV[8]), split(ARGV[9])
if (ARGV[11] or '') ~= '' then redis.call('ZREM', ARGV[11], ARGV[6]) end
releaseAll(k, ARGV[6], ARGV[7], providers)
if ARGV[10] ~= '1' then return 0 end
local handed = 0
for i, p in ipairs(providers) do handed = handed + dispatch(k, p, tonumber(maxes[i]), now, ttl) end
return handed
